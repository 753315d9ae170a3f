// src/channel.cpp — deadline-bounded pipe I/O with a handler (trusted side; umd_send_recv).
//
// Every wait here is a poll() on the data pipe, the handler's pidfd and its stderr,
// bounded by the request's deadline. The request and stderr pipes are non-blocking;
// the reply pipe is blocking, because a framed reply is read with one blocking read
// that the handler watch bounds instead (src/reply_read.cpp, decision 0024).
#include <umd/channel.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace umd {

int Deadline::poll_timeout_ms() const
{
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - Clock::now()).count();
    if (left <= 0) return 0;
    // Round up so a wait never ends a hair before the deadline and spins.
    return static_cast<int>(std::min<long long>(left + 1, 1 << 30));
}

namespace {

/// Writing to a pipe whose handler died raises SIGPIPE, which would kill the
/// Manager's whole process. Each thread that writes to a handler blocks SIGPIPE
/// once (no cost per write) and gets EPIPE instead; a SIGPIPE left pending by
/// that write is discarded so it cannot fire if the thread unblocks it later.
void block_sigpipe_in_this_thread()
{
    thread_local bool blocked = false;
    if (blocked) return;
    sigset_t set;
    ::sigemptyset(&set);
    ::sigaddset(&set, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
    blocked = true;
}

void discard_pending_sigpipe()
{
    sigset_t set;
    ::sigemptyset(&set);
    ::sigaddset(&set, SIGPIPE);
    timespec zero{0, 0};
    while (::sigtimedwait(&set, nullptr, &zero) == SIGPIPE) {
    }
}

enum class Ready { data, peer_exited };

/// Waits until `fd` is ready for `events`, draining stderr meanwhile.
Result<Ready> wait_ready(int fd, short events, const Deadline& deadline, PeerMonitor* peer, const char* what)
{
    bool watch_stderr = peer && peer->stderr_fd() >= 0;
    for (;;) {
        pollfd fds[3] = {{fd, events, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
        nfds_t n = 1;
        int pid_slot = -1, err_slot = -1;
        if (peer && peer->pidfd() >= 0) { pid_slot = static_cast<int>(n); fds[n++].fd = peer->pidfd(); }
        if (watch_stderr) { err_slot = static_cast<int>(n); fds[n++].fd = peer->stderr_fd(); }
        int rc = ::poll(fds, n, deadline.poll_timeout_ms());
        if (rc < 0) {
            if (errno == EINTR) continue;
            return fail_errno(errno, "{}: poll", what);
        }
        if (rc == 0)
            return fail(Errc::timeout, "{}: no progress within the {} ms request deadline", what, deadline.budget().count());
        if (err_slot >= 0 && fds[err_slot].revents) {
            peer->drain_stderr();
            if (fds[err_slot].revents & (POLLHUP | POLLERR | POLLNVAL)) watch_stderr = false;
        }
        if (fds[0].revents) return Ready::data;   // includes POLLHUP/POLLERR: the I/O call reports it
        if (pid_slot >= 0 && fds[pid_slot].revents) {
            // The handler has ended. Data it wrote before dying is still in the pipe:
            // take it if there is any, otherwise the peer is gone.
            pollfd last{fd, events, 0};
            if (::poll(&last, 1, 0) > 0) return Ready::data;
            return Ready::peer_exited;
        }
        if (deadline.expired())
            return fail(Errc::timeout, "{}: no progress within the {} ms request deadline", what, deadline.budget().count());
    }
}

}  // namespace

namespace {

/// write_all() and write_request(): writes first and polls only when the pipe is full,
/// so a request the pipe has room for takes one writev(), like a raw pipe's write.
/// With `closed_at_once`, EPIPE before any byte went in sets it instead of failing.
Status write_parts(int fd, std::span<const iovec> parts, const Deadline& deadline, PeerMonitor* peer, const char* what,
                   bool* closed_at_once)
{
    constexpr std::size_t max_iov = 16;
    iovec iov[max_iov];
    std::size_t count = std::min(parts.size(), max_iov);
    std::copy_n(parts.begin(), count, iov);
    iovec* cur = iov;
    bool wrote_any = false;
    block_sigpipe_in_this_thread();
    // Skip empty parts up front so an all-empty write returns immediately.
    while (count > 0 && cur->iov_len == 0) { ++cur; --count; }
    while (count > 0) {
        ssize_t n = ::writev(fd, cur, static_cast<int>(count));
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                auto ready = UMD_TRY(wait_ready(fd, POLLOUT, deadline, peer, what));
                if (ready == Ready::peer_exited) return fail(Errc::handler_crashed, "{}: the handler exited before reading its request", what);
                continue;
            }
            if (errno == EPIPE) {
                discard_pending_sigpipe();
                if (closed_at_once && !wrote_any) {
                    *closed_at_once = true;
                    return {};
                }
                return fail(Errc::handler_crashed, "{}: the handler closed its request pipe", what);
            }
            return fail_errno(errno, "{}: write", what);
        }
        wrote_any = wrote_any || n > 0;
        auto left = static_cast<std::size_t>(n);
        while (count > 0 && left >= cur->iov_len) { left -= cur->iov_len; ++cur; --count; }
        if (count > 0) {
            cur->iov_base = static_cast<char*>(cur->iov_base) + left;
            cur->iov_len -= left;
        }
    }
    return {};
}

}  // namespace

Status write_all(int fd, std::span<const iovec> parts, const Deadline& deadline, PeerMonitor* peer, const char* what)
{
    return write_parts(fd, parts, deadline, peer, what, nullptr);
}

Result<bool> write_request(int fd, std::span<const iovec> parts, const Deadline& deadline, PeerMonitor* peer, const char* what)
{
    bool closed_at_once = false;
    UMD_TRY(write_parts(fd, parts, deadline, peer, what, &closed_at_once));
    return !closed_at_once;
}

Status read_exact(int fd, std::uint8_t* out, std::size_t size, const Deadline& deadline, PeerMonitor* peer, const char* what)
{
    std::size_t got = 0;
    // Read first, poll only once the pipe runs dry: the caller has usually just seen
    // the start of this message, so its next bytes are likely in the pipe already,
    // and a poll() per chunk would cost three wait-queue registrations for nothing.
    bool wait = false;
    while (got < size) {
        if (wait) {
            auto ready = UMD_TRY(wait_ready(fd, POLLIN, deadline, peer, what));
            if (ready == Ready::peer_exited)
                return fail(Errc::handler_crashed, "{}: the handler exited after {} of {} bytes", what, got, size);
        }
        ssize_t n = ::read(fd, out + got, size - got);
        wait = false;
        if (n > 0) { got += static_cast<std::size_t>(n); continue; }
        if (n == 0) return fail(Errc::protocol, "{}: short reply ({} of {} bytes before end of file)", what, got, size);
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return fail_errno(errno, "{}: read", what);
        wait = true;
    }
    return {};
}

Result<std::size_t> read_some(int fd, std::uint8_t* out, std::size_t max, const Deadline& deadline, PeerMonitor* peer, const char* what)
{
    for (;;) {
        auto ready = UMD_TRY(wait_ready(fd, POLLIN, deadline, peer, what));
        if (ready == Ready::peer_exited) return fail(Errc::handler_crashed, "{}: the handler exited without replying", what);
        ssize_t n = ::read(fd, out, max);
        if (n > 0) return static_cast<std::size_t>(n);
        if (n == 0) return fail(Errc::protocol, "{}: short reply (end of file before a complete header)", what);
        if (errno != EINTR && errno != EAGAIN) return fail_errno(errno, "{}: read", what);
    }
}

Status read_to_eof(int fd, std::vector<std::uint8_t>& out, std::size_t max, const Deadline& deadline, PeerMonitor* peer, const char* what)
{
    constexpr std::size_t chunk = 64 * 1024;
    for (;;) {
        std::size_t old = out.size();
        if (old > max) return fail(Errc::protocol, "{}: reply exceeds the limit of {} bytes", what, max);
        // Read at most one byte past the limit, to tell "exactly max" from "too much".
        std::size_t want = std::min(chunk, max + 1 - old);
        out.resize(old + want);
        ssize_t n = ::read(fd, out.data() + old, want);
        if (n >= 0) out.resize(old + static_cast<std::size_t>(n));
        else out.resize(old);
        if (n > 0) continue;
        if (n == 0) return {};
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return fail_errno(errno, "{}: read", what);
        auto ready = UMD_TRY(wait_ready(fd, POLLIN, deadline, peer, what));
        if (ready == Ready::peer_exited) return {};  // its output ends with it, even if a child holds the pipe
    }
}

}  // namespace umd

