// umd/process.h — start a handler from a Blob and own the process until it is reaped.
//
// The counterpart of the kernel's fork_usermode_driver() and umd_cleanup_helper().
// The child is created with CLONE_PIDFD so the Manager tracks it by a pidfd (no pid
// reuse races): like posix_spawn, with clone(CLONE_VM | CLONE_VFORK) on a stack of its
// own, or with a fork-like clone3 when it must wait for ChildSetup::after_clone() (and
// in sanitizer builds). In the child, before exec:
//   fd 0 = request pipe, fd 1 = reply pipe, fd 2 = stderr pipe (read by the Manager),
//   every other descriptor closed, empty environment, cwd "/", own session (or,
//   when the ChildSetup says so, own process group),
//   SIGKILL when the parent dies, then the ChildSetup (the sandbox) is applied,
//   then the memfd is executed with execveat(AT_EMPTY_PATH).
// A failure in the child before exec is reported to the parent through a
// close-on-exec pipe, so spawn() returns a precise error instead of a dead child.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <umd/blob.h>
#include <umd/channel.h>
#include <umd/error.h>
#include <umd/unique_fd.h>

namespace umd {

namespace detail {
class HandlerWatch;
}

/// Work done in the child between clone and exec: the sandbox.
///
/// apply_in_child() runs in a child of a possibly multi-threaded process, so it may
/// only make async-signal-safe system calls: no allocation, no locks, no exceptions.
/// Everything it needs (BPF programs, rulesets, ...) must be built beforehand, in
/// the parent, when the ChildSetup is constructed.
class ChildSetup {
public:
    virtual ~ChildSetup() = default;

    /// Extra clone flags for the child, e.g. CLONE_NEWUSER | CLONE_NEWNET.
    virtual std::uint64_t clone_flags() const noexcept { return 0; }

    /// Runs in the child. Returns 0, or an errno value and sets *step to a static
    /// string naming what failed (e.g. "seccomp filter").
    virtual int apply_in_child(const char** step) const noexcept = 0;

    /// Runs in the parent right after clone, before the child continues
    /// (e.g. to write uid_map). The child waits for it.
    virtual Status after_clone(pid_t /*child*/) const { return {}; }

    /// Whether after_clone() has work to do. When it has none, the child does not
    /// wait for the parent (one scheduling round trip less per spawn).
    virtual bool has_after_clone() const noexcept { return true; }

    /// Whether the child becomes a session leader (setsid) or only the leader of a
    /// process group of its own (setpgid). Either way the Manager can kill the whole
    /// group by the handler's pid. A new session is what keeps an unconfined handler
    /// away from the Manager's terminal; it costs a scheduler autogroup per spawn
    /// (milliseconds on a busy machine), which a sandbox that already keeps the
    /// handler from every terminal and every descendant may skip.
    virtual bool new_session() const noexcept { return true; }

    /// What this setup isolates, for status displays: derived from what it applies.
    virtual std::string description() const { return "custom isolation (a ChildSetup of the caller's own)"; }
};

/// How one handler process is started.
struct SpawnOptions {
    std::string argv0 = "umd-handler";          ///< argv[0] of the handler
    const ChildSetup* setup = nullptr;          ///< sandbox; nullptr runs it unconfined
    std::size_t stderr_limit = 64 * 1024;       ///< bytes of stderr kept for diagnostics
    /// Capacity asked for the request and reply pipes (best effort, see
    /// set_pipe_capacity()). 2 MiB holds a 1 MiB message and its frame header in one
    /// write; pages are taken only while bytes sit in the pipe, not for the capacity.
    int pipe_size = 2 << 20;
};

/// Sets a pipe's capacity to `wanted` bytes (the kernel rounds up to a power of two
/// pages). A process without CAP_SYS_RESOURCE may not go past fs.pipe-max-size
/// (1 MiB by default): it gets that size instead. Returns the capacity the pipe has
/// afterwards, or -1 if it cannot be read.
int set_pipe_capacity(int fd, int wanted) noexcept;

/// How a handler process ended.
struct ExitInfo {
    enum class Kind { exited, signaled } kind = Kind::exited;
    int code = 0;                 ///< exit status, or signal number when signaled
    int syscall = -1;             ///< for SIGSYS from seccomp: the offending syscall, when known
    std::string describe() const; ///< "exited with status 3", "killed by signal SIGSEGV", ...
};

/// One running handler: owns its pidfd and both ends of its pipes the Manager uses.
/// Destroying it kills (SIGKILL) and reaps the process and closes every descriptor.
///
/// While it lives it is watched by the library's handler watch (src/handler_watch.h):
/// its stderr is drained whenever it is readable, and the watch sees it end. The
/// reply pipe is blocking: a framed request is armed with its deadline, and the watch
/// ends a read that would outlive the deadline or the handler (docs/decisions/0024).
class HandlerProcess final : public PeerMonitor {
public:
    static Result<std::unique_ptr<HandlerProcess>> spawn(const Blob& blob, const SpawnOptions& options);

