// umd/channel.h — bounded, deadline-aware I/O on the pipes to a handler.
//
// The counterpart of the kernel's umd_send_recv(): partial reads and writes and
// EINTR are handled, so messages far larger than the 64 KiB pipe buffer work;
// every wait is bounded by a Deadline; a handler that dies mid-message is seen
// through its pidfd even if a child of it still holds the pipe open.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <sys/uio.h>
#include <vector>

#include <umd/error.h>
#include <umd/unique_fd.h>

namespace umd {

/// An absolute point in time by which an operation must complete.
class Deadline {
public:
    using Clock = std::chrono::steady_clock;
    explicit Deadline(std::chrono::milliseconds budget) : at_(Clock::now() + budget), budget_(budget) {}
    /// Milliseconds left for poll(): 0 when expired.
    int poll_timeout_ms() const;
    bool expired() const { return Clock::now() >= at_; }
    Clock::time_point at() const { return at_; }
    std::chrono::milliseconds budget() const { return budget_; }

private:
    Clock::time_point at_;
    std::chrono::milliseconds budget_;
};

/// What a channel watches besides its data pipe while it waits: the peer's
/// pidfd (a dead peer is an error, not a hang) and its stderr (drained so a
/// chatty handler can never block on a full stderr pipe).
class PeerMonitor {
public:
    virtual ~PeerMonitor() = default;
    virtual int pidfd() const noexcept = 0;      ///< -1 if none
    virtual int stderr_fd() const noexcept = 0;  ///< -1 if none
    virtual void drain_stderr() = 0;
};

/// Writes every byte of `parts` to `fd` before `deadline`. `peer` (or nullptr) is
/// watched so a dead peer is reported as Errc::handler_crashed, not a hang.
Status write_all(int fd, std::span<const iovec> parts, const Deadline& deadline, PeerMonitor* peer, const char* what);

/// write_all() for a framed request, first trying one writev(). Returns false, having
/// written nothing, if the reader had already closed the pipe (EPIPE at once): the
/// handler ended before this request, which may then go to a fresh one.
Result<bool> write_request(int fd, std::span<const iovec> parts, const Deadline& deadline, PeerMonitor* peer, const char* what);

/// Reads exactly `size` bytes into `out`, reading until the pipe is empty before it
/// polls. End of file before that is Errc::protocol ("short reply"), a deadline is
/// Errc::timeout.
Status read_exact(int fd, std::uint8_t* out, std::size_t size, const Deadline& deadline, PeerMonitor* peer, const char* what);

/// Waits for data, then reads once: at least 1 and at most `max` bytes. End of file
/// is Errc::protocol ("short reply"), a deadline Errc::timeout.
Result<std::size_t> read_some(int fd, std::uint8_t* out, std::size_t max, const Deadline& deadline, PeerMonitor* peer, const char* what);

/// Reads until end of file, appending to `out`, at most `max` bytes (more is Errc::protocol).
Status read_to_eof(int fd, std::vector<std::uint8_t>& out, std::size_t max, const Deadline& deadline, PeerMonitor* peer, const char* what);

/// Raw exchange: writes all of `request` to `out_fd` and closes it, while reading
/// `in_fd` to end of file into `reply` (at most `max` bytes, more is Errc::protocol).
/// Both directions progress together, so a peer that answers before it has read
/// everything cannot deadlock the exchange.
Status exchange_raw(UniqueFd& out, std::span<const std::uint8_t> request, int in_fd, std::vector<std::uint8_t>& reply,
                    std::size_t max, const Deadline& deadline, PeerMonitor* peer, const char* what);

}  // namespace umd
