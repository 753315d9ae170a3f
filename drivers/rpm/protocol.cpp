// drivers/rpm/protocol.cpp — encoding (handler side) and bounded decoding
// (trusted side) of the RPM driver's records. Linked into both sides: it holds
// no parsing of RPM data, only the TLV records of drivers/rpm/protocol.h.
#include "drivers/rpm/protocol.h"

namespace umd::rpm {
namespace {

// Record tags of the Parsed reply. Each appears at most once, except
// signature and claim records, which repeat (bounded by Limits).
enum : std::uint16_t {
    rec_needed = 1,
    rec_header_offset = 2,
    rec_header = 3,
    rec_signature = 4,
    rec_sha256 = 5,
    rec_claim = 6,
};

constexpr std::size_t claim_size = 1 + 5 * 4;
constexpr std::size_t max_sha256_text = 128;

std::unexpected<Error> broken(const Error& e) { return std::unexpected(Error{Errc::protocol, "rpm reply: " + e.message}); }

}  // namespace

std::optional<FieldSpec> field_spec(Field field) noexcept
{
    switch (field) {
    case Field::name: return FieldSpec{tag::name, TagType::string, "name"};
    case Field::epoch: return FieldSpec{tag::epoch, TagType::int32, "epoch"};
    case Field::version: return FieldSpec{tag::version, TagType::string, "version"};
    case Field::release: return FieldSpec{tag::release, TagType::string, "release"};
    case Field::arch: return FieldSpec{tag::arch, TagType::string, "arch"};
    case Field::file_digests: return FieldSpec{tag::file_digests, TagType::string_array, "file digests"};
    case Field::digest_algo: return FieldSpec{tag::file_digest_algo, TagType::int32, "file digest algorithm"};
    case Field::base_names: return FieldSpec{tag::base_names, TagType::string_array, "base names"};
    case Field::dir_names: return FieldSpec{tag::dir_names, TagType::string_array, "dir names"};
    case Field::dir_indexes: return FieldSpec{tag::dir_indexes, TagType::int32, "dir indexes"};
    case Field::file_modes: return FieldSpec{tag::file_modes, TagType::int16, "file modes"};
    case Field::file_flags: return FieldSpec{tag::file_flags, TagType::int32, "file flags"};
    case Field::payload_digest: return FieldSpec{tag::payload_digest, TagType::string_array, "payload digest"};
    case Field::payload_digest_algo: return FieldSpec{tag::payload_digest_algo, TagType::int32, "payload digest algorithm"};
    }
    return std::nullopt;
}

Bytes encode(const Parsed& parsed)
{
    ByteWriter w;
    if (parsed.needed != 0) {
        auto at = w.begin_record(rec_needed);
        w.u64(parsed.needed);
        w.end_record(at);
        return std::move(w).take();
    }
    auto at = w.begin_record(rec_header_offset);
    w.u64(parsed.header_offset);
    w.end_record(at);
    w.record(rec_header, parsed.header);
    for (const auto& sig : parsed.signatures) {
        at = w.begin_record(rec_signature);
        w.u32(sig.tag);
        w.bytes(sig.packet);
        w.end_record(at);
    }
    if (parsed.sha256) w.record(rec_sha256, as_bytes(*parsed.sha256));
    for (const auto& c : parsed.claims) {
        at = w.begin_record(rec_claim);
        w.u8(static_cast<std::uint8_t>(c.field));
        w.u32(c.index);
        w.u32(c.tag);
        w.u32(c.type);
        w.u32(c.count);
        w.u32(c.offset);
        w.end_record(at);
    }
    return std::move(w).take();
}

Result<Parsed> decode(ByteView payload)
{
    Parsed out;
    ByteReader r(payload, "rpm reply");
    bool seen_needed = false, seen_offset = false, seen_header = false, seen_sha = false;
    std::uint32_t seen_fields = 0;
    while (!r.empty()) {
        auto rec = r.record(Limits::max_header);
        if (!rec) return broken(rec.error());
        ByteReader v(rec->value, "rpm reply record");
        switch (rec->tag) {
        case rec_needed: {
            if (seen_needed) return fail(Errc::protocol, "rpm reply: repeated 'needed' record");
            seen_needed = true;
            auto n = v.u64();
            if (!n) return broken(n.error());
            if (*n == 0 || *n > Limits::max_input)
                return fail(Errc::protocol, "rpm reply: needs {} bytes, outside 1..{}", *n, Limits::max_input);
            out.needed = *n;
            break;
        }
        case rec_header_offset: {
            if (seen_offset) return fail(Errc::protocol, "rpm reply: repeated header offset");
            seen_offset = true;
            auto n = v.u64();
            if (!n) return broken(n.error());
            if (*n > Limits::max_input) return fail(Errc::protocol, "rpm reply: header offset {} out of range", *n);
            out.header_offset = *n;
            break;
        }
        case rec_header: {
            if (seen_header) return fail(Errc::protocol, "rpm reply: repeated header");
            seen_header = true;
            auto b = v.bytes(v.remaining());
            out.header.assign(b->begin(), b->end());
            break;
        }
        case rec_signature: {
            if (out.signatures.size() >= Limits::max_signatures)
                return fail(Errc::protocol, "rpm reply: more than {} signatures", Limits::max_signatures);
            auto t = v.u32();
            if (!t) return broken(t.error());
            if (v.remaining() == 0 || v.remaining() > Limits::max_signature)
                return fail(Errc::protocol, "rpm reply: signature of {} bytes outside 1..{}", v.remaining(), Limits::max_signature);
            auto b = v.bytes(v.remaining());
            out.signatures.push_back({*t, Bytes(b->begin(), b->end())});
            break;
        }
        case rec_sha256: {
            if (seen_sha) return fail(Errc::protocol, "rpm reply: repeated sha256");
            seen_sha = true;
            if (v.remaining() > max_sha256_text) return fail(Errc::protocol, "rpm reply: sha256 text too long");
            auto b = v.bytes(v.remaining());
            out.sha256 = std::string(as_chars(*b));
            break;
        }
        case rec_claim: {
            if (rec->value.size() != claim_size)
                return fail(Errc::protocol, "rpm reply: claim of {} bytes, expected {}", rec->value.size(), claim_size);
            Claim c;
            auto f = v.u8();
            if (!f) return broken(f.error());
            c.field = static_cast<Field>(*f);
            if (!field_spec(c.field)) return fail(Errc::protocol, "rpm reply: claim for unknown field {}", *f);
            std::uint32_t bit = 1u << *f;
            if (seen_fields & bit) return fail(Errc::protocol, "rpm reply: two claims for field {}", *f);
            seen_fields |= bit;
            c.index = *v.u32();
            c.tag = *v.u32();
            c.type = *v.u32();
            c.count = *v.u32();
            c.offset = *v.u32();
            out.claims.push_back(c);
            break;
        }
        default:
            return fail(Errc::protocol, "rpm reply: unknown record tag {}", rec->tag);
        }
    }
    if (seen_needed) {
        if (seen_offset || seen_header || seen_sha || !out.signatures.empty() || !out.claims.empty())
            return fail(Errc::protocol, "rpm reply: 'needed' mixed with a parse result");
        return out;
    }
    if (!seen_header) return fail(Errc::protocol, "rpm reply: no header");
    return out;
}

Bytes encode_request(std::uint64_t file_size, ByteView prefix)
{
    ByteWriter w;
    w.u64(file_size);
    w.bytes(prefix);
    return std::move(w).take();
}

Result<ParseRequest> decode_request(ByteView request)
{
    ByteReader r(request, "rpm request");
    auto size = UMD_TRY(r.u64());
    ParseRequest out;
    out.file_size = size;
    out.prefix = *r.bytes(r.remaining());
    if (out.prefix.size() > out.file_size)
        return fail(Errc::bad_input, "rpm request: {} bytes sent of a {}-byte file", out.prefix.size(), out.file_size);
    return out;
}

}  // namespace umd::rpm
