// apps/umdd/peer.cpp — peer credentials and authorization (trusted side).
#include "apps/umdd/peer.h"

#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

#include <umd/text.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77   // Linux 6.5; not yet in Debian 12's headers
#endif

namespace umd::daemon {
namespace {

/// The gid of group `name`, if the group database has it.
std::optional<gid_t> group_id(const std::string& name)
{
    std::vector<char> buffer(16 * 1024);
    group entry {};
    group* found = nullptr;
    if (::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return std::nullopt;
    return found->gr_gid;
}

/// The peer's supplementary groups (SO_PEERGROUPS, Linux 4.13): what the process
/// holds, not what /etc/group says a user name should hold.
Result<std::vector<gid_t>> peer_groups(int fd)
{
    std::vector<gid_t> groups(64);
    for (int attempt = 0; attempt < 2; ++attempt) {
        socklen_t len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
            groups.resize(len / sizeof(gid_t));
            return groups;
        }
        if (errno != ERANGE) return fail_errno(errno, "SO_PEERGROUPS");
        groups.resize(len / sizeof(gid_t) + 1);   // the kernel said how many there are
    }
    return fail(Errc::system, "SO_PEERGROUPS: the group list keeps changing size");
}

}  // namespace

Result<Peer> peer_of(int fd)
{
    ucred cred {};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return fail_errno(errno, "SO_PEERCRED");
    Peer peer{cred.pid, cred.uid, cred.gid, UMD_TRY(peer_groups(fd)), nullptr};
    int pidfd = -1;
    len = sizeof pidfd;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 && pidfd >= 0)
        peer.pidfd = std::make_shared<const UniqueFd>(pidfd);
    else if (errno != ENOPROTOOPT && errno != EINVAL && errno != ESRCH)
        return fail_errno(errno, "SO_PEERPIDFD");
    return peer;
}

std::string describe(const Peer& peer)
{
    std::string out = fmt::format("pid {} uid {}", peer.pid, peer.uid);
    if (!peer.pidfd) return out;
    std::array<char, 4096> exe{};
    const ssize_t n = ::readlink(fmt::format("/proc/{}/exe", peer.pid).c_str(), exe.data(), exe.size() - 1);
    // Read first, then ask the pidfd whether the pid still names the process that
    // connected: if it does, the name read was that process's.
    if (n > 0 && ::syscall(SYS_pidfd_send_signal, peer.pidfd->get(), 0, nullptr, 0) == 0)
        out += fmt::format(" ({})", printable_text(std::string_view(exe.data(), static_cast<std::size_t>(n))));
    else
        out += " (gone)";
    return out;
}

Status authorize(const Peer& peer, Operation op, const std::string& admin_group)
{
    if (access_of(op) == Access::anyone || peer.uid == 0) return {};
    if (!admin_group.empty()) {
        if (auto gid = group_id(admin_group);
            gid && (peer.gid == *gid || std::find(peer.groups.begin(), peer.groups.end(), *gid) != peer.groups.end()))
            return {};
    }
    return fail(Errc::not_permitted, "{} needs root{}{}; uid {} may not", operation_name(op),
                admin_group.empty() ? "" : " or a member of group ", admin_group, peer.uid);
}

}  // namespace umd::daemon
