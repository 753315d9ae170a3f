// apps/umdd/peer.cpp — peer credentials and authorization (trusted side).
#include "apps/umdd/peer.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace umd::daemon {
namespace {

/// Whether `peer` belongs to group `name`: its primary group, or a supplementary one
/// as the group database lists it.
bool in_group(const Peer& peer, const std::string& name)
{
    std::vector<char> buffer(16 * 1024);
    group entry {};
    group* found = nullptr;
    if (::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) return false;
    if (found->gr_gid == peer.gid) return true;
    std::vector<char> pw_buffer(16 * 1024);
    passwd pw {};
    passwd* user = nullptr;
    if (::getpwuid_r(peer.uid, &pw, pw_buffer.data(), pw_buffer.size(), &user) != 0 || !user) return false;
    for (char** member = found->gr_mem; member && *member; ++member)
        if (std::strcmp(*member, user->pw_name) == 0) return true;
    return false;
}

}  // namespace

Result<Peer> peer_of(int fd)
{
    ucred cred {};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return fail_errno(errno, "SO_PEERCRED");
    return Peer{cred.pid, cred.uid, cred.gid};
}

Status authorize(const Peer& peer, Operation op, const std::string& admin_group)
{
    if (access_of(op) == Access::anyone || peer.uid == 0) return {};
    if (!admin_group.empty() && in_group(peer, admin_group)) return {};
    return fail(Errc::not_permitted, "{} needs root{}{}; uid {} may not", operation_name(op),
                admin_group.empty() ? "" : " or a member of group ", admin_group, peer.uid);
}

}  // namespace umd::daemon
