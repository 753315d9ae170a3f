// bench/umdd_process.h — a umdd of the bench's own on a private socket (trusted side).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include <umd/error.h>

namespace umd::bench {

/// Started with an empty configuration in `dir`; stopped (SIGTERM, reaped) when destroyed.
class UmddProcess {
public:
    /// Starts umdd with its socket, configuration and (unless `extra` names another)
    /// trust database in `dir`, and waits until its socket is there.
    static Result<std::unique_ptr<UmddProcess>> start(const std::string& umdd, const std::string& dir,
                                                      const std::vector<std::string>& extra = {});
    /// The same without waiting (wait_ready() does).
    static Result<std::unique_ptr<UmddProcess>> start_detached(const std::string& umdd, const std::string& dir,
                                                               const std::vector<std::string>& extra = {});
    Status wait_ready() const;
    /// SIGKILL, and reap it: a crash, as far as anyone else can tell.
    void kill_now();
    ~UmddProcess();
    /// VmRSS of the daemon in KiB (0 when unreadable).
    long rss_kib() const;

    pid_t pid = -1;
    std::string socket;
    std::string program;
};

}  // namespace umd::bench
