// apps/umdd/server.h — umdd's socket: connections, requests in, replies out.
//
// Trusted side. Worker threads wait on one epoll set of every connection, each
// registered one-shot: the worker that takes an event reads one whole request
// (a SOCK_SEQPACKET datagram of at most max_message bytes with at most max_fds
// descriptors: anything larger is refused whole and the connection closed), serves
// it itself and answers (no hand-over between threads on a request's way). While it
// runs, another worker may take the connection's next request, up to max_in_flight;
// beyond that the connection is not read until one is answered. A reply the client
// does not take (its socket buffer full) ends the connection rather than wait.
// Signals arrive as a signalfd: SIGTERM/SIGINT stop (each worker after the request
// it is serving), SIGHUP reloads.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include <umd/unique_fd.h>

#include "apps/umdd/config.h"
#include "apps/umdd/services.h"

namespace umd::daemon {

struct ServerCounters {
    std::atomic<std::uint64_t> connections{0}, requests{0}, refused{0}, malformed{0}, dropped_replies{0};
};

class Server {
public:
    /// `listener`: a listening SOCK_SEQPACKET AF_UNIX socket. `reload` is called on
    /// SIGHUP and for the reload operation: the new configuration, or why there is none
    /// (the one in force then stays, and the reload operation answers that error).
    Server(UniqueFd listener, Config config, Services& services, std::function<Result<Config>()> reload);
    ~Server();

    /// Serves until SIGTERM or SIGINT; requests in flight are answered first.
    Status run();

    const ServerCounters& counters() const { return counters_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    ServerCounters counters_;
};

}  // namespace umd::daemon
