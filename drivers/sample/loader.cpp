// drivers/sample/loader.cpp — the sample driver's loader module (trusted side): the
// handler embedded by umd_add_driver() in CMakeLists.txt, and the driver's defaults.
#include <umd_generated/sample_loader.h>

namespace umd::sample {

const LoaderModule& loader_module()
{
    static constexpr LoaderModule module{
        .name = "sample",
        .blob_start = umd_blob_sample_start,
        .blob_end = umd_blob_sample_end,
        .default_deadline_ms = 5000,
        .max_reply = 64ull << 20,   // the echo request's largest payload comes back
    };
    return module;
}

}  // namespace umd::sample
