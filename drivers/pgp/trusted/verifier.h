// drivers/pgp/trusted/verifier.h — the OpenPGP verification API of the Manager.
//
// Trusted side. Inputs are decoded parse results (protocol.h) and data the
// Manager reads itself; nothing here parses OpenPGP. For each signature the
// verifier walks the hashed area, applies the policy, hashes the signed data
// itself (file bytes, literal data, or a cleartext text it joins from its own
// copy of the input at the lines the handler named),
// rebuilds the trailer, and verifies with a key from the Keyring.
//
//   auto ring = Keyring::from(certs, policy);
//   auto verdict = verify_detached(*ring, sig, fd, policy);   // Result<Verdict>
//   if (auto ok = verdict->status(); !ok) ...                  // Errc::rejected: not valid
//
// An error result means the inputs could not be processed (I/O, wrong kind of
// input); a Verdict says whether the signatures are valid and, for each bad
// one, why.
#pragma once

#include <string>
#include <vector>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/keyring.h"
#include "drivers/pgp/trusted/policy.h"

namespace umd::pgp {

/// One signature of the input as gpgv's status lines describe it (umd-gpgv writes
/// them): the facts of the signature packet and, for a good one, which key made it.
struct SignatureReport {
    enum class Outcome : std::uint8_t {
        good,
        bad,         ///< a key of the keyring could have made it; the signature or the key was refused
        no_key,      ///< no key of the keyring could have made it
        unchecked,   ///< refused before any key was tried (policy, algorithm, malformed, limits)
    };
    Outcome outcome = Outcome::unchecked;
    std::uint8_t version = 0;
    std::uint8_t type = 0;
    std::uint8_t pk_algorithm = 0;
    std::uint8_t hash_algorithm = 0;
    std::uint32_t created = 0;         ///< 0 when the hashed area was not read
    std::uint32_t expires_after = 0;   ///< signature expiration after `created`; 0 = never
    /// Upper-case hex: for a good signature the fingerprint of the key that made it
    /// (a subkey or the primary); otherwise the first issuer named (a fingerprint or a
    /// key ID), or empty.
    std::string key;
    std::string primary;   ///< good: the certificate's primary fingerprint
};

struct Verdict {
    /// Primary key fingerprints (upper-case hex) of the distinct certificates with
    /// a good signature, in the order first seen.
    std::vector<std::string> good_signers;
    struct Bad {
        std::string issuer;   ///< upper-case hex of the first issuer identifier, or empty
        std::string reason;
    };
    std::vector<Bad> bad;
    unsigned required = 1;   ///< Policy::signatures at the time of the verdict
    /// Every signature of the input, good and bad alike, in input order (in a cleartext
    /// message, those refused before any check come first, as in `bad`).
    std::vector<SignatureReport> signatures;

    bool valid() const { return required > 0 && good_signers.size() >= required; }
    /// Ok when valid; otherwise Errc::rejected with the reasons.
    Status status() const;
};

/// Where the signatures of one input are checked once their data is hashed: one
/// after another on the calling thread, or shared with one more thread kept on
/// another CPU (start_on_another_cpu). The second shortens a lone verification
/// (docs/decisions/0010) and is worth it where that latency counts, as in a
/// one-shot command; a
/// caller that already keeps every CPU busy, like a batch, gains nothing. Both give
/// the same verdict.
enum class Checking { on_this_thread, also_on_another_cpu };

/// The most hashes run over one input's signed data (its "passes"): one per hash
/// algorithm and text mode for v4 signatures (their data hash is shared: v4 has no
/// salt), one per salt for v6. Before any hashing, a signature that no key of the
/// keyring could have made is judged at once (its issuers match no key, or only keys
/// of another version; a signature naming no issuer may be anyone's); signatures
/// that would need a pass beyond this cap are judged bad unchecked. So the data is
/// hashed at most max_data_passes times (text signatures over raw data: of at most
/// twice its size, LF becoming CR LF), however many signatures the input holds.
inline constexpr std::size_t max_data_passes = 8;

/// The most signatures of one input that are checked with a public key (each may
/// cost an RSA-4096 operation per candidate key): the first this many that a key of
/// the keyring could have made; any after them are judged bad unchecked. Real inputs
/// carry one to a few (an InRelease file: 1-3); a hostile one with 100 000 would
/// otherwise cost seconds of the Manager's time.
inline constexpr std::size_t max_checked_signatures = 32;

/// Verifies detached signatures (kind detached_signature) over the bytes read from data_fd to its end.
Result<Verdict> verify_detached(const Keyring& keyring, const Parsed& signature, int data_fd, const Policy& policy,
                                Checking checking = Checking::on_this_thread);
/// Same, over a buffer (e.g. an RPM header).
Result<Verdict> verify_detached(const Keyring& keyring, const Parsed& signature, ByteView data, const Policy& policy);

/// Verifies a cleartext-signed or inline-signed message. When the verdict is
/// valid and `verified` is not null, it receives exactly the bytes that were
/// verified, as gpgv --output and sq verify write them (cleartext: each line without
/// its trailing whitespace, followed by its line ending in the input, LF or CR LF;
/// inline: the literal data).
Result<Verdict> verify_message(const Keyring& keyring, const Parsed& message, const Policy& policy, Bytes* verified,
                               Checking checking = Checking::on_this_thread);

}  // namespace umd::pgp
