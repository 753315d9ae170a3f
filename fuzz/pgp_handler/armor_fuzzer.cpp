// fuzz/pgp_handler/armor_fuzzer.cpp — ASCII armor and radix-64 decoding on arbitrary text (handler side).
#include <cstddef>
#include <cstdint>

#include "drivers/pgp/handler/armor.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto blocks = umd::pgp::parser::dearmor(text);
    if (blocks) {
        // Decoded data can never be larger than the text it came from.
        std::size_t total = 0;
        for (const auto& b : *blocks) total += b.data.size();
        if (total > size) __builtin_trap();
    }
    (void)umd::pgp::parser::decode_radix64(text);
    return 0;
}
