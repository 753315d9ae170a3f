// src/sandbox/sandbox.cpp — the policy builder and the built Sandbox: everything is
// decided and allocated here, in the parent; apply_in_child() only replays the plan
// with raw system calls (trusted side).
#include <umd/sandbox.h>

#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "child_steps.h"
#include "seccomp_program.h"

namespace umd::sandbox {
namespace {

constexpr std::uint64_t namespace_flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS;

/// System calls that make a socket (io_uring can, with IORING_OP_SOCKET).
constexpr std::string_view socket_makers[] = {"socket", "socketpair", "socketcall", "io_uring_setup"};

/// Whether the handler needs a network namespace of its own. Creating one is the
/// dearest step of a spawn (docs/decisions/0006-one-shot-start-up.md, section 3).
/// It isolates nothing a handler without a socket can reach: under the strict profile
/// the seccomp filter kills any call that makes a socket, and the handler inherits
/// none (only three pipes). It stays whenever a socket can be made: the log profile
/// (violations run), or an allowlist widened with a socket-making call.
bool needs_network_namespace(Profile profile, const std::vector<std::string>& extra_syscalls)
{
    if (profile != Profile::strict) return true;
    for (const auto& name : extra_syscalls)
        for (std::string_view maker : socket_makers)
            if (name == maker) return true;
    return false;
}

/// Landlock rights by ABI (the kernel header may be older than the kernel).
constexpr std::uint64_t landlock_fs_rights(int abi)
{
    std::uint64_t rights = (1ull << 13) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
    if (abi >= 2) rights |= 1ull << 13;       // REFER
    if (abi >= 3) rights |= 1ull << 14;       // TRUNCATE
    if (abi >= 5) rights |= 1ull << 15;       // IOCTL_DEV
    return rights;
}
constexpr std::uint64_t landlock_net_rights(int abi) { return abi >= 4 ? 0x3 : 0; }  // BIND_TCP, CONNECT_TCP
constexpr std::uint64_t landlock_scopes(int abi) { return abi >= 6 ? 0x3 : 0; }      // ABSTRACT_UNIX_SOCKET, SIGNAL
constexpr std::size_t landlock_attr_size(int abi) { return abi >= 6 ? 24 : abi >= 4 ? 16 : 8; }
constexpr int landlock_newest_known_abi = 7;

int last_capability()
{
    std::ifstream f("/proc/sys/kernel/cap_last_cap");
    int last = 63;
    if (!(f >> last) || last < 0 || last > 63) last = 63;
    return last;
}

struct Limit {
    int resource;
    rlim_t soft, hard;
};

}  // namespace

struct Sandbox::Plan {
    Profile profile = Profile::strict;
    std::uint64_t clone_flags = 0;
    bool empty_root = false;
    bool drop_bounding = false;
    bool map_ids = false;
    uid_t uid = 65534;
    gid_t gid = 65534;
    int last_cap = 63;
    int landlock_abi = 0;
    Limit limits[8] = {};
    std::size_t limit_count = 0;
    std::vector<sock_filter> filter;
    sock_fprog program{};
    /// Where the filter compares with own_pid_placeholder (tgkill's thread group).
    std::uint16_t pid_slots[8] = {};
    std::size_t pid_slot_count = 0;
    std::string description;
};

Sandbox::Sandbox(std::unique_ptr<Plan> plan) : plan_(std::move(plan)) {}
Sandbox::~Sandbox() = default;

std::uint64_t Sandbox::clone_flags() const noexcept { return plan_->clone_flags; }
Profile Sandbox::profile() const noexcept { return plan_->profile; }

// A session costs a scheduler autogroup per spawn. Under a pid namespace it buys
// nothing: the handler's death kills every descendant, the seccomp filter answers
// every ioctl with ENOTTY, and the handler can open no terminal (no open system
// call, an empty root, Landlock). Unconfined, the session stays.
bool Sandbox::new_session() const noexcept
{
    return plan_->profile == Profile::none || !(plan_->clone_flags & CLONE_NEWPID);
}
const std::string& Sandbox::describe() const noexcept { return plan_->description; }

std::string Sandbox::description() const { return plan_->description; }

bool Sandbox::has_after_clone() const noexcept { return plan_->map_ids && (plan_->clone_flags & CLONE_NEWUSER); }

Status Sandbox::after_clone(pid_t child) const
{
    if (!has_after_clone()) return {};
    // Root Manager: the handler becomes nobody inside and outside its user namespace.
    for (const char* map : {"uid_map", "gid_map"}) {
        std::string path = fmt::format("/proc/{}/{}", child, map);
        std::string line = fmt::format("{0} {0} 1\n", map[0] == 'u' ? plan_->uid : plan_->gid);
        int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return fail_errno(errno, "open {}", path);
        ssize_t n = ::write(fd, line.data(), line.size());
        int err = errno;
        ::close(fd);
        if (n != static_cast<ssize_t>(line.size())) return fail_errno(n < 0 ? err : EIO, "write {}", path);
    }
    return {};
}

int Sandbox::apply_in_child(const char** step) const noexcept
{
    const Plan& p = *plan_;
    if (p.profile == Profile::none) return 0;
    auto failed = [step](const char* what, int err) {
        *step = what;
        return err;
    };
    if (p.empty_root)
        if (int e = child::enter_empty_root()) return failed("sandbox: empty root file system", e);
    if (p.drop_bounding)
        if (int e = child::drop_bounding_set(p.last_cap)) return failed("sandbox: capability bounding set", e);
    if (p.map_ids)
        if (int e = child::switch_ids(p.uid, p.gid)) return failed("sandbox: switch to the unprivileged ids", e);
    if (int e = child::clear_capabilities()) return failed("sandbox: clear capabilities", e);
    if (::syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failed("sandbox: no_new_privs", errno);
    // A change of ids clears the parent-death signal: set it again.
    if (::syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return failed("sandbox: parent-death signal", errno);
    // Landlock first: its ruleset needs one more descriptor than RLIMIT_NOFILE may leave.
    if (p.landlock_abi > 0) {
        int abi = p.landlock_abi;
        if (int e = child::restrict_with_landlock(landlock_fs_rights(abi), landlock_net_rights(abi), landlock_scopes(abi),
                                                  landlock_attr_size(abi)))
            return failed("sandbox: landlock", e);
    }
    for (std::size_t i = 0; i < p.limit_count; ++i) {
        rlimit64 l{p.limits[i].soft, p.limits[i].hard};
        if (::syscall(SYS_prlimit64, 0, p.limits[i].resource, &l, nullptr) != 0) return failed("sandbox: resource limit", errno);
    }
    if (!p.filter.empty()) {
        // tgkill only towards itself: a copy of the program, on this stack (the
        // parent's is shared by every spawn), compares with this process's own pid,
        // as it will read it with getpid() (1 in a pid namespace).
        sock_filter own[BPF_MAXINSNS];
        sock_fprog program = p.program;
        if (p.pid_slot_count > 0) {
            for (std::size_t i = 0; i < p.filter.size(); ++i) own[i] = p.filter[i];
            auto pid = static_cast<std::uint32_t>(::syscall(SYS_getpid));
            for (std::size_t i = 0; i < p.pid_slot_count; ++i) own[p.pid_slots[i]].k = pid;
            program.filter = own;
        }
        if (int e = child::load_seccomp(&program)) return failed("sandbox: seccomp filter", e);
    }
    return 0;
}

SandboxPolicy SandboxPolicy::strict() { return SandboxPolicy(Profile::strict); }
SandboxPolicy SandboxPolicy::log() { return SandboxPolicy(Profile::log); }
SandboxPolicy SandboxPolicy::none() { return SandboxPolicy(Profile::none); }
SandboxPolicy SandboxPolicy::for_profile(Profile profile) { return SandboxPolicy(profile); }

SandboxPolicy& SandboxPolicy::allow_syscall(std::string name)
{
    extra_syscalls_.push_back(std::move(name));
    return *this;
}
SandboxPolicy& SandboxPolicy::address_space(std::uint64_t bytes)
{
    address_space_ = bytes;
    return *this;
}
SandboxPolicy& SandboxPolicy::cpu_time(std::chrono::seconds limit)
{
    cpu_time_ = limit;
    return *this;
}
SandboxPolicy& SandboxPolicy::open_files(std::uint64_t count)
{
    open_files_ = count;
    return *this;
}
SandboxPolicy& SandboxPolicy::run_as(std::uint32_t uid, std::uint32_t gid)
{
    uid_ = uid;
    gid_ = gid;
    run_as_ = true;
    return *this;
}

Result<std::shared_ptr<const Sandbox>> SandboxPolicy::build() const
{
    auto plan = std::make_unique<Sandbox::Plan>();
    plan->profile = profile_;
    if (profile_ == Profile::none) {
        plan->description =
            "profile none: NO SANDBOX — the handler runs with the Manager's privileges, file system and network";
        return std::make_shared<const Sandbox>(std::move(plan));
    }
    if (address_space_ == 0 || cpu_time_.count() <= 0 || open_files_ < 3)
        return fail(Errc::invalid_argument, "sandbox limits must be positive (and at least 3 open files)");
    if (run_as_ && (uid_ == 0 || gid_ == 0)) return fail(Errc::invalid_argument, "a handler never runs as root (uid/gid 0)");

    const KernelSupport& k = kernel_support();
    if (!k.seccomp) return fail(Errc::system, "seccomp filters are unavailable: refusing to start handlers unconfined");
    auto filter = build_seccomp_program(profile_ == Profile::strict ? ViolationAction::trap : ViolationAction::log, extra_syscalls_);
    if (!filter) return std::unexpected(with_context(filter.error(), "building the seccomp filter"));
    plan->filter = std::move(*filter);
    plan->program = {static_cast<unsigned short>(plan->filter.size()), plan->filter.data()};
    auto slots = own_pid_slots(plan->filter);
    if (slots.empty() || slots.size() > std::size(plan->pid_slots) || plan->filter.size() > BPF_MAXINSNS)
        return fail(Errc::internal, "seccomp filter: {} places for the handler's own pid", slots.size());
    std::copy(slots.begin(), slots.end(), plan->pid_slots);
    plan->pid_slot_count = slots.size();

    if (k.user_namespace) plan->clone_flags |= CLONE_NEWUSER;
    if (k.other_namespaces) {
        plan->clone_flags |= namespace_flags;
        if (!needs_network_namespace(profile_, extra_syscalls_)) plan->clone_flags &= ~static_cast<std::uint64_t>(CLONE_NEWNET);
    }
    plan->empty_root = k.other_namespaces && k.empty_root;
    plan->drop_bounding = k.user_namespace || k.root;  // CAP_SETPCAP is needed to drop
    // Default: the Manager's uid, unmapped (nobody) in the handler's own user namespace.
    // A configured user needs privilege to map, and the handler image must be executable by it.
    if (run_as_ && !k.root) return fail(Errc::invalid_argument, "run_as needs a Manager running as root");
    plan->map_ids = run_as_;
    plan->uid = uid_;
    plan->gid = gid_;
    plan->last_cap = last_capability();
    plan->landlock_abi = std::min(k.landlock_abi, landlock_newest_known_abi);

    auto add_limit = [&](int resource, rlim_t soft, rlim_t hard) { plan->limits[plan->limit_count++] = {resource, soft, hard}; };
    add_limit(RLIMIT_AS, address_space_, address_space_);
    add_limit(RLIMIT_CPU, static_cast<rlim_t>(cpu_time_.count()), static_cast<rlim_t>(cpu_time_.count()) + 1);
    add_limit(RLIMIT_FSIZE, 0, 0);
    add_limit(RLIMIT_NOFILE, open_files_, open_files_);
    add_limit(RLIMIT_CORE, 0, 0);
    add_limit(RLIMIT_MEMLOCK, 0, 0);
    add_limit(RLIMIT_MSGQUEUE, 0, 0);
    // RLIMIT_NPROC counts per (user namespace, uid): only in a namespace of its own is
    // "1" exactly this process; with a shared uid it would break exec instead.
    // (Root's own uid is exempt from RLIMIT_NPROC altogether.)
    bool own_nproc = k.user_namespace && (!k.root || plan->map_ids);
    if (own_nproc) add_limit(RLIMIT_NPROC, 1, 1);

    std::string& d = plan->description;
    d = fmt::format("profile {}:\n", profile_name(profile_));
    const bool own_net = plan->clone_flags & CLONE_NEWNET;
    d += fmt::format("  namespaces: {}{}\n",
                     k.user_namespace && k.other_namespaces
                         ? (own_net ? "user, pid, net, ipc, uts, mount (all new)"
                                    : "user, pid, ipc, uts, mount (new); net shared, no socket can be made (seccomp)")
                     : k.other_namespaces ? (own_net ? "pid, net, ipc, uts, mount (no user namespace)"
                                                     : "pid, ipc, uts, mount (no user namespace); net shared, no socket can be made (seccomp)")
                     : k.user_namespace ? "user only"
                                        : "NONE (fallback: unavailable)",
                     k.namespaces_tried ? " (tried in a child)" : " (judged from the kernel's settings)");
    d += fmt::format("  file system root: {}\n", plan->empty_root ? "empty read-only tmpfs (chroot in a private mount namespace)"
                                                                : "the Manager's (fallback)");
    d += fmt::format("  process: {}\n", plan->clone_flags & CLONE_NEWPID ? "pid 1 of its own pid namespace, own process group"
                                                                        : "own session");
    d += fmt::format("  identity: {}\n", plan->map_ids ? fmt::format("uid {} gid {}, no groups", uid_, gid_)
                                       : k.user_namespace ? "the Manager's uid, unmapped (nobody) in its own user namespace"
                                                          : "the Manager's uid (fallback: no user namespace)");
    d += fmt::format("  capabilities: all dropped{}, no_new_privs\n", plan->drop_bounding ? ", bounding set empty, securebits locked" : "");
    d += plan->landlock_abi ? fmt::format("  landlock: ABI {} (kernel {}), all file system rights denied{}{}\n", plan->landlock_abi,
                                          k.landlock_abi, landlock_net_rights(plan->landlock_abi) ? ", TCP denied" : "",
                                          landlock_scopes(plan->landlock_abi) ? ", signals and abstract sockets scoped" : "")
                            : "  landlock: UNAVAILABLE (fallback: the empty root and seccomp remain)\n";
    d += fmt::format("  seccomp: allowlist of {} instructions, violations {}\n", plan->filter.size(),
                     profile_ == Profile::strict ? "end the handler (SIGSYS)" : "LOGGED ONLY (policy-writing mode)");
    d += fmt::format("  limits: address space {} MiB, cpu {} s, file size 0, {} open files, {}no core dumps",
                     address_space_ >> 20, cpu_time_.count(), open_files_, own_nproc ? "1 process, " : "");
    if (!k.notes.empty()) d += fmt::format("\n  kernel notes: {}", k.notes);
    return std::make_shared<const Sandbox>(std::move(plan));
}

std::string_view profile_name(Profile profile) noexcept
{
    switch (profile) {
    case Profile::strict: return "strict";
    case Profile::log: return "log";
    case Profile::none: return "none";
    }
    return "?";
}

Result<Profile> parse_profile(std::string_view name)
{
    if (name == "strict") return Profile::strict;
    if (name == "log") return Profile::log;
    if (name == "none") return Profile::none;
    return fail(Errc::invalid_argument, "unknown sandbox profile '{}' (strict, log or none)", name);
}

Result<std::shared_ptr<const Sandbox>> strict_default()
{
    // Built once: every driver whose options say nothing about isolation shares it.
    static const Result<std::shared_ptr<const Sandbox>> strict = SandboxPolicy::strict().build();
    return strict;
}

Result<Isolation> isolation_for(std::string_view profile)
{
    auto parsed = UMD_TRY(parse_profile(profile));
    switch (parsed) {
    case Profile::none:
        return Isolation::unconfined();
    case Profile::strict: {
        auto strict = UMD_TRY(strict_default());
        return Isolation::with(strict);
    }
    case Profile::log: {
        auto log = UMD_TRY(SandboxPolicy::log().build());
        return Isolation::with(std::move(log));
    }
    }
    return fail(Errc::invalid_argument, "unknown sandbox profile '{}'", profile);
}

Result<DriverOptions> driver_options(std::string_view profile)
{
    auto isolation = UMD_TRY(isolation_for(profile));
    DriverOptions options;
    options.isolation = std::move(isolation);
    return options;
}

}  // namespace umd::sandbox
