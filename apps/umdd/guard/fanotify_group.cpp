// apps/umdd/guard/fanotify_group.cpp — fanotify_init, marks, reading and answering events.
// Trusted side, privileged (umdd's exec guard). See fanotify_group.h.
#include "apps/umdd/guard/fanotify_group.h"

#include <fcntl.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace umd::guard {

Status parse_events(ByteView buffer, std::vector<FanotifyEvent>& out)
{
    std::size_t at = 0;
    while (at < buffer.size()) {
        const std::size_t left = buffer.size() - at;
        if (left < FAN_EVENT_METADATA_LEN)
            return fail(Errc::protocol, "fanotify: {} bytes left at offset {}, less than an event header", left, at);
        fanotify_event_metadata meta{};
        std::memcpy(&meta, buffer.data() + at, sizeof meta);   // the buffer need not be aligned for the struct
        // Own the descriptor before any check can return, so no path leaks it.
        FanotifyEvent event{UniqueFd(meta.fd >= 0 ? meta.fd : -1), meta.mask, static_cast<pid_t>(meta.pid)};
        if (meta.vers != FANOTIFY_METADATA_VERSION)
            return fail(Errc::protocol, "fanotify: metadata version {} (this build reads {})", meta.vers, FANOTIFY_METADATA_VERSION);
        if (meta.metadata_len < FAN_EVENT_METADATA_LEN || meta.event_len < meta.metadata_len || meta.event_len > left)
            return fail(Errc::protocol, "fanotify: event at offset {} has metadata_len {} and event_len {} with {} bytes left", at,
                        meta.metadata_len, meta.event_len, left);
        out.push_back(std::move(event));
        at += meta.event_len;
    }
    return {};
}

Result<std::unique_ptr<FanotifyGroup>> FanotifyGroup::open(bool kernel_audit)
{
    const unsigned base = FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS;
    const unsigned event_flags = O_RDONLY | O_LARGEFILE | O_CLOEXEC;
    if (kernel_audit) {
        const int fd = ::fanotify_init(base | FAN_ENABLE_AUDIT, event_flags);
        if (fd >= 0) return std::unique_ptr<FanotifyGroup>(new FanotifyGroup(UniqueFd(fd), true));
        // EPERM without CAP_AUDIT_WRITE, EINVAL on a kernel without audit: go on without it.
        if (errno != EPERM && errno != EINVAL) return fail_errno(errno, "fanotify_init");
    }
    const int fd = ::fanotify_init(base, event_flags);
    if (fd < 0) return fail_errno(errno, "fanotify_init");
    return std::unique_ptr<FanotifyGroup>(new FanotifyGroup(UniqueFd(fd), false));
}

Status FanotifyGroup::mark_filesystem(const std::string& path, std::uint64_t mask)
{
    if (::fanotify_mark(fd_.get(), FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, path.c_str()) != 0)
        return fail_errno(errno, "fanotify_mark of the filesystem of {}", path);
    return {};
}

Status FanotifyGroup::remove_filesystem_marks()
{
    if (::fanotify_mark(fd_.get(), FAN_MARK_FLUSH | FAN_MARK_FILESYSTEM, 0, AT_FDCWD, nullptr) != 0)
        return fail_errno(errno, "fanotify_mark flush of filesystem marks");
    return {};
}

Status FanotifyGroup::ignore_inode(int event_fd, std::uint64_t mask)
{
    if (::fanotify_mark(fd_.get(), FAN_MARK_ADD | FAN_MARK_IGNORE, mask, event_fd, nullptr) != 0)
        return fail_errno(errno, "fanotify_mark ignore on event descriptor {}", event_fd);
    return {};
}

Status FanotifyGroup::remove_inode_marks()
{
    if (::fanotify_mark(fd_.get(), FAN_MARK_FLUSH, 0, AT_FDCWD, nullptr) != 0)
        return fail_errno(errno, "fanotify_mark flush of inode marks");
    return {};
}

Result<std::size_t> FanotifyGroup::read(std::span<std::uint8_t> buffer)
{
    for (;;) {
        const ssize_t n = ::read(fd_.get(), buffer.data(), buffer.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EAGAIN) return 0;
        if (errno != EINTR) return fail_errno(errno, "read of fanotify events");
    }
}

Status FanotifyGroup::respond(int event_fd, bool allow, bool audit)
{
    fanotify_response response{};
    response.fd = event_fd;
    response.response = allow ? FAN_ALLOW : FAN_DENY;
    bool with_audit = audit && kernel_audit();
    for (;;) {
        fanotify_response r = response;
        if (with_audit) r.response |= FAN_AUDIT;
        const ssize_t n = ::write(fd_.get(), &r, sizeof r);
        if (n == static_cast<ssize_t>(sizeof r)) return {};
        if (n >= 0) return fail(Errc::system, "fanotify response for descriptor {}: short write of {} bytes", event_fd, n);
        if (errno == EINTR) continue;
        if (errno == EINVAL && with_audit) {
            // The kernel does not take FAN_AUDIT here: answer without, and stop asking.
            audit_.store(false, std::memory_order_relaxed);
            with_audit = false;
            continue;
        }
        return fail_errno(errno, "fanotify response for descriptor {}", event_fd);
    }
}

}  // namespace umd::guard
