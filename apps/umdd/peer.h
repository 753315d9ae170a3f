// apps/umdd/peer.h — who is on the other end of a connection, and what they may ask for.
//
// Trusted side. The kernel's word, taken when the client connected, decides, never
// anything the client sends: SO_PEERCRED (pid, uid, gid), SO_PEERGROUPS (its
// supplementary groups) and SO_PEERPIDFD (a pidfd for that very process, where the
// kernel offers one: a pid can be reused, a pidfd cannot). Anyone may verify and
// query; administrators (root, or processes in the configured admin group) may also
// change the daemon's state.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/unique_fd.h>

#include "apps/umdd/protocol/protocol.h"

namespace umd::daemon {

struct Peer {
    pid_t pid = -1;
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    std::vector<gid_t> groups;                ///< supplementary groups, as the kernel has them
    std::shared_ptr<const UniqueFd> pidfd;    ///< null on kernels without SO_PEERPIDFD (before 6.5)
};

/// The credentials of the process that connected `fd` (an AF_UNIX socket).
Result<Peer> peer_of(int fd);

/// "pid P uid U (EXE)" for logs: the executable is named only while the pidfd shows
/// that the pid is still the connecting process's.
std::string describe(const Peer& peer);

/// Ok when `peer` may ask for `op`; Errc::not_permitted otherwise, saying who may.
/// `admin_group` empty: root only.
Status authorize(const Peer& peer, Operation op, const std::string& admin_group);

}  // namespace umd::daemon
