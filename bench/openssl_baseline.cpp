// bench/openssl_baseline.cpp — digests and EVP signature checks for the pgp case's floor (trusted side).
#include "openssl_baseline.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <map>

namespace umd::bench {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const EVP_MD* md_for(std::uint8_t hash_algorithm)
{
    switch (hash_algorithm) {
    case 8: return EVP_sha256();
    case 9: return EVP_sha384();
    case 10: return EVP_sha512();
    case 11: return EVP_sha224();
    default: return nullptr;
    }
}

bool is_eddsa(std::uint8_t pk) { return pk == 22 || pk == 27; }

Result<Bytes> digest(const EVP_MD* md, ByteView data)
{
    Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) return fail(Errc::system, "EVP_Digest");
    out.resize(len);
    return out;
}

}  // namespace

struct OpenSslBaseline::State {
    struct Sig {
        SignatureKind kind;
        Pkey key;
        Bytes signature;
    };
    std::vector<Sig> sigs;
};

OpenSslBaseline::OpenSslBaseline(std::unique_ptr<State> state) : state_(std::move(state)) {}
OpenSslBaseline::OpenSslBaseline(OpenSslBaseline&&) noexcept = default;
OpenSslBaseline::~OpenSslBaseline() = default;

Result<OpenSslBaseline> OpenSslBaseline::make(const std::vector<SignatureKind>& kinds, ByteView data, unsigned rsa_bits)
{
    auto state = std::make_unique<State>();
    for (const auto& kind : kinds) {
        const EVP_MD* md = md_for(kind.hash_algorithm);
        if (!md) return fail(Errc::invalid_argument, "hash algorithm {} not covered by the baseline", kind.hash_algorithm);
        Pkey key(is_eddsa(kind.pk_algorithm) ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                 : kind.pk_algorithm == 1   ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits))
                                            : nullptr);
        if (!key) return fail(Errc::invalid_argument, "public key algorithm {} not covered by the baseline", kind.pk_algorithm);
        auto d = UMD_TRY(digest(md, data));
        Bytes sig;
        if (is_eddsa(kind.pk_algorithm)) {
            // OpenPGP EdDSA signs the digest itself as the message.
            MdCtx ctx(EVP_MD_CTX_new());
            std::size_t len = 0;
            if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
                EVP_DigestSign(ctx.get(), nullptr, &len, d.data(), d.size()) != 1)
                return fail(Errc::system, "Ed25519 sign");
            sig.resize(len);
            if (EVP_DigestSign(ctx.get(), sig.data(), &len, d.data(), d.size()) != 1) return fail(Errc::system, "Ed25519 sign");
            sig.resize(len);
        } else {
            PkeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
            std::size_t len = 0;
            if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
                EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1 ||
                EVP_PKEY_sign(ctx.get(), nullptr, &len, d.data(), d.size()) != 1)
                return fail(Errc::system, "RSA sign");
            sig.resize(len);
            if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, d.data(), d.size()) != 1) return fail(Errc::system, "RSA sign");
            sig.resize(len);
        }
        state->sigs.push_back({kind, std::move(key), std::move(sig)});
    }
    return OpenSslBaseline(std::move(state));
}

Status OpenSslBaseline::verify(ByteView data) const
{
    std::map<std::uint8_t, Bytes> digests;   // once per hash algorithm, as the verifier does
    for (const auto& s : state_->sigs) {
        auto& d = digests[s.kind.hash_algorithm];
        if (d.empty()) {
            auto r = UMD_TRY(digest(md_for(s.kind.hash_algorithm), data));
            d = std::move(r);
        }
        if (is_eddsa(s.kind.pk_algorithm)) {
            MdCtx ctx(EVP_MD_CTX_new());
            if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, s.key.get()) != 1 ||
                EVP_DigestVerify(ctx.get(), s.signature.data(), s.signature.size(), d.data(), d.size()) != 1)
                return fail(Errc::rejected, "Ed25519 verify failed");
        } else {
            PkeyCtx ctx(EVP_PKEY_CTX_new(s.key.get(), nullptr));
            if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
                EVP_PKEY_CTX_set_signature_md(ctx.get(), md_for(s.kind.hash_algorithm)) != 1 ||
                EVP_PKEY_verify(ctx.get(), s.signature.data(), s.signature.size(), d.data(), d.size()) != 1)
                return fail(Errc::rejected, "RSA verify failed");
        }
    }
    return {};
}

}  // namespace umd::bench
