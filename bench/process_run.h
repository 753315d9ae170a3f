// bench/process_run.h — runs a program to its end and reports its exit, wall time and peak RSS (trusted side).
#pragma once

#include <string>
#include <vector>

#include <umd/error.h>

namespace umd::bench {

struct ProcessResult {
    int exit_code = -1;         ///< -1 when killed by a signal
    long max_rss_kib = 0;       ///< wait4 rusage ru_maxrss
};

/// posix_spawn of argv[0] (a path) with stdin, stdout and stderr on /dev/null, then wait4.
Result<ProcessResult> run_process(const std::vector<std::string>& argv);

/// Like run_process, and an error unless the program exited with status 0.
Status run_ok(const std::vector<std::string>& argv);

}  // namespace umd::bench
