// apps/umdd/server.cpp — the epoll loop, the worker threads and the wire (trusted side).
#include "apps/umdd/server.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "apps/umdd/log.h"

namespace umd::daemon {
namespace {

struct Connection {
    UniqueFd fd;
    Peer peer;
    std::atomic<unsigned> in_flight{0};
    std::atomic<bool> paused{false};
    std::mutex send_lock;
};

/// One datagram and its descriptors, or why it is refused.
struct Received {
    Bytes message;
    std::vector<UniqueFd> fds;
    bool end = false;        ///< the client closed its end
    bool would_block = false;
};

Result<Received> receive(int fd)
{
    Received out;
    // One buffer per worker thread, not one zero-filled per request.
    thread_local Bytes buffer(max_message);
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * max_fds)];
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            out.would_block = true;
            return out;
        }
        return fail_errno(errno, "receiving a request");
    }
    // Every descriptor that arrived is owned at once, whatever else is wrong.
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int received = -1;
            std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            out.fds.emplace_back(received);
        }
    }
    if (n == 0 && out.fds.empty()) {
        out.end = true;
        return out;
    }
    if (msg.msg_flags & MSG_TRUNC) return fail(Errc::bad_input, "a request of {} bytes (at most {})", n, max_message);
    if (msg.msg_flags & MSG_CTRUNC) return fail(Errc::bad_input, "a request with more than {} descriptors", max_fds);
    out.message.assign(buffer.begin(), buffer.begin() + n);
    return out;
}

/// Sends one reply without waiting: a client that does not read loses its connection.
bool send_reply(Connection& c, const Bytes& reply)
{
    std::lock_guard guard(c.send_lock);
    ssize_t n;
    do n = ::send(c.fd.get(), reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(reply.size());
}

}  // namespace

struct Server::Impl {
    UniqueFd listener;
    Services& services;
    std::function<Result<Config>()> reload;
    ServerCounters& counters;
    UniqueFd epoll, signals, watchdog, stop_event;

    std::mutex lock;   ///< guards config and connections
    std::shared_ptr<const Config> config;
    std::unordered_map<int, std::shared_ptr<Connection>> connections;
    std::atomic<unsigned> max_in_flight;
    std::atomic<bool> stopping{false};

    Impl(UniqueFd l, Config c, Services& s, std::function<Result<Config>()> r, ServerCounters& k)
        : listener(std::move(l)), services(s), reload(std::move(r)), counters(k),
          config(std::make_shared<const Config>(std::move(c))), max_in_flight(config->max_in_flight) {}

    std::shared_ptr<const Config> current()
    {
        std::lock_guard guard(lock);
        return config;
    }

    void control(int op, int fd, std::uint32_t events)
    {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        ::epoll_ctl(epoll.get(), op, fd, &ev);   // MOD after a close: ENOENT, nothing to do
    }
    /// One-shot interest: the worker that takes an event owns the descriptor until it rearms.
    void rearm(int fd) { control(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLRDHUP | EPOLLONESHOT); }

    void close_connection(int fd)
    {
        std::lock_guard guard(lock);
        ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
        connections.erase(fd);   // the descriptor closes when the last worker holding it lets go
    }

    void accept_clients()
    {
        const unsigned max_clients = current()->max_clients;
        for (;;) {
            int raw = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (raw < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                    log(LogLevel::warning, "accept: {}", std::strerror(errno));
                return;
            }
            UniqueFd fd(raw);
            auto peer = peer_of(fd.get());
            if (!peer) {
                log(LogLevel::warning, "connection refused: {}", peer.error().message);
                continue;
            }
            auto c = std::make_shared<Connection>();
            c->fd = std::move(fd);
            c->peer = *peer;
            const int key = c->fd.get();
            {
                std::lock_guard guard(lock);
                if (connections.size() >= max_clients) {
                    ++counters.refused;
                    log(LogLevel::warning, "connection refused: {} clients already (max_clients)", connections.size());
                    continue;
                }
                connections.emplace(key, c);
                control(EPOLL_CTL_ADD, key, EPOLLIN | EPOLLRDHUP | EPOLLONESHOT);
            }
            ++counters.connections;
            if (logging(LogLevel::debug)) log(LogLevel::debug, "client {} connected", describe(*peer));
        }
    }

    Status reload_now()
    {
        sd_notify(0, "RELOADING=1");
        auto fresh = reload();
        if (fresh) {
            max_in_flight = fresh->max_in_flight;
            set_log_level(fresh->log_level);
            std::lock_guard guard(lock);
            config = std::make_shared<const Config>(std::move(*fresh));
        }
        sd_notify(0, "READY=1");
        if (!fresh) return std::unexpected(fresh.error());
        return {};
    }

