// bench/umdd_process.h — a umdd of the bench's own on a private socket (trusted side).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include <umd/error.h>

namespace umd::bench {

/// Started with an empty configuration in `dir`; stopped (SIGTERM, reaped) when destroyed.
class UmddProcess {
public:
    static Result<std::unique_ptr<UmddProcess>> start(const std::string& umdd, const std::string& dir);
    ~UmddProcess();
    /// VmRSS of the daemon in KiB (0 when unreadable).
    long rss_kib() const;

    pid_t pid = -1;
    std::string socket;
};

}  // namespace umd::bench
