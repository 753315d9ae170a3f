// src/sandbox/kernel_support.cpp — probe, once per process, which isolation layers
// this kernel lets the Manager use (trusted side).
//
// When the kernel's settings leave no doubt (no seccomp filter on us, no namespace
// limit at 0, no distribution switch against user namespaces), the answer is read
// from them. Otherwise namespaces are tried for real in a short-lived child (an
// unshare that fails in a container is the only reliable answer); the child runs the
// same steps the sandbox runs, so a layer reported active is one that works.
#include <umd/sandbox.h>

#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "child_steps.h"

namespace umd::sandbox {
namespace {

constexpr int other_ns_flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS;

/// What the probe child reports: how far it got and why it stopped.
struct ProbeReport {
    bool user_namespace = false, id_mapping = false, other_namespaces = false, empty_root = false;
    int user_errno = 0, map_errno = 0, other_errno = 0, root_errno = 0;
};

bool in_initial_user_namespace()
{
    std::ifstream map("/proc/self/uid_map");
    std::string a, b, c;
    return map >> a >> b >> c && a == "0" && b == "0" && c == "4294967295";
}

Status write_file(const std::string& path, const std::string& text)
{
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail_errno(errno, "open {}", path);
    ssize_t n = ::write(fd, text.data(), text.size());
    int err = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(text.size())) return fail_errno(n < 0 ? err : EIO, "write {}", path);
    return {};
}

[[noreturn]] void probe_child(int report_fd, int go_fd, bool root)
{
    ProbeReport r;
    if (::unshare(CLONE_NEWUSER) == 0) r.user_namespace = true;
    else r.user_errno = errno;
    pid_t self = ::getpid();
    (void)!::write(report_fd, &self, sizeof self);  // "unshared": the parent may write the id maps now
    char byte = 0;
    if (::read(go_fd, &byte, 1) != 1) ::_exit(1);
    if (::unshare(other_ns_flags) == 0) r.other_namespaces = true;
    else r.other_errno = errno;
    if (r.other_namespaces) {
        r.root_errno = child::enter_empty_root();
        r.empty_root = r.root_errno == 0;
    }
    if (r.user_namespace && root) {
        r.map_errno = child::switch_ids(65534, 65534);
        r.id_mapping = r.map_errno == 0;
    }
    (void)!::write(report_fd, &r, sizeof r);
    ::_exit(0);
}

/// A number from a /proc/sys file, or `absent` when the file does not exist.
long sysctl_value(const char* path, long absent)
{
    std::ifstream in(path);
    long value = absent;
    if (in && !(in >> value)) return 0;
    return value;
}

/// Whether the kernel's settings leave no doubt that every namespace step works, so
/// the forking trial (milliseconds, once per process: once per one-shot command) can
/// be skipped. Anything unusual — a seccomp filter on this very process (a container
/// runtime's, which may refuse unshare or mount), a namespace limit of 0, a distribution
/// switch against unprivileged user namespaces — sends us to the trial instead. A wrong
/// "yes" fails closed: the handler's start fails with the step that did not work.
bool settings_allow_namespaces(bool root)
{
    if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0) return false;
    for (const char* limit : {"/proc/sys/user/max_user_namespaces", "/proc/sys/user/max_pid_namespaces",
                              "/proc/sys/user/max_net_namespaces", "/proc/sys/user/max_mnt_namespaces",
                              "/proc/sys/user/max_ipc_namespaces", "/proc/sys/user/max_uts_namespaces"})
        if (sysctl_value(limit, 0) <= 0) return false;
    if (!root) {
        if (sysctl_value("/proc/sys/kernel/unprivileged_userns_clone", 1) != 1) return false;  // Debian's switch
        if (sysctl_value("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", 0) != 0) return false;
        // The unprivileged user must be allowed to map itself: only in the initial user namespace
        // is that certain without trying.
        if (!in_initial_user_namespace()) return false;
    }
    return true;
}

