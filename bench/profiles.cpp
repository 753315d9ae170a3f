// bench/profiles.cpp — DriverOptions for a sandbox profile, built the way the umd CLI builds them (trusted side).
#include <umd/sandbox.h>

#include "cases.h"

namespace umd::bench {

Result<DriverOptions> driver_options(std::string_view profile)
{
    auto options = UMD_TRY(sandbox::driver_options(profile));
    // The 16 MiB echo must not hit the default per-request deadline on a loaded machine.
    options.deadline = std::chrono::milliseconds(60000);
    return options;
}

}  // namespace umd::bench
