// Tests of the primary key's bindings verified on demand (trusted side).
//
// find() leaves the primary key's own bindings unverified and
// Keyring::usable_for_signing() verifies, newest first, only those that can
// decide the answer at a signature's time. These tests check, against gpg-made
// keys whose expiry a newer self-signature changed, that the verdicts are those
// of a keyring whose every self-signature was verified first, and sqv's.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <utility>

#include "peer.h"

namespace umd::pgp::test {
namespace {

constexpr std::int64_t day = 86400;

std::string at(std::int64_t t) { return "--faked-system-time " + std::to_string(t) + "! "; }

/// The verdict of `sig` with a keyring used lazily, and with one completed first.
struct Both {
    bool lazy;
    bool complete;
};

Both verdicts(const std::string& key, const std::string& sig, const std::string& data)
{
    auto lazy_ring = keyring_from({key});
    auto complete_ring = keyring_from({key});
    EXPECT_TRUE(lazy_ring && complete_ring);
    if (!lazy_ring || !complete_ring) return {false, true};
    (void)complete_ring->certificates();   // every self-signature verified before the first use
    auto lazy = verify_files(*lazy_ring, sig, data);
    auto complete = verify_files(*complete_ring, sig, data);
    EXPECT_TRUE(lazy && complete);
    if (!lazy || !complete) return {false, true};
    return {lazy->valid(), complete->valid()};
}

TEST(BindingOrder, ExpiryExtendedByANewerSelfSignature)
{
    Gpg gpg;
    const std::int64_t now = std::time(nullptr);
    // Made 3 days ago to expire after one day; 1.5 days ago its expiry was removed.
    std::string fpr = gpg.generate("Extended <x@example.org>", "ed25519", "sign", "1d", at(now - 3 * day));
    std::string data = gpg.file("d.txt");
    write_file(data, "extended\n");
    std::string before = gpg.file("before.sig"), after = gpg.file("after.sig");
    ASSERT_EQ(gpg.gpg(at(now - 5 * day / 2) + "--local-user " + fpr + " --detach-sign --output " + before + " " + data).status, 0);
    ASSERT_EQ(gpg.gpg(at(now - 3 * day / 2) + "--quick-set-expire " + fpr + " 0").status, 0);
    ASSERT_EQ(gpg.gpg(at(now - day) + "--local-user " + fpr + " --detach-sign --output " + after + " " + data).status, 0);
    std::string key = gpg.export_key(fpr, "key.gpg");

    // gpg exports only the newest self-signature of the user ID, so before the
    // extension nothing binds the key: `before` is not valid, for sqv either.
    bool before_valid = sqv_accepts(key, before, data);
    bool after_valid = sqv_accepts(key, after, data);
    EXPECT_TRUE(after_valid);
    for (const auto& [sig, expected] : {std::pair{before, before_valid}, std::pair{after, after_valid}}) {
        Both b = verdicts(key, sig, data);
        EXPECT_EQ(b.lazy, b.complete) << sig;
        EXPECT_EQ(b.lazy, expected) << sig;
    }
    // One lazy keyring asked at both times, in both orders: the second question
    // verifies what the first one left.
    for (bool after_first : {false, true}) {
        auto ring = keyring_from({key});
        ASSERT_TRUE(ring);
        auto v1 = verify_files(*ring, after_first ? after : before, data);
        auto v2 = verify_files(*ring, after_first ? before : after, data);
        ASSERT_TRUE(v1 && v2);
        EXPECT_EQ(v1->valid(), after_first ? after_valid : before_valid);
        EXPECT_EQ(v2->valid(), after_first ? before_valid : after_valid);
    }
}

TEST(BindingOrder, ExpiryShortenedByANewerSelfSignature)
{
    Gpg gpg;
    const std::int64_t now = std::time(nullptr);
    // Made 3 days ago without expiry; 2 days ago set to expire one day later.
    std::string fpr = gpg.generate("Shortened <s@example.org>", "ed25519", "sign", "never", at(now - 3 * day));
    std::string data = gpg.file("d.txt");
    write_file(data, "shortened\n");
    std::string early = gpg.file("early.sig"), late = gpg.file("late.sig");
    ASSERT_EQ(gpg.gpg(at(now - 5 * day / 2) + "--local-user " + fpr + " --detach-sign --output " + early + " " + data).status, 0);
    ASSERT_EQ(gpg.gpg(at(now - 2 * day) + "--quick-set-expire " + fpr + " 1d").status, 0);
    // Made now, after the newer binding's expiry: gpg may refuse; if it signs, nobody may accept.
    gpg.gpg("--ignore-time-conflict --local-user " + fpr + " --detach-sign --output " + late + " " + data);
    std::string key = gpg.export_key(fpr, "key.gpg");

    Both b = verdicts(key, early, data);
    EXPECT_EQ(b.lazy, b.complete);
    EXPECT_EQ(b.lazy, sqv_accepts(key, early, data));
    if (std::filesystem::exists(late)) {
        Both l = verdicts(key, late, data);
        EXPECT_FALSE(l.lazy);
        EXPECT_FALSE(l.complete);
        EXPECT_FALSE(sqv_accepts(key, late, data));
    }
}

// A real keyring with several bindings per primary key (direct-key signatures
// made in the same second, a user ID self-certification stating the flags).
TEST(BindingOrder, DebianArchiveKeyringSameVerdicts)
{
    const std::string keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    const std::string release = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease";
    if (!std::filesystem::exists(keyring) || !std::filesystem::exists(release))
        GTEST_SKIP() << "no Debian archive keyring or bookworm InRelease on this machine";
    auto msg = parse_file(release);
    ASSERT_TRUE(msg);
    auto lazy_ring = keyring_from({keyring});
    auto complete_ring = keyring_from({keyring});
    ASSERT_TRUE(lazy_ring && complete_ring);
    (void)complete_ring->certificates();
    auto lazy = verify_message(*lazy_ring, *msg, {}, nullptr);
    auto complete = verify_message(*complete_ring, *msg, {}, nullptr);
    ASSERT_TRUE(lazy && complete);
    EXPECT_EQ(lazy->good_signers, complete->good_signers);
    EXPECT_EQ(lazy->bad.size(), complete->bad.size());
    EXPECT_TRUE(lazy->valid());
    // Completed after a lazy use, the keyring describes what a fresh one does.
    const auto& after = lazy_ring->certificates();
    const auto& fresh = complete_ring->certificates();
    ASSERT_EQ(after.size(), fresh.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].primary.bindings.size(), fresh[i].primary.bindings.size());
        EXPECT_EQ(after[i].user_ids, fresh[i].user_ids);
        EXPECT_EQ(after[i].rejected_signatures.size(), fresh[i].rejected_signatures.size());
    }
}

}  // namespace
}  // namespace umd::pgp::test
