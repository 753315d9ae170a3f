// apps/umdd/protocol/protocol.cpp — encoding and bounded decoding of umdd's messages.
// Both sides; the daemon decodes what a client sends, the client what the daemon replies.
#include "apps/umdd/protocol/protocol.h"

#include "apps/umdd/protocol/fields.h"

namespace umd::daemon {
namespace {

using namespace fields;

void put_optional(ByteWriter& out, const std::optional<std::int64_t>& v)
{
    out.u8(v ? 1 : 0);
    out.u64(static_cast<std::uint64_t>(v.value_or(0)));
}

Result<std::optional<std::int64_t>> get_optional(ByteReader& in)
{
    auto present = UMD_TRY(get_flag(in));
    auto value = UMD_TRY(in.u64());
    if (!present) return std::optional<std::int64_t>{};
    return std::optional<std::int64_t>(static_cast<std::int64_t>(value));
}

}  // namespace

Access access_of(Operation op) noexcept
{
    switch (op) {
    case Operation::status:
    case Operation::sample_write:
    case Operation::pgp_verify:
    case Operation::rpm_verify:
    case Operation::pgp_show:
    case Operation::rpm_show:
    case Operation::trust_list:
    case Operation::trust_check:
    case Operation::guard_status:
    case Operation::guard_check: return Access::anyone;
    case Operation::guard_mode:
    case Operation::bpfilter:
    case Operation::bpfilter_eval:
    case Operation::reload:
    case Operation::trust_add:
    case Operation::trust_remove: return Access::administrator;
    }
    return Access::administrator;
}

std::string_view operation_name(Operation op) noexcept
{
    switch (op) {
    case Operation::status: return "status";
    case Operation::sample_write: return "sample write";
    case Operation::pgp_verify: return "pgp verify";
    case Operation::reload: return "reload";
    case Operation::rpm_verify: return "rpm verify";
    case Operation::pgp_show: return "pgp show";
    case Operation::rpm_show: return "rpm show";
    case Operation::trust_add: return "trust add";
    case Operation::trust_remove: return "trust remove";
    case Operation::trust_list: return "trust list";
    case Operation::trust_check: return "trust check";
    case Operation::guard_status: return "guard status";
    case Operation::guard_mode: return "guard mode";
    case Operation::guard_check: return "guard check";
    case Operation::bpfilter: return "bpfilter";
    case Operation::bpfilter_eval: return "bpfilter eval";
    }
    return "unknown";
}

Bytes encode_request(const RequestHeader& header, ByteView fields)
{
    ByteWriter out;
    out.u32(request_magic);
    out.u16(protocol_version);
    out.u16(static_cast<std::uint16_t>(header.operation));
    out.u32(header.id);
    out.bytes(fields);
    return std::move(out).take();
}

Result<std::pair<RequestHeader, ByteReader>> decode_request(ByteView message)
{
    if (message.size() > max_message) return fail(Errc::bad_input, "request of {} bytes, at most {}", message.size(), max_message);
    ByteReader in(message, "umdd request");
    auto magic = UMD_TRY(in.u32());
    auto version = UMD_TRY(in.u16());
    auto op = UMD_TRY(in.u16());
    auto id = UMD_TRY(in.u32());
    if (magic != request_magic) return fail(Errc::bad_input, "not a umdd request (magic {:#x})", magic);
    if (version != protocol_version) return fail(Errc::bad_input, "protocol version {} (this umdd speaks {})", version, protocol_version);
    auto operation = static_cast<Operation>(op);
    if (operation_name(operation) == "unknown") return fail(Errc::bad_input, "unknown operation {}", op);
    return std::pair{RequestHeader{operation, id}, in};
}

Bytes encode_fields(const PgpVerifyRequest& r)
{
    ByteWriter out;
    out.u32(r.keyrings);
    out.u8(r.detached ? 1 : 0);
    out.u32(r.signatures);
    put_optional(out, r.not_before);
    put_optional(out, r.not_after);
    out.u8(r.keep_content ? 1 : 0);
    out.u32(static_cast<std::uint32_t>(r.names.size()));
    for (const auto& name : r.names) put_string(out, name);
    return std::move(out).take();
}

Result<PgpVerifyRequest> decode_pgp_verify(ByteReader& in)
{
    PgpVerifyRequest r;
    r.keyrings = UMD_TRY(get_count(in, max_fds - 3, "keyrings"));
    r.detached = UMD_TRY(get_flag(in));
    r.signatures = UMD_TRY(in.u32());
    r.not_before = UMD_TRY(get_optional(in));
    r.not_after = UMD_TRY(get_optional(in));
    r.keep_content = UMD_TRY(get_flag(in));
    auto names = UMD_TRY(get_count(in, max_fds, "file names"));
    for (std::uint32_t i = 0; i < names; ++i) r.names.push_back(UMD_TRY(get_string(in)));
    if (r.names.size() != r.fd_count() - (r.keep_content ? 1 : 0))
        return fail(Errc::bad_input, "pgp verify: {} file names for {} files", r.names.size(), r.fd_count() - (r.keep_content ? 1 : 0));
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const RpmVerifyRequest& r)
{
    ByteWriter out;
    out.u32(r.keyrings);
    out.u8(r.digests ? 1 : 0);
    out.u32(static_cast<std::uint32_t>(r.names.size()));
    for (const auto& name : r.names) put_string(out, name);
    return std::move(out).take();
}

Result<RpmVerifyRequest> decode_rpm_verify(ByteReader& in)
{
    RpmVerifyRequest r;
    r.keyrings = UMD_TRY(get_count(in, max_fds - 2, "keyrings"));
    r.digests = UMD_TRY(get_flag(in));
    auto names = UMD_TRY(get_count(in, max_fds, "file names"));
    for (std::uint32_t i = 0; i < names; ++i) r.names.push_back(UMD_TRY(get_string(in)));
    if (r.names.size() != r.keyrings + 1)
        return fail(Errc::bad_input, "rpm verify: {} file names for {} keyrings and one package", r.names.size(), r.keyrings);
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const RpmVerifyReply& r)
{
    ByteWriter out;
    out.u8(r.verified ? 0 : 1);
    if (r.verified) {
        put_string(out, r.verified->nevra);
        put_string(out, r.verified->signer);
        out.u32(r.verified->digest_algo);
        out.u64(r.verified->list_size);
    } else {
        put_error(out, r.verified.error());
    }
    return std::move(out).take();
}

Result<RpmVerifyReply> decode_rpm_verify_reply(ByteReader& in)
{
    RpmVerifyReply r;
    auto failed = UMD_TRY(get_flag(in));
    if (!failed) {
        RpmVerified v;
        v.nevra = UMD_TRY(get_string(in));
        v.signer = UMD_TRY(get_string(in));
        v.digest_algo = UMD_TRY(in.u32());
        v.list_size = UMD_TRY(in.u64());
        r.verified = std::move(v);
    } else {
        r.verified = std::unexpected(UMD_TRY(get_error(in)));
    }
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_rpm_digest_list(const std::vector<RpmFileDigest>& files)
{
    ByteWriter out;
    for (const auto& f : files) {
        out.blob(ByteView(reinterpret_cast<const std::uint8_t*>(f.digest.data()), f.digest.size()));
        out.blob(ByteView(reinterpret_cast<const std::uint8_t*>(f.path.data()), f.path.size()));
    }
    return std::move(out).take();
}

Result<std::vector<RpmFileDigest>> decode_rpm_digest_list(ByteView list)
{
    ByteReader in(list, "umdd digest list");
    std::vector<RpmFileDigest> out;
    while (!in.empty()) {
        auto digest = UMD_TRY(in.blob(1024));
        auto path = UMD_TRY(in.blob(64 * 1024));
        out.push_back({std::string(reinterpret_cast<const char*>(digest.data()), digest.size()),
                       std::string(reinterpret_cast<const char*>(path.data()), path.size())});
    }
    return out;
}

Bytes encode_fields(const SampleWriteRequest& r)
{
    ByteWriter out;
    out.u64(r.offset);
    return std::move(out).take();
}

Result<SampleWriteRequest> decode_sample_write(ByteReader& in)
{
    SampleWriteRequest r;
    r.offset = UMD_TRY(in.u64());
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_reply_ok(std::uint32_t id, ByteView fields)
{
    ByteWriter out;
    out.u32(reply_magic);
    out.u16(protocol_version);
    out.u32(id);
    out.u8(0);
    out.bytes(fields);
    return std::move(out).take();
}

Bytes encode_reply_error(std::uint32_t id, const Error& error)
{
    ByteWriter out;
    out.u32(reply_magic);
    out.u16(protocol_version);
    out.u32(id);
    out.u8(1);
    put_error(out, error);
    return std::move(out).take();
}

Result<DecodedReply> decode_reply(ByteView message)
{
    if (message.size() > max_message) return fail(Errc::protocol, "umdd reply of {} bytes, at most {}", message.size(), max_message);
    ByteReader in(message, "umdd reply");
    auto magic = UMD_TRY(in.u32());
    auto version = UMD_TRY(in.u16());
    auto id = UMD_TRY(in.u32());
    auto failed = UMD_TRY(get_flag(in));
    if (magic != reply_magic || version != protocol_version)
        return fail(Errc::protocol, "not a umdd reply of protocol version {}", protocol_version);
    if (!failed) return DecodedReply{id, message.subspan(in.position())};
    auto error = UMD_TRY(get_error(in));
    UMD_TRY(in.expect_end());
    return DecodedReply{id, std::unexpected(std::move(error))};
}

Bytes encode_fields(const StatusReply& r)
{
    ByteWriter out;
    const std::size_t n = std::min(r.drivers.size(), max_list);
    out.u32(static_cast<std::uint32_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
        const DriverReport& d = r.drivers[i];
        put_string(out, d.name);
        put_string(out, d.state);
        out.u32(static_cast<std::uint32_t>(d.pid));
        out.u64(d.starts);
        out.u64(d.restarts);
        out.u64(d.requests);
        out.u64(d.failures);
        put_string(out, d.sandbox);
        put_string(out, d.error);
    }
    put_string(out, r.trust_db);
    put_string(out, r.trust_db_error);
    return std::move(out).take();
}

Result<StatusReply> decode_status(ByteReader& in)
{
    StatusReply r;
    auto n = UMD_TRY(get_count(in, max_list, "drivers"));
    for (std::uint32_t i = 0; i < n; ++i) {
        DriverReport d;
        d.name = UMD_TRY(get_string(in));
        d.state = UMD_TRY(get_string(in));
        d.pid = static_cast<std::int32_t>(UMD_TRY(in.u32()));
        d.starts = UMD_TRY(in.u64());
        d.restarts = UMD_TRY(in.u64());
        d.requests = UMD_TRY(in.u64());
        d.failures = UMD_TRY(in.u64());
        d.sandbox = UMD_TRY(get_string(in));
        d.error = UMD_TRY(get_string(in));
        r.drivers.push_back(std::move(d));
    }
    r.trust_db = UMD_TRY(get_string(in));
    r.trust_db_error = UMD_TRY(get_string(in));
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const PgpVerifyReply& r)
{
    ByteWriter out;
    out.u8(r.valid ? 1 : 0);
    out.u32(r.required);
    const std::size_t good = std::min(r.good_signers.size(), max_list);
    out.u32(static_cast<std::uint32_t>(good));
    for (std::size_t i = 0; i < good; ++i) put_string(out, r.good_signers[i]);
    const std::size_t bad = std::min(r.bad.size(), max_list);
    out.u32(static_cast<std::uint32_t>(bad));
    for (std::size_t i = 0; i < bad; ++i) {
        put_string(out, r.bad[i].issuer);
        put_string(out, r.bad[i].reason);
    }
    out.u64(r.content_size);
    const std::size_t signatures = std::min(r.signatures.size(), max_list);
    out.u32(static_cast<std::uint32_t>(signatures));
    for (std::size_t i = 0; i < signatures; ++i) {
        const auto& s = r.signatures[i];
        for (std::uint8_t octet : {s.outcome, s.version, s.type, s.pk_algorithm, s.hash_algorithm}) out.u8(octet);
        out.u32(s.created);
        out.u32(s.expires_after);
        put_string(out, s.key);
        put_string(out, s.primary);
    }
    return std::move(out).take();
}

Result<PgpVerifyReply> decode_pgp_verify_reply(ByteReader& in)
{
    PgpVerifyReply r;
    r.valid = UMD_TRY(get_flag(in));
    r.required = UMD_TRY(in.u32());
    auto good = UMD_TRY(get_count(in, max_list, "good signers"));
    for (std::uint32_t i = 0; i < good; ++i) r.good_signers.push_back(UMD_TRY(get_string(in)));
    auto bad = UMD_TRY(get_count(in, max_list, "bad signatures"));
    for (std::uint32_t i = 0; i < bad; ++i) {
        PgpVerifyReply::Bad b;
        b.issuer = UMD_TRY(get_string(in));
        b.reason = UMD_TRY(get_string(in));
        r.bad.push_back(std::move(b));
    }
    r.content_size = UMD_TRY(in.u64());
    auto signatures = UMD_TRY(get_count(in, max_list, "signatures"));
    for (std::uint32_t i = 0; i < signatures; ++i) {
        PgpVerifyReply::Signature s;
        for (std::uint8_t* octet : {&s.outcome, &s.version, &s.type, &s.pk_algorithm, &s.hash_algorithm})
            *octet = UMD_TRY(in.u8());
        if (s.outcome > 3) return fail(Errc::protocol, "pgp verify reply: signature outcome {}", s.outcome);
        s.created = UMD_TRY(in.u32());
        s.expires_after = UMD_TRY(in.u32());
        s.key = UMD_TRY(get_string(in));
        s.primary = UMD_TRY(get_string(in));
        r.signatures.push_back(std::move(s));
    }
    UMD_TRY(in.expect_end());
    return r;
}

}  // namespace umd::daemon
