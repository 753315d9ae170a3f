// drivers/pgp/trusted/subpackets.h — a small bounded walk of a signature's hashed subpacket area.
//
// Trusted side. The hashed area is covered by the signature, so its facts
// (creation time, expirations, key flags, issuer fingerprint, revocation
// reason) are re-derived here from those raw bytes after the signature has been
// checked, never taken from the handler. The walk reads length-prefixed
// subpackets (RFC 9580 §5.2.3.7) strictly inside the area and records only the
// handful of facts the policy needs.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::pgp {

namespace subpacket {
inline constexpr std::uint8_t creation_time = 2, expiration_time = 3, exportable = 4, trust = 5, regex = 6,
                              revocable = 7, key_expiration_time = 9, preferred_symmetric = 11,
                              revocation_key = 12, issuer_key_id = 16, notation = 20, preferred_hash = 21,
                              preferred_compression = 22, keyserver_preferences = 23, preferred_keyserver = 24,
                              primary_user_id = 25, policy_uri = 26, key_flags = 27, signers_user_id = 28,
                              revocation_reason = 29, features = 30, signature_target = 31,
                              embedded_signature = 32, issuer_fingerprint = 33, intended_recipient = 35,
                              preferred_aead = 39;
}

/// Key flag bits (first octet of the key flags subpacket).
namespace key_flag {
inline constexpr std::uint8_t certify = 0x01, sign = 0x02;
}

/// The facts of a hashed area the verifier uses.
struct HashedFacts {
    std::optional<std::uint32_t> created;
    std::optional<std::uint32_t> expires_after;       ///< seconds after `created`; 0 = never
    std::optional<std::uint32_t> key_expires_after;   ///< seconds after key creation; 0 = never
    std::optional<std::uint8_t> key_flags;            ///< first octet
    std::optional<std::uint8_t> revocation_reason;
    std::vector<Bytes> issuer_fingerprints;           ///< version octet stripped
    std::vector<Bytes> issuer_key_ids;
    bool primary_user_id = false;
    bool has_embedded_signature = false;
    bool exportable = true;
};

/// Walks the area. Fails (Errc::bad_input) on a malformed subpacket length, a
/// wrongly sized known subpacket, a duplicate creation time, or any critical
/// subpacket the Manager does not understand (RFC 9580 §5.2.3.7: such a
/// signature must be treated as invalid).
Result<HashedFacts> walk_hashed_area(ByteView area);

}  // namespace umd::pgp
