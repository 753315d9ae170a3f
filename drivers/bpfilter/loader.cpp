// drivers/bpfilter/loader.cpp — the bpfilter driver's loader module (trusted side): the
// handler embedded by umd_add_driver() in CMakeLists.txt, and the driver's defaults.
#include <umd_generated/bpfilter_loader.h>

#include "drivers/bpfilter/protocol.h"

namespace umd::bpfilter {

const LoaderModule& loader_module()
{
    static constexpr LoaderModule module{
        .name = "bpfilter",
        .blob_start = umd_blob_bpfilter_start,
        .blob_end = umd_blob_bpfilter_end,
        .default_deadline_ms = 5000,
        // The largest reply: a record per smallest entry of the largest table.
        .max_reply = 64 + Limits::max_request / Limits::min_entry * Limits::entry_record,
    };
    return module;
}

}  // namespace umd::bpfilter
