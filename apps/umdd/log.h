// apps/umdd/log.h — umdd's log: lines on stderr that journald keeps with their priority.
//
// Trusted side. Each line starts with "<N>", the syslog priority, which journald
// (and systemd's stderr capture) turns into the entry's priority. A request never
// waits on logging: lines are queued and written by one thread; when the queue is
// full (stderr blocked, e.g. a stalled journald), lines are dropped and counted, and
// the count is logged once writing works again.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

#include <umd/error.h>

namespace umd::daemon {

enum class LogLevel { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

/// "error", "warning", "notice", "info" or "debug".
Result<LogLevel> parse_log_level(std::string_view name);

/// Starts the writer thread; lines above `max` are not logged.
void start_log(LogLevel max);
/// Sets the most verbose level logged (reload).
void set_log_level(LogLevel max);
/// Writes what is queued and stops the writer thread.
void stop_log();
/// Queues one line (control characters are made visible). Never blocks on output.
void log_line(LogLevel level, std::string text);
/// Whether lines of `level` are logged now (to skip building one that would not be).
bool logging(LogLevel level) noexcept;

template <class... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args)
{
    if (logging(level)) log_line(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace umd::daemon
