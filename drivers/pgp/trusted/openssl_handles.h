// drivers/pgp/trusted/openssl_handles.h — RAII owners for the OpenSSL objects the verifier uses.
//
// Trusted side (Manager). Every OpenSSL object is held by a unique_ptr (or, for
// keys shared by a keyring, a shared_ptr) whose deleter frees it, so no early
// return can leak one.
#pragma once

#include <memory>

#include <openssl/bn.h>
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

namespace umd::pgp::ossl {

template <auto free_fn>
struct Deleter {
    template <class T>
    void operator()(T* p) const noexcept { free_fn(p); }
};

using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using SharedPkey = std::shared_ptr<EVP_PKEY>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using Md = std::unique_ptr<EVP_MD, Deleter<EVP_MD_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using DsaSig = std::unique_ptr<DSA_SIG, Deleter<DSA_SIG_free>>;

inline SharedPkey share(Pkey key) { return SharedPkey(key.release(), EVP_PKEY_free); }

}  // namespace umd::pgp::ossl
