// src/handler_runtime/raw_io.cpp — raw-mode I/O for handlers (UNTRUSTED side):
// the whole of stdin as one request, the whole reply to stdout.
#include <umd/handler.h>
#include <umd/sandbox_handler.h>

#include <unistd.h>

#include <cerrno>

namespace umd::handler {

Result<Bytes> read_all_stdin(std::size_t max)
{
    if (!umd::sandbox::enter_handler_lockdown()) return fail(Errc::system, "entering the handler lockdown");
    Bytes out;
    std::uint8_t chunk[64 * 1024];
    for (;;) {
        ssize_t n = ::read(0, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno(errno, "reading the request");
        if (n == 0) return out;
        if (out.size() + static_cast<std::size_t>(n) > max) return fail(Errc::bad_input, "request exceeds {} bytes", max);
        out.insert(out.end(), chunk, chunk + n);
    }
}

Status write_all_stdout(ByteView bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(1, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno(errno, "writing the reply");
        done += static_cast<std::size_t>(n);
    }
    return {};
}

}  // namespace umd::handler
