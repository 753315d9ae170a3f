// drivers/pgp/trusted/tests/batch_test.cpp — verify_messages(): a batch through the
// sandboxed handler gives, file by file and in order, exactly the verdicts and
// errors of verifying each file alone; a stop ends it early. Keys and messages
// are made by gpg at test time.
#include <gtest/gtest.h>

#include <umd/manager.h>
#include <umd/sandbox.h>

#include "drivers/pgp/trusted/batch.h"
#include "drivers/pgp/trusted/client.h"
#include "drivers/pgp/trusted/verify_files.h"
#include <umd_generated/pgp_loader.h>
#include "peer.h"

namespace umd::pgp {
namespace {

using namespace umd::pgp::test;

class Batch : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto registry = std::make_shared<LoaderRegistry>();
        registry->add_builtin(loader_module());
        manager_ = std::make_unique<Manager>(registry);
        auto options = sandbox::driver_options("strict");
        ASSERT_TRUE(options) << options.error().message;
        options->max_reply = loader_module().max_reply;
        manager_->set_default_options(std::move(*options));
        auto driver = manager_->driver("pgp");
        ASSERT_TRUE(driver) << driver.error().message;
        driver_ = *driver;

        fpr_ = gpg_.generate("Batch <batch@example.org>", "ed25519");
        auto ring = load_keyring(*driver_, {gpg_.export_key(fpr_, "key.gpg")}, policy_);
        ASSERT_TRUE(ring) << ring.error().message;
        ring_.emplace(std::move(*ring));
    }

    /// A cleartext-signed message (or, with `inline_sig`, a binary inline-signed one).
    std::string sign(const std::string& name, const std::string& text, bool inline_sig = false)
    {
        const std::string in = gpg_.file(name + ".txt"), out = gpg_.file(name + (inline_sig ? ".gpg" : ".asc"));
        write_file(in, text);
        EXPECT_EQ(gpg_.gpg("--local-user " + fpr_ + (inline_sig ? " --sign" : " --clearsign") + " --output " + out + " " + in).status, 0);
        return out;
    }

    /// What verifying one file alone says: "valid", "invalid", or the error kind.
    std::string alone(const std::string& path)
    {
        auto parsed = parse_file(*driver_, path);
        if (!parsed) return std::string(errc_name(parsed.error().code));
        if (parsed->kind != InputKind::cleartext && parsed->kind != InputKind::inline_message) return "bad_input";
        auto v = verify_message(*ring_, *parsed, policy_, nullptr);
        if (!v) return std::string(errc_name(v.error().code));
        return v->valid() ? "valid" : "invalid";
    }

    static std::string describe(const Result<Verdict>& v)
    {
        if (!v) return std::string(errc_name(v.error().code));
        return v->valid() ? "valid" : "invalid";
    }

    Gpg gpg_;
    std::string fpr_;
    Policy policy_;
    std::unique_ptr<Manager> manager_;
    Driver* driver_ = nullptr;
    std::optional<Keyring> ring_;
};

TEST_F(Batch, GivesEachFileTheVerdictItGetsAloneInOrder)
{
    std::vector<std::string> paths;
    for (int i = 0; i < 6; ++i) paths.push_back(sign("m" + std::to_string(i), "message " + std::to_string(i) + "\nsecond line\n"));
    paths.push_back(sign("inline", "inline data\n", true));
    // Tampered: the text changed after signing.
    std::string tampered = read_file(paths[2]);
    tampered.replace(tampered.find("message 2"), 9, "message X");
    write_file(gpg_.file("tampered.asc"), tampered);
    paths.push_back(gpg_.file("tampered.asc"));
    write_file(gpg_.file("garbage.asc"), std::string(5000, 'g'));
    paths.push_back(gpg_.file("garbage.asc"));
    paths.push_back(gpg_.file("missing.asc"));
    ASSERT_EQ(gpg_.gpg("--local-user " + fpr_ + " --detach-sign --output " + gpg_.file("m0.sig") + " " + gpg_.file("m0.txt")).status, 0);
    paths.push_back(gpg_.file("m0.sig"));   // a signature, not a signed message
    paths.push_back(paths[1]);              // the same file twice

    std::vector<std::string> expected;
    for (const auto& p : paths) expected.push_back(alone(p));
    EXPECT_EQ(expected[0], "valid");
    EXPECT_EQ(expected[6], "valid");
    EXPECT_EQ(expected[7], "invalid");
    EXPECT_EQ(expected[8], "bad_input");
    EXPECT_EQ(expected[9], "not_found");
    EXPECT_EQ(expected[10], "bad_input");

    std::vector<std::size_t> order;
    std::vector<std::string> got;
    verify_messages(*driver_, *ring_, paths, policy_, [&](std::size_t i, Result<Verdict> v) {
        order.push_back(i);
        got.push_back(describe(v));
        if (v && v->valid()) {
            EXPECT_EQ(v->good_signers, std::vector<std::string>{fpr_});
        }
        return true;
    });
    ASSERT_EQ(order.size(), paths.size());
    for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
    EXPECT_EQ(got, expected);
}

