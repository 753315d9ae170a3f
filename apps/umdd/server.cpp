// apps/umdd/server.cpp — the epoll loop, the worker threads and the wire (trusted side).
#include "apps/umdd/server.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
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

struct Job {
    std::shared_ptr<Connection> connection;
    Request request;
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
    out.message.resize(max_message);
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * max_fds)];
    iovec iov{out.message.data(), out.message.size()};
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
    out.message.resize(static_cast<std::size_t>(n));
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
    Config config;
    Services& services;
    std::function<Result<Config>()> reload;
    ServerCounters& counters;
    UniqueFd epoll, signals, watchdog;

    std::unordered_map<int, std::shared_ptr<Connection>> connections;   // the epoll thread's
    std::mutex jobs_lock;
    std::condition_variable jobs_ready, jobs_done;
    std::deque<Job> jobs;
    std::size_t running = 0;
    bool stopping = false;
    std::vector<std::thread> workers;

    /// config.max_in_flight for the workers (the configuration is the epoll thread's).
    std::atomic<unsigned> max_in_flight;

    Impl(UniqueFd l, Config c, Services& s, std::function<Result<Config>()> r, ServerCounters& k)
        : listener(std::move(l)), config(std::move(c)), services(s), reload(std::move(r)), counters(k),
          max_in_flight(config.max_in_flight) {}

    void watch(int fd, std::uint32_t events)
    {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev);
    }
    void rearm(int fd, std::uint32_t events)
    {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        ::epoll_ctl(epoll.get(), EPOLL_CTL_MOD, fd, &ev);   // ENOENT after a close: nothing to do
    }
    void close_connection(int fd)
    {
        ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
        connections.erase(fd);   // the descriptor closes when the last job holding it ends
    }

    void accept_clients()
    {
        for (;;) {
            int raw = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (raw < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                    log(LogLevel::warning, "accept: {}", std::strerror(errno));
                return;
            }
            UniqueFd fd(raw);
            if (connections.size() >= config.max_clients) {
                ++counters.refused;
                log(LogLevel::warning, "connection refused: {} clients already (max_clients)", connections.size());
                continue;
            }
            auto peer = peer_of(fd.get());
            if (!peer) {
                log(LogLevel::warning, "connection refused: {}", peer.error().message);
                continue;
            }
            auto c = std::make_shared<Connection>();
            c->fd = std::move(fd);
            c->peer = *peer;
            const int key = c->fd.get();
            connections.emplace(key, std::move(c));
            watch(key, EPOLLIN | EPOLLRDHUP);
            ++counters.connections;
            log(LogLevel::debug, "client pid {} uid {} connected", peer->pid, peer->uid);
        }
    }

    void refuse(Connection& c, std::uint32_t id, const Error& error)
    {
        send_reply(c, encode_reply_error(id, error));
    }

    /// Reads what the client sent; false when the connection is to be closed.
    bool read_requests(const std::shared_ptr<Connection>& c)
    {
        while (!c->paused) {
            auto got = receive(c->fd.get());
            if (!got) {
                ++counters.malformed;
                log(LogLevel::notice, "client pid {} uid {}: {}; connection closed", c->peer.pid, c->peer.uid, got.error().message);
                refuse(*c, 0, got.error());
                return false;
            }
            if (got->would_block) return true;
            if (got->end) return false;
            auto decoded = decode_request(got->message);
            if (!decoded) {
                ++counters.malformed;
                log(LogLevel::notice, "client pid {} uid {}: {}; connection closed", c->peer.pid, c->peer.uid, decoded.error().message);
                refuse(*c, 0, decoded.error());
                return false;
            }
            auto& [header, fields] = *decoded;
            if (auto allowed = authorize(c->peer, header.operation, config.admin_group); !allowed) {
                ++counters.refused;
                log(LogLevel::notice, "refused: {}", allowed.error().message);
                refuse(*c, header.id, allowed.error());
                continue;
            }
            if (header.operation == Operation::reload) {
                // Here, on the thread that owns the configuration, as SIGHUP would.
                Status ok = fields.expect_end();
                if (ok) ok = reload_now();
                send_reply(*c, ok ? encode_reply_ok(header.id, {}) : encode_reply_error(header.id, ok.error()));
                continue;
            }
            Job job{c, Request{header, std::move(got->message), fields.position(), std::move(got->fds), c->peer}};
            if (++c->in_flight >= max_in_flight) {
                c->paused = true;
                rearm(c->fd.get(), 0);   // hang-ups and errors still wake the loop
                // A worker may have answered meanwhile without seeing the pause: undo it.
                if (c->in_flight < max_in_flight && c->paused.exchange(false)) rearm(c->fd.get(), EPOLLIN | EPOLLRDHUP);
            }
            ++counters.requests;
            {
                std::lock_guard guard(jobs_lock);
                jobs.push_back(std::move(job));
            }
            jobs_ready.notify_one();
        }
        return true;
    }

    Status reload_now()
    {
        sd_notify(0, "RELOADING=1");
        auto fresh = reload();
        if (fresh) {
            config = std::move(*fresh);
            max_in_flight = config.max_in_flight;
            set_log_level(config.log_level);
        }
        sd_notify(0, "READY=1");
        if (!fresh) return std::unexpected(fresh.error());
        return {};
    }

    void work()
    {
        for (;;) {
            Job job;
            {
                std::unique_lock guard(jobs_lock);
                jobs_ready.wait(guard, [&] { return stopping || !jobs.empty(); });
                if (jobs.empty()) return;
                job = std::move(jobs.front());
                jobs.pop_front();
                ++running;
            }
            Connection& c = *job.connection;
            auto fields = services.handle(job.request);
            if (!fields)
                log(LogLevel::debug, "{} for uid {}: {}", operation_name(job.request.header.operation), c.peer.uid,
                    fields.error().message);
            Bytes reply = fields ? encode_reply_ok(job.request.header.id, *fields)
                                 : encode_reply_error(job.request.header.id, fields.error());
            job.request.fds.clear();   // the client's files are closed before it hears the answer
            if (!send_reply(c, reply)) {
                ++counters.dropped_replies;
                ::shutdown(c.fd.get(), SHUT_RDWR);   // the epoll thread sees the hang-up and closes it
            }
            if (--c.in_flight < max_in_flight && c.paused.exchange(false)) rearm(c.fd.get(), EPOLLIN | EPOLLRDHUP);
            job.connection.reset();
            {
                std::lock_guard guard(jobs_lock);
                --running;
            }
            jobs_done.notify_all();
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
        watch(watchdog.get(), EPOLLIN);
    }
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
    s.epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!s.epoll) return fail_errno(errno, "epoll_create1");
    s.watch(s.listener.get(), EPOLLIN);
    s.watch(s.signals.get(), EPOLLIN);
    s.start_watchdog();
    unsigned workers = s.config.workers ? s.config.workers : std::max(2u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < workers; ++i) s.workers.emplace_back([&s] { s.work(); });

    sd_notify(0, "READY=1\nSTATUS=serving");
    log(LogLevel::info, "umdd serving with {} worker threads", workers);
    bool running = true;
    epoll_event events[64];
    while (running) {
        int n = ::epoll_wait(s.epoll.get(), events, 64, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno(errno, "epoll_wait");
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == s.listener.get()) {
                s.accept_clients();
            } else if (fd == s.signals.get()) {
                signalfd_siginfo info{};
                while (::read(s.signals.get(), &info, sizeof info) == sizeof info) {
                    if (info.ssi_signo == SIGHUP) {
                        (void)s.reload_now();   // a refused reload is logged
                    } else {
                        running = false;
                    }
                }
            } else if (s.watchdog && fd == s.watchdog.get()) {
                std::uint64_t ticks = 0;
                if (::read(fd, &ticks, sizeof ticks) > 0) sd_notify(0, "WATCHDOG=1");
            } else if (auto it = s.connections.find(fd); it != s.connections.end()) {
                auto c = it->second;
                // A half-closed client (EPOLLRDHUP) may still wait for its replies: its end of
                // file is read like a request, after the requests before it.
                bool keep = !(events[i].events & (EPOLLERR | EPOLLHUP));
                if (keep && (events[i].events & EPOLLIN)) keep = s.read_requests(c);
                if (!keep) s.close_connection(fd);
            }
        }
    }
    sd_notify(0, "STOPPING=1");
    log(LogLevel::info, "umdd stopping: answering the requests in flight");
    s.listener.reset();
    {
        std::unique_lock guard(s.jobs_lock);
        s.jobs_done.wait(guard, [&] { return s.jobs.empty() && s.running == 0; });
        s.stopping = true;
    }
    s.jobs_ready.notify_all();
    for (auto& worker : s.workers) worker.join();
    s.connections.clear();
    return {};
}

}  // namespace umd::daemon
