// src/libcrypto/tests/libcrypto_test.cpp — libcrypto loaded on first use through the
// table (trusted side). This program does not link libcrypto: the table is its only
// way in, as in `umd`.
#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "src/libcrypto/libcrypto.h"

namespace umd::libcrypto {
namespace {

// First in this file, so libcrypto is not loaded yet: callers racing for the first
// load all get the one table (TSan checks the hand-over).
TEST(Libcrypto, FirstUsersRacingGetOneTable)
{
    EXPECT_TRUE(set_init_options(OPENSSL_INIT_NO_LOAD_CONFIG)) << "nothing has loaded it yet";
    std::array<const Functions*, 4> seen{};
    {
        std::array<std::jthread, 3> others;
        for (std::size_t i = 0; i < others.size(); ++i)
            others[i] = std::jthread([&seen, i] { seen[i] = &functions(); });
        auto here = load();
        ASSERT_TRUE(here) << here.error().message;
        seen[3] = *here;
    }
    for (const Functions* table : seen) EXPECT_EQ(table, seen[3]);
    EXPECT_FALSE(set_init_options(0)) << "options only count before the load";
}

TEST(Libcrypto, EveryFunctionIsThereAndWorks)
{
    const Functions& f = functions();
#define UMD_LIBCRYPTO_CHECK(name) EXPECT_NE(f.name, nullptr) << #name;
    UMD_LIBCRYPTO_FUNCTIONS(UMD_LIBCRYPTO_CHECK)
#undef UMD_LIBCRYPTO_CHECK
    // SHA-256 of "abc" (FIPS 180-2, appendix B.1) through the table.
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    const unsigned char abc[] = {'a', 'b', 'c'};
    ASSERT_EQ(f.EVP_Digest(abc, sizeof abc, digest, &size, f.EVP_sha256(), nullptr), 1);
    ASSERT_EQ(size, 32u);
    EXPECT_EQ(digest[0], 0xBA);
    EXPECT_EQ(digest[31], 0xAD);
}

}  // namespace
}  // namespace umd::libcrypto
