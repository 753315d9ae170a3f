// drivers/pgp/handler/tests/gpg_messages_test.cpp — signatures and signed messages made by gpg and sq.
//
// Detached (binary and armored), cleartext and inline-signed messages with
// every compression algorithm; parsed fields are checked against
// `gpg --list-packets`, and texts against the bytes that were signed.
#include <gtest/gtest.h>

#include <regex>

#include "drivers/pgp/handler/parse.h"
#include "peer.h"

namespace umd::pgp {
namespace {

using namespace umd::pgp::testing;

std::string as_string(const Bytes& b) { return std::string(b.begin(), b.end()); }

/// Checks each parsed signature against the signature packets gpg lists (in order).
void expect_signatures_match(const std::vector<Signature>& sigs, const std::string& listing)
{
    std::vector<ListedPacket> listed;
    for (auto& p : parse_listing(listing))
        if (p.tag == 2) listed.push_back(p);
    ASSERT_EQ(sigs.size(), listed.size());
    for (std::size_t i = 0; i < sigs.size(); ++i) {
        std::smatch m;
        std::string v = listed[i].line_with("sigclass");
        ASSERT_TRUE(std::regex_search(v, m, std::regex(R"(version (\d+), .*sigclass 0x([0-9a-f]{2}))")));
        EXPECT_EQ(sigs[i].version, std::stoi(m[1]));
        EXPECT_EQ(sigs[i].type, std::stoi(m[2], nullptr, 16));
        std::string d = listed[i].line_with("digest algo");
        ASSERT_TRUE(std::regex_search(d, m, std::regex(R"(digest algo (\d+), begin of digest ([0-9a-f]{2}) ([0-9a-f]{2}))")));
        EXPECT_EQ(sigs[i].hash_algorithm, std::stoi(m[1]));
        EXPECT_EQ(sigs[i].left16, (std::stoi(m[2], nullptr, 16) << 8) | std::stoi(m[3], nullptr, 16));
        EXPECT_EQ(walk_subpackets(sigs[i].hashed_area), listed_subpackets(listed[i], true));
        EXPECT_EQ(sigs[i].context, SigContext::standalone);
        EXPECT_FALSE(sigs[i].issuer_hints.empty());
    }
}

class GpgMessages : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        gpg_ = new Gpg;
        fpr_ = gpg_->generate("Signer <signer@example.org>", "ed25519");
    }
    static void TearDownTestSuite()
    {
        delete gpg_;
        gpg_ = nullptr;
    }
    static Gpg* gpg_;
    static std::string fpr_;
    const Gpg& gpg() { return *gpg_; }
};
Gpg* GpgMessages::gpg_ = nullptr;
std::string GpgMessages::fpr_;

TEST_F(GpgMessages, DetachedBinaryAndArmored)
{
    write_file(gpg().file("data"), "hello world\n");
    gpg()("--yes --output " + gpg().file("data.sig") + " --detach-sign " + gpg().file("data"));
    gpg()("--yes --armor --output " + gpg().file("data.asc") + " --detach-sign " + gpg().file("data"));
    for (const char* name : {"data.sig", "data.asc"}) {
        SCOPED_TRACE(name);
        auto parsed = parser::parse(read_file(gpg().file(name)));
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(parsed->kind, InputKind::detached_signature);
        EXPECT_EQ(parsed->armored, std::string(name).ends_with(".asc"));
        EXPECT_FALSE(parsed->text);
        expect_signatures_match(parsed->signatures, gpg()("--list-packets " + gpg().file(name)));
        EXPECT_EQ(hex(parsed->signatures.at(0).issuer_hints.at(0)), fpr_);
    }
}

TEST_F(GpgMessages, Cleartext)
{
    struct Case {
        std::string text;      // what is signed
        std::string expected;  // Parsed::text: gpg puts no extra line break, so a final one is not signed
    };
    const Case cases[] = {
        {"hello\nworld\n", "hello\nworld"},
        {"no final newline", "no final newline"},
        {"-dash line\n- already\n---\n", "-dash line\n- already\n---"},
        {"trailing spaces   \nand tabs\t\t\nend", "trailing spaces\nand tabs\nend"},
        {"crlf\r\nlines\r\n", "crlf\nlines"},
        {"\n\nblank lines\n\n", "\n\nblank lines\n"},
        {"", ""},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        write_file(gpg().file("msg"), c.text);
        gpg()("--yes --digest-algo SHA512 --output " + gpg().file("msg.asc") + " --clearsign " + gpg().file("msg"));
        Bytes input = read_file(gpg().file("msg.asc"));
        auto parsed = parser::parse(input);
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(parsed->kind, InputKind::cleartext);
        EXPECT_TRUE(parsed->armored);
        ASSERT_TRUE(parsed->text_lines);
        EXPECT_FALSE(parsed->text);
        EXPECT_TRUE(check_text_lines(input, *parsed->text_lines, true));
        EXPECT_EQ(as_string(join_text_lines(input, *parsed->text_lines, "\n")), c.expected);
        EXPECT_EQ(parsed->cleartext_hash_headers, std::vector<std::uint8_t>{10});
        EXPECT_EQ(parsed->signatures.at(0).type, 0x01);
        EXPECT_EQ(parsed->signatures.at(0).hash_algorithm, 10);
        // gpg itself agrees the message is valid and prints the same text.
        RunResult verified = gpg().try_run("--decrypt " + gpg().file("msg.asc"));
        EXPECT_EQ(verified.status, 0);
    }
}

class GpgInline : public GpgMessages, public ::testing::WithParamInterface<std::string> {};