namespace umd {

Status exchange_raw(UniqueFd& out, std::span<const std::uint8_t> request, int in_fd, std::vector<std::uint8_t>& reply,
                    std::size_t max, const Deadline& deadline, PeerMonitor* peer, const char* what)
{
    std::size_t sent = 0;
    bool reading = true;
    auto close_out = [&] { out.reset(); };
    if (request.empty()) close_out();
    block_sigpipe_in_this_thread();
    bool watch_stderr = peer && peer->stderr_fd() >= 0;
    while (reading) {
        pollfd fds[4];
        nfds_t n = 0;
        int out_slot = -1, in_slot, pid_slot = -1, err_slot = -1;
        if (out) { out_slot = static_cast<int>(n); fds[n++] = {out.get(), POLLOUT, 0}; }
        in_slot = static_cast<int>(n); fds[n++] = {in_fd, POLLIN, 0};
        if (peer && peer->pidfd() >= 0) { pid_slot = static_cast<int>(n); fds[n++] = {peer->pidfd(), POLLIN, 0}; }
        if (watch_stderr && peer->stderr_fd() >= 0) { err_slot = static_cast<int>(n); fds[n++] = {peer->stderr_fd(), POLLIN, 0}; }
        int rc = ::poll(fds, n, deadline.poll_timeout_ms());
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) return fail_errno(errno, "{}: poll", what);
        if (rc == 0) return fail(Errc::timeout, "{}: no reply within the {} ms deadline", what, deadline.budget().count());
        if (err_slot >= 0 && fds[err_slot].revents) {
            peer->drain_stderr();
            if (fds[err_slot].revents & (POLLHUP | POLLERR | POLLNVAL)) watch_stderr = false;
        }
        if (out_slot >= 0 && fds[out_slot].revents) {
            if (fds[out_slot].revents & (POLLERR | POLLHUP)) {
                close_out();  // the handler stopped reading: what it replies still counts
            } else {
                ssize_t w = ::write(out.get(), request.data() + sent, request.size() - sent);
                if (w < 0 && errno == EPIPE) {
                    discard_pending_sigpipe();
                    close_out();
                }
                else if (w < 0 && errno != EAGAIN && errno != EINTR) return fail_errno(errno, "{}: write", what);
                else if (w > 0 && (sent += static_cast<std::size_t>(w)) == request.size()) close_out();
            }
        }
        if (fds[in_slot].revents) {
            std::size_t old = reply.size();
            std::size_t want = std::min<std::size_t>(64 * 1024, max + 1 - std::min(old, max));
            reply.resize(old + want);
            ssize_t r = ::read(in_fd, reply.data() + old, want);
            reply.resize(old + (r > 0 ? static_cast<std::size_t>(r) : 0));
            if (r == 0) reading = false;
            else if (r < 0 && errno != EAGAIN && errno != EINTR) return fail_errno(errno, "{}: read", what);
            if (reply.size() > max) return fail(Errc::protocol, "{}: reply exceeds the limit of {} bytes", what, max);
        } else if (pid_slot >= 0 && fds[pid_slot].revents) {
            pollfd last{in_fd, POLLIN, 0};
            if (::poll(&last, 1, 0) <= 0) reading = false;  // ended; a child may still hold the pipe
        }
        if (deadline.expired() && reading) return fail(Errc::timeout, "{}: no reply within the {} ms deadline", what, deadline.budget().count());
    }
    close_out();
    return {};
}

}  // namespace umd