TEST_F(Batch, StopsWhenTheCallerSaysSo)
{
    std::vector<std::string> paths;
    for (int i = 0; i < 8; ++i) paths.push_back(sign("s" + std::to_string(i), "stop " + std::to_string(i) + "\n"));
    std::size_t delivered = 0;
    verify_messages(*driver_, *ring_, paths, policy_, [&](std::size_t i, Result<Verdict> v) {
        ++delivered;
        EXPECT_TRUE(v && v->valid());
        return i < 2;
    });
    EXPECT_EQ(delivered, 3u);
    // The driver is still usable afterwards (the parse thread is gone, its last reply consumed).
    EXPECT_EQ(alone(paths[7]), "valid");
    std::size_t again = 0;
    verify_messages(*driver_, *ring_, std::span(paths).first(2), policy_, [&](std::size_t, Result<Verdict> v) {
        again += v && v->valid();
        return true;
    });
    EXPECT_EQ(again, 2u);
    verify_messages(*driver_, *ring_, {}, policy_, [&](std::size_t, Result<Verdict>) {
        ADD_FAILURE() << "no file, no call";
        return true;
    });
}

}  // namespace
}  // namespace umd::pgp

namespace umd::pgp {
namespace {

using namespace umd::pgp::test;

/// verify_files(): the one call of `umd pgp verify` (and the daemon), both urgencies.
TEST_F(Batch, VerifyFilesGivesTheSameVerdictAtEitherUrgency)
{
    const std::string keyring = gpg_.export_key(fpr_, "files-key.gpg");
    const std::string message = sign("files", "one call\n- dashed\n");
    const std::string data = gpg_.file("files-data.txt");
    write_file(data, "detached data\n");
    ASSERT_EQ(gpg_.gpg("--local-user " + fpr_ + " --detach-sign --output " + data + ".sig " + data).status, 0);
    const std::string expected = run("gpgv --keyring " + keyring + " --output - " + message + " 2>/dev/null").out;
    for (Urgency urgency : {Urgency::shared, Urgency::one_shot}) {
        SCOPED_TRACE(urgency == Urgency::shared ? "shared" : "one_shot");
        // A one-shot verification unloads the driver when its parsing is done: load it
        // again for each request (a one-shot program makes only one).
        auto reload = [&] {
            if (urgency == Urgency::one_shot) {
                ASSERT_TRUE(driver_->load(loader_module().blob()));
            }
        };
        auto m = verify_files(*driver_, {.keyrings = {keyring}, .signature = {}, .file = message, .policy = {}, .keep_content = true},
                              urgency);
        ASSERT_TRUE(m) << m.error().message;
        EXPECT_TRUE(m->verdict.valid());
        EXPECT_EQ(m->verdict.good_signers, std::vector<std::string>{fpr_});
        EXPECT_EQ(as_chars(m->content), expected);
        reload();
        auto d = verify_files(*driver_, {.keyrings = {keyring}, .signature = data + ".sig", .file = data, .policy = {}}, urgency);
        ASSERT_TRUE(d) << d.error().message;
        EXPECT_TRUE(d->verdict.valid());
        write_file(gpg_.file("other.txt"), "other data\n");
        reload();
        auto bad = verify_files(*driver_, {.keyrings = {keyring}, .signature = data + ".sig", .file = gpg_.file("other.txt")}, urgency);
        ASSERT_TRUE(bad) << bad.error().message;
        EXPECT_FALSE(bad->verdict.valid());
        EXPECT_TRUE(bad->content.empty());
        reload();
    }
    // Requests that cannot be made, and files of the wrong kind.
    EXPECT_EQ(verify_files(*driver_, {.keyrings = {}, .file = message}).error().code, Errc::invalid_argument);
    EXPECT_EQ(verify_files(*driver_, {.keyrings = {keyring}, .signature = data + ".sig", .file = data, .keep_content = true}).error().code,
              Errc::invalid_argument);
    EXPECT_EQ(verify_files(*driver_, {.keyrings = {keyring}, .file = data + ".sig"}).error().code, Errc::bad_input);
    EXPECT_EQ(verify_files(*driver_, {.keyrings = {message}, .file = message}).error().code, Errc::bad_input);
}

}  // namespace
}  // namespace umd::pgp
