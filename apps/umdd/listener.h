// apps/umdd/listener.h — the listening socket: handed over by systemd, or made here.
#pragma once

#include <string>

#include <umd/error.h>
#include <umd/unique_fd.h>

namespace umd::daemon {

struct Listener {
    UniqueFd fd;
    bool activated = false;   ///< from socket activation (LISTEN_FDS)
    std::string path;         ///< the socket's path when made here
};

/// The socket systemd passed (one AF_UNIX SOCK_SEQPACKET listening socket), or, without
/// socket activation, a new one bound at `path` (its directory made if missing, a stale
/// socket replaced, mode 0666: every user may connect; operations are authorized per
/// request). Errc::invalid_argument when systemd passed something else.
Result<Listener> open_listener(const std::string& path);

}  // namespace umd::daemon
