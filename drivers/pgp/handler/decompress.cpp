// drivers/pgp/handler/decompress.cpp — zlib / libbz2 with an output budget (handler side).
#include "drivers/pgp/handler/decompress.h"

#include <bzlib.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace umd::pgp::parser {
namespace {

constexpr std::size_t chunk = 64 * 1024;

auto over_budget(std::size_t limit)
{
    return fail(Errc::bad_input, "compressed data expands beyond the limit of {} bytes", limit);
}

struct InflateEnd {
    void operator()(z_stream* s) const { inflateEnd(s); }
};
struct Bz2End {
    void operator()(bz_stream* s) const { BZ2_bzDecompressEnd(s); }
};

Result<Bytes> inflate_all(ByteView data, bool raw, std::size_t& budget)
{
    z_stream zs{};
    if (inflateInit2(&zs, raw ? -15 : 15) != Z_OK) return fail(Errc::bad_input, "cannot initialise inflate");
    std::unique_ptr<z_stream, InflateEnd> guard(&zs);
    // zlib counts in uInt; feed at most UINT_MAX bytes at a time.
    std::size_t fed = 0;
    Bytes out;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        if (zs.avail_in == 0 && fed < data.size()) {
            const std::size_t n = std::min<std::size_t>(data.size() - fed, UINT_MAX);
            zs.next_in = const_cast<Bytef*>(data.data() + fed);
            zs.avail_in = static_cast<uInt>(n);
            fed += n;
        }
        if (out.size() >= budget) return over_budget(budget);
        const std::size_t room = std::min(chunk, budget - out.size());
        const std::size_t old = out.size();
        out.resize(old + room);
        zs.next_out = out.data() + old;
        zs.avail_out = static_cast<uInt>(room);
        rc = inflate(&zs, Z_NO_FLUSH);
        out.resize(old + room - zs.avail_out);
        if (rc == Z_STREAM_END) break;
        if (rc == Z_BUF_ERROR && zs.avail_in == 0 && fed >= data.size())
            return fail(Errc::bad_input, "compressed data is truncated");
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return fail(Errc::bad_input, "compressed data is corrupt ({})", zs.msg ? zs.msg : "inflate error");
    }
    budget -= out.size();
    return out;
}

Result<Bytes> bunzip_all(ByteView data, std::size_t& budget)
{
    bz_stream bs{};
    if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK) return fail(Errc::bad_input, "cannot initialise bzip2");
    std::unique_ptr<bz_stream, Bz2End> guard(&bs);
    std::size_t fed = 0;
    Bytes out;
    int rc = BZ_OK;
    while (rc != BZ_STREAM_END) {
        if (bs.avail_in == 0 && fed < data.size()) {
            const std::size_t n = std::min<std::size_t>(data.size() - fed, UINT_MAX);
            bs.next_in = const_cast<char*>(reinterpret_cast<const char*>(data.data() + fed));
            bs.avail_in = static_cast<unsigned>(n);
            fed += n;
        }
        if (out.size() >= budget) return over_budget(budget);
        const std::size_t room = std::min(chunk, budget - out.size());
        const std::size_t old = out.size();
        out.resize(old + room);
        bs.next_out = reinterpret_cast<char*>(out.data() + old);
        bs.avail_out = static_cast<unsigned>(room);
        rc = BZ2_bzDecompress(&bs);
        out.resize(old + room - bs.avail_out);
        if (rc == BZ_STREAM_END) break;
        if (rc != BZ_OK) return fail(Errc::bad_input, "bzip2 data is corrupt (error {})", rc);
        // No progress possible: input exhausted without the end of stream.
        if (bs.avail_in == 0 && fed >= data.size() && bs.avail_out != 0)
            return fail(Errc::bad_input, "bzip2 data is truncated");
    }
    budget -= out.size();
    return out;
}

}  // namespace

Result<Bytes> decompress(std::uint8_t algorithm, ByteView data, std::size_t& budget)
{
    switch (static_cast<Compression>(algorithm)) {
    case Compression::uncompressed:
        if (data.size() > budget) return over_budget(budget);
        budget -= data.size();
        return Bytes(data.begin(), data.end());
    case Compression::zip: return inflate_all(data, true, budget);
    case Compression::zlib: return inflate_all(data, false, budget);
    case Compression::bzip2: return bunzip_all(data, budget);
    }
    return fail(Errc::bad_input, "unknown compression algorithm {}", algorithm);
}

}  // namespace umd::pgp::parser
