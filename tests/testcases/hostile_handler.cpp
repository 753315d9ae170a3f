// tests/testcases/hostile_handler.cpp — a handler that misbehaves on purpose (UNTRUSTED).
//
// argv[0] picks the misbehaviour, so one binary serves every hostile-handler test.
// Modes: exit-at-start, crash-mid-reply, never-answers, never-reads (reads nothing,
// ever), short-reply, huge-length, garbage, wrong-id, flood-stderr (then answers
// correctly), leave-children (they keep the pipes open and sleep; the handler exits
// without answering), escape-children (a child leaves the process group and keeps
// the pipes open for 4 s; the handler exits without answering), escape-and-hang (the
// same child, and the handler never answers), exit-after-reply (answers its first
// request, then exits), echo (well-behaved), slow-echo (answers "sleep" after 2 s),
// raw-echo (raw mode: copies stdin to stdout), bad-input-text (answers bad_input with
// bytes no output may show as they are).
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include <umd/handler.h>

namespace {

void write_all(int fd, const void* data, std::size_t n)
{
    auto* p = static_cast<const char*>(data);
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w <= 0) std::_Exit(9);
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

/// Reads one request frame, returns its header (payload discarded).
umd::FrameHeader read_request()
{
    std::uint8_t h[umd::frame_header_size];
    std::size_t got = 0;
    while (got < sizeof h) {
        ssize_t n = ::read(0, h + got, sizeof h - got);
        if (n <= 0) std::_Exit(0);
        got += static_cast<std::size_t>(n);
    }
    umd::FrameHeader header = umd::decode_header(h);
    char sink[4096];
    for (std::size_t left = header.length; left > 0;) {
        ssize_t n = ::read(0, sink, left < sizeof sink ? left : sizeof sink);
        if (n <= 0) std::_Exit(0);
        left -= static_cast<std::size_t>(n);
    }
    return header;
}

void reply_header(const umd::FrameHeader& req, std::uint32_t length, std::uint32_t id_delta = 0)
{
    umd::FrameHeader h;
    h.type = req.type;
    h.request_id = req.request_id + id_delta;
    h.length = length;
    std::uint8_t out[umd::frame_header_size];
    umd::encode_header(h, out);
    write_all(1, out, sizeof out);
}

}  // namespace

int main(int, char** argv)
{
    std::string_view mode = argv[0];
    if (mode == "exit-at-start") return 7;
    if (mode == "raw-echo") {
        char buf[65536];
        for (;;) {
            ssize_t n = ::read(0, buf, sizeof buf);
            if (n <= 0) return n == 0 ? 0 : 3;
            write_all(1, buf, static_cast<std::size_t>(n));
        }
    }
    if (mode == "slow-echo") {
        // Echoes; a request that says "sleep" is answered only after 2 seconds.
        return umd::handler::serve([](std::uint8_t, umd::ByteView req) {
            if (umd::as_chars(req) == "sleep") ::sleep(2);
            return umd::handler::Reply::ok(umd::Bytes(req.begin(), req.end()));
        });
    }
    if (mode == "bad-input-text") {
        // Answers bad_input quoting "input" bytes: invalid UTF-8, a terminal escape, a line feed.
        return umd::handler::serve([](std::uint8_t, umd::ByteView) {
            return umd::handler::Reply::bad_input("line 2: unknown header 'Hash: \xff\xfe' \x1b[2J\nforged line, J\xc3\xbcrgen");
        });
    }
    if (mode == "exit-after-reply") {
        // Answers one request, then ends while idle: the Manager finds out only when it writes the next.
        umd::FrameHeader first = read_request();
        reply_header(first, 0);
        return 0;
    }
    if (mode == "echo" || mode == "flood-stderr") {
        if (mode == "flood-stderr") {
            static char noise[1 << 16];
            std::memset(noise, 'x', sizeof noise);
            for (int i = 0; i < 160; ++i) write_all(2, noise, sizeof noise);  // 10 MiB, far over any pipe
        }
        return umd::handler::serve([](std::uint8_t, umd::ByteView req) { return umd::handler::Reply::ok(umd::Bytes(req.begin(), req.end())); });
    }
    if (mode == "never-reads") {
        for (;;) ::pause();
    }
    umd::FrameHeader req = read_request();
    if (mode == "crash-mid-reply") {
        reply_header(req, 1000);
        write_all(1, "partial", 7);
        ::abort();
    }
    if (mode == "never-answers") {
        for (;;) ::pause();
    }
    if (mode == "short-reply") {
        reply_header(req, 100);
        write_all(1, "0123456789", 10);
        return 0;
    }
    if (mode == "huge-length") {
        reply_header(req, 0xFFFFFFF0u);
        for (;;) ::pause();
    }
    if (mode == "garbage") {
        write_all(1, "this is not a frame header at all", 33);
        for (;;) ::pause();
    }
    if (mode == "wrong-id") {
        reply_header(req, 0, 1);
        for (;;) ::pause();
    }
    if (mode == "leave-children") {
        for (int i = 0; i < 4; ++i) {
            if (::fork() == 0) {
                ::sleep(600);
                std::_Exit(0);
            }
        }
        return 0;
    }
    if (mode == "escape-children" || mode == "escape-and-hang") {
        // A process of its own session holds the reply pipe where killing the handler's
        // group cannot reach it. It ends by itself, so no test leaves it behind for long.
        int escaped[2];
        if (::pipe(escaped) != 0) return 6;
        if (::fork() == 0) {
            ::setsid();
            write_all(escaped[1], "e", 1);
            ::sleep(4);
            std::_Exit(0);
        }
        char done;
        if (::read(escaped[0], &done, 1) != 1) return 6;   // out of the group before the handler ends
        if (mode == "escape-children") return 0;
        for (;;) ::pause();
    }
    return 5;
}
