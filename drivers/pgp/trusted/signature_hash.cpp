// drivers/pgp/trusted/signature_hash.cpp — salt, data, keys, user IDs and the rebuilt trailer.
//
// Trusted side.
#include "drivers/pgp/trusted/signature_hash.h"

#include "drivers/pgp/trusted/key_material.h"

namespace umd::pgp {
namespace {
void put_be(Bytes& out, std::uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
}  // namespace

Result<SignatureHasher> SignatureHasher::start(const Signature& sig)
{
    const HashAlgorithm* hash = hash_algorithm(sig.hash_algorithm);
    if (!hash) return fail(Errc::rejected, "unknown hash algorithm {}", sig.hash_algorithm);
    if (sig.version != 4 && sig.version != 6) return fail(Errc::rejected, "signature version {}", sig.version);
    if (sig.version == 6 && sig.salt.size() != hash->v6_salt_size)
        return fail(Errc::rejected, "v6 salt of {} bytes, {} needs {}", sig.salt.size(), hash->name, hash->v6_salt_size);
    if (sig.version == 4 && !sig.salt.empty()) return fail(Errc::rejected, "v4 signature with a salt");
    if (sig.version == 4 && sig.hashed_area.size() > 0xFFFF) return fail(Errc::rejected, "v4 hashed area too large");
    const EVP_MD* md = fetched_digest(*hash);
    ossl::MdCtx ctx(crypto().EVP_MD_CTX_new());
    if (!md || !ctx || crypto().EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
        return fail(Errc::rejected, "hash algorithm {} is not available", hash->name);
    SignatureHasher hasher(hash, std::move(ctx));
    if (sig.version == 6) hasher.update(sig.salt);
    return hasher;
}

Result<SignatureHasher> SignatureHasher::clone() const
{
    ossl::MdCtx ctx(crypto().EVP_MD_CTX_new());
    if (!ctx || crypto().EVP_MD_CTX_copy_ex(ctx.get(), ctx_.get()) != 1) return fail(Errc::system, "OpenSSL: digest copy failed");
    return SignatureHasher(hash_, std::move(ctx));
}

void SignatureHasher::update(ByteView data)
{
    if (!data.empty()) crypto().EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

void SignatureHasher::update_key(const Key& key)
{
    update(key_hash_prefix_and_body(key));
}

void SignatureHasher::update_user_id(std::string_view uid)
{
    Bytes prefix{0xB4};
    put_be(prefix, uid.size(), 4);
    update(prefix);
    update(as_bytes(uid));
}

Bytes signature_trailer(const Signature& sig)
{
    Bytes t{sig.version, sig.type, sig.pk_algorithm, sig.hash_algorithm};
    put_be(t, sig.hashed_area.size(), sig.version == 6 ? 4 : 2);
    t.insert(t.end(), sig.hashed_area.begin(), sig.hashed_area.end());
    std::size_t hashed_len = t.size();
    t.push_back(sig.version);
    t.push_back(0xFF);
    put_be(t, hashed_len & 0xFFFFFFFFu, 4);
    return t;
}

Result<Bytes> SignatureHasher::finish(const Signature& sig)
{
    update(signature_trailer(sig));
    Bytes digest(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    if (crypto().EVP_DigestFinal_ex(ctx_.get(), digest.data(), &size) != 1) return fail(Errc::system, "OpenSSL: digest failed");
    digest.resize(size);
    return digest;
}

}  // namespace umd::pgp