TEST_P(GpgInline, SignedAndCompressed)
{
    std::string content;
    for (int i = 0; i < 5000; ++i) content += "line " + std::to_string(i) + " of the signed document\n";
    write_file(gpg().file("doc"), content);
    gpg()("--yes " + GetParam() + " --output " + gpg().file("doc.gpg") + " --sign " + gpg().file("doc"));
    gpg()("--yes --armor " + GetParam() + " --output " + gpg().file("doc.asc") + " --sign " + gpg().file("doc"));
    for (const char* name : {"doc.gpg", "doc.asc"}) {
        SCOPED_TRACE(name);
        auto parsed = parser::parse(read_file(gpg().file(name)));
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(parsed->kind, InputKind::inline_message);
        ASSERT_TRUE(parsed->text);
        EXPECT_EQ(as_string(*parsed->text), content);
        EXPECT_EQ(parsed->literal_format, 'b');
        expect_signatures_match(parsed->signatures, gpg()("--list-packets " + gpg().file(name)));
    }
}

INSTANTIATE_TEST_SUITE_P(Compression, GpgInline,
                         ::testing::Values("--compress-algo none", "--compress-algo zip", "--compress-algo zlib",
                                           "--compress-algo bzip2", "--compress-algo zlib -z 9",
                                           "--compress-algo zip -z 1"),
                         [](const auto& info) {
                             std::string name;
                             for (char c : info.param)
                                 if (std::isalnum(static_cast<unsigned char>(c))) name += c;
                             return name;
                         });

TEST_F(GpgMessages, InlineTextModeFromStdin)
{
    // From a pipe gpg streams the literal data with partial body lengths.
    std::string content;
    for (int i = 0; i < 2000; ++i) content += std::string(99, 'x') + "\n";
    write_file(gpg().file("big"), content);
    RunResult r = run("cat " + quote(gpg().file("big")) + " | gpg --homedir " + quote(gpg().file("")) +
                      " --batch --quiet --pinentry-mode loopback --passphrase '' --compress-algo none --textmode --sign > " +
                      quote(gpg().file("big.gpg")));
    ASSERT_EQ(r.status, 0);
    auto parsed = parser::parse(read_file(gpg().file("big.gpg")));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->literal_format, 't');
    // In text mode gpg stores the literal data with CR LF line endings.
    std::string crlf;
    for (char c : content) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    EXPECT_EQ(as_string(*parsed->text), crlf);
    EXPECT_NE(gpg()("--list-packets " + gpg().file("big.gpg")).find("partial"), std::string::npos);
    EXPECT_EQ(parsed->signatures.at(0).type, 0x01);
}

TEST(SqMessages, Cv25519KeyAndSignatures)
{
    TempDir dir;
    const std::string key = dir.file("key.pgp"), cert = dir.file("cert.pgp");
    ASSERT_EQ(run("sq key generate --userid '<sq@example.org>' --cipher-suite cv25519 --export " + quote(key)).status, 0);
    ASSERT_EQ(run("sq key extract-cert --output " + quote(cert) + " " + quote(key)).status, 0);
    auto parsed = parser::parse(read_file(cert));
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->certificates.size(), 1u);
    const Certificate& c = parsed->certificates[0];
    EXPECT_EQ(c.primary.algorithm, 22);
    EXPECT_EQ(c.user_ids, std::vector<std::string>{"<sq@example.org>"});
    // sq makes a certification-capable primary, a signing subkey and encryption subkey(s).
    EXPECT_GE(c.subkeys.size(), 2u);
    int back = 0, direct = 0;
    for (const auto& b : c.signatures) {
        back += b.signature.context == SigContext::back_signature;
        direct += b.signature.type == 0x1F;
    }
    EXPECT_EQ(back, 1);
    EXPECT_EQ(direct, 1);   // sq adds a direct-key signature
    for (const auto& b : c.signatures) {
        if (b.signature.type == 0x1F) {
            EXPECT_EQ(b.signature.context, SigContext::primary_key);
        }
    }

    const std::string data = dir.file("data");
    write_file(data, "sq signed text\n");
    ASSERT_EQ(run("sq sign --detached --signer-key " + quote(key) + " --output " + quote(dir.file("d.sig")) + " " +
                  quote(data)).status, 0);
    ASSERT_EQ(run("sq sign --cleartext-signature --signer-key " + quote(key) + " --output " +
                  quote(dir.file("c.asc")) + " " + quote(data)).status, 0);
    ASSERT_EQ(run("sq sign --signer-key " + quote(key) + " --output " + quote(dir.file("i.pgp")) + " " + quote(data))
                  .status, 0);
    auto detached = parser::parse(read_file(dir.file("d.sig")));
    ASSERT_TRUE(detached) << detached.error().message;
    EXPECT_EQ(detached->kind, InputKind::detached_signature);
    const Bytes clear_input = read_file(dir.file("c.asc"));
    auto clear = parser::parse(clear_input);
    ASSERT_TRUE(clear) << clear.error().message;
    EXPECT_EQ(clear->kind, InputKind::cleartext);
    ASSERT_TRUE(clear->text_lines);
    EXPECT_EQ(as_string(join_text_lines(clear_input, *clear->text_lines, "\n")), "sq signed text");   // the final line break belongs to the delimiter
    auto inl = parser::parse(read_file(dir.file("i.pgp")));
    ASSERT_TRUE(inl) << inl.error().message;
    EXPECT_EQ(inl->kind, InputKind::inline_message);
    EXPECT_EQ(as_string(*inl->text), "sq signed text\n");
    // Every signature names the signing subkey by fingerprint (subpacket 33) and key ID (16).
    for (const auto* p : {&*detached, &*clear, &*inl}) {
        ASSERT_EQ(p->signatures.size(), 1u);
        EXPECT_GE(p->signatures[0].issuer_hints.size(), 1u);
    }
}

}  // namespace
}  // namespace umd::pgp
