// bench/raw_echo.h — the IPC baseline: a forked child echoing N bytes over two plain pipes (trusted side).
#pragma once

#include <fcntl.h>

#include <sys/types.h>

#include <cstddef>

#include <umd/error.h>
#include <umd/unique_fd.h>
#include <umd/wire.h>

namespace umd::bench {

/// A child process that reads `size` bytes from one pipe and writes them back on
/// the other, until the request pipe closes. No framing, no checks: the floor any
/// two-pipe protocol between two processes pays.
class RawEcho {
public:
    static Result<RawEcho> start(std::size_t size, int pipe_size);
    RawEcho(RawEcho&&) noexcept;
    RawEcho& operator=(RawEcho&&) = delete;
    ~RawEcho();

    /// Writes data (size bytes) and reads size bytes back into `out`.
    Status round_trip(ByteView data, std::span<std::uint8_t> out);
    /// The capacity the kernel gave the request pipe (the handler's pipes got the same ask).
    int pipe_capacity() const noexcept { return ::fcntl(to_.get(), F_GETPIPE_SZ); }

private:
    RawEcho(pid_t pid, UniqueFd to_child, UniqueFd from_child) : pid_(pid), to_(std::move(to_child)), from_(std::move(from_child)) {}
    pid_t pid_ = -1;
    UniqueFd to_, from_;
};

}  // namespace umd::bench
