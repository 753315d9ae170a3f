// apps/umdd/guard/fanotify_group.h — the exec guard's fanotify descriptor: marks, events in, answers out.
//
// Trusted side, privileged (umdd's exec guard; needs CAP_SYS_ADMIN). One group,
// FAN_CLASS_CONTENT (permission events), unlimited queue (no event is ever
// allowed because a queue overflowed) and unlimited marks, non-blocking, its event
// descriptors opened O_RDONLY|O_LARGEFILE|O_CLOEXEC. Marks are filesystem marks
// (FAN_MARK_FILESYSTEM): every file of the filesystem holding a configured path.
//
// Events come from the kernel, but their headers are still checked before use
// (version, lengths within the buffer) by parse_events(), which owns each
// event's descriptor from then on, so none leaks whatever the caller does.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/unique_fd.h>
#include <umd/wire.h>

namespace umd::guard {

struct FanotifyEvent {
    UniqueFd fd;             ///< invalid (-1) for a queue overflow
    std::uint64_t mask = 0;
    pid_t pid = 0;
};

/// Splits a buffer read from a fanotify descriptor into events, appended to `out`.
/// Errc::protocol when a header is inconsistent (another metadata version, a
/// length shorter than the header or past the buffer): the events before it
/// are in `out`, the descriptor of the bad event is closed when its header was
/// readable, and the rest of the buffer cannot be walked.
Status parse_events(ByteView buffer, std::vector<FanotifyEvent>& out);

class FanotifyGroup {
public:
    /// fanotify_init. With `kernel_audit`, asks for FAN_ENABLE_AUDIT first (needs
    /// CAP_AUDIT_WRITE) and goes on without it when the kernel refuses.
    static Result<std::unique_ptr<FanotifyGroup>> open(bool kernel_audit);

    /// Marks the filesystem holding `path` with `mask`.
    Status mark_filesystem(const std::string& path, std::uint64_t mask);
    /// Removes every filesystem mark: the kernel generates no more events for this group.
    Status remove_filesystem_marks();
    /// Adds `mask` to the ignore mask of the inode of `event_fd` (FAN_MARK_IGNORE
    /// without FAN_MARK_IGNORED_SURV_MODIFY: the kernel clears it on the next modification).
    Status ignore_inode(int event_fd, std::uint64_t mask);
    /// Removes every inode mark (ignore marks).
    Status remove_inode_marks();

    /// Reads events; 0 when none is queued (non-blocking descriptor).
    Result<std::size_t> read(std::span<std::uint8_t> buffer);

    /// Answers a permission event. With `audit` and a group that has
    /// FAN_ENABLE_AUDIT, adds FAN_AUDIT; a kernel that refuses it (EINVAL) is
    /// answered again without, and FAN_AUDIT is not tried again.
    Status respond(int event_fd, bool allow, bool audit);

    /// Closes the descriptor: the kernel allows whatever is still pending. The
    /// object stays (kernel_audit() may still be asked); every other call fails.
    void close() noexcept { fd_.reset(); }

    int fd() const noexcept { return fd_.get(); }
    /// Whether responses may carry FAN_AUDIT.
    bool kernel_audit() const noexcept { return audit_.load(std::memory_order_relaxed); }

private:
    FanotifyGroup(UniqueFd fd, bool audit) : fd_(std::move(fd)), audit_(audit) {}
    UniqueFd fd_;
    std::atomic<bool> audit_;
};

}  // namespace umd::guard
