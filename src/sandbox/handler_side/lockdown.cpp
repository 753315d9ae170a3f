// src/sandbox/handler_side/lockdown.cpp — the handler's own half of the sandbox
// (UNTRUSTED side: linked into every static handler; no allocation, no libseccomp).
//
// The Manager's filter must allow what exec needs; once running, the handler locks
// itself down further with a small hand-built BPF program, and installs the SIGSYS
// reporter that names a forbidden system call before the kernel kills the process.
#include <umd/sandbox_handler.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include "../lockdown_protocol.h"

namespace umd::sandbox {
namespace {

#if defined(__x86_64__)
constexpr unsigned int this_arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned int this_arch = AUDIT_ARCH_AARCH64;
#else
#error "the handler lockdown knows x86_64 and aarch64 only"
#endif

LockdownState state = LockdownState::unconfined;
bool entered = false;

/// Writes "umd-sandbox: syscall N\n" to stderr, then asks for the one thing the
/// lockdown filter answers with SECCOMP_RET_KILL_PROCESS, so the Manager sees a
/// kernel-certified death by SIGSYS. Uses no global state a compromised handler
/// could have corrupted.
void report_violation(int, siginfo_t* info, void*)
{
    char line[64];
    std::size_t n = 0;
    for (const char* p = protocol::report_prefix; *p; ++p) line[n++] = *p;
    unsigned int nr = static_cast<unsigned int>(info->si_syscall);
    char digits[12];
    std::size_t d = 0;
    do digits[d++] = static_cast<char>('0' + nr % 10), nr /= 10; while (nr && d < sizeof digits);
    while (d) line[n++] = digits[--d];
    line[n++] = '\n';
    ::syscall(SYS_write, 2, line, n);
    ::syscall(SYS_rt_sigaction, SIGSYS, nullptr, nullptr, 8);  // the lockdown filter kills here
    ::syscall(SYS_exit_group, 128 + SIGSYS);                   // only reached without the filter
}

constexpr std::uint32_t nr_offset = offsetof(seccomp_data, nr);
constexpr std::uint32_t arch_offset = offsetof(seccomp_data, arch);
constexpr std::uint32_t arg0_offset = offsetof(seccomp_data, args[0]);  // low half on little endian

constexpr sock_filter stmt(std::uint16_t code, std::uint32_t k) { return {code, 0, 0, k}; }
constexpr sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) { return {code, jt, jf, k}; }

// Forbidden once running: exec, new filters, prctl (nothing after start needs them);
// changing SIGSYS kills at once (it would disarm the reporter).
constexpr sock_filter lockdown_program[] = {
    stmt(BPF_LD | BPF_W | BPF_ABS, arch_offset),
    jump(BPF_JMP | BPF_JEQ | BPF_K, this_arch, 1, 0),
    stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    stmt(BPF_LD | BPF_W | BPF_ABS, nr_offset),
#if defined(__x86_64__)
    jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 6, 0),  // x32 system calls → kill
#else
    jump(BPF_JMP | BPF_JA, 0, 0, 0),
#endif
    jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_execve, 6, 0),
    jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_execveat, 5, 0),
    jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 4, 0),
    jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 3, 0),
    jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigaction, 3, 0),
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),  // x32
    stmt(BPF_RET | BPF_K, SECCOMP_RET_TRAP),          // exec, seccomp, prctl
    stmt(BPF_LD | BPF_W | BPF_ABS, arg0_offset),      // rt_sigaction(signal, ...)
    jump(BPF_JMP | BPF_JEQ | BPF_K, SIGSYS, 1, 0),
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

/// Which umd profile confines this process: the Manager's filter answers the query.
LockdownState probe_profile()
{
    long rc = ::syscall(SYS_prctl, PR_GET_SECCOMP, protocol::query_magic, 0, 0, 0);
    if (rc == -1 && errno == protocol::strict_errno) return LockdownState::locked;
    if (rc == -1 && errno == protocol::log_errno) return LockdownState::log_mode;
    return LockdownState::unconfined;  // no filter, or someone else's
}

}  // namespace

bool enter_handler_lockdown() noexcept
{
    if (entered) return state != LockdownState::failed;
    entered = true;
    state = probe_profile();
    if (state != LockdownState::locked) return true;

    struct sigaction action {};
    action.sa_sigaction = report_violation;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sock_fprog program{static_cast<unsigned short>(sizeof lockdown_program / sizeof lockdown_program[0]),
                       const_cast<sock_filter*>(lockdown_program)};
    if (::sigaction(SIGSYS, &action, nullptr) != 0 ||
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
        state = LockdownState::failed;
        return false;
    }
    return true;
}

LockdownState handler_lockdown_state() noexcept { return state; }

}  // namespace umd::sandbox
