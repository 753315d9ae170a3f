// drivers/pgp/trusted/policy.h — every knob of the OpenPGP verification policy, in one struct.
//
// Trusted side. Defaults follow Sequoia's standard policy as sqv applies it:
// MD5 never; SHA-1 and RIPEMD-160 never for data signatures and, for
// self-signatures, only when made before 2023-02-01; RSA and DSA keys of at
// least 2048 bits; signatures neither from the future nor expired; keys alive
// and not revoked when they signed; signing subkeys bound with the signing flag
// and a valid back-signature.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>

namespace umd::pgp {

struct Policy {
    /// Signatures created before this time (Unix seconds) are not considered.
    std::optional<std::int64_t> not_before;
    /// Signatures created after this time are not considered (default: now).
    std::optional<std::int64_t> not_after;
    /// Distinct signer certificates that must have made a good signature.
    unsigned signatures = 1;

    /// The reference "now" (Unix seconds); 0 means the system clock.
    std::int64_t now = 0;
    /// Tolerated clock skew for signatures that appear to come from the future
    /// when not_after is the current time (Sequoia uses 30 minutes).
    std::int64_t clock_skew = 30 * 60;

    unsigned min_rsa_bits = 2048;
    unsigned min_dsa_bits = 2048;
    /// SHA-1 / RIPEMD-160 self-signatures (bindings, certifications) are accepted
    /// only when created before this time: 2023-02-01, as in Sequoia.
    std::int64_t weak_hash_self_signature_cutoff = 1675209600;

    std::int64_t reference_now() const { return now != 0 ? now : static_cast<std::int64_t>(std::time(nullptr)); }
};

}  // namespace umd::pgp
