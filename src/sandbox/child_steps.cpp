// src/sandbox/child_steps.cpp — single isolation steps made of raw system calls
// (trusted side, run in the child between clone and exec: async-signal-safe only).
#include "child_steps.h"

#include <linux/capability.h>
#include <linux/securebits.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace umd::sandbox::child {
namespace {

long sys(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0)
{
    return ::syscall(nr, a, b, c, d, e);
}
template <class P>
long ptr(P p) { return reinterpret_cast<long>(p); }

/// The ruleset attribute of the newest Landlock ABI umd knows (6+: scoped).
struct LandlockRuleset {
    std::uint64_t handled_access_fs;
    std::uint64_t handled_access_net;
    std::uint64_t scoped;
};

}  // namespace

int enter_empty_root() noexcept
{
    // Mount events must not propagate back to the Manager's namespace.
    if (sys(SYS_mount, 0, ptr("/"), 0, MS_REC | MS_PRIVATE, 0) != 0) return errno;
    // Any existing directory serves as the mount point of the new root.
    const char* const points[] = {"/tmp", "/mnt", "/proc", "/dev"};
    const char* point = nullptr;
    for (const char* p : points) {
        if (sys(SYS_mount, ptr("umd-empty-root"), ptr(p), ptr("tmpfs"), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                ptr("mode=0555")) == 0) {
            point = p;
            break;
        }
    }
    if (!point) return errno;
    // chroot, not pivot_root + umount2(MNT_DETACH): detaching the old tree waits for an
    // RCU grace period (milliseconds on every spawn: docs/decisions/0003), and the
    // namespace is torn down at exit anyway. The old mounts stay in this private
    // namespace but out of reach: the working directory is the new root, no descriptor
    // to a directory survives exec, and chroot, mount, setns and open are denied to the
    // handler (no capability left, the seccomp allowlist, Landlock).
    if (sys(SYS_chdir, ptr(point)) != 0) return errno;
    if (sys(SYS_chroot, ptr(".")) != 0) return errno;
    if (sys(SYS_chdir, ptr("/")) != 0) return errno;
    return 0;
}

int drop_bounding_set(int last_cap) noexcept
{
    for (int cap = 0; cap <= last_cap; ++cap)
        if (sys(SYS_prctl, PR_CAPBSET_DROP, cap) != 0 && errno != EINVAL) return errno;
    const long bits = SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
                      SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    if (sys(SYS_prctl, PR_SET_SECUREBITS, bits) != 0) return errno;
    return 0;
}

int switch_ids(uid_t uid, gid_t gid) noexcept
{
    if (sys(SYS_setgroups, 0, 0) != 0) return errno;
    if (sys(SYS_setresgid, gid, gid, gid) != 0) return errno;
    if (sys(SYS_setresuid, uid, uid, uid) != 0) return errno;
    return 0;
}

int clear_capabilities() noexcept
{
    if (sys(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return errno;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (sys(SYS_capset, ptr(&header), ptr(data)) != 0) return errno;
    return 0;
}

int restrict_with_landlock(std::uint64_t fs, std::uint64_t net, std::uint64_t scoped, std::size_t attr_size) noexcept
{
    LandlockRuleset attr{fs, net, scoped};
    long fd = sys(SYS_landlock_create_ruleset, ptr(&attr), static_cast<long>(attr_size), 0);
    if (fd < 0) return errno;
    int err = sys(SYS_landlock_restrict_self, fd, 0) == 0 ? 0 : errno;
    sys(SYS_close, fd);
    return err;
}

int load_seccomp(const sock_fprog* program) noexcept
{
    if (sys(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, ptr(program)) != 0) return errno;
    return 0;
}

}  // namespace umd::sandbox::child
