// drivers/rpm/loader.cpp — the RPM driver's loader module (trusted side).
//
// Carries the RPM handler executable, embedded at build time by
// umd_embed_blob(umd_rpm_blob ... SYMBOL rpm), and the driver's defaults.
#include "drivers/rpm/trusted/package_reader.h"

extern "C" const std::uint8_t umd_blob_rpm_start[];
extern "C" const std::uint8_t umd_blob_rpm_end[];

namespace umd::rpm {

const LoaderModule& loader_module()
{
    static const LoaderModule module{
        "rpm",
        umd_blob_rpm_start,
        umd_blob_rpm_end,
        5000,                          // per request: parsing a header is far below this
        Limits::max_header + (4u << 20),   // the header blob plus signatures and claims
    };
    return module;
}

}  // namespace umd::rpm
