// drivers/pgp/trusted/warm_up.cpp — see warm_up.h. Trusted side.
#include "drivers/pgp/trusted/warm_up.h"

#include "drivers/pgp/trusted/algorithms.h"
#include "drivers/pgp/trusted/key_material.h"
#include "drivers/pgp/trusted/signature_check.h"

namespace umd::pgp {

void warm_up() noexcept
{
    if (!libcrypto::load()) return;
    for (std::uint8_t id : {hash::sha1, hash::sha256, hash::sha512})
        if (const HashAlgorithm* h = hash_algorithm(id)) fetched_digest(*h);
    // Any odd 2048-bit modulus: the verification below fails, after the same calls
    // into OpenSSL that a real one makes.
    Bytes modulus(256, 0);
    modulus.front() = 0xC0;
    modulus.back() = 0x01;
    Key key;
    key.version = 4;
    key.algorithm = pk::rsa;
    key.fields = {modulus, Bytes{0x01, 0x00, 0x01}};
    auto rsa = make_public_key(key);
    const HashAlgorithm* sha512 = hash_algorithm(hash::sha512);
    if (!rsa || !sha512) return;
    Signature sig;
    sig.version = 4;
    sig.pk_algorithm = pk::rsa;
    sig.hash_algorithm = hash::sha512;
    sig.fields = {Bytes(modulus.size(), 0x01)};
    (void)check_signature_values(*rsa, sig, *sha512, Bytes(sha512->digest_size, 0));
}

}  // namespace umd::pgp
