// apps/umdd/protocol/transport.cpp — sendmsg with SCM_RIGHTS.
#include "apps/umdd/protocol/transport.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "apps/umdd/protocol/protocol.h"

namespace umd::daemon {

ssize_t send_datagram(int sock, ByteView message, std::span<const int> fds, int flags)
{
    if (fds.size() > max_fds) {
        errno = EINVAL;
        return -1;
    }
    iovec iov{const_cast<std::uint8_t*>(message.data()), message.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * max_fds)] = {};
    if (!fds.empty()) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    ssize_t sent;
    do sent = ::sendmsg(sock, &msg, flags);
    while (sent < 0 && errno == EINTR);
    return sent;
}

}  // namespace umd::daemon
