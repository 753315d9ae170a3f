// apps/umdd/listener.cpp — socket activation or a socket of umdd's own (trusted side).
#include "apps/umdd/listener.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace umd::daemon {

Result<Listener> open_listener(const std::string& path)
{
    Listener out;
    int passed = sd_listen_fds(1);   // 1: unset LISTEN_FDS, so no child of ours sees it
    if (passed < 0) return fail(Errc::system, "socket activation: {}", std::strerror(-passed));
    if (passed > 1) return fail(Errc::invalid_argument, "socket activation passed {} sockets; umdd.socket has one", passed);
    if (passed == 1) {
        const int fd = SD_LISTEN_FDS_START;
        if (sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, nullptr, 0) <= 0)
            return fail(Errc::invalid_argument, "socket activation passed a socket that is not a listening AF_UNIX SOCK_SEQPACKET one");
        out.fd = UniqueFd(fd);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        int flags = ::fcntl(fd, F_GETFL);
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        out.activated = true;
        return out;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return fail(Errc::invalid_argument, "socket path '{}' is empty or longer than {} bytes", path, sizeof addr.sun_path - 1);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ec) return fail(Errc::io, "{}: {}", std::filesystem::path(path).parent_path().string(), ec.message());
    out.fd = UniqueFd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!out.fd) return fail_errno(errno, "socket");
    // A socket file left by a umdd that died: replace it, unless something answers there.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return fail(Errc::invalid_argument, "{} exists and is not a socket", path);
        UniqueFd probe(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
        if (probe && ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
            return fail(Errc::invalid_argument, "{}: another umdd is listening there", path);
        ::unlink(path.c_str());
    }
    if (::bind(out.fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return fail_errno(errno, "bind {}", path);
    ::chmod(path.c_str(), 0666);
    if (::listen(out.fd.get(), 128) != 0) return fail_errno(errno, "listen {}", path);
    out.path = path;
    return out;
}

}  // namespace umd::daemon
