// src/libcrypto/libcrypto.h — OpenSSL's libcrypto, loaded when it is first needed or
// on another CPU while the caller does other work. Trusted side.
//
// Mapping and relocating libcrypto.so.3 was a third of the time a one-shot
// `umd pgp verify` spent before main(). The verifier reaches
// libcrypto through the table below instead, so the library loads on another CPU
// while the handler starts (docs/decisions/0010-libcrypto-loaded-beside.md).
// libcrypto stays the system's shared library: OpenSSL security updates reach umd
// as before.
//
// Nothing on the trusted side links libcrypto or calls it by name; a direct call fails
// to link, so a function missing from UMD_LIBCRYPTO_FUNCTIONS cannot go unnoticed.
// Programs that link libcrypto themselves share the same copy (dlopen finds it).
#pragma once

#include <atomic>
#include <cstdint>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <umd/error.h>

namespace umd::libcrypto {

/// Every libcrypto function umd calls. Each is looked up with OpenSSL 3.0's symbol
/// version, so a libcrypto with another ABI is refused at load rather than misused.
#define UMD_LIBCRYPTO_FUNCTIONS(X)                                                                     \
    X(BN_bin2bn) X(BN_free) X(BN_is_odd) X(BN_is_zero) X(CRYPTO_free)                                  \
    X(DSA_SIG_free) X(DSA_SIG_new) X(DSA_SIG_set0) X(ECDSA_SIG_free) X(ECDSA_SIG_new) X(ECDSA_SIG_set0) \
    X(EVP_Digest) X(EVP_DigestFinal_ex) X(EVP_DigestInit_ex) X(EVP_DigestUpdate) X(EVP_DigestVerify)   \
    X(EVP_DigestVerifyInit_ex) X(EVP_MD_CTX_copy_ex) X(EVP_MD_CTX_free) X(EVP_MD_CTX_new)              \
    X(EVP_MD_fetch) X(EVP_MD_free) X(EVP_PKEY_CTX_free) X(EVP_PKEY_CTX_new_from_name)                  \
    X(EVP_PKEY_CTX_new_from_pkey) X(EVP_PKEY_CTX_set_rsa_padding) X(EVP_PKEY_CTX_set_signature_md)     \
    X(EVP_PKEY_free) X(EVP_PKEY_fromdata) X(EVP_PKEY_fromdata_init) X(EVP_PKEY_new_raw_public_key)     \
    X(EVP_PKEY_public_check) X(EVP_PKEY_verify) X(EVP_PKEY_verify_init)                               \
    X(EVP_md5) X(EVP_sha1) X(EVP_sha224) X(EVP_sha256) X(EVP_sha384) X(EVP_sha512)                     \
    X(OPENSSL_init_crypto) X(OSSL_PARAM_BLD_free) X(OSSL_PARAM_BLD_new) X(OSSL_PARAM_BLD_push_BN)      \
    X(OSSL_PARAM_BLD_push_octet_string) X(OSSL_PARAM_BLD_push_utf8_string) X(OSSL_PARAM_BLD_to_param)  \
    X(OSSL_PARAM_free) X(i2d_DSA_SIG) X(i2d_ECDSA_SIG)

/// Pointers to the functions above, with their declared types.
struct Functions {
#define UMD_LIBCRYPTO_POINTER(name) decltype(&::name) name = nullptr;
    UMD_LIBCRYPTO_FUNCTIONS(UMD_LIBCRYPTO_POINTER)
#undef UMD_LIBCRYPTO_POINTER
};

/// Options (OPENSSL_INIT_* flags) for OPENSSL_init_crypto, called right after the
/// load and before anyone can call in. Without them OpenSSL initialises itself on
/// first use, with its defaults. Returns false, and changes nothing, when the load
/// has already begun.
bool set_init_options(std::uint64_t init_options) noexcept;

/// The loaded functions: loads libcrypto on this thread when it is not loaded yet,
/// or waits for a load under way on another. Start it on a thread of its own (as
/// pgp::warm_up() does) to overlap the load with other work. Fails (Errc::system) when libcrypto.so.3 cannot
/// be loaded or lacks a function, and then keeps failing the same way.
Result<const Functions*> load() noexcept;

namespace detail {
/// The table once loaded (nullptr before): read on every call into OpenSSL, so the
/// verifier's hot loops (a digest update per line of a cleartext message) pay one
/// load and one indirect call, as a call through the PLT would.
extern std::atomic<const Functions*> loaded;
/// functions()'s slow path: load(), or end the process when it fails.
const Functions& load_or_exit() noexcept;
}  // namespace detail

/// The loaded functions, for code past the point where load() succeeded or that has
/// no way to report its failure. Like the dynamic loader with a missing library, it
/// ends the process with a message (exit status 127) when libcrypto cannot be loaded.
inline const Functions& functions() noexcept
{
    if (const Functions* table = detail::loaded.load(std::memory_order_acquire)) [[likely]]
        return *table;
    return detail::load_or_exit();
}

/// Short for functions(), at call sites: `crypto().EVP_DigestUpdate(ctx, p, n)`.
inline const Functions& crypto() noexcept { return functions(); }

/// A unique_ptr deleter calling one of the table's free functions.
template <auto member>
struct Free {
    template <class T>
    void operator()(T* p) const noexcept { (functions().*member)(p); }
};

}  // namespace umd::libcrypto
