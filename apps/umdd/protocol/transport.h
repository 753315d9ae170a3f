// apps/umdd/protocol/transport.h — one datagram with its descriptors (both sides' clients).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <span>

#include <umd/wire.h>

namespace umd::daemon {

/// Sends `message` as one datagram on `sock` with `fds` attached (SCM_RIGHTS, at most
/// max_fds), retrying on EINTR. The bytes sent, or -1 with errno set.
ssize_t send_datagram(int sock, ByteView message, std::span<const int> fds, int flags = MSG_NOSIGNAL);

}  // namespace umd::daemon
