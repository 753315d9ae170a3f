// src/sandbox/exit_explain.cpp — say how a sandboxed handler ended, naming the
// signal and the forbidden system call (trusted side; the handler's stderr it
// reads is untrusted text and is only scanned, never trusted beyond a number).
#include <umd/sandbox.h>

#include <seccomp.h>
#include <signal.h>
#include <string.h>

#include <cstdlib>
#include <memory>

#include "lockdown_protocol.h"

namespace umd::sandbox {

std::optional<int> reported_syscall(std::string_view text) noexcept
{
    constexpr std::string_view prefix = protocol::report_prefix;
    std::optional<int> found;
    for (std::size_t at = text.find(prefix); at != std::string_view::npos; at = text.find(prefix, at + 1)) {
        // The report is a whole line: the prefix starts a line, digits end it.
        if (at != 0 && text[at - 1] != '\n') continue;
        std::size_t i = at + prefix.size();
        int value = 0, digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 5) value = value * 10 + (text[i++] - '0'), ++digits;
        if (digits == 0 || digits == 5 || value >= 4096) continue;
        if (i < text.size() && text[i] != '\n') continue;
        found = value;
    }
    return found;
}

std::string syscall_name(int number)
{
    if (number >= 0) {
        std::unique_ptr<char, decltype(&std::free)> name(seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, number), &std::free);
        if (name) return name.get();
    }
    return fmt::format("syscall {}", number);
}

Errc exit_errc(const ExitInfo& info) noexcept
{
    if (info.kind == ExitInfo::Kind::signaled && info.code == SIGSYS) return Errc::sandbox_violation;
    return Errc::handler_crashed;
}

namespace {

std::string signal_text(int sig)
{
    const char* abbrev = sigabbrev_np(sig);
    std::string name = abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
    switch (sig) {
    case SIGXCPU: return name + ": it exceeded its CPU time limit";
    case SIGXFSZ: return name + ": it tried to write to a file (file size limit 0)";
    case SIGKILL: return name + " (by the Manager after a deadline or error, the CPU time hard limit, or the OOM killer)";
    case SIGABRT: return name + " (it aborted, e.g. out of memory under its address-space limit)";
    case SIGSEGV: return name + " (a memory fault, or an instruction the sandbox forbids)";
    default: return name;
    }
}

}  // namespace

std::string explain_exit(const ExitInfo& info, std::string_view stderr_text)
{
    if (info.kind == ExitInfo::Kind::exited) return fmt::format("exited with status {}", info.code);
    if (info.code != SIGSYS) return fmt::format("crashed: killed by {}", signal_text(info.code));
    if (info.syscall >= 0)
        return fmt::format("killed by the sandbox: forbidden system call {} ({})", syscall_name(info.syscall), info.syscall);
    if (auto nr = reported_syscall(stderr_text))
        return fmt::format("killed by the sandbox: forbidden system call {} ({}, as reported by the handler)", syscall_name(*nr), *nr);
    return "killed by the sandbox (SIGSYS): a forbidden system call";
}

}  // namespace umd::sandbox
