// src/reply_read.cpp — a framed request's reply, read with blocking reads that the
// handler watch bounds (trusted side; docs/decisions/0024).
//
// A raw pipe echo waits for its reply in read(). So does the Manager: no poll() per
// reply, no liveness check per request. What a poll() used to guarantee the watch
// thread now does (src/handler_watch.h): it kills the handler's process group at the
// deadline or when the handler ends, which closes the pipe under the blocked read,
// and wakes the reader itself if a process outside that group still holds the pipe.
#include <umd/process.h>

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "handler_watch.h"

namespace umd {

Error HandlerProcess::deadline_error(const char* what, std::chrono::milliseconds budget)
{
    return Error{Errc::timeout, fmt::format("{}: no reply within the {} ms request deadline", what, budget.count())};
}

void HandlerProcess::arm(const Deadline& deadline) noexcept
{
    std::int64_t at = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.at().time_since_epoch()).count();
    if (at <= 0) at = 1;   // 0 means "nothing armed"
    reader_woken_.store(false);
    request_deadline_ns_.store(at);
    detail::handler_request_armed(at);
}

bool HandlerProcess::disarm() noexcept { return request_deadline_ns_.exchange(0) == deadline_fired; }

std::optional<Error> HandlerProcess::interrupted_read(std::size_t got, std::size_t need, std::chrono::milliseconds budget,
                                                      const char* what) const
{
    // Only once the watch has woken the reader are the pipe's bytes suspect: before
    // that, whatever arrives was written by the handler's own group.
    if (!reader_woken_.load()) return std::nullopt;
    if (request_deadline_ns_.load() == deadline_fired) return deadline_error(what, budget);
    return Error{Errc::handler_crashed,
                 fmt::format("{}: the handler exited after {} of {} bytes, and a process outside its group still held its "
                             "reply pipe", what, got, need)};
}

Result<std::size_t> HandlerProcess::read_reply(std::uint8_t* out, std::size_t need, std::size_t max, std::size_t before,
                                               std::chrono::milliseconds budget, const char* what)
{
    std::size_t got = 0;
    while (got < need) {
        if (auto stop = interrupted_read(before + got, before + need, budget, what)) return std::unexpected(*stop);
        ssize_t n = ::read(reply_.get(), out + got, max - got);
        if (n > 0) {
            got += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno(errno, "{}: read", what);
        if (request_deadline_ns_.load() == deadline_fired) return std::unexpected(deadline_error(what, budget));
        if (before + got > 0)
            return fail(Errc::protocol, "{}: short reply ({} of {} bytes before end of file)", what, before + got, before + need);
        // Nothing of a reply: a handler that ended has crashed; one that only closed its
        // stdout broke the protocol. Its end closes the pipe a moment before its pidfd
        // tells: the error path can wait for that moment, the reply path never does.
        pollfd p{pidfd_.get(), POLLIN, 0};
        if (exit_seen_.load() || ::poll(&p, 1, 20) == 1)
            return fail(Errc::handler_crashed, "{}: the handler exited without replying", what);
        return fail(Errc::protocol, "{}: short reply (end of file before a complete header)", what);
    }
    // A byte of the watch's may be among the last ones read.
    if (auto stop = interrupted_read(before + got, before + need, budget, what)) return std::unexpected(*stop);
    return got;
}

}  // namespace umd
