// apps/umdd/guard/guard.h — the exec guard's engine: allow or deny execution by file digest.
//
// Trusted side, privileged (inside umdd; needs CAP_SYS_ADMIN for fanotify).
// A Guard marks the filesystems holding the configured paths with fanotify and
// answers every permission event on them:
//   FAN_OPEN_EXEC_PERM (a program, a script, an ELF interpreter being executed):
//       allowed iff one of the file's digests is trusted by the Decider;
//   FAN_OPEN_PERM (any open; ld.so opens shared libraries this way):
//       allowed when the file is not ELF (its first four bytes), else as above.
// FAN_MODIFY and FAN_CLOSE_WRITE notifications drop cached verdicts.
//
// Threads: one reader reads events and answers cached verdicts at once; misses
// go to a pool of workers (bounded queue) that hash the file through the event's
// descriptor and ask the Decider, so a large file being hashed never delays an
// answer for another file. Deny records go to an AuditSink after the answer,
// rate-limited, from a thread of their own. docs/guard.md says why each part is
// as it is, what stays racy, and what it costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <umd/error.h>

#include "apps/umdd/guard/audit_log.h"
#include "apps/umdd/guard/decider.h"
#include "apps/umdd/guard/file_hasher.h"
#include "apps/umdd/guard/latency_histogram.h"

namespace umd::guard {

/// enforcing: denies are answered FAN_DENY. permissive: everything is decided,
/// counted and audited as in enforcing mode, and answered FAN_ALLOW.
enum class Mode : std::uint8_t { enforcing, permissive };

/// "enforcing" or "permissive".
std::string_view mode_name(Mode mode) noexcept;
Result<Mode> parse_mode(std::string_view name);

struct GuardOptions {
    /// Each path names a filesystem to guard (the whole filesystem, FAN_MARK_FILESYSTEM);
    /// paths on the same filesystem make one mark.
    std::vector<std::string> paths;
    Mode mode = Mode::enforcing;
    unsigned workers = 2;                     ///< threads hashing files (at least 1)
    std::size_t queue_capacity = 256;         ///< decisions waiting for a worker; beyond, the reader waits
    std::size_t cache_capacity = 65536;       ///< verdicts kept (LRU beyond)
    bool kernel_audit = false;                ///< FAN_AUDIT on denies, when the kernel takes it
    /// Experimental, off: after an allow, an inode ignore mark lets the kernel allow
    /// the next opens of the file without asking. docs/guard.md says why it stays off.
    bool ignore_marks = false;
    std::size_t hash_chunk = FileHasher::default_chunk;   ///< bytes per pread while hashing
    AuditOptions audit;
};

/// A snapshot of the engine's counters (each read atomically, not all at one instant).
struct GuardStatus {
    Mode mode = Mode::enforcing;
    bool running = false;
    std::size_t marks = 0;                ///< filesystems marked
    bool kernel_audit = false;            ///< responses carry FAN_AUDIT
    std::uint64_t events = 0;             ///< every event read
    std::uint64_t exec_events = 0;        ///< FAN_OPEN_EXEC_PERM
    std::uint64_t open_events = 0;        ///< FAN_OPEN_PERM
    std::uint64_t modifications = 0;      ///< FAN_MODIFY / FAN_CLOSE_WRITE
    std::uint64_t overflows = 0;          ///< FAN_Q_OVERFLOW (never, with an unlimited queue): all verdicts dropped
    std::uint64_t own_process = 0;        ///< permission events of this process, allowed at once
    std::uint64_t allows = 0;             ///< verdicts (of other processes' events)
    std::uint64_t denies = 0;             ///< verdicts, whatever the mode
    std::uint64_t permissive_allows = 0;  ///< denies answered FAN_ALLOW because of permissive mode
    std::uint64_t cache_hits = 0;
    std::uint64_t cache_joins = 0;        ///< events that joined a decision under way
    std::uint64_t cache_misses = 0;
    std::uint64_t hashes = 0;
    std::uint64_t bytes_hashed = 0;
    std::uint64_t hash_ns = 0;            ///< time workers spent reading and hashing (the rest of a miss is hand-off)
    std::uint64_t failures = 0;           ///< denies because something could not be established
    std::uint64_t response_errors = 0;    ///< answers the kernel refused
    std::uint64_t saturation_waits = 0;   ///< times the reader waited for room in the queue
    std::uint64_t ignore_marks_added = 0;
    std::uint64_t malformed = 0;          ///< reads whose event headers failed the checks (never from a sane kernel)
    LatencySummary latency;               ///< from reading an event to writing its answer
    std::size_t queue_depth = 0;
    std::size_t queue_capacity = 0;
    std::size_t workers = 0;
    std::size_t workers_busy = 0;
    std::size_t cache_entries = 0;
    std::size_t cache_capacity = 0;
    std::uint64_t cache_evictions = 0;
    std::uint64_t generation = 0;         ///< bumped by invalidate_all()
    AuditCounters audit;
};

class Guard {
public:
    /// Loads libcrypto, opens the fanotify group, marks the filesystems and
    /// starts the threads. Errc::system when fanotify refuses (no CAP_SYS_ADMIN,
    /// a path that does not exist); invalid_argument for no paths, no workers, or
    /// an algorithm the hasher does not support. `decider` must not be null.
    static Result<Guard> start(GuardOptions options, std::shared_ptr<const Decider> decider, AuditSink sink = {});

    Guard(Guard&&) noexcept;
    Guard& operator=(Guard&&) noexcept;
    ~Guard();   ///< stop()

    /// Removes the marks (no new events), answers every event already queued
    /// (read or not), joins the threads, then closes the fanotify descriptor.
    /// Idempotent. An event raised while the marks were being removed and not yet
    /// queued is allowed by the kernel when the descriptor closes (fail-open).
    void stop();

    void set_mode(Mode mode) noexcept;
    Mode mode() const noexcept;

    /// The trust database changed: forget every verdict (new generation) and
    /// re-read the decider's algorithms. invalid_argument (and the old algorithms
    /// kept) when the decider now names one the hasher does not support.
    Status invalidate_all();

    GuardStatus status() const;

private:
    struct Impl;
    explicit Guard(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace umd::guard
