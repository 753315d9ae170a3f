// drivers/pgp/trusted/signature_hash.h — the hash a signature covers, rebuilt by the Manager.
//
// Trusted side. A SignatureHasher hashes (v6: the salt first, RFC 9580 §5.2.4)
// whatever signed data the caller feeds it — file bytes, canonical text, a key
// rebuilt from its fields, a user ID — and finally the trailer rebuilt from the
// signature's validated fields and raw hashed area:
//   v4: 04 type pk hash u16(len) area  04 FF u32(6 + len)
//   v6: 06 type pk hash u32(len) area  06 FF u32(8 + len)
#pragma once

#include <string_view>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/algorithms.h"
#include "drivers/pgp/trusted/openssl_handles.h"

namespace umd::pgp {

class SignatureHasher {
public:
    /// Starts the hash for `sig`: checks the hash algorithm is known and, for v6,
    /// that the salt has the size RFC 9580 mandates, then hashes the salt.
    /// Errc::rejected when the signature cannot be hashed.
    static Result<SignatureHasher> start(const Signature& sig);

    void update(ByteView data);
    /// Hashes a key as certifications and bindings do (0x99/0x9B prefix + body).
    void update_key(const Key& key);
    /// Hashes a user ID as certifications do (0xB4 || u32 len || uid).
    void update_user_id(std::string_view uid);
    /// A copy of the running hash (to finish one signature and keep hashing for another).
    Result<SignatureHasher> clone() const;
    /// Appends the rebuilt trailer and returns the digest.
    Result<Bytes> finish(const Signature& sig);

    const HashAlgorithm& algorithm() const { return *hash_; }

private:
    SignatureHasher(const HashAlgorithm* hash, ossl::MdCtx ctx) : hash_(hash), ctx_(std::move(ctx)) {}
    const HashAlgorithm* hash_;
    ossl::MdCtx ctx_;
};

/// The trailer bytes hashed after the data (exposed for tests).
Bytes signature_trailer(const Signature& sig);

}  // namespace umd::pgp
