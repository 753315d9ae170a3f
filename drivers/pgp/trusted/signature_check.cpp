// drivers/pgp/trusted/signature_check.cpp — OpenSSL verification of the signature values.
//
// Trusted side.
#include "drivers/pgp/trusted/signature_check.h"

#include <openssl/rsa.h>

namespace umd::pgp {
namespace {

Bytes left_pad(ByteView value, std::size_t size)
{
    if (value.size() >= size) return Bytes(value.begin(), value.end());
    Bytes out(size - value.size(), 0);
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

ossl::Bn to_bn(ByteView be) { return ossl::Bn(crypto().BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr)); }

Status verify_pkey(const PublicKey& key, ByteView sig, ByteView digest, const EVP_MD* rsa_md)
{
    ossl::PkeyCtx ctx(crypto().EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey.get(), nullptr));
    if (!ctx || crypto().EVP_PKEY_verify_init(ctx.get()) != 1) return fail(Errc::system, "OpenSSL: verify init failed");
    if (rsa_md && (crypto().EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
                   crypto().EVP_PKEY_CTX_set_signature_md(ctx.get(), rsa_md) != 1))
        return fail(Errc::rejected, "OpenSSL refuses RSA with this hash");
    if (crypto().EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size()) != 1)
        return fail(Errc::rejected, "bad signature");
    return {};
}

Status verify_eddsa(const PublicKey& key, ByteView sig, ByteView digest)
{
    ossl::MdCtx ctx(crypto().EVP_MD_CTX_new());
    if (!ctx || crypto().EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key.pkey.get(), nullptr) != 1)
        return fail(Errc::system, "OpenSSL: EdDSA verify init failed");
    if (crypto().EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size()) != 1)
        return fail(Errc::rejected, "bad signature");
    return {};
}

Result<Bytes> der_r_s(ByteView r_bytes, ByteView s_bytes, bool dsa)
{
    ossl::Bn r = to_bn(r_bytes), s = to_bn(s_bytes);
    if (!r || !s) return fail(Errc::system, "OpenSSL: bignum allocation failed");
    unsigned char* der = nullptr;
    int len = -1;
    if (dsa) {
        ossl::DsaSig sig(crypto().DSA_SIG_new());
        if (!sig || crypto().DSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return fail(Errc::system, "OpenSSL: DSA_SIG");
        (void)r.release(), (void)s.release();
        len = crypto().i2d_DSA_SIG(sig.get(), &der);
    } else {
        ossl::EcdsaSig sig(crypto().ECDSA_SIG_new());
        if (!sig || crypto().ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return fail(Errc::system, "OpenSSL: ECDSA_SIG");
        (void)r.release(), (void)s.release();
        len = crypto().i2d_ECDSA_SIG(sig.get(), &der);
    }
    if (len <= 0 || !der) return fail(Errc::system, "OpenSSL: DER encoding failed");
    Bytes out(der, der + len);
    crypto().CRYPTO_free(der, OPENSSL_FILE, OPENSSL_LINE);
    return out;
}

}  // namespace

Status check_signature_values(const PublicKey& key, const Signature& sig, const HashAlgorithm& hash, ByteView digest)
{
    if (digest.size() < 2 || ((std::uint16_t{digest[0]} << 8) | digest[1]) != sig.left16)
        return fail(Errc::rejected, "hash prefix mismatch (left 16 bits)");
    if (sig.pk_algorithm != key.algorithm) return fail(Errc::rejected, "signature algorithm does not match the key");
    if (sig.fields.size() != signature_field_count(sig.pk_algorithm))
        return fail(Errc::rejected, "signature has {} values for algorithm {}", sig.fields.size(), sig.pk_algorithm);
    switch (sig.pk_algorithm) {
    case pk::rsa: case pk::rsa_sign_only: {
        const EVP_MD* md = fetched_digest(hash);
        if (!md) return fail(Errc::rejected, "hash {} unavailable", hash.name);
        std::size_t size = (key.bits + 7) / 8;
        if (sig.fields[0].size() > size) return fail(Errc::rejected, "RSA signature larger than the modulus");
        return verify_pkey(key, left_pad(sig.fields[0], size), digest, md);
    }
    case pk::dsa: case pk::ecdsa: {
        auto der = UMD_TRY(der_r_s(sig.fields[0], sig.fields[1], sig.pk_algorithm == pk::dsa));
        return verify_pkey(key, der, digest, nullptr);
    }
    case pk::eddsa_legacy: {
        if (sig.fields[0].size() > 32 || sig.fields[1].size() > 32) return fail(Errc::rejected, "EdDSA value too large");
        Bytes rs = left_pad(sig.fields[0], 32);
        Bytes s = left_pad(sig.fields[1], 32);
        rs.insert(rs.end(), s.begin(), s.end());
        return verify_eddsa(key, rs, digest);
    }
    case pk::ed25519:
        // RFC 9580 §5.2.3.4: the hash must have at least the curve's strength.
        if (hash.digest_size < 32) return fail(Errc::rejected, "Ed25519 needs a 256-bit hash");
        if (sig.fields[0].size() != 64) return fail(Errc::rejected, "Ed25519 signature is not 64 bytes");
        return verify_eddsa(key, sig.fields[0], digest);
    case pk::ed448:
        if (hash.digest_size < 64) return fail(Errc::rejected, "Ed448 needs a 512-bit hash");
        if (sig.fields[0].size() != 114) return fail(Errc::rejected, "Ed448 signature is not 114 bytes");
        return verify_eddsa(key, sig.fields[0], digest);
    default:
        return fail(Errc::rejected, "public-key algorithm {} is not verifiable", sig.pk_algorithm);
    }
}

}  // namespace umd::pgp
