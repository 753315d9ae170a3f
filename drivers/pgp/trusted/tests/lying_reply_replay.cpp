// drivers/pgp/trusted/tests/lying_reply_replay.cpp — the lying-reply oracle of fuzz_pgp_lying_reply, in every test run.
//
// The fuzz target (fuzz/pgp_trusted/lying_reply_fuzz.cpp) aborts when a mutated
// reply about a real input does better than the honest reply. This runs the same
// target without libFuzzer over a fixed, deterministic set of lies: every byte of
// each honest reply changed in four ways, and every truncation at a record
// boundary's worth of steps. A crash or abort fails the test.
#include <cstdint>
#include <cstdio>
#include <vector>

extern "C" int LLVMFuzzerInitialize(int*, char***);
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace umd::pgp::test {
std::vector<std::vector<std::uint8_t>> lying_reply_seeds();
}

int main()
{
    LLVMFuzzerInitialize(nullptr, nullptr);
    std::size_t runs = 0;
    for (const auto& seed : umd::pgp::test::lying_reply_seeds()) {
        LLVMFuzzerTestOneInput(seed.data(), seed.size());
        for (std::size_t i = 2; i < seed.size(); ++i)
            for (std::uint8_t change : {0x01, 0x80, 0xFF, 0x00}) {
                std::vector<std::uint8_t> lie = seed;
                lie[i] = change == 0x00 ? 0 : static_cast<std::uint8_t>(lie[i] ^ change);
                LLVMFuzzerTestOneInput(lie.data(), lie.size());
                ++runs;
            }
        for (std::size_t cut = 2; cut < seed.size(); cut += 7) {
            LLVMFuzzerTestOneInput(seed.data(), cut);
            ++runs;
        }
    }
    std::printf("%zu lying replies judged, none better than the honest one\n", runs);
    return 0;
}
