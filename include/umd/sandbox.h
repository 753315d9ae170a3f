// umd/sandbox.h — the isolation a handler runs in (trusted side: built in the Manager,
// applied in the child between clone and exec).
//
// Every driver is confined unless told otherwise: a default DriverOptions runs its
// handlers in the strict profile below. A Sandbox is a umd::ChildSetup, built once, in
// the parent, from a policy that reads like a sentence, and given to a driver as its
// isolation (this example is compiled and run by tests/sandbox/example_test.cpp):
//
//   auto sandbox = umd::sandbox::SandboxPolicy::strict()
//                      .allow_syscall("getrandom")
//                      .address_space(512u << 20)
//                      .build();
//   if (!sandbox) return report(sandbox.error());
//   umd::DriverOptions options;
//   options.isolation = umd::Isolation::with(*sandbox);
//   umd::Driver driver("mine", options);   // status().sandbox: (*sandbox)->describe()
//
// Unconfined is a choice made by name, umd::Isolation::unconfined(), reported loudly
// by status.
// Layers of the strict profile (each one where the kernel allows it; what is
// active is probed once per process and reported by describe()):
//   - new user, pid, network, ipc, uts and mount namespaces, with an empty,
//     read-only root file system (the handler is chrooted into it);
//   - in a pid namespace the handler leads a process group, not a session: its death
//     takes every descendant with it, and it has no terminal to be kept from
//     (docs/decisions/0003-sandbox-spawn-cost.md);
//   - an unprivileged identity: the Manager's uid left unmapped in the new user
//     namespace (it holds no capability and owns nothing there), or a configured
//     user (run_as) with no supplementary groups;
//   - every capability dropped (bounding, ambient, effective/permitted/inheritable),
//     securebits locked, PR_SET_NO_NEW_PRIVS;
//   - Landlock with every access right of the newest ABI handled and no rule:
//     no file system access, no TCP, no signals or abstract sockets outside;
//   - resource limits: address space, CPU time, file size 0, open files, processes, no core;
//   - a seccomp-bpf allowlist; anything else raises SIGSYS. The handler runtime then
//     adds a second filter (umd/sandbox_handler.h) that forbids exec and names the
//     offending system call on stderr before the kernel kills the process.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <umd/error.h>
#include <umd/manager.h>
#include <umd/process.h>

namespace umd::sandbox {

/// The profiles a driver or `umd run --profile` chooses from.
enum class Profile {
    strict,  ///< every layer the kernel offers; a forbidden system call ends the handler
    log,     ///< like strict, but forbidden system calls are allowed and logged by the kernel (policy writing)
    none,    ///< no isolation at all: debugging only, loudly visible in status
};

std::string_view profile_name(Profile profile) noexcept;
/// "strict", "log" or "none"; invalid_argument for anything else.
Result<Profile> parse_profile(std::string_view name);

/// What this kernel and this process allow, probed once (the first call) and cached.
struct KernelSupport {
    bool user_namespace = false;    ///< CLONE_NEWUSER works (with an id mapping when root)
    bool other_namespaces = false;  ///< CLONE_NEWPID|NEWNET|NEWIPC|NEWUTS|NEWNS work
    bool empty_root = false;        ///< an empty tmpfs can become the root (chroot)
    int landlock_abi = 0;           ///< 0 when Landlock is unavailable
    bool seccomp = false;           ///< seccomp filters can be installed
    bool root = false;              ///< the Manager runs with euid 0 in the initial user namespace
    std::string notes;              ///< why a layer is missing, for describe()
    bool namespaces_tried = false;  ///< namespaces were tried in a child, not judged from the kernel's settings
};
/// Judged from the kernel's settings when they leave no doubt, else by probe_by_trial().
const KernelSupport& kernel_support();
/// Tries every namespace step in a short-lived child (milliseconds); not cached.
KernelSupport probe_by_trial();

/// Starts the kernel_support() probe on a background thread and returns at once, so a
/// program with other start-up work (reading files, loading keys) overlaps the probe's
/// fork and namespace set-up with it; the first kernel_support() call waits for it.
void probe_kernel_support_in_background();

/// A built, immutable sandbox: the ChildSetup the core applies to each handler it spawns.
class Sandbox : public ChildSetup {
public:
    ~Sandbox() override;

