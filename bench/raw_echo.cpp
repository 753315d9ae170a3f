// bench/raw_echo.cpp — the two-pipe echo child used as the IPC baseline (trusted side).
#include "raw_echo.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <umd/process.h>

namespace umd::bench {
namespace {

/// Reads exactly out.size() bytes; false at end of file or on error.
bool read_full(int fd, std::uint8_t* out, std::size_t size)
{
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::read(fd, out + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool write_full(int fd, const std::uint8_t* data, std::size_t size)
{
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

Result<RawEcho> RawEcho::start(std::size_t size, int pipe_size)
{
    int request[2], reply[2];
    if (::pipe2(request, O_CLOEXEC) != 0) return fail_errno(errno, "pipe2");
    UniqueFd req_r(request[0]), req_w(request[1]);
    if (::pipe2(reply, O_CLOEXEC) != 0) return fail_errno(errno, "pipe2");
    UniqueFd rep_r(reply[0]), rep_w(reply[1]);
    // The same pipe size the Manager asks for its handlers, so both sides move data in equal chunks.
    set_pipe_capacity(req_w.get(), pipe_size);
    set_pipe_capacity(rep_w.get(), pipe_size);
    pid_t pid = ::fork();
    if (pid < 0) return fail_errno(errno, "fork");
    if (pid == 0) {
        // The child's buffer is mapped in the child (no malloc after fork in a process
        // with threads), so none of it counts in the Manager's resident set.
        req_w.reset();
        rep_r.reset();
        void* mapped = ::mmap(nullptr, size ? size : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped == MAP_FAILED) ::_exit(1);
        auto* buffer = static_cast<std::uint8_t*>(mapped);
        while (read_full(req_r.get(), buffer, size) && write_full(rep_w.get(), buffer, size)) {
        }
        ::_exit(0);
    }
    return RawEcho(pid, std::move(req_w), std::move(rep_r));
}

RawEcho::RawEcho(RawEcho&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), to_(std::move(other.to_)), from_(std::move(other.from_))
{
}

RawEcho::~RawEcho()
{
    to_.reset();    // end of file: the child leaves its loop
    from_.reset();
    if (pid_ > 0) {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

Status RawEcho::round_trip(ByteView data, std::span<std::uint8_t> out)
{
    if (!write_full(to_.get(), data.data(), data.size())) return fail_errno(errno, "raw echo: write");
    if (!read_full(from_.get(), out.data(), out.size())) return fail(Errc::io, "raw echo: short read");
    return {};
}

}  // namespace umd::bench
