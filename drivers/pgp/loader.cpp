// drivers/pgp/loader.cpp — the OpenPGP driver's loader module (trusted side).
//
// Carries the OpenPGP handler executable, embedded at build time by
// umd_embed_blob(umd_pgp_blob ... SYMBOL pgp), and the driver's defaults. The
// Manager loads the blob into a sealed memfd and runs it sandboxed; nothing
// here parses OpenPGP.
#include <umd/loader.h>

extern "C" const unsigned char umd_blob_pgp_start[];
extern "C" const unsigned char umd_blob_pgp_end[];

extern "C++" const umd::LoaderModule umd_pgp_loader_module{
    "pgp",
    umd_blob_pgp_start,
    umd_blob_pgp_end,
    5000,          // per-request deadline: parsing a large keyring stays far below this
    320ull << 20,  // largest reply: up to Limits::max_text of signed text plus the records
};