    /// Takes one request from a connection whose event this worker holds, and answers it.
    void serve(const std::shared_ptr<Connection>& c)
    {
        auto got = receive(c->fd.get());
        if (got && got->would_block) return rearm(c->fd.get());
        if (got && got->end) return close_connection(c->fd.get());
        auto decoded = got ? decode_request(got->message) : Result<std::pair<RequestHeader, ByteReader>>(std::unexpected(got.error()));
        if (!decoded) {
            ++counters.malformed;
            log(LogLevel::notice, "client pid {} uid {}: {}; connection closed", c->peer.pid, c->peer.uid, decoded.error().message);
            send_reply(*c, encode_reply_error(0, decoded.error()));
            return close_connection(c->fd.get());
        }
        auto& [header, fields] = *decoded;
        if (auto allowed = authorize(c->peer, header.operation, current()->admin_group); !allowed) {
            ++counters.refused;
            log(LogLevel::notice, "refused: {} ({})", allowed.error().message, describe(c->peer));
            send_reply(*c, encode_reply_error(header.id, allowed.error()));
            return rearm(c->fd.get());
        }
        ++counters.requests;
        if (header.operation == Operation::reload) {
            Status ok = fields.expect_end();
            if (ok) {
                std::lock_guard guard(reload_lock);
                ok = reload_now();
            }
            send_reply(*c, ok ? encode_reply_ok(header.id, {}) : encode_reply_error(header.id, ok.error()));
            return rearm(c->fd.get());
        }
        Request request{header, std::move(got->message), fields.position(), std::move(got->fds), c->peer};
        // While this one runs, another worker may read the connection's next request,
        // up to max_in_flight of them.
        if (++c->in_flight < max_in_flight) rearm(c->fd.get());
        else c->paused = true;
        auto result = services.handle(request);
        if (!result)
            log(LogLevel::debug, "{} for uid {}: {}", operation_name(header.operation), c->peer.uid, result.error().message);
        Bytes reply = result ? encode_reply_ok(header.id, *result) : encode_reply_error(header.id, result.error());
        request.fds.clear();   // the client's files are closed before it hears the answer
        if (!send_reply(*c, reply)) {
            ++counters.dropped_replies;
            ::shutdown(c->fd.get(), SHUT_RDWR);   // a client that does not read: its next event closes it
        }
        --c->in_flight;
        if (c->paused.exchange(false)) rearm(c->fd.get());
    }

    void on_signals()
    {
        signalfd_siginfo info{};
        while (::read(signals.get(), &info, sizeof info) == sizeof info) {
            if (info.ssi_signo == SIGHUP) {
                std::lock_guard guard(reload_lock);
                (void)reload_now();   // a refused reload is logged
            } else {
                stop();
            }
        }
    }

    void stop()
    {
        stopping = true;
        const std::uint64_t one = 1;
        (void)!::write(stop_event.get(), &one, sizeof one);   // level-triggered: every worker sees it
    }

    /// Every worker waits on the one epoll set and serves what it takes itself: no
    /// hand-over between threads on a request's way.
    void work()
    {
        while (!stopping) {
            epoll_event ev{};
            int n = ::epoll_wait(epoll.get(), &ev, 1, -1);
            if (n <= 0) continue;
            const int fd = ev.data.fd;
            if (fd == stop_event.get()) break;
            if (fd == listener.get()) {
                accept_clients();
                control(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT);
            } else if (fd == signals.get()) {
                on_signals();
                control(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT);
            } else if (watchdog && fd == watchdog.get()) {
                std::uint64_t ticks = 0;
                if (::read(fd, &ticks, sizeof ticks) > 0) sd_notify(0, "WATCHDOG=1");
                control(EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT);
            } else {
                std::shared_ptr<Connection> c;
                {
                    std::lock_guard guard(lock);
                    if (auto it = connections.find(fd); it != connections.end()) c = it->second;
                }
                if (!c) continue;
                // A half-closed client (EPOLLRDHUP) may still wait for its replies: its end of
                // file is read like a request, after the requests before it.
                if ((ev.events & (EPOLLERR | EPOLLHUP)) && !(ev.events & EPOLLIN)) close_connection(fd);
                else serve(c);
            }
        }
    }

    void start_watchdog()
    {
        std::uint64_t usec = 0;
        if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
        watchdog = UniqueFd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
        if (!watchdog) return;
        const std::uint64_t half = usec / 2;
        itimerspec spec{};
        spec.it_interval.tv_sec = static_cast<time_t>(half / 1000000);
        spec.it_interval.tv_nsec = static_cast<long>(half % 1000000 * 1000);
        spec.it_value = spec.it_interval;
        ::timerfd_settime(watchdog.get(), 0, &spec, nullptr);
        control(EPOLL_CTL_ADD, watchdog.get(), EPOLLIN | EPOLLONESHOT);
    }

    std::mutex reload_lock;   ///< one reload at a time
};

Server::Server(UniqueFd listener, Config config, Services& services, std::function<Result<Config>()> reload)
    : impl_(std::make_unique<Impl>(std::move(listener), std::move(config), services, std::move(reload), counters_))
{
}

Server::~Server() = default;

Status Server::run()
{
    Impl& s = *impl_;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    s.signals = UniqueFd(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!s.signals) return fail_errno(errno, "signalfd");
    s.stop_event = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!s.stop_event) return fail_errno(errno, "eventfd");
    s.epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!s.epoll) return fail_errno(errno, "epoll_create1");
    s.control(EPOLL_CTL_ADD, s.listener.get(), EPOLLIN | EPOLLONESHOT);
    s.control(EPOLL_CTL_ADD, s.signals.get(), EPOLLIN | EPOLLONESHOT);
    s.control(EPOLL_CTL_ADD, s.stop_event.get(), EPOLLIN);
    s.start_watchdog();
    const unsigned configured = s.current()->workers;
    const unsigned workers = configured ? configured : std::max(2u, std::thread::hardware_concurrency());
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < workers; ++i) threads.emplace_back([&s] { s.work(); });

    sd_notify(0, "READY=1\nSTATUS=serving");
    log(LogLevel::info, "umdd serving with {} worker threads", workers);
    for (auto& t : threads) t.join();   // each ends after the request it is serving (SIGTERM/SIGINT)
    sd_notify(0, "STOPPING=1");
    log(LogLevel::info, "umdd stopped: the requests in flight were answered");
    std::lock_guard guard(s.lock);
    s.connections.clear();
    return {};
}

}  // namespace umd::daemon
