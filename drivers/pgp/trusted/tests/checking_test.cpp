// drivers/pgp/trusted/tests/checking_test.cpp — checking the signatures of one input
// also on another CPU gives exactly the verdict of checking them one after another
// (same good signers in the same order, same bad ones with the same reasons). Run
// under TSan by scripts/sanitize.sh: two threads share the keyring and its lazily
// verified certificates.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <gtest/gtest.h>

#include "drivers/pgp/trusted/tests/peer.h"

namespace umd::pgp {
namespace {

using namespace test;

void expect_same(const Verdict& a, const Verdict& b)
{
    EXPECT_EQ(a.good_signers, b.good_signers);
    ASSERT_EQ(a.bad.size(), b.bad.size());
    for (std::size_t i = 0; i < a.bad.size(); ++i) {
        EXPECT_EQ(a.bad[i].issuer, b.bad[i].issuer);
        EXPECT_EQ(a.bad[i].reason, b.bad[i].reason);
    }
    EXPECT_EQ(a.valid(), b.valid());
}

TEST(Checking, AlsoOnAnotherCpuGivesTheSameVerdict)
{
    Gpg gpg;
    std::string rsa = gpg.generate("rsa <r@example.org>", "rsa3072");
    std::string ed = gpg.generate("ed <e@example.org>", "ed25519");
    std::string p256 = gpg.generate("p256 <p@example.org>", "nistp256");
    std::string stranger = gpg.generate("not in the ring <n@example.org>", "ed25519");
    std::string data = gpg.file("data.txt"), tampered = gpg.file("tampered.txt");
    write_file(data, "Signed by four keys, one of them unknown.\n");
    write_file(tampered, "Signed by four keys, one of them unknown!\n");
    std::string users = " --local-user " + rsa + " --local-user " + ed + " --local-user " + stranger + " --local-user " + p256;
    // The same signers twice over: a certificate judged by two threads at once.
    ASSERT_EQ(gpg.gpg(users + " --detach-sign --output " + gpg.file("a.sig") + " " + data).status, 0);
    ASSERT_EQ(gpg.gpg(users + " --detach-sign --output " + gpg.file("b.sig") + " " + data).status, 0);
    std::string both = gpg.file("both.sig");
    write_file(both, read_file(gpg.file("a.sig")) + read_file(gpg.file("b.sig")));

    for (int round = 0; round < 5; ++round) {
        // A fresh keyring each round: the bindings are verified lazily, by whichever thread comes first.
        auto ring = keyring_from({gpg.export_key(rsa, "rsa.gpg"), gpg.export_key(ed, "ed.gpg"), gpg.export_key(p256, "p.gpg")});
        ASSERT_TRUE(ring) << ring.error().message;
        for (const std::string& file : {data, tampered}) {
            auto sig = parse_file(both);
            ASSERT_TRUE(sig) << sig.error().message;
            ASSERT_EQ(sig->signatures.size(), 8u);
            int fd_here = ::open(file.c_str(), O_RDONLY | O_CLOEXEC), fd_beside = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
            ASSERT_GE(fd_here, 0);
            ASSERT_GE(fd_beside, 0);
            auto beside = verify_detached(*ring, *sig, fd_beside, {}, Checking::also_on_another_cpu);
            auto here = verify_detached(*ring, *sig, fd_here, {}, Checking::on_this_thread);
            ::close(fd_here);
            ::close(fd_beside);
            ASSERT_TRUE(here) << here.error().message;
            ASSERT_TRUE(beside) << beside.error().message;
            expect_same(*here, *beside);
            if (file == data) {
                EXPECT_TRUE(here->valid());
                auto signers = here->good_signers;
                std::ranges::sort(signers);
                std::vector<std::string> expected{rsa, ed, p256};
                std::ranges::sort(expected);
                EXPECT_EQ(signers, expected);
                EXPECT_EQ(here->bad.size(), 2u) << "the unknown signer, twice";
            } else {
                EXPECT_FALSE(here->valid());
                EXPECT_EQ(here->bad.size(), 8u);
            }
        }
    }
}

}  // namespace
}  // namespace umd::pgp
