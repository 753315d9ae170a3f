// apps/umdd/guard/audit_log.h — the exec guard's deny records: rate-limited, off the reply path.
//
// Trusted side, privileged (umdd's exec guard). A deny (or, in permissive mode,
// a would-be deny) produces a record *after* its response is written. The
// deciding thread first asks the token bucket (admit(): a mutex-guarded counter,
// no I/O); only an admitted record is built (two readlinks in /proc) and queued.
// One thread of the log's own hands queued records to the sink, so a slow sink
// (a stalled journald) never delays a decision: when the queue is full, records
// are dropped and counted. Records suppressed by the bucket are counted too, and
// the next record says how many were suppressed before it.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "apps/umdd/guard/verdict.h"

namespace umd::guard {

struct AuditRecord {
    pid_t pid = 0;
    std::string exe;       ///< readlink of /proc/<pid>/exe: the program that asked ("?" when gone)
    std::string path;      ///< readlink of /proc/self/fd/<event fd>: the file it asked for
    bool exec = false;     ///< an exec (else an open of an ELF file)
    std::string digest;    ///< "sha256:<hex>" of the file, empty when it was not hashed
    Reason reason = Reason::untrusted;
    bool enforced = true;  ///< false: permissive mode, the event was allowed anyway
    std::uint64_t suppressed_before = 0;   ///< records the rate limit suppressed since the previous one
};

using AuditSink = std::function<void(const AuditRecord&)>;

struct AuditOptions {
    double per_second = 20;       ///< token bucket refill rate
    double burst = 50;            ///< bucket size
    std::size_t queue = 256;      ///< records waiting for the sink; beyond this they are dropped
};

struct AuditCounters {
    std::uint64_t records = 0;      ///< handed to the sink
    std::uint64_t suppressed = 0;   ///< refused by the rate limit
    std::uint64_t dropped = 0;      ///< the sink's queue was full
};

class AuditLog {
public:
    /// A null sink makes a log that admits nothing (no records are built).
    AuditLog(AuditSink sink, AuditOptions options);
    ~AuditLog();
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    /// Whether a record may be built now (takes a token). When it may, the count of
    /// records suppressed since the last admitted one, for AuditRecord::suppressed_before.
    std::optional<std::uint64_t> admit();
    /// Queues an admitted record for the sink. Never blocks.
    void submit(AuditRecord record);
    /// Hands what is queued to the sink and joins the thread. Idempotent.
    void stop();

    AuditCounters counters() const;

private:
    void run();

    AuditSink sink_;
    AuditOptions options_;
    mutable std::mutex lock_;
    std::condition_variable wake_;
    std::deque<AuditRecord> queue_;
    bool stopping_ = false;
    double tokens_;
    std::uint64_t last_refill_ns_;
    std::uint64_t suppressed_since_ = 0;
    AuditCounters counters_;
    std::thread thread_;
};

/// readlink() of `path` as a string, "?" when it fails (the process or descriptor is gone).
std::string read_link(const std::string& path);

}  // namespace umd::guard
