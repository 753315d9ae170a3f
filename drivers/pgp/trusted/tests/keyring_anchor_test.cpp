// drivers/pgp/trusted/tests/keyring_anchor_test.cpp — a compromised handler cannot plant a key in a keyring.
//
// The handler under test (testcases/poisoned_handler.cpp) runs sandboxed like the
// real one and answers every keyring with the attacker's certificate once an
// input has handed it one. The first defence: a keyring is parsed only by a
// handler that has seen no untrusted input, so the poisoned handler is never
// asked. The second: every key reported for a keyring must stand in the file's
// own bytes, so even a handler asked anyway is caught. Keys are made by gpg at
// test time.
#include <gtest/gtest.h>

#include <filesystem>

#include <umd/manager.h>
#include <umd/sandbox.h>

#include "drivers/pgp/trusted/client.h"
#include "drivers/pgp/trusted/key_material.h"
#include "peer.h"

namespace umd::pgp {
namespace {

using namespace umd::pgp::test;

class KeyringAnchor : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto options = sandbox::driver_options("strict");
        ASSERT_TRUE(options) << options.error().message;
        options->deadline = std::chrono::milliseconds(20000);
        driver_ = std::make_unique<Driver>("pgp-poisoned", std::move(*options));
        std::string image = read_file(UMD_POISONED_HANDLER);
        ASSERT_FALSE(image.empty());
        ASSERT_TRUE(driver_->load(as_bytes(image)));

        victim_ = victim_gpg_.generate("Victim <victim@example.org>", "ed25519");
        victim_ring_ = victim_gpg_.export_key(victim_, "victim.gpg");
        attacker_ = attacker_gpg_.generate("Attacker <attacker@example.org>", "ed25519");
        // The hostile input: the attacker's signed message, and the attacker's certificate
        // for a handler it has compromised to remember.
        const std::string text = attacker_gpg_.file("m.txt"), signed_text = attacker_gpg_.file("m.asc");
        write_file(text, "pay the attacker\n");
        ASSERT_EQ(attacker_gpg_.gpg("--local-user " + attacker_ + " --clearsign --output " + signed_text + " " + text).status, 0);
        message_ = read_file(signed_text) + "\n#POISON\n" + read_file(attacker_gpg_.export_key(attacker_, "a.gpg"));
    }

    Result<Parsed> parse_message() { return parse(*driver_, as_bytes(message_)); }

    Gpg victim_gpg_, attacker_gpg_;
    std::string victim_, victim_ring_, attacker_, message_;
    std::unique_ptr<Driver> driver_;
};

TEST_F(KeyringAnchor, TheHandlerReallyLiesWhenAskedAfterTheMessage)
{
    // The control: asked like any input, the compromised handler says the victim's
    // keyring holds the attacker's key. This is what load_keyring() must never ask.
    ASSERT_TRUE(parse_message());
    auto lie = parse(*driver_, as_bytes(read_file(victim_ring_)));
    ASSERT_TRUE(lie) << lie.error().message;
    ASSERT_EQ(lie->certificates.size(), 1u);
    EXPECT_EQ(hex_upper(fingerprint(lie->certificates[0].primary)), attacker_);
}

TEST_F(KeyringAnchor, AKeyringIsParsedByAHandlerThatSawNoUntrustedInput)
{
    auto message = parse_message();
    ASSERT_TRUE(message) << message.error().message;
    auto ring = load_keyring(*driver_, {victim_ring_}, {});
    ASSERT_TRUE(ring) << ring.error().message;
    EXPECT_EQ(driver_->status().anchor_recycles, 1u);
    ASSERT_EQ(ring->certificates().size(), 1u);
    EXPECT_EQ(hex_upper(ring->certificates()[0].primary.fingerprint), victim_);
    auto verdict = verify_message(*ring, *message, {}, nullptr);
    ASSERT_TRUE(verdict) << verdict.error().message;
    EXPECT_FALSE(verdict->valid()) << "the attacker's message verified against the victim's keyring";
    EXPECT_TRUE(verdict->good_signers.empty());
}

TEST_F(KeyringAnchor, AKeyTheFileDoesNotHoldIsRefused)
{
    // The first defence bypassed on purpose (the message sent as if it were an
    // anchor): the handler is then asked, lies, and the byte check refuses.
    ASSERT_TRUE(driver_->send_recv(static_cast<std::uint8_t>(Request::parse), as_bytes(message_), InputOrigin::trust_anchor));
    auto ring = load_keyring(*driver_, {victim_ring_}, {});
    ASSERT_FALSE(ring) << "a keyring holding the attacker's key was accepted";
    EXPECT_EQ(ring.error().code, Errc::protocol) << ring.error().message;
    EXPECT_NE(ring.error().message.find(attacker_), std::string::npos) << ring.error().message;
}

TEST_F(KeyringAnchor, HonestKeyringsPassTheByteCheck)
{
    // Binary, armored, several armor blocks in one file, a certificate with subkeys.
    const std::string sub = victim_gpg_.add_subkey(victim_, "rsa2048", "sign");
    const std::string both = victim_gpg_.generate("Other <other@example.org>", "rsa3072");
    const std::string binary = victim_gpg_.export_key(victim_ + " " + both, "both.gpg");
    const std::string armored = victim_gpg_.file("both.asc");
    ASSERT_EQ(victim_gpg_.gpg("--armor --export --output " + armored + " " + victim_ + " " + both).status, 0);
    const std::string blocks = victim_gpg_.file("blocks.asc");
    ASSERT_EQ(victim_gpg_.gpg("--armor --export --output " + victim_gpg_.file("b1.asc") + " " + victim_).status, 0);
    ASSERT_EQ(victim_gpg_.gpg("--armor --export --output " + victim_gpg_.file("b2.asc") + " " + both).status, 0);
    write_file(blocks, read_file(victim_gpg_.file("b1.asc")) + "\n" + read_file(victim_gpg_.file("b2.asc")));
    for (const std::string& file : {binary, armored, blocks}) {
        auto ring = load_keyring(*driver_, {file}, {});
        ASSERT_TRUE(ring) << file << ": " << ring.error().message;
        EXPECT_EQ(ring->certificates().size(), 2u) << file;
    }
    // The keyrings this machine trusts for its packages, as shipped.
    for (const auto& entry : std::filesystem::directory_iterator("/usr/share/keyrings")) {
        if (entry.path().extension() != ".gpg") continue;
        auto ring = load_keyring(*driver_, {entry.path().string()}, {});
        EXPECT_TRUE(ring || ring.error().code == Errc::bad_input) << entry.path() << ": " << ring.error().message;
    }
    EXPECT_EQ(driver_->status().anchor_recycles, 0u);
    (void)sub;
}

}  // namespace
}  // namespace umd::pgp
