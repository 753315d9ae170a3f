// drivers/pgp/trusted/openssl_handles.h — RAII owners for the OpenSSL objects the verifier uses.
//
// Trusted side (Manager). Every OpenSSL object is held by a unique_ptr (or, for
// keys shared by a keyring, a shared_ptr) whose deleter frees it, so no early
// return can leak one. libcrypto is reached through umd::libcrypto's table.
#pragma once

#include <memory>

#include "src/libcrypto/libcrypto.h"

namespace umd::pgp::ossl {

template <auto member>
using Deleter = libcrypto::Free<member>;
using F = libcrypto::Functions;

using Pkey = std::unique_ptr<EVP_PKEY, Deleter<&F::EVP_PKEY_free>>;
using SharedPkey = std::shared_ptr<EVP_PKEY>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<&F::EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<&F::EVP_MD_CTX_free>>;
using Md = std::unique_ptr<EVP_MD, Deleter<&F::EVP_MD_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<&F::OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<&F::OSSL_PARAM_free>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<&F::BN_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<&F::ECDSA_SIG_free>>;
using DsaSig = std::unique_ptr<DSA_SIG, Deleter<&F::DSA_SIG_free>>;

inline SharedPkey share(Pkey key) { return SharedPkey(key.release(), Deleter<&F::EVP_PKEY_free>{}); }

}  // namespace umd::pgp::ossl

namespace umd::pgp {
using libcrypto::crypto;
}  // namespace umd::pgp
