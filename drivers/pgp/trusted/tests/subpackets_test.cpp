// Tests of the hashed-area walk (trusted side): bounds, lengths, critical bits.
#include <gtest/gtest.h>

#include "drivers/pgp/trusted/subpackets.h"

namespace umd::pgp {
namespace {

TEST(Subpackets, ReadsCreationExpirationFlagsAndIssuer)
{
    Bytes area = {5, 2, 0x60, 0, 0, 1,          // creation time
                  5, 3, 0, 0, 0, 10,            // signature expiration 10 s
                  5, 9, 0, 1, 0, 0,             // key expiration
                  2, 27, 0x03,                  // key flags C+S
                  22, 33, 4};                   // issuer fingerprint v4
    for (int i = 0; i < 20; ++i) area.push_back(static_cast<std::uint8_t>(i));
    auto facts = walk_hashed_area(area);
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_EQ(*facts->created, 0x60000001u);
    EXPECT_EQ(*facts->expires_after, 10u);
    EXPECT_EQ(*facts->key_expires_after, 0x00010000u);
    EXPECT_EQ(*facts->key_flags, 0x03);
    ASSERT_EQ(facts->issuer_fingerprints.size(), 1u);
    EXPECT_EQ(facts->issuer_fingerprints[0].size(), 20u);
}

TEST(Subpackets, TwoAndFiveOctetLengths)
{
    Bytes area = {192, 0, 20};   // 2-octet length 192: type 20 (notation, not critical) + 191 bytes
    area.resize(area.size() + 191, 0);
    area.insert(area.end(), {255, 0, 0, 0, 5, 2, 1, 2, 3, 4});
    auto facts = walk_hashed_area(area);
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_EQ(*facts->created, 0x01020304u);
}

TEST(Subpackets, RejectsOverrunsAndTruncation)
{
    EXPECT_FALSE(walk_hashed_area(Bytes{6, 2, 0, 0, 0, 1}));     // length past the end
    EXPECT_FALSE(walk_hashed_area(Bytes{0}));                    // zero length
    EXPECT_FALSE(walk_hashed_area(Bytes{200}));                  // truncated 2-octet length
    EXPECT_FALSE(walk_hashed_area(Bytes{255, 0, 0}));            // truncated 5-octet length
    EXPECT_FALSE(walk_hashed_area(Bytes{255, 0xFF, 0xFF, 0xFF, 0xFF, 2}));
    EXPECT_FALSE(walk_hashed_area(Bytes{4, 2, 0, 0, 1}));        // creation time of 3 bytes
    EXPECT_FALSE(walk_hashed_area(Bytes{5, 2, 0, 0, 0, 1, 5, 2, 0, 0, 0, 2}));   // two creation times
    EXPECT_TRUE(walk_hashed_area(Bytes{}));
}

TEST(Subpackets, UnknownCriticalIsRejectedUnknownPlainIgnored)
{
    EXPECT_TRUE(walk_hashed_area(Bytes{2, 100, 0}));
    EXPECT_FALSE(walk_hashed_area(Bytes{2, 0x80 | 100, 0}));
    EXPECT_FALSE(walk_hashed_area(Bytes{2, 0x80 | 20, 0}));      // critical notation: not understood
    EXPECT_TRUE(walk_hashed_area(Bytes{2, 0x80 | 27, 1}));       // critical key flags: understood
}

}  // namespace
}  // namespace umd::pgp
