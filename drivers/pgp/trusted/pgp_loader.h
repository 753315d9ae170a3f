// drivers/pgp/trusted/pgp_loader.h — the OpenPGP driver's built-in loader module (trusted side).
#pragma once

#include <umd/loader.h>

namespace umd::pgp {

/// The built-in loader module carrying the OpenPGP handler (drivers/pgp/loader.cpp).
const LoaderModule& loader_module();

}  // namespace umd::pgp
