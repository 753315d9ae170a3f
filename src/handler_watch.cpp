// src/handler_watch.cpp — the one thread that watches every handler process (trusted side).
// What it guarantees and why it exists: handler_watch.h and docs/decisions/0024.
#include "handler_watch.h"

#include <umd/process.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace umd::detail {
namespace {

constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

/// How long the watch lets a killed process group take to close its pipes before it
/// wakes a reader itself: the pipe then has a writer outside the group.
constexpr std::int64_t unblock_grace_ns = 50'000'000;

/// At most this much of one handler's stderr is read per wake-up, so a handler that
/// writes without pause cannot keep the watch from the others and from deadlines.
constexpr std::size_t stderr_per_wake = 64 * 1024;

std::int64_t now_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

class HandlerWatch {
public:
    HandlerWatch() : wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
    {
        if (!wake_) {
            // Without its wake-up descriptor the watch cannot see new handlers at once:
            // it still works, by waking every few milliseconds.
            std::fputs("umd: eventfd for the handler watch failed; it polls instead\n", stderr);
        }
        // The thread takes no signals: they are the application's, for its own threads.
        sigset_t all, before;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_SETMASK, &all, &before);
        std::thread([this] { loop(); }).detach();
        ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    }

    void add(HandlerProcess& process)
    {
        {
            std::lock_guard guard(lock_);
            process.watch_generation_ = ++generation_;
            watched_.push_back(&process);
            // The poll set's room is made here, by the adding thread, in spare vectors the
            // watch swaps in: the watch thread never allocates, so it gets no malloc
            // arena of its own (a one-shot command's resident set would carry its pages).
            std::size_t need = 1 + 2 * watched_.size();
            if (spare_fds_.capacity() < need) {
                spare_fds_ = std::vector<pollfd>();
                spare_fds_.reserve(2 * need);
                spare_slots_ = std::vector<Slot>();
                spare_slots_.reserve(2 * need);
            }
        }
        wake();
    }

    void remove(HandlerProcess& process) noexcept
    {
        std::lock_guard guard(lock_);
        std::erase(watched_, &process);
    }

    void armed(std::int64_t deadline_ns) noexcept
    {
        if (deadline_ns < planned_wake_.load()) wake();
    }

    int wake_fd() const noexcept { return wake_.get(); }

private:
    /// One descriptor in the poll set: whose it is, as registered when the set was made.
    struct Slot {
        HandlerProcess* process;
        std::uint64_t generation;
        bool is_pidfd;
    };

    void wake() noexcept
    {
        std::uint64_t one = 1;
        if (wake_) (void)!::write(wake_.get(), &one, sizeof one);
    }

