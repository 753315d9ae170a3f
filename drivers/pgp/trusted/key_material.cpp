// drivers/pgp/trusted/key_material.cpp — re-serialisation, fingerprints and OpenSSL key construction.
//
// Trusted side. Works only on fields that decode() has already bounded.
#include "drivers/pgp/trusted/key_material.h"

#include <openssl/core_names.h>
#include <openssl/sha.h>

#include "drivers/pgp/trusted/algorithms.h"

namespace umd::pgp {
namespace {

void put_be(Bytes& out, std::uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

unsigned bit_count(ByteView mpi)
{
    if (mpi.empty()) return 0;
    unsigned bits = static_cast<unsigned>(mpi.size() - 1) * 8;
    for (std::uint8_t top = mpi[0]; top != 0; top >>= 1) ++bits;
    return bits;
}

void put_mpi(Bytes& out, ByteView value)
{
    put_be(out, bit_count(value), 2);
    out.insert(out.end(), value.begin(), value.end());
}

void put_oid(Bytes& out, ByteView oid)
{
    out.push_back(static_cast<std::uint8_t>(oid.size()));
    out.insert(out.end(), oid.begin(), oid.end());
}

Bytes key_material(const Key& key)
{
    Bytes m;
    const auto& f = key.fields;
    switch (key.algorithm) {
    case pk::rsa: case pk::rsa_sign_only: case pk::dsa:
        if (f.size() == key_field_count(key.algorithm))
            for (const Bytes& mpi : f) put_mpi(m, mpi);
        return m;
    case pk::ecdsa: case pk::eddsa_legacy:
        if (f.size() == 2) {
            put_oid(m, f[0]);
            put_mpi(m, f[1]);
        }
        return m;
    default:
        // Native keys (Ed25519, Ed448) and unverifiable algorithms: one raw field.
        for (const Bytes& raw : f) m.insert(m.end(), raw.begin(), raw.end());
        return m;
    }
}

ossl::Bn to_bn(ByteView be)
{
    return ossl::Bn(crypto().BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
}

Result<ossl::Pkey> from_params(const char* type, int selection, ossl::ParamBld& bld)
{
    ossl::Params params(crypto().OSSL_PARAM_BLD_to_param(bld.get()));
    if (!params) return fail(Errc::system, "OpenSSL: cannot build {} key parameters", type);
    ossl::PkeyCtx ctx(crypto().EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || crypto().EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        crypto().EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) <= 0)
        return fail(Errc::rejected, "invalid {} key material", type);
    return ossl::Pkey(raw);
}

Result<PublicKey> make_rsa(const Key& key)
{
    ossl::Bn n = to_bn(key.fields[0]), e = to_bn(key.fields[1]);
    ossl::ParamBld bld(crypto().OSSL_PARAM_BLD_new());
    if (!n || !e || !bld || !crypto().OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
        !crypto().OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()))
        return fail(Errc::system, "OpenSSL: cannot build RSA parameters");
    if (crypto().BN_is_zero(e.get()) || !crypto().BN_is_odd(n.get())) return fail(Errc::rejected, "invalid RSA key material");
    auto pkey = UMD_TRY(from_params("RSA", EVP_PKEY_PUBLIC_KEY, bld));
    return PublicKey{ossl::share(std::move(pkey)), key.algorithm, bit_count(key.fields[0])};
}

Result<PublicKey> make_dsa(const Key& key)
{
    ossl::Bn p = to_bn(key.fields[0]), q = to_bn(key.fields[1]), g = to_bn(key.fields[2]), y = to_bn(key.fields[3]);
    ossl::ParamBld bld(crypto().OSSL_PARAM_BLD_new());
    if (!p || !q || !g || !y || !bld || !crypto().OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p.get()) ||
        !crypto().OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_Q, q.get()) ||
        !crypto().OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g.get()) ||
        !crypto().OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, y.get()))
        return fail(Errc::system, "OpenSSL: cannot build DSA parameters");
    auto pkey = UMD_TRY(from_params("DSA", EVP_PKEY_PUBLIC_KEY, bld));
    return PublicKey{ossl::share(std::move(pkey)), key.algorithm, bit_count(key.fields[0])};
}

