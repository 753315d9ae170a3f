// drivers/pgp/trusted/warm_up.h — OpenSSL's first-use work, done ahead of a verification.
//
// Trusted side. Besides loading libcrypto itself (src/libcrypto/), the first use of
// each kind of OpenSSL operation in a process (a digest, building a key, verifying
// a signature) builds its method tables from the provider: for what a verification
// needs, more than the RSA arithmetic of three signatures (docs/decisions/0010). A one-shot command runs warm_up() on another
// CPU while its handler starts and parses, so its verification finds them built.
#pragma once

namespace umd::pgp {

/// Loads libcrypto when it is not loaded yet, fetches the digests a verification uses (SHA-1 for v4 fingerprints, SHA-256 and
/// SHA-512), builds an RSA public key and runs one verification that fails, through
/// the same code the verifier uses. Changes no result; safe on any thread. When
/// libcrypto cannot be loaded it returns, and the verification reports it.
void warm_up() noexcept;

}  // namespace umd::pgp
