// Verification of signatures made by Sequoia's sq (v4 EdDSA legacy and RSA keys,
// signing subkeys with back-signatures), with verdicts compared to sqv's.
#include <gtest/gtest.h>

#include "drivers/pgp/trusted/tests/peer.h"

namespace umd::pgp::test {
namespace {

class Sq {
public:
    /// Runs sq with HOME in the temp dir, so no user state is read or written.
    Run sq(const std::string& args) const { return run("HOME='" + dir_.path().string() + "' sq " + args + " 2>/dev/null"); }
    std::string file(const std::string& name) const { return dir_.file(name); }
    /// Generates a key; returns the path of its certificate.
    std::string generate(const std::string& suite, const std::string& extra = "")
    {
        if (sq("key generate --userid '<" + suite + "@example.org>' --cipher-suite " + suite + " " + extra +
               " --export '" + file("key.pgp") + "'").status != 0)
            throw std::runtime_error("sq key generate failed");
        std::string cert = file("cert.pgp");
        sq("key extract-cert --output '" + cert + "' '" + file("key.pgp") + "'");
        return cert;
    }

private:
    TempDir dir_;
};

class SqSignature : public ::testing::TestWithParam<const char*> {};

TEST_P(SqSignature, DetachedCleartextInlineAgreeWithSqv)
{
    Sq sq;
    std::string cert = sq.generate(GetParam());
    std::string data = sq.file("data.txt");
    write_file(data, "Signed by sq.\r\nWith a CR LF line.\n");
    std::string key = sq.file("key.pgp");
    ASSERT_EQ(sq.sq("sign --detached --signer-key '" + key + "' --output '" + sq.file("d.asc") + "' '" + data + "'").status, 0);
    ASSERT_EQ(sq.sq("sign --detached --binary --signer-key '" + key + "' --output '" + sq.file("d.sig") + "' '" + data + "'").status, 0);
    ASSERT_EQ(sq.sq("sign --cleartext-signature --signer-key '" + key + "' --output '" + sq.file("c.asc") + "' '" + data + "'").status, 0);
    ASSERT_EQ(sq.sq("sign --signer-key '" + key + "' --output '" + sq.file("i.pgp") + "' '" + data + "'").status, 0);

    auto ring = keyring_from({cert});
    ASSERT_TRUE(ring) << ring.error().message;
    for (std::string sig : {sq.file("d.asc"), sq.file("d.sig")}) {
        auto verdict = verify_files(*ring, sig, data);
        ASSERT_TRUE(verdict) << verdict.error().message;
        EXPECT_TRUE(verdict->valid()) << verdict->status().error().message;
        EXPECT_TRUE(sqv_accepts(cert, sig, data));
    }
    std::string tampered = sq.file("t.txt");
    write_file(tampered, "Signed by sq.\nWith a CR LF line.\n");
    EXPECT_FALSE(verify_files(*ring, sq.file("d.sig"), tampered)->valid());
    EXPECT_FALSE(sqv_accepts(cert, sq.file("d.sig"), tampered));

    for (std::string msg : {sq.file("c.asc"), sq.file("i.pgp")}) {
        auto parsed = parse_file(msg);
        ASSERT_TRUE(parsed) << parsed.error().message;
        Bytes out;
        auto verdict = verify_message(*ring, *parsed, {}, &out);
        ASSERT_TRUE(verdict) << verdict.error().message;
        EXPECT_TRUE(verdict->valid()) << msg << ": " << verdict->status().error().message;
        // sq verify agrees on the message.
        EXPECT_EQ(sq.sq("verify --signer-cert '" + cert + "' '" + msg + "' >/dev/null").status, 0);
    }
}

INSTANTIATE_TEST_SUITE_P(Suites, SqSignature, ::testing::Values("cv25519", "rsa3k"));

TEST(SqKeys, RevocationCertificateRevokes)
{
    Sq sq;
    std::string cert = sq.generate("cv25519");
    std::string data = sq.file("d.txt");
    write_file(data, "revoked later\n");
    ASSERT_EQ(sq.sq("sign --detached --signer-key '" + sq.file("key.pgp") + "' --output '" + sq.file("d.sig") + "' '" + data + "'").status, 0);
    auto ring = keyring_from({cert});
    ASSERT_TRUE(ring);
    EXPECT_TRUE(verify_files(*ring, sq.file("d.sig"), data)->valid());
    // sq writes the revocation as a bare signature; appended to the certificate it is a key revocation.
    ASSERT_EQ(sq.sq("dearmor --output '" + sq.file("cert.bin") + "' '" + cert + "'").status, 0);
    ASSERT_EQ(sq.sq("dearmor --output '" + sq.file("rev.bin") + "' '" + sq.file("key.pgp.rev") + "'").status, 0);
    std::string revoked_cert = sq.file("revoked.pgp");
    write_file(revoked_cert, read_file(sq.file("cert.bin")) + read_file(sq.file("rev.bin")));
    auto revoked = keyring_from({revoked_cert});
    ASSERT_TRUE(revoked) << revoked.error().message;
    auto verdict = verify_files(*revoked, sq.file("d.sig"), data);
    ASSERT_TRUE(verdict);
    EXPECT_FALSE(verdict->valid());
    EXPECT_FALSE(sqv_accepts(revoked_cert, sq.file("d.sig"), data));
    // The same revocation split over two keyring files: certificates are merged by fingerprint.
    auto split = keyring_from({cert, revoked_cert});
    ASSERT_TRUE(split);
    EXPECT_EQ(split->certificates().size(), 1u);
    EXPECT_FALSE(verify_files(*split, sq.file("d.sig"), data)->valid());
}

TEST(SqKeys, ExpiredSignatureIsRejected)
{
    Sq sq;
    std::string cert = sq.generate("cv25519");
    std::string data = sq.file("d.txt");
    write_file(data, "old\n");
    // Signed two days ago; Sequoia signatures do not expire by default, so the
    // policy's reference time is moved instead: the key was made "now".
    ASSERT_EQ(sq.sq("sign --detached --signer-key '" + sq.file("key.pgp") + "' --output '" + sq.file("d.sig") + "' '" + data + "'").status, 0);
    auto ring = keyring_from({cert});
    ASSERT_TRUE(ring);
    Policy past;
    past.now = std::time(nullptr) - 2 * 86400;   // the signature is from the future then
    EXPECT_FALSE(verify_files(*ring, sq.file("d.sig"), data, past)->valid());
}

}  // namespace
}  // namespace umd::pgp::test
