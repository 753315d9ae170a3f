// drivers/pgp/handler/tests/differential_test.cpp — umd's reading of OpenPGP files against pgpdump and sq.
//
// For every file of a corpus made at test time by gpg and sq (plus Debian's
// keyrings and apt's InRelease files, and the RFC 9580 v6 samples), the
// facts `umd pgp show --json` prints and the handler parser returns are
// compared field by field with what `pgpdump -u` and `sq packet dump --mpis`
// print: keys, user IDs, signatures (with their hashed-area facts and issuers)
// and literal data. docs/pgp-differential.md lists the fields and the gaps.
#include <gtest/gtest.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "differential_compare.h"
#include "differential_corpus.h"
#include "differential_sources.h"
#include "drivers/pgp/handler/parse.h"
#include "peer.h"

#ifndef UMD_CLI
#error "UMD_CLI must name the umd executable"
#endif

namespace umd::pgp::differential {
namespace {

using testing::quote;
using testing::run;

/// Where a peer stops reading: the packets it printed but could not decode.
bool peer_has_gaps(const FileFacts& facts) { return !facts.undecoded_tags.empty(); }

struct Views {
    FileFacts umd, pgpdump, sq;
};

/// Reads `file` the four ways and compares umd with both peers; returns the views for extra checks.
Views compare_file(const std::string& file, Tally& tally)
{
    SCOPED_TRACE(file);
    Views v;
    auto shown = run(std::string(UMD_CLI) + " pgp show --json " + quote(file) + " 2>/dev/null");
    EXPECT_EQ(shown.status, 0) << file << ": umd pgp show --json failed";
    auto document = nlohmann::json::parse(shown.out, nullptr, false);
    EXPECT_FALSE(document.is_discarded()) << file << ": umd pgp show --json printed no JSON";
    // The description inside the document's one entry (schema umd/1: docs/json.md).
    nlohmann::json json = document.is_discarded() ? document : document["results"][0]["description"];
    auto parsed = parser::parse(testing::read_file(file));
    EXPECT_TRUE(parsed) << file << ": " << (parsed ? "" : parsed.error().message);
    if (shown.status != 0 || json.is_discarded() || !parsed) return v;
    v.umd = merge_umd(from_parser(*parsed), from_show_json(json), file, tally);

    // pgpdump prints local time unless -u; TZ=UTC as well, for the zone name it prints.
    auto dumped = run("TZ=UTC pgpdump -u " + quote(file) + " 2>/dev/null");
    PeerDump pgpdump = read_pgpdump(dumped.out);
    auto listed = run("sq packet dump --mpis " + quote(file) + " 2>/dev/null");
    EXPECT_EQ(listed.status, 0) << file << ": sq packet dump failed";
    PeerDump sq = read_sq_dump(listed.out);
    for (const auto& s : pgpdump.unknown_spellings) ADD_FAILURE() << file << ": pgpdump printed unknown " << s;
    for (const auto& s : sq.unknown_spellings) ADD_FAILURE() << file << ": sq printed unknown " << s;
    v.pgpdump = collect(pgpdump.packets);
    v.sq = collect(sq.packets);
    compare(v.umd, v.sq, "sq", file, peer_has_gaps(v.sq), tally);
    compare(v.umd, v.pgpdump, "pgpdump", file, peer_has_gaps(v.pgpdump) || dumped.status != 0, tally);

    // What umd's records do not carry (the compression algorithm, the literal file
    // name) is still compared between the peers, so the corpus covers it.
    if (!peer_has_gaps(v.sq) && !peer_has_gaps(v.pgpdump)) {
        ++tally.fields;
        EXPECT_EQ(v.sq.compression, v.pgpdump.compression) << file << ": compression algorithms, sq vs pgpdump";
        if (v.sq.literal && v.pgpdump.literal) {
            ++tally.fields;
            EXPECT_EQ(v.sq.literal->filename, v.pgpdump.literal->filename) << file << ": literal file name, sq vs pgpdump";
        }
    }
    return v;
}

void compare_all(const std::vector<std::string>& files, Tally& tally)
{
    for (const std::string& file : files) compare_file(file, tally);
    std::printf("compared %zu fields over %zu file comparisons\n", tally.fields, tally.files);
    EXPECT_GT(tally.fields, 0u);
}

class GpgKeys : public ::testing::TestWithParam<std::string> {};

TEST_P(GpgKeys, PeersAgreeOnEveryField)
{
    testing::Gpg gpg;
    auto files = gpg_corpus(gpg, GetParam());
    if (files.empty()) GTEST_SKIP() << "gpg cannot make " << GetParam() << " keys";
    Tally tally;
    compare_all(files, tally);
}

INSTANTIATE_TEST_SUITE_P(Differential, GpgKeys,
                         ::testing::Values("rsa2048", "rsa3072", "dsa2048", "nistp256", "nistp384", "nistp521",
                                           "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "ed25519",
                                           "ed448"),
                         [](const auto& info) { return info.param; });

TEST(DifferentialGpg, ExpiredKey)
{
    testing::Gpg gpg;
    Tally tally;
    compare_all(gpg_expired_corpus(gpg), tally);
}

TEST(DifferentialGpg, RevokedKey)
{
    testing::Gpg gpg;
    auto files = gpg_revoked_corpus(gpg);
    ASSERT_FALSE(files.empty());
    Tally tally;
    compare_all(files, tally);
}

class SqKeys : public ::testing::TestWithParam<std::string> {};

TEST_P(SqKeys, PeersAgreeOnEveryField)
{
    testing::TempDir dir;
    auto files = sq_corpus(dir, GetParam());
    ASSERT_FALSE(files.empty());
    Tally tally;
    compare_all(files, tally);
}

INSTANTIATE_TEST_SUITE_P(Differential, SqKeys, ::testing::Values("cv25519", "rsa3k"),
                         [](const auto& info) { return info.param; });

TEST(DifferentialSystem, DebianKeyrings)
{
    auto files = files_ending("/usr/share/keyrings", ".gpg");
    if (files.empty()) GTEST_SKIP() << "no keyrings in /usr/share/keyrings";
    Tally tally;
    compare_all(files, tally);
}

TEST(DifferentialSystem, AptInReleaseFiles)
{
    auto files = files_ending("/var/lib/apt/lists", "InRelease");
    if (files.empty()) GTEST_SKIP() << "no InRelease files in /var/lib/apt/lists";
    Tally tally;
    compare_all(files, tally);
}

// Debian 12's peers predate OpenPGP v6: sq 0.27 lists each v6 packet as
// "Unknown or Unsupported" with its tag, and pgpdump 0.34 prints the first
// packet's tag and version, then stops. What they do show is compared; should a
// peer learn v6, the full comparison above applies without change.
TEST(DifferentialRfc9580, V6Samples)
{
    testing::TempDir dir;
    Tally tally;
    for (const std::string& file : rfc9580_corpus(dir)) {
        Views v = compare_file(file, tally);
        std::vector<int> umd_tags;
        for (const KeyFacts& k : v.umd.keys) umd_tags.push_back(k.subkey ? 14 : 6);
        if (!v.sq.keys.empty() || !v.sq.signatures.empty()) continue;   // sq decodes v6: compared in full above
        // sq names the tag of each packet it cannot read: as many keys and signatures as umd found.
        std::size_t sq_keys = 0, sq_sigs = 0;
        for (int tag : v.sq.undecoded_tags) {
            sq_keys += tag == 6 || tag == 14;
            sq_sigs += tag == 2;
        }
        tally.fields += 2;
        EXPECT_EQ(sq_keys, v.umd.keys.size()) << file << ": key packets, sq vs umd";
        EXPECT_EQ(sq_sigs, v.umd.signatures.size()) << file << ": signature packets, sq vs umd";
    }
    std::printf("compared %zu fields over %zu file comparisons\n", tally.fields, tally.files);
}

}  // namespace
}  // namespace umd::pgp::differential
