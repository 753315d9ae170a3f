// drivers/rpm/tests/digest_set_test.cpp — the in-memory digest set: membership of
// every inserted digest and of none other, per algorithm, sizes, the all-zero
// digest, duplicates, corrupt keysand moves.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "drivers/rpm/trusted/claim_check.h"
#include "drivers/rpm/trusted/digest_set.h"

namespace umd::rpm {
namespace {

Bytes key(std::uint32_t algo, ByteView digest)
{
    Bytes k(1 + digest.size());
    k[0] = static_cast<std::uint8_t>(algo);
    std::copy(digest.begin(), digest.end(), k.begin() + 1);
    return k;
}

Bytes random_digest(std::mt19937_64& rng, std::size_t size)
{
    Bytes d(size);
    for (auto& b : d) b = static_cast<std::uint8_t>(rng());
    return d;
}

std::vector<ByteView> views(const std::vector<Bytes>& keys)
{
    return {keys.begin(), keys.end()};
}

TEST(DigestSet, HoldsEveryInsertedDigestAndNoOther)
{
    std::mt19937_64 rng(7);
    std::vector<Bytes> keys;
    std::set<Bytes> inserted;
    for (auto algo : {digest_algo::sha256, digest_algo::sha512, digest_algo::md5}) {
        const std::size_t n = algo == digest_algo::sha256 ? 20000 : 500;
        for (std::size_t i = 0; i < n; ++i) {
            keys.push_back(key(algo, random_digest(rng, digest_size(algo))));
            inserted.insert(keys.back());
        }
    }
    auto set = DigestSet::build(views(keys));
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_EQ(set->size(), keys.size());
    EXPECT_EQ(set->memory_bytes() % (std::size_t{2} << 20), 0u);
    for (const Bytes& k : keys) EXPECT_TRUE(set->contains(k[0], ByteView(k).subspan(1)));
    std::size_t false_hits = 0;
    for (int i = 0; i < 20000; ++i) {
        Bytes d = random_digest(rng, 32);
        false_hits += set->contains(digest_algo::sha256, d) && !inserted.contains(key(digest_algo::sha256, d));
    }
    EXPECT_EQ(false_hits, 0u);
    // The same bytes under another algorithm, or cut to another size, are not members.
    const Bytes& first = keys.front();
    EXPECT_FALSE(set->contains(digest_algo::sha384, ByteView(first).subspan(1)));
    EXPECT_FALSE(set->contains(digest_algo::sha256, ByteView(first).subspan(1, 31)));
    EXPECT_FALSE(set->contains(digest_algo::sha224, ByteView(first).subspan(1, 28)));
    EXPECT_FALSE(set->contains(99, ByteView(first).subspan(1)));
}

TEST(DigestSet, DigestsThatShareTheirFirstBytesAreToldApart)
{
    // The slot comes from the first 8 bytes: digests equal there collide on purpose.
    std::vector<Bytes> keys;
    for (int i = 0; i < 100; ++i) {
        Bytes d(32, 0xab);
        d[31] = static_cast<std::uint8_t>(i);
        keys.push_back(key(digest_algo::sha256, d));
    }
    auto set = DigestSet::build(views(keys));
    ASSERT_TRUE(set);
    for (const Bytes& k : keys) EXPECT_TRUE(set->contains(digest_algo::sha256, ByteView(k).subspan(1)));
    Bytes other(32, 0xab);
    other[31] = 200;
    EXPECT_FALSE(set->contains(digest_algo::sha256, other));
}

TEST(DigestSet, AllZeroDigestAndDuplicates)
{
    const Bytes zero = key(digest_algo::sha256, Bytes(32, 0));
    const Bytes one = key(digest_algo::sha256, Bytes(32, 1));
    auto without = DigestSet::build(views({one, one, one}));
    ASSERT_TRUE(without);
    EXPECT_EQ(without->size(), 1u);
    EXPECT_FALSE(without->contains(digest_algo::sha256, Bytes(32, 0)));   // the empty-slot pattern is not a member
    auto with = DigestSet::build(views({zero, one, zero}));
    ASSERT_TRUE(with);
    EXPECT_EQ(with->size(), 2u);
    EXPECT_TRUE(with->contains(digest_algo::sha256, Bytes(32, 0)));
    EXPECT_TRUE(with->contains(digest_algo::sha256, Bytes(32, 1)));
}

TEST(DigestSet, EmptySetHasNoMembers)
{
    auto set = DigestSet::build({});
    ASSERT_TRUE(set);
    EXPECT_EQ(set->size(), 0u);
    EXPECT_EQ(set->memory_bytes(), 0u);
    EXPECT_FALSE(set->contains(digest_algo::sha256, Bytes(32, 1)));
    EXPECT_FALSE(DigestSet{}.contains(digest_algo::sha256, Bytes(32, 1)));
}

TEST(DigestSet, CorruptKeysFailClosed)
{
    const Bytes good = key(digest_algo::sha256, Bytes(32, 1));
    for (const Bytes& bad : {Bytes{}, key(digest_algo::sha256, Bytes(31, 1)), key(digest_algo::sha256, Bytes(33, 1)),
                             key(7, Bytes(32, 1)), key(200, Bytes(32, 1))}) {
        auto set = DigestSet::build(views({good, bad}));
        ASSERT_FALSE(set);
        EXPECT_EQ(set.error().code, Errc::internal);
    }
}

TEST(DigestSet, SurvivesMoves)
{
    const Bytes one = key(digest_algo::sha256, Bytes(32, 1));
    auto built = DigestSet::build(views({one}));
    ASSERT_TRUE(built);
    DigestSet moved = std::move(*built);
    DigestSet assigned;
    assigned = std::move(moved);
    EXPECT_TRUE(assigned.contains(digest_algo::sha256, Bytes(32, 1)));
    EXPECT_FALSE(moved.contains(digest_algo::sha256, Bytes(32, 1)));   // NOLINT(bugprone-use-after-move): a moved-from set is empty
}

}  // namespace
}  // namespace umd::rpm
