// src/handler_runtime/serve.cpp — the request loop of every handler (UNTRUSTED side).
//
// Reads framed requests from fd 0, calls the handler's function, writes framed
// replies to fd 1. The first read takes the header and, for small requests, the
// whole payload in one system call.
#include <umd/handler.h>
#include <umd/sandbox_handler.h>
#include <umd/one_shot/warm_heap.h>

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>

namespace umd::handler {
namespace {

/// Reads until `have` >= `need` (or end of file). Returns bytes read, -1 on error.
long fill(Bytes& buf, std::size_t& have, std::size_t need)
{
    while (have < need) {
        ssize_t n = ::read(0, buf.data() + have, buf.size() - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        have += static_cast<std::size_t>(n);
    }
    return static_cast<long>(have);
}

bool write_reply(std::uint8_t type, std::uint32_t id, const Reply& reply)
{
    std::uint8_t header[frame_header_size];
    FrameHeader h;
    h.type = type;
    h.request_id = id;
    h.status = static_cast<std::uint32_t>(reply.status);
    h.length = static_cast<std::uint32_t>(reply.payload.size());
    encode_header(h, header);
    iovec iov[2] = {{header, sizeof header}, {const_cast<std::uint8_t*>(reply.payload.data()), reply.payload.size()}};
    iovec* cur = iov;
    int count = reply.payload.empty() ? 1 : 2;
    while (count > 0) {
        ssize_t n = ::writev(1, cur, count);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        auto left = static_cast<std::size_t>(n);
        while (count > 0 && left >= cur->iov_len) { left -= cur->iov_len; ++cur; --count; }
        if (count > 0) {
            cur->iov_base = static_cast<std::uint8_t*>(cur->iov_base) + left;
            cur->iov_len -= left;
        }
    }
    return true;
}

}  // namespace

int serve(const RequestFn& fn)
{
    // A request and what its parse builds land on heap faulted in at once (umd/one_shot/warm_heap.h).
    one_shot::warm_heap(512 * 1024);
    if (!umd::sandbox::enter_handler_lockdown()) return 3;
    // One buffer for the whole life of the handler: small requests need no allocation.
    Bytes buf(64 * 1024);
    for (;;) {
        std::size_t have = 0;
        long got = fill(buf, have, frame_header_size);
        if (got < 0) return 3;
        if (got == 0) return 0;  // the Manager closed the pipe: clean shutdown
        if (have < frame_header_size) return 2;
        FrameHeader h = decode_header(buf.data());
        if (h.magic != frame_magic || h.version != frame_version || h.length > max_request) {
            std::fputs("umd handler: malformed request frame\n", stderr);
            return 2;
        }
        std::size_t total = frame_header_size + h.length;
        if (buf.size() < total) buf.resize(total);
        if (fill(buf, have, total) < 0) return 3;
        if (have < total) return 2;
        Reply reply;
        try {
            reply = fn(h.type, ByteView(buf.data() + frame_header_size, h.length));
        } catch (const std::exception& e) {
            reply = Reply::failed(e.what());
        }
        if (!write_reply(h.type, h.request_id, reply)) return 3;
        if (buf.size() > (16u << 20)) Bytes(64 * 1024).swap(buf);  // give very large buffers back
    }
}

}  // namespace umd::handler
