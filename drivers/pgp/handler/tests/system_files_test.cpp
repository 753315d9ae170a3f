// drivers/pgp/handler/tests/system_files_test.cpp — real-world inputs found on a Debian system.
//
// The Debian archive keyrings (package debian-archive-keyring) and apt's
// InRelease files, when present, parse, and agree with `gpg --list-packets`
// on the number of certificates, user IDs, subkeys and signatures.
#include <gtest/gtest.h>

#include <filesystem>

#include "drivers/pgp/handler/parse.h"
#include "peer.h"

namespace umd::pgp {
namespace {

using namespace umd::pgp::testing;

std::vector<std::string> files_matching(const std::string& dir, const std::string& suffix)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.path().string().ends_with(suffix)) out.push_back(entry.path().string());
    return out;
}

std::size_t count_tag(const std::vector<ListedPacket>& listed, int tag)
{
    std::size_t n = 0;
    for (const auto& p : listed) n += p.tag == tag;
    return n;
}

TEST(SystemFiles, DebianArchiveKeyrings)
{
    auto rings = files_matching("/usr/share/keyrings", ".gpg");
    if (rings.empty()) GTEST_SKIP() << "no keyrings in /usr/share/keyrings";
    Gpg gpg;
    for (const std::string& ring : rings) {
        SCOPED_TRACE(ring);
        auto parsed = parser::parse(read_file(ring));
        ASSERT_TRUE(parsed) << parsed.error().message;
        auto listed = parse_listing(gpg("--list-packets " + quote(ring)));
        std::size_t uids = 0, subkeys = 0, sigs = 0;
        for (const auto& c : parsed->certificates) {
            uids += c.user_ids.size();
            subkeys += c.subkeys.size();
            for (const auto& b : c.signatures) sigs += b.signature.context != SigContext::back_signature;
        }
        EXPECT_EQ(parsed->certificates.size(), count_tag(listed, 6));
        EXPECT_EQ(uids, count_tag(listed, 13));
        EXPECT_EQ(subkeys, count_tag(listed, 14));
        EXPECT_EQ(sigs, count_tag(listed, 2));   // no user attributes or v3 signatures in these rings
    }
}

TEST(SystemFiles, AptInReleaseFiles)
{
    auto files = files_matching("/var/lib/apt/lists", "InRelease");
    if (files.empty()) GTEST_SKIP() << "no InRelease files in /var/lib/apt/lists";
    Gpg gpg;
    for (const std::string& file : files) {
        SCOPED_TRACE(file);
        Bytes input = read_file(file);
        auto parsed = parser::parse(input);
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(parsed->kind, InputKind::cleartext);
        // gpg prints the signed text exactly as the signature covers it.
        RunResult text = run("gpg --homedir " + quote(gpg.file("")) + " --batch --quiet --skip-verify --decrypt " +
                             quote(file) + " 2>/dev/null");
        ASSERT_EQ(text.status, 0);
        ASSERT_TRUE(parsed->text_lines);
        Bytes joined = join_text_lines(input, *parsed->text_lines, "\n");
        std::string ours(joined.begin(), joined.end());
        // gpg ends the output with the line break that belongs to the delimiter.
        EXPECT_EQ(ours + "\n", text.out);
        // The signature block alone: gpg does not list the packets of a cleartext message.
        RunResult block = run("sed -n '/^-----BEGIN PGP SIGNATURE-----/,$p' " + quote(file) + " | gpg --homedir " +
                              quote(gpg.file("")) + " --batch --list-packets 2>/dev/null");
        auto listed = parse_listing(block.out);
        EXPECT_EQ(parsed->signatures.size(), count_tag(listed, 2));
    }
}

}  // namespace
}  // namespace umd::pgp