    ~HandlerProcess();
    HandlerProcess(const HandlerProcess&) = delete;
    HandlerProcess& operator=(const HandlerProcess&) = delete;

    pid_t pid() const noexcept { return pid_; }
    int pidfd() const noexcept override { return pidfd_.get(); }
    int stderr_fd() const noexcept override { return stderr_eof_.load() ? -1 : stderr_.get(); }
    /// Reads whatever the handler has written to stderr (non-blocking), keeping at most
    /// stderr_limit bytes: the first ones, with a note when more was discarded. Reads at
    /// most max(stderr_limit, 1 MiB) per call, so a flooding handler cannot hold the caller.
    void drain_stderr() override;
    int request_fd() const noexcept { return request_.get(); }   ///< write end, handler's fd 0 (non-blocking)
    int reply_fd() const noexcept { return reply_.get(); }       ///< read end, handler's fd 1 (blocking)

    /// The request pipe itself, for raw exchanges that close it when done.
    UniqueFd& request_pipe() noexcept { return request_; }
    /// Closes the request pipe: the handler sees end of file (graceful shutdown).
    void close_request() noexcept { request_.reset(); }

    /// Non-blocking: the exit info if the process has ended (and reaps it).
    std::optional<ExitInfo> poll_exit();
    /// Whether the handler watch has seen the process end: an atomic load, no system
    /// call. It may lag the end by a moment; poll_exit() is the exact answer.
    bool exit_seen() const noexcept { return exit_seen_.load(); }
    /// Sends SIGKILL now without waiting; the destructor or terminate() reaps.
    void kill() noexcept;
    /// Waits up to `timeout` for the process to end; SIGKILLs it if it has not.
    ExitInfo terminate(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    /// What the handler wrote to stderr so far (drains first).
    std::string stderr_text();

    /// A framed request to this handler is in flight until `deadline`: from now on the
    /// handler watch kills the handler's process group when the deadline passes.
    /// Two atomic stores, and a wake-up of the watch only if it sleeps past the deadline.
    void arm(const Deadline& deadline) noexcept;
    /// The request is over. Returns whether its deadline had passed (the handler was
    /// killed for it), whatever the reader saw.
    bool disarm() noexcept;
    /// Reads the armed request's reply with blocking reads: at least `need` bytes, at
    /// most `max`; `before` bytes of this reply were read by earlier calls. End of file
    /// is Errc::protocol ("short reply") within a reply, Errc::handler_crashed before
    /// any byte of it if the handler has ended; a passed deadline is Errc::timeout.
    /// `budget` is the request's deadline, for the message.
    Result<std::size_t> read_reply(std::uint8_t* out, std::size_t need, std::size_t max, std::size_t before,
                                   std::chrono::milliseconds budget, const char* what);
    /// The error of a request whose deadline (`budget`) passed before its reply.
    static Error deadline_error(const char* what, std::chrono::milliseconds budget);

private:
    friend class detail::HandlerWatch;
    struct Key {
        explicit Key() = default;
    };
    static Result<std::unique_ptr<HandlerProcess>> start(const Blob& blob, const SpawnOptions& options);
    /// Reaps the handler if it has ended (or waits for it), killing its process group first.
    std::optional<ExitInfo> reap(bool wait);
    /// drain_stderr(), reading at most `bytes` (the watch's share of one wake-up).
    void drain_stderr_at_most(std::size_t bytes);
    /// The error a read of the armed request's reply ends with, if the watch ended it.
    std::optional<Error> interrupted_read(std::size_t got, std::size_t need, std::chrono::milliseconds budget,
                                          const char* what) const;

public:
    explicit HandlerProcess(Key) {}

private:
    /// request_deadline_ns_ once the watch has killed the handler for that deadline.
    static constexpr std::int64_t deadline_fired = -1;

    pid_t pid_ = -1;
    UniqueFd pidfd_, request_, reply_, stderr_;
    std::optional<ExitInfo> exit_;

    std::mutex stderr_lock_;       ///< the Manager's thread and the watch both drain stderr
    std::string stderr_buf_;
    std::size_t stderr_limit_ = 0;
    bool stderr_truncated_ = false;
    std::atomic<bool> stderr_eof_{false};

    // Shared with the handler watch (atomics), or the watch's own (under its lock).
    std::atomic<std::int64_t> request_deadline_ns_{0};   ///< steady clock; 0: no request armed
    std::atomic<bool> exit_seen_{false};
    std::atomic<bool> reader_woken_{false};              ///< the watch wrote a byte to wake the reader
    bool watched_ = false;
    std::uint64_t watch_generation_ = 0;
    std::int64_t unblock_at_ns_ = 0;
};

}  // namespace umd
