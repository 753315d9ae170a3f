// drivers/pgp/trusted/keyring.h — certificates whose self-signatures the Manager has verified.
//
// Trusted side. Keyring::from() takes decoded certificates, rebuilds every
// key's fingerprint, instantiates the OpenSSL keys, and verifies every
// self-signature (certifications, direct-key signatures, subkey bindings,
// back-signatures, revocations) over data it rebuilds from the fields. What
// survives is time-independent; whether a key may sign at a given time is
// answered later by usable_for_signing(), against the policy.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/key_material.h"
#include "drivers/pgp/trusted/policy.h"

namespace umd::pgp {

/// One key of a certificate with its verified self-signatures.
struct ValidatedKey {
    Key key;
    Bytes fingerprint;
    Bytes key_id;
    std::optional<PublicKey> public_key;   ///< absent when the key cannot verify (reason says why)
    std::string unusable_reason;

    struct Binding {          ///< a valid self-signature that binds the key (cert, direct-key, subkey binding)
        std::uint32_t created = 0;
        std::uint32_t sig_expires_after = 0;          ///< 0 = never
        std::uint32_t key_expires_after = 0;          ///< 0 = never
        std::optional<std::uint8_t> key_flags;
    };
    std::vector<Binding> bindings;
    struct Revocation {
        std::uint32_t created = 0;
        bool hard = true;     ///< compromised or unspecified: revoked at every time
    };
    std::vector<Revocation> revocations;
    bool back_signed = false; ///< subkeys: a valid primary-key binding (0x19) made by this subkey
};

struct ValidatedCertificate {
    ValidatedKey primary;
    std::vector<ValidatedKey> subkeys;
    std::vector<std::string> user_ids;   ///< user IDs with a valid self-certification
    /// Self-signatures that were rejected, with why (for `show` and diagnostics).
    std::vector<std::string> rejected_signatures;
};

class Keyring {
public:
    /// Builds a keyring from parse results of kind `certificates`. Certificates
    /// with the same primary key are merged. Fingerprints and OpenSSL keys are
    /// made at once; self-signatures are verified the first time a certificate
    /// is looked at (most of a large keyring never is). A certificate whose
    /// signatures are bad stays in the keyring but cannot sign; only a parse
    /// result of another kind is an error (Errc::bad_input).
    /// Takes `parsed` by value: a caller that is done with it moves it in.
    static Result<Keyring> from(std::vector<Parsed> parsed, const Policy& policy);

    /// Every certificate, with all self-signatures verified.
    const std::vector<ValidatedCertificate>& certificates() const;

    struct Candidate {
        const ValidatedCertificate* cert;
        const ValidatedKey* key;
    };
    /// Keys whose key ID or fingerprint matches one of the issuer identifiers (8,
    /// 20 or 32 bytes), their certificates' self-signatures verified.
    std::vector<Candidate> find(const std::vector<Bytes>& issuers) const;

private:
    void complete(std::size_t index) const;

    Policy policy_;
    std::vector<Certificate> sources_;
    mutable std::vector<ValidatedCertificate> certs_;   ///< fixed size after from(): pointers stay valid
    mutable std::vector<bool> complete_;
    std::unique_ptr<std::mutex> lock_ = std::make_unique<std::mutex>();
    std::multimap<Bytes, std::pair<std::size_t, std::ptrdiff_t>> by_key_id_;   ///< → (cert, subkey or -1)
};

/// Whether `key` of `cert` may make a data signature at time `t` under `policy`:
/// the primary is bound and alive, neither is expired or revoked at `t`, and a
/// subkey has a binding with the signing flag and a back-signature.
Status usable_for_signing(const ValidatedCertificate& cert, const ValidatedKey& key, std::int64_t t, const Policy& policy);

/// Hash policy: whether `hash_algorithm` is acceptable for a signature created at
/// `created`; self-signatures may still use SHA-1/RIPEMD-160 before the cutoff.
Status hash_acceptable(std::uint8_t hash_algorithm, bool self_signature, std::int64_t created, const Policy& policy);

/// Key strength policy (RSA/DSA sizes).
Status key_acceptable(const PublicKey& key, const Policy& policy);

}  // namespace umd::pgp
