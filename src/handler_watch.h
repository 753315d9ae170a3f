// src/handler_watch.h — the one thread that watches every handler process (trusted side).
//
// Why: the Manager reads a reply with one blocking read(), as a raw pipe echo does,
// instead of a poll() and a read() per reply (docs/decisions/0024). Something else
// must then keep the guarantees a poll() gave the reader, and that is this thread:
//   - a request's deadline: when it passes, the handler's process group is killed, so
//     its pipes close and the blocked read returns;
//   - a handler that dies: its process group is killed at once, so children it left
//     cannot hold the reply pipe open; if a process that escaped the group still
//     holds it, the watch wakes the reader with one byte written through a
//     descriptor of its own, after marking the request as interrupted;
//   - a chatty handler: its stderr is drained whenever it is readable, so it can
//     never block on a full stderr pipe while the Manager waits for its reply.
// Arming a request is two atomic stores. The thread is woken (one eventfd write)
// only when a request's deadline is earlier than the one it already sleeps for:
// the first request after an idle spell, not each request of a stream.
//
// Lifetime: started with the first handler, it lives as long as the process. A
// handler is added when it has started and removed before it is reaped, under the
// watch's lock: while it is watched its pid, and so its process group, cannot be
// reused, and its descriptors stay open.
#pragma once

#include <cstdint>

namespace umd {
class HandlerProcess;
}

namespace umd::detail {

/// Adds a started handler to the watch (starting the watch thread if need be).
void watch_handler(HandlerProcess& process);

/// Removes a handler; once this returns, the watch thread no longer touches it.
void unwatch_handler(HandlerProcess& process) noexcept;

/// A request to `process` was armed with the given deadline (steady clock, ns):
/// wakes the watch thread if it would otherwise sleep past it.
void handler_request_armed(std::int64_t deadline_ns) noexcept;

/// The watch thread's wake-up descriptor, or -1 before it has started. For tests
/// that count the process's descriptors: this one is the library's, for good.
int handler_watch_wake_fd() noexcept;

}  // namespace umd::detail
