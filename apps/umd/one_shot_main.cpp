// apps/umd/one_shot_main.cpp — see one_shot_main.h.
#include "one_shot_main.h"

#include <cstdio>
#include <cstdlib>

#include <umd/one_shot/warm_heap.h>

#include "drivers/builtin_drivers.h"
#include "src/libcrypto/libcrypto.h"

namespace umd::cli {

void start_one_shot(Context& ctx)
{
    // The heap a command uses (a verified file, the replies, keys and certificates)
    // lands on present pages.
    umd::one_shot::warm_heap(512 * 1024);
    umd::register_builtin_drivers(*ctx.registry);
    // A verifier's verdict must depend on its inputs and its own policy only, not on
    // /usr/lib/ssl/openssl.cnf or whatever $OPENSSL_CONF names (a configuration can
    // load other providers or change default properties). umd fetches every
    // algorithm by name from the default provider and never looks up the legacy
    // EVP_get_*byname tables, so registering every cipher and digest there is
    // work for nothing. Nor is OpenSSL's state freed at exit (OPENSSL_cleanup): the
    // process ends right after, and the kernel frees it faster. libcrypto itself is
    // loaded when first needed, on another CPU while the handler starts
    // (src/libcrypto/libcrypto.h).
    umd::libcrypto::set_init_options(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
                                     OPENSSL_INIT_NO_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_ATEXIT);
}

void start_verifier(Context& ctx)
{
    start_one_shot(ctx);
    ctx.preload_unless_served({"pgp"});
    ctx.quiet = true;
}

void leave(int code)
{
    std::fflush(nullptr);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    std::exit(code);
#else
    std::_Exit(code);
#endif
}

}  // namespace umd::cli
