// umd/frame.h — the message frame both sides of every driver's pipe share.
//
// Every framed message is a 16-byte header followed by `length` payload bytes.
// All integers are little-endian. Full description: docs/protocol.md.
//
//   offset size field
//   0      2    magic      0x554D ("UM" as bytes 'M','U' little-endian: 0x4D 0x55)
//   2      1    version    1
//   3      1    type       driver-defined request type (replies echo it)
//   4      4    request_id chosen by the Manager, echoed by the handler
//   8      4    status     0 in requests; in replies a FrameStatus
//   12     4    length     payload bytes that follow
#pragma once

#include <cstddef>
#include <cstdint>

namespace umd {

inline constexpr std::uint16_t frame_magic = 0x554D;
inline constexpr std::uint8_t frame_version = 1;
inline constexpr std::size_t frame_header_size = 16;

/// Status of a reply, set by the handler.
enum class FrameStatus : std::uint32_t {
    ok = 0,           ///< payload is the driver's reply
    bad_input = 1,    ///< the request's data is malformed; payload is a UTF-8 message
    unsupported = 2,  ///< unknown request type; payload is a UTF-8 message
    failed = 3,       ///< the handler could not do the work; payload is a UTF-8 message
};

struct FrameHeader {
    std::uint16_t magic = frame_magic;
    std::uint8_t version = frame_version;
    std::uint8_t type = 0;
    std::uint32_t request_id = 0;
    std::uint32_t status = 0;
    std::uint32_t length = 0;
};

/// Writes `h` into 16 bytes at `out`.
inline void encode_header(const FrameHeader& h, std::uint8_t* out) noexcept
{
    auto put = [&](std::size_t at, std::uint32_t v, int n) {
        for (int i = 0; i < n; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    };
    put(0, h.magic, 2);
    out[2] = h.version;
    out[3] = h.type;
    put(4, h.request_id, 4);
    put(8, h.status, 4);
    put(12, h.length, 4);
}

/// Reads 16 bytes at `in` into a header (no validation: the caller checks magic, version, length).
inline FrameHeader decode_header(const std::uint8_t* in) noexcept
{
    auto get = [&](std::size_t at, int n) {
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i) v |= std::uint32_t{in[at + i]} << (8 * i);
        return v;
    };
    FrameHeader h;
    h.magic = static_cast<std::uint16_t>(get(0, 2));
    h.version = in[2];
    h.type = in[3];
    h.request_id = get(4, 4);
    h.status = get(8, 4);
    h.length = get(12, 4);
    return h;
}

}  // namespace umd