    std::uint64_t clone_flags() const noexcept override;
    int apply_in_child(const char** step) const noexcept override;
    Status after_clone(pid_t child) const override;
    /// True only when the parent writes the id maps of a configured user (run_as).
    bool has_after_clone() const noexcept override;
    /// False under a pid namespace: the handler then leads only a process group of its own.
    bool new_session() const noexcept override;

    Profile profile() const noexcept;
    /// One line per layer, saying whether it is active and, if not, why
    /// ("none" profile: a loud warning). Used by `umd status` and `umd run`.
    const std::string& describe() const noexcept;
    /// The same, as ChildSetup::description(): what a driver's status reports.
    std::string description() const override;

    struct Plan;  // everything apply_in_child() needs, prepared by build()
    explicit Sandbox(std::unique_ptr<Plan> plan);

private:
    std::unique_ptr<Plan> plan_;
};

/// A fluent description of a sandbox; build() turns it into a Sandbox.
class SandboxPolicy {
public:
    static SandboxPolicy strict();
    static SandboxPolicy log();
    static SandboxPolicy none();
    static SandboxPolicy for_profile(Profile profile);

    /// Adds a system call (by name, e.g. "getrandom") to the allowlist.
    SandboxPolicy& allow_syscall(std::string name);
    /// RLIMIT_AS in bytes (default 1 GiB).
    SandboxPolicy& address_space(std::uint64_t bytes);
    /// RLIMIT_CPU (default 30 s): SIGXCPU at the limit, SIGKILL one second later.
    SandboxPolicy& cpu_time(std::chrono::seconds limit);
    /// RLIMIT_NOFILE (default 16).
    SandboxPolicy& open_files(std::uint64_t count);
    /// Runs the handler as this (unprivileged) user instead of the default, the Manager's
    /// uid left unmapped in a user namespace of its own. Needs a root Manager, and a
    /// handler image executable by that user.
    SandboxPolicy& run_as(std::uint32_t uid, std::uint32_t gid);

    /// Builds the seccomp program and the rest of the plan. invalid_argument for an
    /// unknown system call name or a zero limit; system when libseccomp fails.
    Result<std::shared_ptr<const Sandbox>> build() const;

    Profile profile() const noexcept { return profile_; }

private:
    explicit SandboxPolicy(Profile profile) : profile_(profile) {}
    Profile profile_;
    std::vector<std::string> extra_syscalls_;
    std::uint64_t address_space_ = 1ull << 30;
    std::chrono::seconds cpu_time_{30};
    std::uint64_t open_files_ = 16;
    std::uint32_t uid_ = 65534, gid_ = 65534;
    bool run_as_ = false;
};

/// The strict profile with its defaults, built once per process: the isolation of every
/// driver whose DriverOptions say nothing else (DriverOptions{} is confined).
Result<std::shared_ptr<const Sandbox>> strict_default();

/// The Isolation for a profile name, as the CLI's --profile takes it: "strict" (the
/// shared strict_default()), "log", or "none" (Isolation::unconfined(), loud in status).
/// invalid_argument for an unknown name, or build()'s errors.
Result<Isolation> isolation_for(std::string_view profile);
/// DriverOptions whose isolation is isolation_for(profile):
///   manager.set_default_options(*umd::sandbox::driver_options("log"));
Result<DriverOptions> driver_options(std::string_view profile);

/// The system call a sandboxed handler reported, on stderr, as the one that
/// violated its policy ("umd-sandbox: syscall N"). The text is untrusted: only
/// the last well-formed report counts, and only numbers below 4096.
std::optional<int> reported_syscall(std::string_view stderr_text) noexcept;

/// "openat" for 257 on this architecture, or "syscall 999" when unknown.
std::string syscall_name(int number);

/// The error kind for a handler that ended this way: sandbox_violation for SIGSYS,
/// handler_crashed for any other signal or exit status.
Errc exit_errc(const ExitInfo& info) noexcept;

/// A human sentence for how a handler ended, naming the signal and, for a sandbox
/// violation, the system call (from info.syscall, else from the handler's report in
/// `stderr_text`, marked as reported by the handler).
std::string explain_exit(const ExitInfo& info, std::string_view stderr_text = {});

}  // namespace umd::sandbox
