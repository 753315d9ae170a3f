// drivers/sample/loader.cpp — the sample driver's loader module: the handler
// executable embedded at build time (trusted side).
#include <umd/loader.h>

#include "trusted/sample.h"

extern "C" const std::uint8_t umd_blob_sample_start[];
extern "C" const std::uint8_t umd_blob_sample_end[];

namespace umd::sample {

const LoaderModule& loader_module()
{
    static const LoaderModule module{"sample", umd_blob_sample_start, umd_blob_sample_end, 5000, 64ull << 20};
    return module;
}

}  // namespace umd::sample
