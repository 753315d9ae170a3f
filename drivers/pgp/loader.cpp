// drivers/pgp/loader.cpp — the OpenPGP driver's loader module (trusted side): the
// handler embedded by umd_add_driver() in CMakeLists.txt, and the driver's defaults.
// The Manager loads the blob into a sealed memfd and runs it sandboxed; nothing here
// parses OpenPGP.
#include <umd_generated/pgp_loader.h>

#include "drivers/pgp/protocol.h"

namespace umd::pgp {

const LoaderModule& loader_module()
{
    static constexpr LoaderModule module{
        .name = "pgp",
        .blob_start = umd_blob_pgp_start,
        .blob_end = umd_blob_pgp_end,
        // Parsing stays far below it, but a bzip2 stream expanding to the
        // decompression limit (256 MiB) takes seconds on a loaded machine.
        .default_deadline_ms = 10000,
        // Up to Limits::max_text of signed text, plus room for the records.
        .max_reply = Limits::max_text + (16ull << 20),
    };
    return module;
}

}  // namespace umd::pgp
