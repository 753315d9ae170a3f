// apps/umd/daemon_client.cpp — connecting to umdd, checking it, one request at a time.
#include "apps/umd/daemon_client.h"

#include "apps/umdd/protocol/transport.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace umd::cli {

Result<UniqueFd> open_for_daemon(const std::string& path, Errc missing)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) return fail(errno == ENOENT ? missing : Errc::io, "{}: {}", path, std::strerror(errno));
    return fd;
}

Result<DaemonClient> DaemonClient::connect(const std::string& path)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path) return fail(Errc::invalid_argument, "socket path '{}' is too long", path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!fd) return fail_errno(errno, "socket");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        if (e == ENOENT || e == ECONNREFUSED) return fail(Errc::not_found, "no umdd at {}: {}", path, std::strerror(e));
        return fail(Errc::io, "umdd at {}: {}", path, std::strerror(e));
    }
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return fail_errno(errno, "SO_PEERCRED");
    // A verdict is only as good as the process that gave it.
    if (cred.uid != 0 && cred.uid != ::getuid())
        return fail(Errc::not_permitted, "{} is served by uid {}, not by root or by you: its answers are not trusted", path, cred.uid);
    return DaemonClient(std::move(fd));
}

Result<Bytes> DaemonClient::call(daemon::Operation op, ByteView fields, std::span<const int> fds, std::chrono::milliseconds deadline)
{
    if (fds.size() > daemon::max_fds) return fail(Errc::invalid_argument, "{} files in one request, at most {}", fds.size(), daemon::max_fds);
    const std::uint32_t id = next_id_++;
    Bytes message = daemon::encode_request({op, id}, fields);
    if (message.size() > daemon::max_message) return fail(Errc::invalid_argument, "request of {} bytes is too large", message.size());
    const ssize_t sent = daemon::send_datagram(fd_.get(), message, fds);
    if (sent < 0) return fail(Errc::io, "sending to umdd: {}", std::strerror(errno));

    Bytes& reply = buffer_;
    reply.resize(daemon::max_message);
    for (;;) {
        pollfd p{fd_.get(), POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(deadline.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) return fail(Errc::timeout, "umdd did not answer within {} ms", deadline.count());
        if (ready < 0) return fail_errno(errno, "waiting for umdd");
        ssize_t n = ::recv(fd_.get(), reply.data(), reply.size(), MSG_TRUNC);
        if (n < 0 && errno == EINTR) continue;
        // umdd went away mid-request (stopped, or killed): what became of the request is
        // unknown to this side — an internal failure (exit 3), not a verdict on the input.
        if (n < 0) return fail(Errc::system, "reading from umdd: {}; the request's outcome is unknown", std::strerror(errno));
        if (n == 0) return fail(Errc::system, "umdd closed the connection without an answer; the request's outcome is unknown");
        if (static_cast<std::size_t>(n) > reply.size()) return fail(Errc::protocol, "umdd reply of {} bytes is too large", n);
        auto decoded = UMD_TRY(daemon::decode_reply(ByteView(reply.data(), static_cast<std::size_t>(n))));
        if (decoded.id != id && decoded.id != 0) continue;   // an answer to an earlier request (none is pending)
        if (!decoded.fields) return std::unexpected(decoded.fields.error());
        return Bytes(decoded.fields->begin(), decoded.fields->end());
    }
}

Result<UniqueFd> reply_file(const char* name)
{
    UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd) return fail_errno(errno, "memfd_create");
    return fd;
}

Result<Bytes> read_reply_file(int fd, std::uint64_t size, std::uint64_t limit)
{
    if (size > limit) return fail(Errc::protocol, "umdd reply: {} bytes announced, at most {}", size, limit);
    Bytes data(static_cast<std::size_t>(size));
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::pread(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(Errc::protocol, "umdd reply: {} bytes announced, fewer written", size);
        done += static_cast<std::size_t>(n);
    }
    return data;
}

Result<nlohmann::json> DaemonClient::call_for_document(daemon::Operation op, ByteView fields, std::span<const int> files)
{
    auto document = UMD_TRY(reply_file("umd-document"));
    std::vector<int> fds(files.begin(), files.end());
    fds.push_back(document.get());
    auto reply_fields = UMD_TRY(call(op, fields, fds));
    ByteReader in(reply_fields, "umdd document reply");
    auto reply = UMD_TRY(daemon::decode_document_reply(in));
    auto text = UMD_TRY(read_reply_file(document.get(), reply.size, max_document));
    auto parsed = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return fail(Errc::protocol, "umdd reply: the document is not JSON");
    return parsed;
}

}  // namespace umd::cli
