// drivers/builtin_drivers.h — the drivers built into umd's programs (trusted side).
#pragma once

#include <umd/loader.h>

namespace umd {

/// Adds the loader module of every built-in driver to `registry`: the folders that
/// drivers/CMakeLists.txt adds, each of which calls umd_add_driver().
void register_builtin_drivers(LoaderRegistry& registry);

}  // namespace umd
