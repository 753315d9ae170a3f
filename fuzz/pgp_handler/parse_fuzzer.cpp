// fuzz/pgp_handler/parse_fuzzer.cpp — the whole handler path: input → Parsed → encoded reply.
#include <cstddef>
#include <cstdint>

#include "drivers/pgp/handler/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    umd::pgp::parser::ParseLimits limits;
    limits.message.max_decompressed = 16u << 20;   // keep each run small; the bound itself is what is tested
    auto parsed = umd::pgp::parser::parse(umd::ByteView(data, size), limits);
    if (parsed) {
        if (umd::pgp::parser::count_records(*parsed) > umd::pgp::Limits::max_records) __builtin_trap();
        umd::Bytes reply = umd::pgp::encode(*parsed);
        if (reply.empty()) __builtin_trap();
    }
    return 0;
}
