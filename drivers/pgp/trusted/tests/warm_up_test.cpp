// drivers/pgp/trusted/tests/warm_up_test.cpp — warm_up() beside a verification
// changes no verdict (run under TSan by scripts/sanitize.sh), and leaves the
// digests a verification needs fetched.
#include <gtest/gtest.h>

#include <thread>

#include "drivers/pgp/trusted/algorithms.h"
#include "drivers/pgp/trusted/tests/peer.h"
#include "drivers/pgp/trusted/warm_up.h"

namespace umd::pgp {
namespace {

using namespace test;

TEST(WarmUp, VerdictsAreTheSameWithWarmUpsRunningBeside)
{
    Gpg gpg;
    std::string rsa = gpg.generate("rsa <r@example.org>", "rsa3072");
    std::string ed = gpg.generate("ed <e@example.org>", "ed25519");
    std::string data = gpg.file("data.txt");
    write_file(data, "Signed by two keys.\n");
    ASSERT_EQ(gpg.gpg("--local-user " + rsa + " --local-user " + ed + " --detach-sign --output " + gpg.file("data.sig") +
                      " " + data).status, 0);
    std::string tampered = gpg.file("tampered.txt");
    write_file(tampered, "Signed by two keys!\n");
    auto ring = keyring_from({gpg.export_key(rsa, "rsa.gpg"), gpg.export_key(ed, "ed.gpg")});
    ASSERT_TRUE(ring) << ring.error().message;

    for (int round = 0; round < 4; ++round) {
        std::jthread beside([] { warm_up(); });
        warm_up();   // on this thread too: both may build OpenSSL's tables at once
        auto good = verify_files(*ring, gpg.file("data.sig"), data);
        ASSERT_TRUE(good) << good.error().message;
        EXPECT_TRUE(good->valid());
        EXPECT_EQ(good->good_signers.size(), 2u);
        auto bad = verify_files(*ring, gpg.file("data.sig"), tampered);
        ASSERT_TRUE(bad) << bad.error().message;
        EXPECT_FALSE(bad->valid());
        EXPECT_EQ(bad->bad.size(), 2u);
    }
    for (std::uint8_t id : {hash::sha1, hash::sha256, hash::sha512})
        EXPECT_NE(fetched_digest(*hash_algorithm(id)), nullptr) << int(id);
}

}  // namespace
}  // namespace umd::pgp
