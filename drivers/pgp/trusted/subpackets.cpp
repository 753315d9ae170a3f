// drivers/pgp/trusted/subpackets.cpp — the bounded walk of a hashed subpacket area.
//
// Trusted side. Every read is bounded by the area; a subpacket is at most the
// area's size, so nothing is allocated from a claimed length.
#include "drivers/pgp/trusted/subpackets.h"

namespace umd::pgp {
namespace {

std::uint32_t be32(ByteView v) { return std::uint32_t{v[0]} << 24 | std::uint32_t{v[1]} << 16 | std::uint32_t{v[2]} << 8 | v[3]; }

/// Reads a subpacket length (1, 2 or 5 octets) at `pos`, advancing it.
Result<std::size_t> read_length(ByteView area, std::size_t& pos)
{
    std::uint8_t first = area[pos++];
    if (first < 192) return first;
    if (first < 255) {
        if (pos >= area.size()) return fail(Errc::bad_input, "subpacket length truncated");
        std::size_t len = ((std::size_t{first} - 192) << 8) + area[pos++] + 192;
        return len;
    }
    if (area.size() - pos < 4) return fail(Errc::bad_input, "subpacket length truncated");
    std::size_t len = be32(area.subspan(pos, 4));
    pos += 4;
    return len;
}

}  // namespace

Result<HashedFacts> walk_hashed_area(ByteView area)
{
    HashedFacts facts;
    std::size_t pos = 0;
    while (pos < area.size()) {
        auto length = UMD_TRY(read_length(area, pos));
        if (length == 0 || length > area.size() - pos)
            return fail(Errc::bad_input, "subpacket of {} bytes overruns the hashed area", length);
        std::uint8_t type_octet = area[pos];
        bool critical = (type_octet & 0x80) != 0;
        std::uint8_t type = type_octet & 0x7F;
        ByteView body = area.subspan(pos + 1, length - 1);
        pos += length;

        auto want = [&](std::size_t n) -> Status {
            if (body.size() != n)
                return fail(Errc::bad_input, "subpacket {} has {} bytes, expected {}", type, body.size(), n);
            return {};
        };
        Status ok;
        switch (type) {
        case subpacket::creation_time:
            if (facts.created) return fail(Errc::bad_input, "two signature creation times");
            if (ok = want(4); ok) facts.created = be32(body);
            break;
        case subpacket::expiration_time:
            if (ok = want(4); ok) facts.expires_after = be32(body);
            break;
        case subpacket::key_expiration_time:
            if (ok = want(4); ok) facts.key_expires_after = be32(body);
            break;
        case subpacket::key_flags:
            // Flags may be longer than one octet; the ones the policy uses are in the first.
            facts.key_flags = body.empty() ? std::uint8_t{0} : body[0];
            break;
        case subpacket::revocation_reason:
            if (body.empty()) return fail(Errc::bad_input, "empty reason for revocation");
            facts.revocation_reason = body[0];
            break;
        case subpacket::issuer_fingerprint:
            if (body.size() == 21 && body[0] == 4) facts.issuer_fingerprints.emplace_back(body.begin() + 1, body.end());
            else if (body.size() == 33 && body[0] == 6) facts.issuer_fingerprints.emplace_back(body.begin() + 1, body.end());
            else if (critical) return fail(Errc::bad_input, "malformed critical issuer fingerprint");
            break;
        case subpacket::issuer_key_id:
            if (ok = want(8); ok) facts.issuer_key_ids.emplace_back(body.begin(), body.end());
            break;
        case subpacket::primary_user_id:
            if (ok = want(1); ok) facts.primary_user_id = body[0] != 0;
            break;
        case subpacket::embedded_signature:
            facts.has_embedded_signature = true;
            break;
        case subpacket::exportable:
            if (ok = want(1); ok) facts.exportable = body[0] != 0;
            break;
        // Known subpackets whose content the policy does not need; critical is fine.
        case subpacket::revocable: case subpacket::preferred_symmetric: case subpacket::preferred_hash:
        case subpacket::preferred_compression: case subpacket::keyserver_preferences:
        case subpacket::preferred_keyserver: case subpacket::policy_uri: case subpacket::signers_user_id:
        case subpacket::features: case subpacket::signature_target: case subpacket::intended_recipient:
        case subpacket::preferred_aead: case subpacket::revocation_key: case subpacket::trust:
            break;
        default:
            // Includes notations: the Manager knows none, so a critical one is not understood.
            if (critical) return fail(Errc::bad_input, "unknown critical subpacket {}", type);
            break;
        }
        if (!ok) return std::unexpected(ok.error());
    }
    return facts;
}

}  // namespace umd::pgp
