// Fuzzes decode(): any handler reply must decode or fail with Errc::protocol,
// never crash, overrun or allocate beyond the payload. Trusted side.
#include <cstdint>
#include <cstdlib>

#include "drivers/pgp/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto parsed = umd::pgp::decode(umd::ByteView(data, size));
    if (!parsed && parsed.error().code != umd::Errc::protocol) std::abort();
    return 0;
}
