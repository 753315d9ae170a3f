// Fingerprints and key IDs computed by the Manager from re-serialised fields
// must equal gpg's `--with-colons --fingerprint` for every algorithm gpg makes.
#include <gtest/gtest.h>

#include "drivers/pgp/trusted/key_material.h"
#include "drivers/pgp/trusted/tests/peer.h"

namespace umd::pgp::test {
namespace {

class Fingerprint : public ::testing::TestWithParam<const char*> {};

TEST_P(Fingerprint, MatchesGpgWithColons)
{
    Gpg gpg;
    std::string algo = GetParam();
    std::string fpr = gpg.generate("fpr-" + algo + " <f@example.org>", algo, "sign");
    // An encryption subkey exercises the raw-material path (ECDH, ElGamal).
    std::string enc = algo.rfind("rsa", 0) == 0 ? algo : algo == "ed25519" ? "cv25519" : algo == "dsa2048" ? "elg2048" : algo;
    gpg.add_subkey(fpr, enc, "encr");
    auto expected = gpg.colon_fingerprints(fpr);
    ASSERT_EQ(expected.size(), 2u);
    auto ring = keyring_from({gpg.export_key(fpr, "key.gpg")});
    ASSERT_TRUE(ring) << ring.error().message;
    ASSERT_EQ(ring->certificates().size(), 1u);
    const auto& cert = ring->certificates()[0];
    EXPECT_EQ(hex_upper(cert.primary.fingerprint), expected[0]);
    ASSERT_EQ(cert.subkeys.size(), 1u);
    EXPECT_EQ(hex_upper(cert.subkeys[0].fingerprint), expected[1]);
    EXPECT_EQ(hex_upper(cert.primary.key_id), expected[0].substr(24));
    EXPECT_EQ(cert.user_ids.size(), 1u) << "self-certification should verify";
}

INSTANTIATE_TEST_SUITE_P(Gpg, Fingerprint,
                         ::testing::Values("rsa2048", "dsa2048", "nistp256", "nistp384", "nistp521",
                                           "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "ed25519"));

}  // namespace
}  // namespace umd::pgp::test
