// fuzz/umdd/protocol_fuzz.cpp — umdd's request decoder (what any local user can send to
// the privileged daemon) and the client's reply decoder, on arbitrary bytes.
// Every input must decode or be refused with an error; a request that decodes must
// encode back to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "apps/umdd/protocol/protocol.h"

using namespace umd;
using namespace umd::daemon;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    ByteView input(data, size);
    if (auto request = decode_request(input)) {
        auto& [header, fields] = *request;
        switch (header.operation) {
        case Operation::pgp_verify:
            if (auto r = decode_pgp_verify(fields)) {
                Bytes again = encode_fields(*r);
                ByteReader reread(again, "re-encoded");
                if (!decode_pgp_verify(reread)) std::abort();
            }
            break;
        case Operation::sample_write: (void)decode_sample_write(fields); break;
        case Operation::rpm_verify: (void)decode_rpm_verify(fields); break;
        case Operation::pgp_show:
        case Operation::rpm_show: (void)decode_show(fields); break;
        case Operation::trust_add:
            if (auto r = decode_trust_add(fields)) {
                Bytes again = encode_fields(*r);
                ByteReader reread(again, "re-encoded");
                if (!decode_trust_add(reread)) std::abort();
            }
            break;
        case Operation::trust_remove: (void)decode_trust_remove(fields); break;
        case Operation::trust_check: (void)decode_trust_check(fields); break;
        case Operation::guard_mode: (void)decode_guard_mode(fields); break;
        case Operation::guard_check: (void)decode_guard_check(fields); break;
        case Operation::bpfilter: (void)decode_bpfilter(fields); break;
        case Operation::bpfilter_eval: (void)decode_bpfilter_eval(fields); break;
        case Operation::guard_status:
        case Operation::trust_list:
        case Operation::status:
        case Operation::reload: (void)fields.expect_end(); break;
        }
    }
    (void)decode_rpm_digest_list(input);   // what the client reads back from its memfd
    if (auto reply = decode_reply(input); reply && reply->fields) {
        ByteReader a(*reply->fields, "status");
        (void)decode_status(a);
        ByteReader b(*reply->fields, "verify");
        (void)decode_pgp_verify_reply(b);
        ByteReader c(*reply->fields, "rpm");
        (void)decode_rpm_verify_reply(c);
        ByteReader d(*reply->fields, "trust add");
        (void)decode_trust_add_reply(d);
        ByteReader e(*reply->fields, "trust check");
        (void)decode_trust_check_reply(e);
        ByteReader f(*reply->fields, "document");
        (void)decode_document_reply(f);
        ByteReader g(*reply->fields, "guard check");
        (void)decode_guard_check_reply(g);
        ByteReader h(*reply->fields, "bpfilter");
        (void)decode_bpfilter_reply(h);
        ByteReader i(*reply->fields, "bpfilter eval");
        (void)decode_bpfilter_eval_reply(i);
    }
    return 0;
}
