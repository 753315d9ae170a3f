// fuzz/rpm/rpm_reply_fuzz.cpp — the Manager's validation of an arbitrary (hostile) RPM
// handler reply: bounded decode, then the verdict with a signature check that accepts
// everything. The file the verdict is tied to is built around the reply's own header
// blob (a fixed lead and signature header, so the main header is at a fixed offset the
// fuzzer can learn, then a short payload), so the claim checks run on whatever it holds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "drivers/rpm/protocol.h"
#include "drivers/rpm/trusted/package_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto parsed = umd::rpm::decode(umd::ByteView(data, size));
    if (!parsed) return 0;
    // Lead (96 bytes) + an empty signature header (16-byte intro, il = dl = 0) → main header at 112.
    umd::Bytes file(96 + 16, 0);
    const std::uint8_t lead[] = {0xed, 0xab, 0xee, 0xdb, 3};
    std::copy(std::begin(lead), std::end(lead), file.begin());
    file[79] = 5;
    const std::uint8_t magic[] = {0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0};
    std::copy(std::begin(magic), std::end(magic), file.begin() + 96);
    file.insert(file.end(), parsed->header.begin(), parsed->header.end());
    file.insert(file.end(), {'p', 'a', 'y', 'l', 'o', 'a', 'd'});
    const auto source = umd::rpm::PackageSource::memory(file);
    auto accept = [](umd::ByteView, std::span<const umd::rpm::SignaturePacket>) -> umd::Result<std::string> { return std::string("X"); };
    (void)umd::rpm::verify_parsed(*parsed, source, accept);
    (void)umd::rpm::inspect_parsed(*parsed, source);
    return 0;
}