    void loop()
    {
        for (;;) {
            std::int64_t due = build_poll_set();
            int timeout = -1;
            if (!wake_) timeout = 10;
            if (due != never) {
                std::int64_t left = due - now_ns();
                timeout = left <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>((left + 999'999) / 1'000'000, 1 << 30));
                if (!wake_) timeout = std::min(timeout, 10);
            }
            int ready = ::poll(fds_.data(), fds_.size(), timeout);
            if (ready < 0 && errno != EINTR) ::usleep(1000);   // cannot happen with valid arguments; never spin
            if (wake_ && fds_[0].revents) {
                std::uint64_t count;
                (void)!::read(wake_.get(), &count, sizeof count);
            }
            std::lock_guard guard(lock_);
            if (ready > 0) {
                for (std::size_t i = 1; i < fds_.size(); ++i)
                    if (fds_[i].revents) handle_event_locked(slots_[i - 1]);
            }
            std::int64_t now = now_ns();
            for (HandlerProcess* p : watched_) {
                expire_locked(*p, now);
                unblock_locked(*p, now);
            }
        }
    }

    /// The poll set of every watched handler's pidfd (until it has ended) and stderr
    /// (until end of file); returns when the watch must wake at the latest.
    std::int64_t build_poll_set()
    {
        std::lock_guard guard(lock_);
        if (fds_.capacity() < 1 + 2 * watched_.size()) {
            std::swap(fds_, spare_fds_);   // add() made the spares large enough
            std::swap(slots_, spare_slots_);
        }
        fds_.clear();
        slots_.clear();
        fds_.push_back({wake_.get(), POLLIN, 0});
        for (HandlerProcess* p : watched_) {
            if (!p->exit_seen_.load()) {
                fds_.push_back({p->pidfd_.get(), POLLIN, 0});
                slots_.push_back({p, p->watch_generation_, true});
            }
            if (p->stderr_ && !p->stderr_eof_.load()) {
                fds_.push_back({p->stderr_.get(), POLLIN, 0});
                slots_.push_back({p, p->watch_generation_, false});
            }
        }
        // Published, then checked again: a request armed in between either sees this
        // plan and wakes the thread, or its deadline is seen here (both sides seq_cst).
        std::int64_t due = next_due_locked();
        for (;;) {
            planned_wake_.store(due);
            std::int64_t again = next_due_locked();
            if (again >= due) return due;
            due = again;
        }
    }

    std::int64_t next_due_locked() const
    {
        std::int64_t due = never;
        for (const HandlerProcess* p : watched_) {
            std::int64_t deadline = p->request_deadline_ns_.load();
            if (deadline > 0) due = std::min(due, deadline);
            if (p->unblock_at_ns_ > 0) due = std::min(due, p->unblock_at_ns_);
        }
        return due;
    }

    void handle_event_locked(const Slot& slot)
    {
        // The process may have been removed (and another made at its address) since the set was made.
        if (std::find(watched_.begin(), watched_.end(), slot.process) == watched_.end()) return;
        HandlerProcess& p = *slot.process;
        if (p.watch_generation_ != slot.generation) return;
        if (!slot.is_pidfd) {
            p.drain_stderr_at_most(stderr_per_wake);
            return;
        }
        if (p.exit_seen_.exchange(true)) return;
        // It has ended but is not reaped (it is watched), so its process group is still
        // its own: whatever it left behind goes too, and with it their ends of the pipes.
        ::kill(-p.pid_, SIGKILL);
    }

    /// A request whose deadline has passed: its handler's process group is killed.
    void expire_locked(HandlerProcess& p, std::int64_t now)
    {
        std::int64_t deadline = p.request_deadline_ns_.load();
        if (deadline <= 0 || deadline > now) return;
        // Only this request's deadline: if it was disarmed (or another armed) meanwhile, nothing.
        if (!p.request_deadline_ns_.compare_exchange_strong(deadline, HandlerProcess::deadline_fired)) return;
        ::kill(-p.pid_, SIGKILL);
    }

    /// A request still waiting on a handler that has ended or was killed for its
    /// deadline: if, a grace period later, its reply pipe still has a writer (a process
    /// outside the killed group), the reader is woken with one byte it will not trust.
    void unblock_locked(HandlerProcess& p, std::int64_t now)
    {
        std::int64_t deadline = p.request_deadline_ns_.load();
        bool waiting = deadline != 0 && !p.reader_woken_.load();
        if (!waiting || !(p.exit_seen_.load() || deadline == HandlerProcess::deadline_fired)) {
            p.unblock_at_ns_ = 0;
            return;
        }
        if (p.unblock_at_ns_ == 0) {
            p.unblock_at_ns_ = now + unblock_grace_ns;
            return;
        }
        if (p.unblock_at_ns_ > now) return;
        p.unblock_at_ns_ = 0;   // looked at again a grace period later, until the reader has returned
        pollfd hup{p.reply_.get(), POLLIN, 0};
        if (::poll(&hup, 1, 0) == 1 && (hup.revents & POLLHUP)) return;   // no writer left: it sees end of file
        // Marked first: a reader that gets the byte must find the mark.
        p.reader_woken_.store(true);
        char path[40];
        std::snprintf(path, sizeof path, "/proc/self/fd/%d", p.reply_.get());
        UniqueFd writer(::open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC));
        if (writer) (void)!::write(writer.get(), "", 1);
    }

    std::mutex lock_;
    std::vector<HandlerProcess*> watched_;
    // The poll set, rebuilt under lock_ and used by the watch thread alone, and the
    // larger pair add() prepares for it.
    std::vector<pollfd> fds_, spare_fds_;
    std::vector<Slot> slots_, spare_slots_;
    std::uint64_t generation_ = 0;
    std::atomic<std::int64_t> planned_wake_{never};
    UniqueFd wake_;
};

namespace {

std::atomic<HandlerWatch*> the_watch{nullptr};

HandlerWatch& watch()
{
    // Made once and never destroyed: its thread runs until the process ends, and
    // handlers may be reaped by static destructors that run after any of ours.
    static HandlerWatch* made = [] {
        auto* w = new HandlerWatch;
        the_watch.store(w);
        return w;
    }();
    return *made;
}

}  // namespace

void watch_handler(HandlerProcess& process) { watch().add(process); }

void unwatch_handler(HandlerProcess& process) noexcept
{
    if (HandlerWatch* w = the_watch.load()) w->remove(process);
}

void handler_request_armed(std::int64_t deadline_ns) noexcept
{
    if (HandlerWatch* w = the_watch.load()) w->armed(deadline_ns);
}

int handler_watch_wake_fd() noexcept
{
    HandlerWatch* w = the_watch.load();
    return w ? w->wake_fd() : -1;
}

}  // namespace umd::detail
