// drivers/pgp/trusted/key_material.h — key packet bodies, fingerprints and OpenSSL keys, rebuilt from fields.
//
// Trusted side. The Manager never sees a key packet: it re-serialises the body
// from the validated fields of a decoded Key (MPIs with their bit counts, curve
// OIDs with their length octet), computes the fingerprint and key ID itself,
// and instantiates the OpenSSL key from the same fields.
#pragma once

#include <string>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/openssl_handles.h"

namespace umd::pgp {

/// The public key packet body (RFC 9580 §5.5.2) rebuilt from the fields.
Bytes key_body(const Key& key);
/// The bytes a hash sees for this key: 0x99 || u16 len || body (v4) or 0x9B || u32 len || body (v6).
Bytes key_hash_prefix_and_body(const Key& key);
/// v4: SHA-1 of the hashed form (20 bytes); v6: SHA-256 (32 bytes).
Bytes fingerprint(const Key& key);
/// v4: the low 8 bytes of the fingerprint; v6: the high 8 bytes.
Bytes key_id(const Bytes& fingerprint, std::uint8_t version);
/// Upper-case hex.
std::string hex_upper(ByteView bytes);

/// An OpenSSL public key made from a Key's fields.
struct PublicKey {
    ossl::SharedPkey pkey;
    std::uint8_t algorithm = 0;
    unsigned bits = 0;   ///< modulus / p size, or curve size
};

/// Builds the OpenSSL key (EVP_PKEY_fromdata). Fails with Errc::rejected for
/// algorithms the Manager does not verify with and for invalid key material.
Result<PublicKey> make_public_key(const Key& key);

}  // namespace umd::pgp
