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

#include <algorithm>
#include <cerrno>
#include <memory>
#include <cstdio>
#include <exception>

namespace umd::handler {
namespace {

/// The buffer requests are read into. Grown without zero-filling (every byte a
/// request uses is read from the pipe first) and kept for the next request up to
/// kept_request_buffer, so a stream of large requests neither allocates nor faults.
class RequestBuffer {
public:
    static constexpr std::size_t small = 64 * 1024;
    explicit RequestBuffer(std::size_t size) : data_(new std::uint8_t[size]), size_(size) {}
    std::uint8_t* data() noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    /// Makes room for `size` bytes, keeping the first `keep`.
    void grow(std::size_t size, std::size_t keep)
    {
        if (size <= size_) return;
        std::unique_ptr<std::uint8_t[]> bigger(new std::uint8_t[size]);   // default-initialised: no zero fill
        std::copy_n(data_.get(), keep, bigger.get());
        data_ = std::move(bigger);
        size_ = size;
    }
    /// Gives a buffer over the bound back to the system once its request is answered.
    void trim()
    {
        if (size_ > kept_request_buffer) *this = RequestBuffer(small);
    }

private:
    std::unique_ptr<std::uint8_t[]> data_;
    std::size_t size_;
};

/// Reads until `have` >= `need` (or end of file). Returns bytes read, -1 on error.
long fill(RequestBuffer& buf, std::size_t& have, std::size_t need)
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
    ByteView payload = reply.bytes();
    h.length = static_cast<std::uint32_t>(payload.size());
    encode_header(h, header);
    iovec iov[2] = {{header, sizeof header}, {const_cast<std::uint8_t*>(payload.data()), payload.size()}};
    iovec* cur = iov;
    int count = payload.empty() ? 1 : 2;
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
    RequestBuffer buf(RequestBuffer::small);
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
        buf.grow(total, have);
        if (fill(buf, have, total) < 0) return 3;
        if (have < total) return 2;
        Reply reply;
        try {
            reply = fn(h.type, ByteView(buf.data() + frame_header_size, h.length));
        } catch (const std::exception& e) {
            reply = Reply::failed(e.what());
        }
        if (!write_reply(h.type, h.request_id, reply)) return 3;
        buf.trim();
    }
}

}  // namespace umd::handler
