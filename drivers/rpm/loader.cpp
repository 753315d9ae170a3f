// drivers/rpm/loader.cpp — the RPM driver's loader module (trusted side): the
// handler embedded by umd_add_driver() in CMakeLists.txt, and the driver's defaults.
#include <umd_generated/rpm_loader.h>

#include "drivers/rpm/protocol.h"

namespace umd::rpm {

const LoaderModule& loader_module()
{
    static constexpr LoaderModule module{
        .name = "rpm",
        .blob_start = umd_blob_rpm_start,
        .blob_end = umd_blob_rpm_end,
        .default_deadline_ms = 5000,                     // parsing a header is far below this
        .max_reply = Limits::max_header + (4u << 20),   // the header blob plus signatures and claims
    };
    return module;
}

}  // namespace umd::rpm
