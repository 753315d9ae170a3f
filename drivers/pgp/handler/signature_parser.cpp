// drivers/pgp/handler/signature_parser.cpp — signature packet bodies (handler side).
#include "drivers/pgp/handler/signature_parser.h"

#include <algorithm>

#include "drivers/pgp/handler/cursor.h"

namespace umd::pgp::parser {
namespace {

constexpr std::size_t max_hints = 8;

enum : std::uint8_t {
    sub_issuer_key_id = 16,
    sub_embedded_signature = 32,
    sub_issuer_fingerprint = 33,
};

void add_hint(Signature& sig, ByteView hint)
{
    if (sig.issuer_hints.size() >= max_hints) return;
    Bytes value(hint.begin(), hint.end());
    if (std::find(sig.issuer_hints.begin(), sig.issuer_hints.end(), value) == sig.issuer_hints.end())
        sig.issuer_hints.push_back(std::move(value));
}

/// Walks one subpacket area (RFC 9580 §5.2.3.7): 1, 2 or 5 octet lengths that count the type octet.
Status walk_area(ByteView area, std::size_t base, bool allow_embedded, ParsedSignature& out)
{
    Cursor in(area, base, "signature subpacket area");
    while (in.remaining() > 0) {
        const std::size_t start = in.offset();
        auto o1 = UMD_TRY(in.u8());
        std::size_t len = 0;
        if (o1 < 192) {
            len = o1;
        } else if (o1 < 255) {
            auto o2 = UMD_TRY(in.u8());
            len = ((std::size_t{o1} - 192) << 8) + o2 + 192;
        } else {
            auto l = UMD_TRY(in.u32());
            len = l;
        }
        if (len == 0) return fail(Errc::bad_input, "signature subpacket at offset {} has length 0", start);
        auto body = UMD_TRY(in.take(len));
        const std::uint8_t type = (body)[0] & 0x7f;
        ByteView value = body.subspan(1);
        const std::size_t value_offset = start + (in.offset() - start) - value.size();
        switch (type) {
        case sub_issuer_key_id:
            if (value.size() != 8)
                return fail(Errc::bad_input, "issuer key ID subpacket at offset {} has {} bytes, not 8", start,
                            value.size());
            add_hint(out.signature, value);
            break;
        case sub_issuer_fingerprint:
            if (value.size() == 21 && value[0] == 4) add_hint(out.signature, value.subspan(1));
            else if (value.size() == 33 && value[0] == 6) add_hint(out.signature, value.subspan(1));
            // Other versions: not a hint we can use; ignore as RFC 9580 allows.
            break;
        case sub_embedded_signature:
            if (allow_embedded && !out.back_signature) {
                auto embedded = parse_signature_body(value, value_offset, false);
                if (!embedded) return std::unexpected(with_context(embedded.error(), "embedded signature"));
                if (*embedded && (*embedded)->signature.type == 0x19)
                    out.back_signature = std::move((*embedded)->signature);
            }
            break;
        default:
            break;
        }
    }
    return {};
}

/// The signature values per algorithm (RFC 9580 §5.2.3).
Result<std::vector<Bytes>> read_values(std::uint8_t algorithm, Cursor& in)
{
    std::vector<Bytes> fields;
    auto mpis = [&](int count) -> Status {
        for (int i = 0; i < count; ++i) {
            auto v = UMD_TRY(in.mpi());
            fields.push_back(std::move(v));
        }
        return {};
    };
    auto raw = [&](std::size_t n) -> Status {
        auto v = UMD_TRY(in.take(n));
        fields.emplace_back(v.begin(), v.end());
        return {};
    };
    Status status;
    switch (algorithm) {
    case 1: case 2: case 3: status = mpis(1); break;
    case 17: case 19: case 22: status = mpis(2); break;
    case 27: status = raw(64); break;
    case 28: status = raw(114); break;
    default: {
        ByteView rest = in.rest();
        fields.emplace_back(rest.begin(), rest.end());
        return fields;
    }
    }
    if (!status) return std::unexpected(status.error());
    UMD_TRY(in.expect_end());
    return fields;
}

}  // namespace

Result<std::optional<ParsedSignature>> parse_signature_body(ByteView body, std::size_t base, bool allow_embedded)
{
    Cursor in(body, base, "signature packet");
    auto version = UMD_TRY(in.u8());
    if (version != 4 && version != 6) return std::optional<ParsedSignature>{};   // v3 and others: skipped
    ParsedSignature out;
    Signature& sig = out.signature;
    sig.version = version;
    auto type = in.u8();
    auto pk = type ? in.u8() : type;
    auto hash = UMD_TRY(pk ? in.u8() : pk);
    sig.type = *type;
    sig.pk_algorithm = *pk;
    sig.hash_algorithm = hash;

    std::size_t hashed_offset = 0, unhashed_offset = 0;
    for (int area = 0; area < 2; ++area) {
        std::size_t len = 0;
        if (sig.version == 4) {
            auto l = UMD_TRY(in.u16());
            len = l;
        } else {
            auto l = UMD_TRY(in.u32());
            len = l;
            if (len > Limits::max_subpacket_area)
                return fail(Errc::bad_input, "signature packet: subpacket area of {} bytes at offset {} exceeds {}",
                            len, in.offset() - 4, Limits::max_subpacket_area);
        }
        (area == 0 ? hashed_offset : unhashed_offset) = in.offset();
        auto bytes = UMD_TRY(in.take(len));
        (area == 0 ? sig.hashed_area : sig.unhashed_area).assign(bytes.begin(), bytes.end());
    }
    auto left = UMD_TRY(in.u16());
    sig.left16 = left;
    if (sig.version == 6) {
        auto salt_len = UMD_TRY(in.u8());
        if (salt_len == 0 || salt_len > Limits::max_salt)
            return fail(Errc::bad_input, "signature packet: salt of {} bytes at offset {}", salt_len, in.offset() - 1);
        auto salt = UMD_TRY(in.take(salt_len));
        sig.salt.assign(salt.begin(), salt.end());
    }
    auto values = UMD_TRY(read_values(sig.pk_algorithm, in));
    sig.fields = std::move(values);

    // Hints from the hashed area first: they are the ones the signer vouched for.
    UMD_TRY(walk_area(sig.hashed_area, hashed_offset, allow_embedded, out));
    UMD_TRY(walk_area(sig.unhashed_area, unhashed_offset, allow_embedded, out));

    for (const Bytes& f : sig.fields)
        if (f.size() > Limits::max_field) return std::optional<ParsedSignature>{};
    return std::optional<ParsedSignature>{std::move(out)};
}

Result<std::optional<ParsedSignature>> parse_signature(const Packet& packet)
{
    return parse_signature_body(packet.body(), packet.body_offset, true);
}

}  // namespace umd::pgp::parser
