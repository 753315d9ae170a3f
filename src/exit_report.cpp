// src/exit_report.cpp — turn how a handler ended into a clear error (trusted side).
#include "exit_report.h"

#include <umd/sandbox.h>
#include <umd/text.h>

#include <signal.h>

#include <cstdio>
#include <cstdlib>

namespace umd {

std::string printable_message(std::string_view text)
{
    return printable_text(text, LineFeeds::escape, 512);
}

Error explain_handler_end(Error error, const ExitInfo& exit, std::string_view stderr_text, std::string_view driver)
{
    std::string fate;
    if (exit.kind == ExitInfo::Kind::signaled && exit.code == SIGSYS) {
        error.code = Errc::sandbox_violation;
        fate = sandbox::explain_exit(exit, stderr_text);
    } else if (exit.kind == ExitInfo::Kind::signaled && exit.code != SIGKILL) {
        error.code = Errc::handler_crashed;
        fate = fmt::format("crashed: {}", exit.describe());
    } else if (exit.kind == ExitInfo::Kind::signaled) {
        // SIGKILL is ours when we killed it after an error; otherwise a resource limit or the OOM killer.
        if (error.code == Errc::handler_crashed) fate = exit.describe();
    } else if (error.code == Errc::handler_crashed || error.code == Errc::protocol) {
        fate = exit.describe();
        if (error.code == Errc::protocol && exit.code != 0) error.code = Errc::handler_crashed;
    }
    if (!fate.empty()) error.message += fmt::format(" (handler '{}' {})", driver, fate);
    std::string tail = printable_message(stderr_text.size() > 400 ? stderr_text.substr(stderr_text.size() - 400) : stderr_text);
    if (!tail.empty()) error.message += fmt::format("; its stderr ends: \"{}\"", tail);
    return error;
}

}  // namespace umd
