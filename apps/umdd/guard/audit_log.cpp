// apps/umdd/guard/audit_log.cpp — rate-limited deny records and the thread that hands them on.
// Trusted side, privileged (umdd's exec guard). See audit_log.h.
#include "apps/umdd/guard/audit_log.h"

#include <limits.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

namespace umd::guard {
namespace {

std::uint64_t now_ns()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace

std::string read_link(const std::string& path)
{
    char buffer[PATH_MAX];
    const ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
    if (n < 0) return "?";
    return std::string(buffer, static_cast<std::size_t>(n));
}

AuditLog::AuditLog(AuditSink sink, AuditOptions options)
    : sink_(std::move(sink)), options_(options), tokens_(options.burst), last_refill_ns_(now_ns())
{
    if (sink_) thread_ = std::thread([this] { run(); });
}

AuditLog::~AuditLog() { stop(); }

std::optional<std::uint64_t> AuditLog::admit()
{
    if (!sink_) return std::nullopt;
    std::lock_guard guard(lock_);
    if (stopping_) return std::nullopt;
    const std::uint64_t now = now_ns();
    tokens_ = std::min(options_.burst, tokens_ + static_cast<double>(now - last_refill_ns_) * options_.per_second / 1e9);
    last_refill_ns_ = now;
    if (tokens_ < 1) {
        ++counters_.suppressed;
        ++suppressed_since_;
        return std::nullopt;
    }
    tokens_ -= 1;
    return std::exchange(suppressed_since_, 0);
}

void AuditLog::submit(AuditRecord record)
{
    {
        std::lock_guard guard(lock_);
        if (stopping_ || queue_.size() >= options_.queue) {
            ++counters_.dropped;
            return;
        }
        queue_.push_back(std::move(record));
    }
    wake_.notify_one();
}

void AuditLog::run()
{
    std::unique_lock guard(lock_);
    for (;;) {
        wake_.wait(guard, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;   // stopping, and everything was handed on
        AuditRecord record = std::move(queue_.front());
        queue_.pop_front();
        ++counters_.records;
        guard.unlock();
        sink_(record);
        guard.lock();
    }
}

void AuditLog::stop()
{
    {
        std::lock_guard guard(lock_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

AuditCounters AuditLog::counters() const
{
    std::lock_guard guard(lock_);
    return counters_;
}

}  // namespace umd::guard
