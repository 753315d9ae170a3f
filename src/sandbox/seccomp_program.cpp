// src/sandbox/seccomp_program.cpp — compile a handler's seccomp policy to BPF with
// libseccomp (trusted side, in the parent: the child only loads the bytes). Also
// compiled into umd-seccomp-gen, which runs it at build time (seccomp_program.h).
#include "seccomp_program.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include <umd/unique_fd.h>

#include "lockdown_protocol.h"
#include "syscall_allowlist.h"

namespace umd::sandbox {
namespace {

struct ContextDeleter {
    void operator()(void* ctx) const noexcept { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

Status add(void* ctx, std::uint32_t action, const char* name, std::initializer_list<scmp_arg_cmp> args = {})
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return fail(Errc::invalid_argument, "unknown system call '{}'", name);
    int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(args.size()), args.size() ? args.begin() : nullptr);
    if (rc != 0) return fail_errno(-rc, "seccomp rule for {}", name);
    return {};
}

/// Reads back what seccomp_export_bpf() wrote (libseccomp 2.5 exports to a descriptor only).
Result<std::vector<sock_filter>> export_program(void* ctx)
{
    UniqueFd file(::memfd_create("umd-seccomp", MFD_CLOEXEC));
    if (!file) return fail_errno(errno, "memfd_create for the seccomp program");
    if (int rc = seccomp_export_bpf(ctx, file.get()); rc != 0) return fail_errno(-rc, "seccomp_export_bpf");
    struct stat st {};
    if (::fstat(file.get(), &st) != 0) return fail_errno(errno, "fstat of the seccomp program");
    auto size = static_cast<std::size_t>(st.st_size);
    if (size == 0 || size % sizeof(sock_filter) != 0 || size / sizeof(sock_filter) > BPF_MAXINSNS)
        return fail(Errc::internal, "libseccomp exported a program of {} bytes", size);
    std::vector<sock_filter> program(size / sizeof(sock_filter));
    auto* bytes = reinterpret_cast<char*>(program.data());
    for (std::size_t done = 0; done < size;) {
        ssize_t n = ::pread(file.get(), bytes + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail_errno(n < 0 ? errno : EIO, "reading the seccomp program back");
        done += static_cast<std::size_t>(n);
    }
    return program;
}

}  // namespace

std::vector<std::uint16_t> own_pid_slots(std::span<const sock_filter> program)
{
    std::vector<std::uint16_t> slots;
    for (std::size_t i = 0; i < program.size(); ++i)
        if (program[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && program[i].k == own_pid_placeholder)
            slots.push_back(static_cast<std::uint16_t>(i));
    return slots;
}

Result<std::vector<sock_filter>> compile_seccomp_program(ViolationAction action, const std::vector<std::string>& extra)
{
    const std::uint32_t otherwise = action == ViolationAction::trap ? SCMP_ACT_TRAP : SCMP_ACT_LOG;
    Context ctx(seccomp_init(otherwise));
    if (!ctx) return fail(Errc::system, "seccomp_init failed");
    // A foreign architecture (e.g. int 0x80 on x86_64) is never legitimate.
    if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc != 0)
        return fail_errno(-rc, "seccomp bad-arch action");

    for (const char* name : baseline_syscalls) {
        // Some names only exist on some architectures (time, poll on x86_64): skip those.
        if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR) continue;
        UMD_TRY(add(ctx.get(), SCMP_ACT_ALLOW, name));
    }
    for (const std::string& name : extra)
        UMD_TRY(add(ctx.get(), SCMP_ACT_ALLOW, name.c_str()));

    const std::uint16_t profile_errno = action == ViolationAction::trap ? protocol::strict_errno : protocol::log_errno;
    const struct {
        std::uint32_t action;
        const char* name;
        std::initializer_list<scmp_arg_cmp> args;
    } rules[] = {
        // Memory, but never executable: no JIT, no shellcode, no W+X.
        {SCMP_ACT_ALLOW, "mmap", {SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)}},
        {SCMP_ACT_ALLOW, "mprotect", {SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)}},
        // abort() signals itself (raise: tgkill(getpid(), gettid(), SIGABRT)); nothing
        // else may be signalled. The pid is patched in by the child (own_pid_placeholder).
        {SCMP_ACT_ALLOW, "tgkill", {SCMP_A0(SCMP_CMP_EQ, own_pid_placeholder), SCMP_A2(SCMP_CMP_EQ, SIGABRT)}},
        // Reading its own limits (glibc start-up reads RLIMIT_STACK), never setting them,
        // never another process's.
        {SCMP_ACT_ALLOW, "prlimit64", {SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0)}},
        // fstat() of glibc 2.33+ is newfstatat(fd, "", buf, AT_EMPTY_PATH): only that
        // form, on a descriptor (not AT_FDCWD). The path itself is in memory, out of
        // the filter's sight: an absolute path with AT_EMPTY_PATH still names a file,
        // which the empty root leaves nothing to find (docs/sandbox.md).
        {SCMP_ACT_ALLOW, "newfstatat", {SCMP_A0(SCMP_CMP_LE, 0x7fffffff), SCMP_A3(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH)}},
        {SCMP_ACT_ALLOW, "getrlimit", {}},
        // Exec of the handler's memfd (by descriptor only); the lockdown forbids it after start.
        {SCMP_ACT_ALLOW, "execveat", {SCMP_A4(SCMP_CMP_EQ, AT_EMPTY_PATH)}},
        // The handler's lockdown installs one more filter and asks which profile this is.
        {SCMP_ACT_ALLOW, "seccomp", {SCMP_A0(SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER)}},
        {SCMP_ACT_ERRNO(profile_errno), "prctl", {SCMP_A0(SCMP_CMP_EQ, PR_GET_SECCOMP), SCMP_A1(SCMP_CMP_EQ, protocol::query_magic)}},
        {SCMP_ACT_ALLOW, "prctl", {SCMP_A0(SCMP_CMP_EQ, PR_GET_SECCOMP), SCMP_A1(SCMP_CMP_NE, protocol::query_magic)}},
        // Harmless probes of static glibc: answered without reaching the kernel.
        {SCMP_ACT_ERRNO(ENOENT), "readlink", {}},
        {SCMP_ACT_ERRNO(ENOENT), "readlinkat", {}},
        {SCMP_ACT_ERRNO(ENOTTY), "ioctl", {}},
    };
    for (const auto& rule : rules) {
        if (seccomp_syscall_resolve_name(rule.name) == __NR_SCMP_ERROR) continue;
        UMD_TRY(add(ctx.get(), rule.action, rule.name, rule.args));
    }
    return export_program(ctx.get());
}

}  // namespace umd::sandbox
