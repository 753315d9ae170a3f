// fuzz/rpm/rpm_claims_fuzz.cpp — the Manager's claim checker on an arbitrary header blob
// with arbitrary claims. Input: one byte n (claims), n × 21 claim bytes, then the blob.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "drivers/rpm/trusted/claim_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) return 0;
    umd::ByteReader r(umd::ByteView(data + 1, size - 1));
    std::vector<umd::rpm::Claim> claims;
    for (unsigned i = 0; i < data[0] % 16; ++i) {
        auto f = r.u8();
        auto index = r.u32(), tag = r.u32(), type = r.u32(), count = r.u32(), offset = r.u32();
        if (!f || !index || !tag || !type || !count || !offset) return 0;
        claims.push_back({static_cast<umd::rpm::Field>(*f % 16), *index % 64, *tag, *type, *count, *offset});
    }
    auto blob = r.bytes(r.remaining());
    (void)umd::rpm::check_claims(*blob, claims);
    return 0;
}
