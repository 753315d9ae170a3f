// drivers/pgp/handler/tests/handler_process_test.cpp — the real handler executable, sandboxed.
//
// The umd-pgp-handler blob embedded in the loader module is started by a
// Manager under the strict sandbox profile and fed real inputs: replies
// decode with the trusted decoder, malformed input and a decompression bomb
// come back as bad_input with the parser's message, and the handler survives
// them for the next request.
#include <gtest/gtest.h>

#include <umd/loader.h>
#include <umd/manager.h>
#include <umd/sandbox.h>
#include <umd_generated/pgp_loader.h>

#include "drivers/pgp/protocol.h"
#include "peer.h"

namespace umd::pgp {
namespace {

using namespace umd::pgp::testing;

class HandlerProcess : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto registry = std::make_shared<LoaderRegistry>();
        registry->add_builtin(umd::pgp::loader_module());
        manager_ = std::make_unique<Manager>(registry);
        auto options = sandbox::driver_options("strict");
        ASSERT_TRUE(options) << options.error().message;
        options->deadline = std::chrono::milliseconds(30000);
        options->max_reply = umd::pgp::loader_module().max_reply;
        manager_->set_default_options(std::move(*options));
        auto driver = manager_->driver("pgp");
        ASSERT_TRUE(driver) << driver.error().message;
        driver_ = *driver;
    }
    Result<Parsed> parse(ByteView input)
    {
        auto reply = driver_->send_recv(static_cast<std::uint8_t>(Request::parse), input);
        if (!reply) return std::unexpected(reply.error());
        return decode(reply->payload, Bytes(input.begin(), input.end()));
    }
    std::unique_ptr<Manager> manager_;
    Driver* driver_ = nullptr;
};

TEST_F(HandlerProcess, ParsesCertificatesAndSignaturesSandboxed)
{
    Gpg gpg;
    std::string fpr = gpg.generate("H <h@example.org>", "ed25519");
    gpg("--quick-add-key " + fpr + " ed25519 sign never");
    std::string cert = gpg("--armor --export " + fpr);
    auto parsed = parse(as_bytes(cert));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->kind, InputKind::certificates);
    EXPECT_EQ(parsed->certificates.at(0).user_ids.at(0), "H <h@example.org>");

    write_file(gpg.file("m"), "sandboxed\n");
    gpg("--output " + gpg.file("m.asc") + " --clearsign " + gpg.file("m"));
    auto clear = parse(read_file(gpg.file("m.asc")));
    ASSERT_TRUE(clear) << clear.error().message;
    EXPECT_EQ(clear->kind, InputKind::cleartext);
    ASSERT_TRUE(clear->text_lines);
    EXPECT_EQ(as_chars(join_text_lines(clear->input, *clear->text_lines, "\n")), "sandboxed");
}

TEST_F(HandlerProcess, MalformedInputIsBadInputAndTheHandlerKeepsServing)
{
    const Bytes truncated{0xC6, 0x20, 4};
    auto bad = parse(truncated);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::bad_input) << bad.error().message;
    EXPECT_NE(bad.error().message.find("announces 32 body bytes"), std::string::npos) << bad.error().message;

    // A zlib bomb: 512 MiB of zeros in about half a MiB, stopped at the decompression limit.
    Bytes bomb{0xC8, 0xFF, 0, 0, 0, 0, 2};
    {
        Gpg gpg;
        RunResult r = run("head -c 536870912 /dev/zero | python3 -c \"import sys,zlib; "
                          "c=zlib.compressobj(9); d=sys.stdin.buffer; o=sys.stdout.buffer\n"
                          "while True:\n b=d.read(1<<20)\n if not b: break\n o.write(c.compress(b))\n"
                          "o.write(c.flush())\" > " + quote(gpg.file("bomb")));
        ASSERT_EQ(r.status, 0);
        Bytes z = read_file(gpg.file("bomb"));
        bomb.insert(bomb.end(), z.begin(), z.end());
        const std::size_t len = z.size() + 1;
        for (int i = 0; i < 4; ++i) bomb[2 + i] = static_cast<std::uint8_t>(len >> (8 * (3 - i)));
    }
    auto exploded = parse(bomb);
    ASSERT_FALSE(exploded);
    EXPECT_EQ(exploded.error().code, Errc::bad_input) << exploded.error().message;
    EXPECT_NE(exploded.error().message.find("expands beyond the limit"), std::string::npos) << exploded.error().message;

    // Same handler, still serving.
    auto again = parse(truncated);
    EXPECT_FALSE(again);
    auto status = manager_->status();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].starts, 1u);
}

}  // namespace
}  // namespace umd::pgp
