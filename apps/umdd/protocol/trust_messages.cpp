// apps/umdd/protocol/trust_messages.cpp — the show, document and trust database messages (both sides).
// The daemon decodes the requests (a client's bytes, not trusted); the client decodes
// the replies (believed only from a daemon whose credentials it checked).
#include "apps/umdd/protocol/fields.h"

namespace umd::daemon {

using namespace fields;

Bytes encode_fields(const ShowRequest& r)
{
    ByteWriter out;
    put_string(out, r.name);
    return std::move(out).take();
}

Result<ShowRequest> decode_show(ByteReader& in)
{
    ShowRequest r;
    r.name = UMD_TRY(get_string(in));
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const DocumentReply& r)
{
    ByteWriter out;
    out.u64(r.size);
    return std::move(out).take();
}

Result<DocumentReply> decode_document_reply(ByteReader& in)
{
    DocumentReply r;
    r.size = UMD_TRY(in.u64());
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const TrustAddRequest& r)
{
    ByteWriter out;
    out.u32(r.keyrings);
    out.u8(r.allow_weak_digests ? 1 : 0);
    put_names(out, r.names);
    return std::move(out).take();
}

Result<TrustAddRequest> decode_trust_add(ByteReader& in)
{
    TrustAddRequest r;
    r.keyrings = UMD_TRY(get_count(in, max_fds - 1, "keyrings"));
    r.allow_weak_digests = UMD_TRY(get_flag(in));
    r.names = UMD_TRY(get_names(in));
    if (r.names.size() <= r.keyrings || r.names.size() - r.keyrings > max_trust_add)
        return fail(Errc::bad_input, "trust add: {} file names for {} keyrings and 1 to {} packages", r.names.size(), r.keyrings,
                    max_trust_add);
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const TrustAddReply& r)
{
    ByteWriter out;
    const std::size_t n = std::min(r.packages.size(), max_trust_add);
    out.u32(static_cast<std::uint32_t>(n));
    for (std::size_t i = 0; i < n; ++i)
        put_result(out, r.packages[i], [](ByteWriter& o, const std::string& nevra) { put_string(o, nevra); });
    return std::move(out).take();
}

Result<TrustAddReply> decode_trust_add_reply(ByteReader& in)
{
    TrustAddReply r;
    auto n = UMD_TRY(get_count(in, max_trust_add, "trust add verdicts"));
    for (std::uint32_t i = 0; i < n; ++i)
        r.packages.push_back(UMD_TRY(get_result<std::string>(in, [](ByteReader& i) { return get_string(i); })));
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const TrustRemoveRequest& r)
{
    ByteWriter out;
    put_string(out, r.nevra);
    return std::move(out).take();
}

Result<TrustRemoveRequest> decode_trust_remove(ByteReader& in)
{
    TrustRemoveRequest r;
    // Not made printable: the NEVRA is a key that must match the database's exactly.
    auto v = UMD_TRY(in.blob(max_string));
    r.nevra.assign(reinterpret_cast<const char*>(v.data()), v.size());
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const TrustCheckRequest& r)
{
    ByteWriter out;
    out.u8(r.allow_weak_digests ? 1 : 0);
    put_names(out, r.names);
    return std::move(out).take();
}

Result<TrustCheckRequest> decode_trust_check(ByteReader& in)
{
    TrustCheckRequest r;
    r.allow_weak_digests = UMD_TRY(get_flag(in));
    r.names = UMD_TRY(get_names(in));
    if (r.names.empty() || r.names.size() > max_trust_check)
        return fail(Errc::bad_input, "trust check: {} files, 1 to {} a request", r.names.size(), max_trust_check);
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const TrustCheckReply& r)
{
    ByteWriter out;
    const std::size_t n = std::min(r.files.size(), max_trust_check);
    out.u32(static_cast<std::uint32_t>(n));
    for (std::size_t i = 0; i < n; ++i)
        put_result(out, r.files[i], [](ByteWriter& o, const TrustCheckAnswer& a) {
            put_string(o, a.digest);
            o.u32(a.vouchers);
            put_string(o, a.nevra);
            put_string(o, a.path);
        });
    return std::move(out).take();
}

Result<TrustCheckReply> decode_trust_check_reply(ByteReader& in)
{
    TrustCheckReply r;
    auto n = UMD_TRY(get_count(in, max_trust_check, "trust check answers"));
    for (std::uint32_t i = 0; i < n; ++i)
        r.files.push_back(UMD_TRY(get_result<TrustCheckAnswer>(in, [](ByteReader& i) -> Result<TrustCheckAnswer> {
            TrustCheckAnswer a;
            a.digest = UMD_TRY(get_string(i));
            a.vouchers = UMD_TRY(i.u32());
            a.nevra = UMD_TRY(get_string(i));
            a.path = UMD_TRY(get_string(i));
            if ((a.vouchers == 0) != a.nevra.empty())
                return fail(Errc::protocol, "umdd reply: {} vouchers but a voucher named \"{}\"", a.vouchers, a.nevra);
            return a;
        })));
    UMD_TRY(in.expect_end());
    return r;
}

}  // namespace umd::daemon