KernelSupport probe_basics()
{
    KernelSupport k;
    k.root = ::geteuid() == 0 && in_initial_user_namespace();
    k.seccomp = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
    long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    k.landlock_abi = abi > 0 ? static_cast<int>(abi) : 0;
    if (!k.landlock_abi) k.notes += fmt::format("landlock unavailable ({}); ", std::strerror(errno));
    if (!k.seccomp) k.notes += "seccomp filters unavailable; ";
    return k;
}

KernelSupport probe()
{
    KernelSupport k = probe_basics();
    if (!settings_allow_namespaces(k.root)) return probe_by_trial();
    k.user_namespace = k.other_namespaces = k.empty_root = true;
    k.namespaces_tried = false;
    if (!k.notes.empty()) k.notes.resize(k.notes.size() - 2);
    return k;
}

}  // namespace

KernelSupport probe_by_trial()
{
    KernelSupport k = probe_basics();
    k.namespaces_tried = true;

    int report[2], go[2];
    if (::pipe2(report, O_CLOEXEC) != 0) return k;
    if (::pipe2(go, O_CLOEXEC) != 0) {
        ::close(report[0]), ::close(report[1]);
        return k;
    }
    // The probe runs in a grandchild: the intermediate child exits at once and is reaped
    // here, the grandchild is reaped by init (or the host's subreaper). Tearing down the
    // namespaces it made takes milliseconds (RCU grace periods) that no one need wait for:
    // this probe runs once in every process that starts a handler, the one-shot CLI too.
    pid_t pid = ::fork();
    if (pid == 0) {
        pid_t probe = ::fork();
        if (probe == 0) probe_child(report[1], go[0], k.root);
        ::_exit(probe > 0 ? 0 : 1);
    }
    ::close(report[1]);
    ::close(go[0]);
    int status = 0;
    if (pid > 0) ::waitpid(pid, &status, 0);
    ProbeReport r;
    pid_t probe = -1;
    bool maps_ok = true;
    if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && ::read(report[0], &probe, sizeof probe) == sizeof probe &&
        probe > 0) {
        if (k.root) {
            // The same mapping the sandbox writes in after_clone(): nobody inside is nobody outside.
            std::string proc = fmt::format("/proc/{}/", probe);
            maps_ok = write_file(proc + "uid_map", "65534 65534 1\n") && write_file(proc + "gid_map", "65534 65534 1\n");
        }
        char byte = 0;
        (void)!::write(go[1], &byte, 1);
        if (::read(report[0], &r, sizeof r) != sizeof r) r = ProbeReport{};
    }
    ::close(go[1]);
    ::close(report[0]);
    // When this process is the one orphans are given to (pid 1 of a container, or a
    // subreaper), the grandchild is our child by now: reap it rather than leave a zombie.
    int subreaper = 0;
    if (probe > 0 && (::getpid() == 1 || (::prctl(PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0) == 0 && subreaper)))
        ::waitpid(probe, nullptr, 0);

    k.user_namespace = r.user_namespace;
    k.other_namespaces = r.other_namespaces;
    k.empty_root = r.empty_root;
    if (!r.user_namespace) k.notes += fmt::format("user namespace unavailable ({}); ", std::strerror(r.user_errno));
    else if (k.root && !(maps_ok && r.id_mapping))
        k.notes += fmt::format("mapping a configured user fails ({}); ", std::strerror(r.map_errno));
    if (!r.other_namespaces) k.notes += fmt::format("pid/net/ipc/uts/mount namespaces unavailable ({}); ", std::strerror(r.other_errno));
    else if (!r.empty_root) k.notes += fmt::format("empty root unavailable ({}); ", std::strerror(r.root_errno));
    if (!k.notes.empty()) k.notes.resize(k.notes.size() - 2);
    return k;
}

const KernelSupport& kernel_support()
{
    static const KernelSupport support = probe();
    return support;
}

void probe_kernel_support_in_background()
{
    // Joined at exit (the probe takes milliseconds); the magic static in
    // kernel_support() makes any caller wait for this probe instead of starting another.
    static std::once_flag started;
    static std::jthread worker;
    std::call_once(started, [] { worker = std::jthread([] { (void)kernel_support(); }); });
}

}  // namespace umd::sandbox
