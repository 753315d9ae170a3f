// fuzz/rpm/rpm_package_fuzz.cpp — the RPM handler's package parser on arbitrary bytes,
// as a whole file and as a prefix of a longer one; results must encode and decode back.
#include <cstddef>
#include <cstdint>

#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    umd::ByteView in(data, size);
    for (std::uint64_t file_size : {std::uint64_t{size}, std::uint64_t{size} + 4096}) {
        auto parsed = umd::rpm::parse_package(in, file_size);
        if (!parsed) continue;
        auto back = umd::rpm::decode(umd::rpm::encode(*parsed));
        if (!back || back->header != parsed->header || back->claims.size() != parsed->claims.size()) __builtin_trap();
    }
    return 0;
}
