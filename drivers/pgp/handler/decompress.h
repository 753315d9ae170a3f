// drivers/pgp/handler/decompress.h — bounded decompression of compressed data packets.
//
// Untrusted side (handler). ZIP (raw deflate), ZLIB and BZip2 (RFC 9580 §5.6)
// via zlib and libbz2. The output is bounded by a byte budget shared by all
// compressed packets of one input, so a decompression bomb stops at the limit
// with a clear error instead of exhausting memory.
#pragma once

#include <cstdint>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::pgp::parser {

enum class Compression : std::uint8_t { uncompressed = 0, zip = 1, zlib = 2, bzip2 = 3 };

/// Decompresses `data` with `algorithm`; fails when the output would exceed
/// `budget` bytes, and subtracts what it produced from `budget`.
Result<Bytes> decompress(std::uint8_t algorithm, ByteView data, std::size_t& budget);

}  // namespace umd::pgp::parser
