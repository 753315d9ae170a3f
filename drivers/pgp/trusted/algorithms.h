// drivers/pgp/trusted/algorithms.h — the OpenPGP algorithms the Manager knows, as allowlists.
//
// Trusted side. Numbers are from RFC 9580 §9; anything not listed here is
// "unknown" and never used for verification. Curve OIDs are compared byte for
// byte against the DER contents the handler sends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/libcrypto/libcrypto.h"

#include <umd/wire.h>

namespace umd::pgp {

namespace pk {
inline constexpr std::uint8_t rsa = 1, rsa_encrypt_only = 2, rsa_sign_only = 3, elgamal = 16, dsa = 17,
                              ecdh = 18, ecdsa = 19, elgamal_sign = 20, eddsa_legacy = 22, x25519 = 25,
                              x448 = 26, ed25519 = 27, ed448 = 28;
}

/// The public-key algorithms whose fields are structured (see protocol.h) and
/// which the Manager can verify signatures with.
bool is_verifiable_algorithm(std::uint8_t algorithm) noexcept;

/// Number of public key fields a verifiable algorithm has (0 for others).
std::size_t key_field_count(std::uint8_t algorithm) noexcept;
/// Number of signature fields a verifiable algorithm has (0 for others).
std::size_t signature_field_count(std::uint8_t algorithm) noexcept;

struct HashAlgorithm {
    std::uint8_t id;
    std::string_view name;          ///< OpenSSL fetch name
    std::size_t digest_size;
    std::size_t v6_salt_size;       ///< RFC 9580 §9.5
};

/// The hash algorithm with this id, or nullptr if unknown or not implementable.
const HashAlgorithm* hash_algorithm(std::uint8_t id) noexcept;

/// The OpenSSL digest for `hash`, fetched once per process (an explicit fetch
/// per use costs more than hashing a small signature), or nullptr if the
/// provider lacks it. Never freed: it lives as long as the process.
const EVP_MD* fetched_digest(const HashAlgorithm& hash) noexcept;

namespace hash {
inline constexpr std::uint8_t md5 = 1, sha1 = 2, ripemd160 = 3, sha256 = 8, sha384 = 9, sha512 = 10,
                              sha224 = 11, sha3_256 = 12, sha3_512 = 14;
}

struct Curve {
    ByteView oid;
    std::string_view group;   ///< OpenSSL group name
    unsigned bits;
};

/// The ECDSA curve with this OID, or nullptr.
const Curve* ecdsa_curve(ByteView oid) noexcept;
/// True for the OID of Ed25519 in the legacy EdDSA algorithm (22).
bool is_ed25519_legacy_oid(ByteView oid) noexcept;

}  // namespace umd::pgp
