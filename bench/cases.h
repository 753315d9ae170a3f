// bench/cases.h — the benchmark cases of umd-bench, one source file each (trusted side).
#pragma once

#include <string_view>
#include <vector>

#include <umd/manager.h>

#include "harness.h"

namespace umd::bench {

Result<std::vector<Row>> run_ipc(const Settings& settings);
Result<std::vector<Row>> run_spawn(const Settings& settings);
Result<std::vector<Row>> run_pgp(const Settings& settings);
Result<std::vector<Row>> run_rpm(const Settings& settings);
Result<std::vector<Row>> run_trustdb(const Settings& settings);
Result<std::vector<Row>> run_pool(const Settings& settings);
Result<std::vector<Row>> run_umdd(const Settings& settings);
Result<std::vector<Row>> run_guard(const Settings& settings);
Result<std::vector<Row>> run_bpfilter(const Settings& settings);

/// Driver options for a sandbox profile ("none" or "strict"), as the CLI builds them.
Result<DriverOptions> driver_options(std::string_view profile);

}  // namespace umd::bench
