// drivers/pgp/trusted/signature_check.h — checks signature values against a digest with OpenSSL.
//
// Trusted side. Given the digest the Manager computed, the key it built and
// the signature's validated fields: compares the left 16 bits, then verifies
// RSA PKCS#1 v1.5, DSA, ECDSA (DER re-encoded from r and s), EdDSA legacy,
// Ed25519 and Ed448 (the digest is the EdDSA message, RFC 9580 §5.2.3.3).
#pragma once

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/algorithms.h"
#include "drivers/pgp/trusted/key_material.h"

namespace umd::pgp {

/// Errc::rejected unless the signature is a valid signature by `key` over `digest`.
Status check_signature_values(const PublicKey& key, const Signature& sig, const HashAlgorithm& hash, ByteView digest);

}  // namespace umd::pgp
