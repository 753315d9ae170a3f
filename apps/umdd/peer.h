// apps/umdd/peer.h — who is on the other end of a connection, and what they may ask for.
//
// Trusted side. The kernel's word (SO_PEERCRED, taken when the client connected)
// decides, never anything the client sends: anyone may verify and query;
// administrators (root, or members of the configured admin group) may also change
// the daemon's state.
#pragma once

#include <sys/types.h>

#include <string>

#include <umd/error.h>

#include "apps/umdd/protocol/protocol.h"

namespace umd::daemon {

struct Peer {
    pid_t pid = -1;
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
};

/// The credentials of the process that connected `fd` (an AF_UNIX socket).
Result<Peer> peer_of(int fd);

/// Ok when `peer` may ask for `op`; Errc::not_permitted otherwise, saying who may.
/// `admin_group` empty: root only.
Status authorize(const Peer& peer, Operation op, const std::string& admin_group);

}  // namespace umd::daemon
