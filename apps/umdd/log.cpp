// apps/umdd/log.cpp — the queue and the writer thread behind umdd's log (trusted side).
#include "apps/umdd/log.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <umd/text.h>

namespace umd::daemon {
namespace {

/// Lines waiting for the writer; beyond this, new lines are dropped.
constexpr std::size_t max_queued = 4096;

struct Logger {
    std::mutex lock;
    std::condition_variable wake;
    std::deque<std::string> queue;
    std::size_t dropped = 0;
    bool stopping = false;
    std::atomic<int> max_level{static_cast<int>(LogLevel::info)};
    std::thread writer;
};

Logger& logger()
{
    static Logger instance;
    return instance;
}

void write_all(const std::string& line)
{
    std::size_t done = 0;
    while (done < line.size()) {
        ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;   // stderr is gone: nothing better to do with the line
        done += static_cast<std::size_t>(n);
    }
}

void run_writer()
{
    Logger& l = logger();
    std::unique_lock guard(l.lock);
    for (;;) {
        l.wake.wait(guard, [&] { return l.stopping || !l.queue.empty(); });
        if (l.queue.empty() && l.stopping) return;
        std::deque<std::string> batch;
        batch.swap(l.queue);
        std::size_t dropped = std::exchange(l.dropped, 0);
        guard.unlock();
        if (dropped) write_all(fmt::format("<4>umdd: {} log lines dropped (the log could not keep up)\n", dropped));
        for (const auto& line : batch) write_all(line);
        guard.lock();
    }
}

}  // namespace

Result<LogLevel> parse_log_level(std::string_view name)
{
    if (name == "error") return LogLevel::error;
    if (name == "warning") return LogLevel::warning;
    if (name == "notice") return LogLevel::notice;
    if (name == "info") return LogLevel::info;
    if (name == "debug") return LogLevel::debug;
    return fail(Errc::invalid_argument, "log level '{}' is not one of error, warning, notice, info, debug", name);
}

void start_log(LogLevel max)
{
    Logger& l = logger();
    set_log_level(max);
    std::lock_guard guard(l.lock);
    l.stopping = false;
    if (!l.writer.joinable()) l.writer = std::thread(run_writer);
}

void set_log_level(LogLevel max) { logger().max_level = static_cast<int>(max); }

bool logging(LogLevel level) noexcept { return static_cast<int>(level) <= logger().max_level; }

void stop_log()
{
    Logger& l = logger();
    {
        std::lock_guard guard(l.lock);
        l.stopping = true;
    }
    l.wake.notify_one();
    if (l.writer.joinable()) l.writer.join();
}

void log_line(LogLevel level, std::string text)
{
    Logger& l = logger();
    if (static_cast<int>(level) > l.max_level) return;
    std::string line = fmt::format("<{}>{}\n", static_cast<int>(level), printable_text(text));
    {
        std::lock_guard guard(l.lock);
        if (!l.writer.joinable()) {   // before start_log() or after stop_log(): write directly
            write_all(line);
            return;
        }
        if (l.queue.size() >= max_queued) {
            ++l.dropped;
            return;
        }
        l.queue.push_back(std::move(line));
    }
    l.wake.notify_one();
}

}  // namespace umd::daemon
