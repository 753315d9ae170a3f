// drivers/sample/trusted/sample.cpp — the sample driver's Manager side (trusted).
#include "sample.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "../protocol.h"

namespace umd::sample {
namespace {

bool overlap(ByteView a, std::span<const std::uint8_t> b)
{
    // std::less gives a total order even on pointers into different objects.
    std::less<const std::uint8_t*> before;
    return !a.empty() && !b.empty() && before(a.data(), b.data() + b.size()) && before(b.data(), a.data() + a.size());
}

}  // namespace

Status write(Driver& driver, std::uint64_t offset)
{
    if (offset >= reply_size) return fail(Errc::invalid_argument, "offset {} is out of range 0..{}", offset, reply_size - 1);
    ByteWriter request;
    request.u32(static_cast<std::uint32_t>(offset));
    auto reply = UMD_TRY(driver.send_recv(static_cast<std::uint8_t>(Request::write), request.data()));
    const Bytes& got = reply.payload;
    if (got.size() != reply_size)
        return fail(Errc::rejected, "reply has {} bytes, expected {}", got.size(), reply_size);
    if (got[offset] != 1) return fail(Errc::rejected, "byte {} of the reply is {}, expected 1", offset, got[offset]);
    auto stray = std::find_if(got.begin(), got.end(), [&, i = std::size_t{0}](std::uint8_t b) mutable { return i++ != offset && b != 0; });
    if (stray != got.end()) return fail(Errc::rejected, "byte {} of the reply is set, only byte {} may be", stray - got.begin(), offset);
    return {};
}

Status echo_into(Driver& driver, ByteView data, std::span<std::uint8_t> out)
{
    if (out.size() < data.size())
        return fail(Errc::invalid_argument, "an echo of {} bytes needs a buffer of as many, not {}", data.size(), out.size());
    if (overlap(data, out)) return fail(Errc::invalid_argument, "the echo's buffer overlaps the data it echoes");
    auto reply = UMD_TRY(driver.send_recv_into(static_cast<std::uint8_t>(Request::echo), data, out));
    // One memcmp over the reply, not a loop over its bytes.
    if (reply.size != data.size() || (!data.empty() && std::memcmp(out.data(), data.data(), data.size()) != 0))
        return fail(Errc::rejected, "echo reply of {} bytes differs from the {} bytes sent", reply.size, data.size());
    return {};
}

Result<Bytes> echo(Driver& driver, ByteView data)
{
    Bytes out(data.size());
    UMD_TRY(echo_into(driver, data, out));
    return out;
}

}  // namespace umd::sample
