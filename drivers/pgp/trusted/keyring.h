// drivers/pgp/trusted/keyring.h — certificates whose self-signatures the Manager has verified.
//
// Trusted side. Keyring::from() takes decoded certificates, rebuilds every
// key's fingerprint, instantiates the OpenSSL keys, and verifies every
// self-signature (certifications, direct-key signatures, subkey bindings,
// back-signatures, revocations) over data it rebuilds from the fields. What
// survives is time-independent; whether a key may sign at a given time is
// answered later by Keyring::usable_for_signing(), against the policy.
//
// A certificate is looked at in one of two depths. find() prepares it for
// signing: OpenSSL keys, revocations, subkey bindings and back-signatures are
// verified at once, but the primary key's own bindings (user ID
// self-certifications, direct-key signatures; an archive key re-certified
// every year has many) wait: usable_for_signing() verifies, newest first, only
// those that can decide the answer at the signature's time. certificates()
// verifies everything (for `pgp show`). Both give the same verdicts.
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
        std::uint32_t order = 0;                      ///< position in the certificate: breaks ties of `created`
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
    /// 20 or 32 bytes), their certificates prepared for signing (see above).
    std::vector<Candidate> find(const std::vector<Bytes>& issuers) const;

    /// Whether find(issuers) (every key when `issuers` is empty) would give a key of
    /// this version, without preparing anything: the verifier asks it before hashing
    /// any data for a signature. Errc::rejected with the reason judging the signature
    /// would give: "no matching key in the keyring", or the first key's version mismatch.
    Status could_have_made(const std::vector<Bytes>& issuers, std::uint8_t version) const;

    /// Whether the candidate's key may make a data signature at time `t`: the
    /// primary is bound and alive, neither is expired or revoked at `t`, and a
    /// subkey has a binding with the signing flag and a back-signature. Verifies
    /// first the primary key's bindings that can decide it.
    Status usable_for_signing(const Candidate& candidate, std::int64_t t) const;

    /// A primary-key binding whose verification waits (exposed for the implementation).
    struct Deferred {
        std::uint32_t index;      ///< into Certificate::signatures
        std::uint32_t created;    ///< as its hashed area states (the same bytes are verified)
        std::uint32_t expires;    ///< signature expiration, 0 = never
        bool states_flags;
    };

private:
    /// Calls visit(cert index, key) for each key matching one of the issuer identifiers
    /// (key ID: its low 8 bytes; fingerprint: in full), in issuer order; stops when
    /// visit returns true. Looks up only: nothing is prepared.
    template <class Visit>
    void for_each_key_of(const std::vector<Bytes>& issuers, Visit&& visit) const;
    enum class Depth : std::uint8_t { none, signing, complete };
    void prepare(std::size_t index, Depth depth) const;   ///< caller holds locks_[index]
    /// Verifies the deferred primary-key bindings that can decide usable_for_signing()
    /// at t (`primary_signs`: the primary key itself made the signature, so its key
    /// flags count). Caller holds locks_[index].
    void settle_primary(std::size_t index, std::int64_t t, bool primary_signs) const;

    Policy policy_;
    std::vector<Certificate> sources_;
    mutable std::vector<ValidatedCertificate> certs_;   ///< fixed size after from(): pointers stay valid
    mutable std::vector<Depth> depth_;
    mutable std::vector<std::vector<Deferred>> deferred_;   ///< newest first
    mutable std::vector<std::vector<bool>> uid_valid_;
    /// One lock per certificate: its lazily verified state. Signatures by different
    /// certificates are checked at the same time (verify_message on two CPUs).
    std::unique_ptr<std::mutex[]> locks_;
    std::multimap<Bytes, std::pair<std::size_t, std::ptrdiff_t>> by_key_id_;   ///< → (cert, subkey or -1)
    std::uint8_t first_key_version_ = 0;   ///< of the first key (0: no key at all)
    bool has_version_[256] = {};           ///< some key of the keyring has this version
};

/// Hash policy: whether `hash_algorithm` is acceptable for a signature created at
/// `created`; self-signatures may still use SHA-1/RIPEMD-160 before the cutoff.
Status hash_acceptable(std::uint8_t hash_algorithm, bool self_signature, std::int64_t created, const Policy& policy);

/// Key strength policy (RSA/DSA sizes).
Status key_acceptable(const PublicKey& key, const Policy& policy);

}  // namespace umd::pgp
