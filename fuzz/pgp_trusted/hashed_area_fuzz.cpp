// Fuzzes the bounded walk of a signature's hashed subpacket area. Trusted side.
#include <cstdint>
#include <cstdlib>

#include "drivers/pgp/trusted/subpackets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto facts = umd::pgp::walk_hashed_area(umd::ByteView(data, size));
    if (facts) {
        for (const auto& f : facts->issuer_fingerprints)
            if (f.size() != 20 && f.size() != 32) std::abort();
        for (const auto& id : facts->issuer_key_ids)
            if (id.size() != 8) std::abort();
    }
    return 0;
}
