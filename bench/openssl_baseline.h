// bench/openssl_baseline.h — the raw cost of checking signatures with OpenSSL in-process (trusted side).
//
// For the pgp case: the same number and kinds of signatures as a real InRelease
// file, over the same bytes, with keys made here — one digest per hash algorithm,
// then one EVP verification per signature. No OpenPGP at all: the floor.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::bench {

struct SignatureKind {
    std::uint8_t pk_algorithm;     ///< OpenPGP numbers: 1 RSA, 22/27 EdDSA/Ed25519
    std::uint8_t hash_algorithm;   ///< OpenPGP numbers: 8 SHA-256, 9 SHA-384, 10 SHA-512
};

class OpenSslBaseline {
public:
    /// Makes one key per kind (RSA: `rsa_bits`) and signs the digest of `data` with it.
    static Result<OpenSslBaseline> make(const std::vector<SignatureKind>& kinds, ByteView data, unsigned rsa_bits);
    OpenSslBaseline(OpenSslBaseline&&) noexcept;
    ~OpenSslBaseline();

    /// Hashes `data` once per hash algorithm and verifies every signature.
    Status verify(ByteView data) const;

private:
    struct State;
    explicit OpenSslBaseline(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace umd::bench
