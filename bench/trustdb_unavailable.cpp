// bench/trustdb_unavailable.cpp — case `trustdb` in a build without the RPM test helpers (UMD_BUILD_TESTS=OFF).
#include "cases.h"

namespace umd::bench {

Result<std::vector<Row>> run_trustdb(const Settings&)
{
    return fail(Errc::not_found, "the trustdb case needs the RPM test helpers: configure with -DUMD_BUILD_TESTS=ON");
}

}  // namespace umd::bench
