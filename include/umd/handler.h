// umd/handler.h — the handler runtime: what an untrusted handler's main() calls.
//
// Linked into every handler (static executables, embedded as blobs). serve()
// reads framed requests from fd 0 and writes framed replies to fd 1 until the
// Manager closes the request pipe. A handler's main is a few lines:
//
//   int main() {
//       return umd::handler::serve([](std::uint8_t type, umd::ByteView request) {
//           return umd::handler::Reply::ok(work(request));
//       });
//   }
//
// Anything a handler writes to stderr is collected (bounded) by the Manager for
// diagnostics. Handlers must assume their input is hostile and return
// Reply::bad_input(...) rather than crash; a crash is still contained.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include <umd/frame.h>
#include <umd/wire.h>

namespace umd::handler {

/// A handler's answer to one request (the Manager receives it as umd::HandlerReply).
struct Reply {
    FrameStatus status = FrameStatus::ok;
    Bytes payload;
    /// Set by ok_view(): the payload is these bytes, not `payload`.
    ByteView view{};

    static Reply ok(Bytes payload) { return {FrameStatus::ok, std::move(payload), {}}; }
    /// A reply of bytes the handler already holds, written from where they are (no
    /// copy). They must stay valid until serve() has written the reply: a part of
    /// the request (valid until the next request is read) or static data.
    static Reply ok_view(ByteView bytes) { return {FrameStatus::ok, {}, bytes}; }
    static Reply unsupported() { return {FrameStatus::unsupported, {}, {}}; }
    /// The bytes to send.
    ByteView bytes() const noexcept { return view.data() ? view : ByteView(payload); }
    static Reply bad_input(std::string_view message) { return {FrameStatus::bad_input, Bytes(message.begin(), message.end()), {}}; }
    static Reply failed(std::string_view message) { return {FrameStatus::failed, Bytes(message.begin(), message.end()), {}}; }
};

/// Maximum request payload a handler accepts; larger requests are answered bad_input after draining.
inline constexpr std::size_t max_request = 256u << 20;
/// The request buffer serve() keeps for the next request is at most this large (a
/// larger one is given back after its reply): requests up to the Manager's default
/// max_reply then cost no allocation and no page faults after the first.
inline constexpr std::size_t kept_request_buffer = (64u << 20) + frame_header_size;

using RequestFn = std::function<Reply(std::uint8_t type, ByteView request)>;

/// Serves framed requests on fd 0/1 until end of file. Returns the process exit
/// code: 0 after a clean end of file, 2 after a malformed frame, 3 on an I/O error.
int serve(const RequestFn& fn);

/// Raw mode: reads fd 0 to end of file (at most `max` bytes) and returns the bytes.
Result<Bytes> read_all_stdin(std::size_t max = max_request);
/// Raw mode: writes all of `bytes` to fd 1.
Status write_all_stdout(ByteView bytes);

}  // namespace umd::handler