Result<PublicKey> make_ecdsa(const Key& key)
{
    const Curve* curve = ecdsa_curve(key.fields[0]);
    if (!curve) return fail(Errc::rejected, "unsupported ECDSA curve");
    const Bytes& point = key.fields[1];
    if (point.empty() || point[0] != 0x04) return fail(Errc::rejected, "ECDSA point is not uncompressed");
    ossl::ParamBld bld(crypto().OSSL_PARAM_BLD_new());
    if (!bld ||
        !crypto().OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->group.data(), 0) ||
        !crypto().OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()))
        return fail(Errc::system, "OpenSSL: cannot build EC parameters");
    auto pkey = UMD_TRY(from_params("EC", EVP_PKEY_PUBLIC_KEY, bld));
    // fromdata decodes the point; an explicit check rejects points off the curve.
    ossl::PkeyCtx check(crypto().EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!check || crypto().EVP_PKEY_public_check(check.get()) != 1) return fail(Errc::rejected, "ECDSA point is not on the curve");
    return PublicKey{ossl::share(std::move(pkey)), key.algorithm, curve->bits};
}

Result<PublicKey> make_raw(int type, ByteView raw, std::size_t size, const Key& key, unsigned bits)
{
    if (raw.size() != size) return fail(Errc::rejected, "EdDSA key of {} bytes, expected {}", raw.size(), size);
    ossl::Pkey pkey(crypto().EVP_PKEY_new_raw_public_key(type, nullptr, raw.data(), raw.size()));
    if (!pkey) return fail(Errc::rejected, "invalid EdDSA key material");
    return PublicKey{ossl::share(std::move(pkey)), key.algorithm, bits};
}

}  // namespace

Bytes key_body(const Key& key)
{
    Bytes body;
    body.push_back(key.version);
    put_be(body, key.created, 4);
    body.push_back(key.algorithm);
    Bytes material = key_material(key);
    if (key.version == 6) put_be(body, material.size(), 4);
    body.insert(body.end(), material.begin(), material.end());
    return body;
}

Bytes key_hash_prefix_and_body(const Key& key)
{
    Bytes body = key_body(key);
    Bytes out;
    if (key.version == 6) {
        out.push_back(0x9B);
        put_be(out, body.size(), 4);
    } else {
        out.push_back(0x99);
        put_be(out, body.size(), 2);
    }
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes fingerprint(const Key& key)
{
    Bytes data = key_hash_prefix_and_body(key);
    const EVP_MD* md = fetched_digest(*hash_algorithm(key.version == 6 ? hash::sha256 : hash::sha1));
    Bytes fpr(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    if (!md || crypto().EVP_Digest(data.data(), data.size(), fpr.data(), &size, md, nullptr) != 1) return {};
    fpr.resize(size);
    return fpr;
}

Bytes key_id(const Bytes& fpr, std::uint8_t version)
{
    if (fpr.size() < 8) return {};
    if (version == 6) return Bytes(fpr.begin(), fpr.begin() + 8);
    return Bytes(fpr.end() - 8, fpr.end());
}

std::string hex_upper(ByteView bytes)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (std::uint8_t b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

Result<PublicKey> make_public_key(const Key& key)
{
    if (key.fields.size() != key_field_count(key.algorithm) || !is_verifiable_algorithm(key.algorithm))
        return fail(Errc::rejected, "public-key algorithm {} cannot make signatures here", key.algorithm);
    switch (key.algorithm) {
    case pk::rsa: case pk::rsa_sign_only: return make_rsa(key);
    case pk::dsa: return make_dsa(key);
    case pk::ecdsa: return make_ecdsa(key);
    case pk::eddsa_legacy: {
        if (!is_ed25519_legacy_oid(key.fields[0])) return fail(Errc::rejected, "unsupported EdDSA curve");
        const Bytes& point = key.fields[1];
        if (point.size() != 33 || point[0] != 0x40) return fail(Errc::rejected, "EdDSA point lacks the 0x40 prefix");
        return make_raw(EVP_PKEY_ED25519, ByteView(point).subspan(1), 32, key, 256);
    }
    case pk::ed25519: return make_raw(EVP_PKEY_ED25519, key.fields[0], 32, key, 256);
    case pk::ed448: return make_raw(EVP_PKEY_ED448, key.fields[0], 57, key, 448);
    default: return fail(Errc::internal, "unreachable algorithm {}", key.algorithm);
    }
}

}  // namespace umd::pgp
