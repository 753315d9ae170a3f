// Verification of signatures made by gpg, with verdicts compared to sqv's
// (Sequoia's standard policy, which ours follows) on the same files.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include "drivers/pgp/trusted/key_material.h"
#include "drivers/pgp/trusted/tests/peer.h"

namespace umd::pgp::test {
namespace {

class GpgSignature : public ::testing::TestWithParam<const char*> {};

TEST_P(GpgSignature, DetachedBinaryAndArmoredAgreeWithSqv)
{
    Gpg gpg;
    std::string algo = GetParam();
    std::string fpr = gpg.generate("sig-" + algo + " <s@example.org>", algo);
    std::string key = gpg.export_key(fpr, "key.gpg");
    std::string data = gpg.file("data.txt");
    write_file(data, "The signed data.\nSecond line.\n");
    ASSERT_EQ(gpg.gpg("--local-user " + fpr + " --detach-sign --output " + gpg.file("data.sig") + " " + data).status, 0);
    ASSERT_EQ(gpg.gpg("--local-user " + fpr + " --armor --detach-sign --output " + gpg.file("data.asc") + " " + data).status, 0);

    auto ring = keyring_from({key});
    ASSERT_TRUE(ring) << ring.error().message;
    for (std::string sig : {gpg.file("data.sig"), gpg.file("data.asc")}) {
        auto verdict = verify_files(*ring, sig, data);
        ASSERT_TRUE(verdict) << verdict.error().message;
        EXPECT_TRUE(verdict->valid()) << verdict->status().error().message;
        ASSERT_EQ(verdict->good_signers.size(), 1u);
        EXPECT_EQ(verdict->good_signers[0], fpr);
        // This sqv is built with Nettle, which has no brainpool curves: gpgv is the peer there.
        if (algo.rfind("brainpool", 0) == 0)
            EXPECT_EQ(run("gpgv --keyring '" + key + "' '" + sig + "' '" + data + "' 2>/dev/null").status, 0);
        else
            EXPECT_TRUE(sqv_accepts(key, sig, data));
    }

    // Tampered data: both refuse.
    std::string other = gpg.file("other.txt");
    write_file(other, "The signed data.\nSecond line!\n");
    auto tampered = verify_files(*ring, gpg.file("data.sig"), other);
    ASSERT_TRUE(tampered);
    EXPECT_FALSE(tampered->valid());
    EXPECT_EQ(tampered->status().error().code, Errc::rejected);
    EXPECT_FALSE(sqv_accepts(key, gpg.file("data.sig"), other));

    // Tampered signature: the last byte is inside the signature values.
    std::string sig_bytes = read_file(gpg.file("data.sig"));
    sig_bytes.back() ^= 0x01;
    write_file(gpg.file("bad.sig"), sig_bytes);
    auto bad = verify_files(*ring, gpg.file("bad.sig"), data);
    EXPECT_TRUE(!bad || !bad->valid());
    EXPECT_FALSE(sqv_accepts(key, gpg.file("bad.sig"), data));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, GpgSignature,
                         ::testing::Values("rsa2048", "dsa2048", "nistp256", "nistp384", "nistp521",
                                           "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "ed25519"));

class GpgPolicy : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        gpg_ = new Gpg;
        fpr_ = gpg_->generate("Policy <p@example.org>", "ed25519");
        key_ = gpg_->export_key(fpr_, "key.gpg");
        data_ = gpg_->file("data.txt");
        write_file(data_, "policy data\n");
    }
    static void TearDownTestSuite()
    {
        delete gpg_;
        gpg_ = nullptr;
    }
    static Gpg* gpg_;
    static std::string fpr_, key_, data_;
};
Gpg* GpgPolicy::gpg_ = nullptr;
std::string GpgPolicy::fpr_, GpgPolicy::key_, GpgPolicy::data_;

TEST_F(GpgPolicy, Sha1DataSignatureIsRejectedLikeSqv)
{
    std::string sig = gpg_->file("sha1.sig");
    ASSERT_EQ(gpg_->gpg("--digest-algo SHA1 --local-user " + fpr_ + " --detach-sign --output " + sig + " " + data_).status, 0);
    auto ring = keyring_from({key_});
    ASSERT_TRUE(ring);
    auto verdict = verify_files(*ring, sig, data_);
    ASSERT_TRUE(verdict);
    EXPECT_FALSE(verdict->valid());
    EXPECT_FALSE(sqv_accepts(key_, sig, data_));
    // gpgv accepts SHA-1 data signatures: its policy differs from Sequoia's here.
}

TEST_F(GpgPolicy, WrongKeyIsRejected)
{
    Gpg other;
    std::string ofpr = other.generate("Other <o@example.org>", "ed25519");
    std::string sig = other.file("o.sig");
    ASSERT_EQ(other.gpg("--local-user " + ofpr + " --detach-sign --output " + sig + " " + data_).status, 0);
    auto ring = keyring_from({key_});
    ASSERT_TRUE(ring);
    auto verdict = verify_files(*ring, sig, data_);
    ASSERT_TRUE(verdict);
    EXPECT_FALSE(verdict->valid());
    EXPECT_FALSE(sqv_accepts(key_, sig, data_));
}

TEST_F(GpgPolicy, SignaturesNeedsDistinctSigners)
{
    Gpg other;
    std::string ofpr = other.generate("Second <second@example.org>", "nistp256");
    std::string okey = other.export_key(ofpr, "second.gpg");
    std::string sig1 = gpg_->file("n1.sig"), sig2 = other.file("n2.sig"), both = gpg_->file("both.sig");
    ASSERT_EQ(gpg_->gpg("--local-user " + fpr_ + " --detach-sign --output " + sig1 + " " + data_).status, 0);
    ASSERT_EQ(other.gpg("--local-user " + ofpr + " --detach-sign --output " + sig2 + " " + data_).status, 0);
    write_file(both, read_file(sig1) + read_file(sig2));
    auto ring = keyring_from({key_, okey});
    ASSERT_TRUE(ring);
    Policy two;
    two.signatures = 2;
    auto verdict = verify_files(*ring, both, data_, two);
    ASSERT_TRUE(verdict) << verdict.error().message;
    EXPECT_TRUE(verdict->valid());
    EXPECT_EQ(verdict->good_signers.size(), 2u);
    EXPECT_TRUE(sqv_accepts(key_ + "' --keyring '" + okey, both, data_, "--signatures 2"));
    // The same signature twice is one signer.
    std::string twice = gpg_->file("twice.sig");
    write_file(twice, read_file(sig1) + read_file(sig1));
    auto same = verify_files(*ring, twice, data_, two);
    ASSERT_TRUE(same);
    EXPECT_FALSE(same->valid());
    EXPECT_FALSE(sqv_accepts(key_ + "' --keyring '" + okey, twice, data_, "--signatures 2"));
}

TEST_F(GpgPolicy, NotBeforeNotAfter)
{
    std::string sig = gpg_->file("t.sig");
    ASSERT_EQ(gpg_->gpg("--local-user " + fpr_ + " --detach-sign --output " + sig + " " + data_).status, 0);
    auto ring = keyring_from({key_});
    ASSERT_TRUE(ring);
    Policy later;
    later.not_before = std::time(nullptr) + 3600;
    EXPECT_FALSE(verify_files(*ring, sig, data_, later)->valid());
    Policy earlier;
    earlier.not_after = std::time(nullptr) - 3600;
    EXPECT_FALSE(verify_files(*ring, sig, data_, earlier)->valid());
    Policy window;
    window.not_before = std::time(nullptr) - 3600;
    window.not_after = std::time(nullptr) + 3600;
    EXPECT_TRUE(verify_files(*ring, sig, data_, window)->valid());
}

TEST(GpgKeys, SigningSubkeyWithBackSignature)
{
    Gpg gpg;
    std::string fpr = gpg.generate("Sub <sub@example.org>", "ed25519", "cert");
    std::string sub = gpg.add_subkey(fpr, "nistp384/sign", "sign");
    std::string key = gpg.export_key(fpr, "key.gpg");
    std::string data = gpg.file("d.txt");
    write_file(data, "subkey-signed\n");
    std::string sig = gpg.file("d.sig");
    ASSERT_EQ(gpg.gpg("--local-user " + sub + "! --detach-sign --output " + sig + " " + data).status, 0);
    auto ring = keyring_from({key});
    ASSERT_TRUE(ring);
    bool found = false;
    for (const auto& k : ring->certificates()[0].subkeys)
        if (hex_upper(k.fingerprint) == sub) found = k.back_signed;
    EXPECT_TRUE(found) << "the signing subkey's back-signature should verify";
    auto verdict = verify_files(*ring, sig, data);
    ASSERT_TRUE(verdict);
    EXPECT_TRUE(verdict->valid()) << verdict->status().error().message;
    ASSERT_EQ(verdict->good_signers.size(), 1u);
    EXPECT_EQ(verdict->good_signers[0], fpr);   // the primary's fingerprint, not the subkey's
    EXPECT_TRUE(sqv_accepts(key, sig, data));

    // A certify-only primary may not sign data itself (gpg refuses to make such a signature).
    std::string psig = gpg.file("p.sig");
    if (gpg.gpg("--local-user " + fpr + "! --detach-sign --output " + psig + " " + data).status != 0) return;
    auto primary_verdict = verify_files(*ring, psig, data);
    ASSERT_TRUE(primary_verdict);
    EXPECT_FALSE(primary_verdict->valid());
    EXPECT_FALSE(sqv_accepts(key, psig, data));
}

TEST(GpgKeys, ShortRsaKeyIsRejected)
{
    Gpg gpg;
    std::string fpr = gpg.generate("Short <short@example.org>", "rsa1024");
    std::string key = gpg.export_key(fpr, "key.gpg");
    std::string data = gpg.file("d.txt");
    write_file(data, "short\n");
    std::string sig = gpg.file("d.sig");
    ASSERT_EQ(gpg.gpg("--local-user " + fpr + " --detach-sign --output " + sig + " " + data).status, 0);
    auto ring = keyring_from({key});
    ASSERT_TRUE(ring);
    auto verdict = verify_files(*ring, sig, data);
    ASSERT_TRUE(verdict);
    EXPECT_FALSE(verdict->valid());
    EXPECT_FALSE(sqv_accepts(key, sig, data));
}

TEST(GpgKeys, ExpiredKeyAndRevokedKey)
{
    Gpg gpg;
    // Made two days ago with a one-day lifetime; the signature is made now.
    std::string past = std::to_string(std::time(nullptr) - 2 * 86400);
    std::string fpr = gpg.generate("Expired <e@example.org>", "ed25519", "sign", "1d", "--faked-system-time " + past + "!");
    std::string key = gpg.export_key(fpr, "key.gpg");
    std::string data = gpg.file("d.txt");
    write_file(data, "late\n");
    std::string sig = gpg.file("late.sig");
    std::string early = gpg.file("early.sig");
    gpg.gpg("--ignore-time-conflict --local-user " + fpr + " --detach-sign --output " + sig + " " + data);
    ASSERT_EQ(gpg.gpg("--faked-system-time " + std::to_string(std::time(nullptr) - 2 * 86400 + 600) +
                      "! --local-user " + fpr + " --detach-sign --output " + early + " " + data).status, 0);
    auto ring = keyring_from({key});
    ASSERT_TRUE(ring);
    if (std::filesystem::exists(sig)) {
        auto verdict = verify_files(*ring, sig, data);
        ASSERT_TRUE(verdict);
        EXPECT_FALSE(verdict->valid());
        EXPECT_FALSE(sqv_accepts(key, sig, data));
    }
    // Made while the key was alive: valid, as for sqv (the key is judged at signing time).
    auto alive = verify_files(*ring, early, data);
    ASSERT_TRUE(alive);
    EXPECT_EQ(alive->valid(), sqv_accepts(key, early, data));
    EXPECT_TRUE(alive->valid()) << alive->status().error().message;

    // A signature that expired: made two days ago, valid for one day.
    std::string stale = gpg.file("stale.sig");
    Gpg fresh;
    std::string ffpr = fresh.generate("Fresh <f@example.org>", "ed25519", "sign", "never",
                                      "--faked-system-time " + std::to_string(std::time(nullptr) - 3 * 86400) + "!");
    std::string fkey = fresh.export_key(ffpr, "fresh.gpg");
    ASSERT_EQ(fresh.gpg("--faked-system-time " + std::to_string(std::time(nullptr) - 2 * 86400) + "! --default-sig-expire 1d --local-user " +
                        ffpr + " --detach-sign --output " + stale + " " + data).status, 0);
    auto fring = keyring_from({fkey});
    ASSERT_TRUE(fring);
    auto expired_sig = verify_files(*fring, stale, data);
    ASSERT_TRUE(expired_sig);
    EXPECT_FALSE(expired_sig->valid());
    EXPECT_FALSE(sqv_accepts(fkey, stale, data));
    Policy then;   // at a time when it was still valid it is good, for both
    then.now = std::time(nullptr) - 2 * 86400 + 3600;
    EXPECT_TRUE(verify_files(*fring, stale, data, then)->valid());

    // Revoked: gpg's generated revocation certificate (no reason: hard) revokes at every time.
    Gpg rev;
    std::string rfpr = rev.generate("Revoked <r@example.org>", "ed25519");
    std::string rsig = rev.file("r.sig");
    ASSERT_EQ(rev.gpg("--local-user " + rfpr + " --detach-sign --output " + rsig + " " + data).status, 0);
    std::string revcert = read_file(rev.home() + "/openpgp-revocs.d/" + rfpr + ".rev");
    auto at = revcert.find(":-----BEGIN");
    ASSERT_NE(at, std::string::npos);
    revcert.erase(at, 1);
    write_file(rev.file("rev.asc"), revcert);
    ASSERT_EQ(rev.gpg("--import " + rev.file("rev.asc")).status, 0);
    std::string rkey = rev.export_key(rfpr, "revoked.gpg");
    auto rring = keyring_from({rkey});
    ASSERT_TRUE(rring);
    auto revoked = verify_files(*rring, rsig, data);
    ASSERT_TRUE(revoked);
    EXPECT_FALSE(revoked->valid());
    EXPECT_FALSE(sqv_accepts(rkey, rsig, data));
}

TEST(GpgMessages, CleartextInlineAndTextMode)
{
    Gpg gpg;
    std::string fpr = gpg.generate("Msg <m@example.org>", "rsa2048");
    std::string key = gpg.export_key(fpr, "key.gpg");
    auto ring = keyring_from({key});
    ASSERT_TRUE(ring);
    std::string data = gpg.file("msg.txt");
    std::string text = "Hello,\n- dashed line\ntrailing spaces   \n\nFrom the start\n";
    write_file(data, text);

    ASSERT_EQ(gpg.gpg("--local-user " + fpr + " --clearsign --output " + gpg.file("msg.asc") + " " + data).status, 0);
    auto clear = parse_file(gpg.file("msg.asc"));
    ASSERT_TRUE(clear) << clear.error().message;
    Bytes out;
    auto verdict = verify_message(*ring, *clear, {}, &out);
    ASSERT_TRUE(verdict) << verdict.error().message;
    EXPECT_TRUE(verdict->valid()) << verdict->status().error().message;
    EXPECT_EQ(as_chars(out), "Hello,\n- dashed line\ntrailing spaces\n\nFrom the start\n");   // as gpgv --output writes it
    // gpgv agrees that the cleartext is good.
    EXPECT_EQ(run("gpgv --keyring '" + key + "' '" + gpg.file("msg.asc") + "' 2>/dev/null").status, 0);

    ASSERT_EQ(gpg.gpg("--local-user " + fpr + " --sign --output " + gpg.file("msg.gpg") + " " + data).status, 0);
    auto inl = parse_file(gpg.file("msg.gpg"));
    ASSERT_TRUE(inl) << inl.error().message;
    out.clear();
    auto iv = verify_message(*ring, *inl, {}, &out);
    ASSERT_TRUE(iv) << iv.error().message;
    EXPECT_TRUE(iv->valid()) << iv->status().error().message;
    EXPECT_EQ(as_chars(out), text);

    // Text-mode detached signature over LF data: the Manager hashes CR LF.
    ASSERT_EQ(gpg.gpg("--local-user " + fpr + " --textmode --detach-sign --output " + gpg.file("t.sig") + " " + data).status, 0);
    auto tv = verify_files(*ring, gpg.file("t.sig"), data);
    ASSERT_TRUE(tv);
    EXPECT_TRUE(tv->valid()) << tv->status().error().message;
    EXPECT_TRUE(sqv_accepts(key, gpg.file("t.sig"), data));
}

}  // namespace
}  // namespace umd::pgp::test
