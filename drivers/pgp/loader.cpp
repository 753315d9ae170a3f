// drivers/pgp/loader.cpp — the OpenPGP driver's loader module (trusted side).
//
// Carries the OpenPGP handler executable, embedded at build time by
// umd_embed_blob(umd_pgp_blob ... SYMBOL pgp), and the driver's defaults. The
// Manager loads the blob into a sealed memfd and runs it sandboxed; nothing
// here parses OpenPGP.
#include <umd/loader.h>

#include "drivers/pgp/protocol.h"

extern "C" const unsigned char umd_blob_pgp_start[];
extern "C" const unsigned char umd_blob_pgp_end[];

extern "C++" const umd::LoaderModule umd_pgp_loader_module{
    "pgp",
    umd_blob_pgp_start,
    umd_blob_pgp_end,
    // Per-request deadline: parsing stays far below it, but a bzip2 stream expanding to the
    // decompression limit (256 MiB) takes seconds on a loaded machine.
    10000,
    // Largest reply: up to Limits::max_text of signed text, plus room for the records.
    umd::pgp::Limits::max_text + (16ull << 20),
};
