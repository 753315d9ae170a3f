// fuzz/rpm/rpm_reply_fuzz.cpp — the Manager's validation of an arbitrary (hostile) RPM
// handler reply: bounded decode, then the verdict with a signature check that accepts
// everything, so the claim checks run on whatever the reply holds.
#include <cstddef>
#include <cstdint>

#include "drivers/rpm/protocol.h"
#include "drivers/rpm/trusted/package_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto parsed = umd::rpm::decode(umd::ByteView(data, size));
    if (!parsed) return 0;
    auto accept = [](umd::ByteView, std::span<const umd::rpm::SignaturePacket>) -> umd::Result<std::string> { return std::string("X"); };
    (void)umd::rpm::verify_parsed(*parsed, accept);
    (void)umd::rpm::inspect_parsed(*parsed);
    return 0;
}
