// drivers/sample/protocol.h — the sample driver's messages (shared by both sides).
//
// The template a new driver copies. Request `write`: a u32 little-endian offset
// in [0, reply_size); the handler replies with reply_size bytes, all zero but
// the byte at that offset, which is 1. Request `echo` (benchmarks, tests): the
// reply is the request.
#pragma once

#include <cstddef>
#include <cstdint>

namespace umd::sample {

enum class Request : std::uint8_t {
    write = 1,
    echo = 2,
};

inline constexpr std::size_t reply_size = 128 * 1024;

}  // namespace umd::sample
