// umd/sandbox_handler.h — the handler's own half of the sandbox (untrusted side:
// linked into static handler executables through umd_sandbox_handler).
//
// Before exec the sandbox must still allow execveat() of the handler's memfd and
// the installation of more seccomp filters. Right after start, before reading its
// first request, the handler runtime calls enter_handler_lockdown(), which
//   - installs a SIGSYS handler that writes "umd-sandbox: syscall N" to stderr
//     when the Manager's filter traps a forbidden system call, then makes the
//     kernel kill the process with SIGSYS;
//   - installs a second, tighter filter: no execve/execveat, no new seccomp
//     filters, no prctl, no change of the SIGSYS disposition (that kills at once).
// Filters only ever add restrictions, so a compromised handler cannot undo it.
#pragma once

namespace umd::sandbox {

/// What enter_handler_lockdown() found and did.
enum class LockdownState {
    locked,      ///< running under the strict profile: the lockdown filter is installed
    log_mode,    ///< running under the log profile: nothing installed (violations are only logged)
    unconfined,  ///< no umd sandbox (profile none): nothing installed
    failed,      ///< the filter could not be installed (the caller should exit)
};

/// Idempotent; async-signal-safe; allocates nothing. Call it before the first read.
/// Returns false only when a filter was required and could not be installed (exit then).
bool enter_handler_lockdown() noexcept;

/// What the last enter_handler_lockdown() found and did.
LockdownState handler_lockdown_state() noexcept;

}  // namespace umd::sandbox
