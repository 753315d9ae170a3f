// drivers/sample/trusted/sample.cpp — the sample driver's Manager side (trusted).
#include "sample.h"

#include <algorithm>

#include "../protocol.h"

namespace umd::sample {

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

Result<Bytes> echo(Driver& driver, ByteView data)
{
    auto reply = UMD_TRY(driver.send_recv(static_cast<std::uint8_t>(Request::echo), data));
    if (!std::equal(reply.payload.begin(), reply.payload.end(), data.begin(), data.end()))
        return fail(Errc::rejected, "echo reply of {} bytes differs from the {} bytes sent", reply.payload.size(), data.size());
    return std::move(reply.payload);
}

}  // namespace umd::sample
