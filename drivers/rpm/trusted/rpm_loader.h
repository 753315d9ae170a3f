// drivers/rpm/trusted/rpm_loader.h — the RPM driver's built-in loader module (trusted side).
#pragma once

#include <umd/loader.h>

namespace umd::rpm {

/// The built-in loader module carrying the RPM handler (loader.cpp).
const LoaderModule& loader_module();

}  // namespace umd::rpm
