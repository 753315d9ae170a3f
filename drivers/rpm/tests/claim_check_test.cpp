// drivers/rpm/tests/claim_check_test.cpp — the Manager's claim checker against real
// packages (reference: rpm -qp) and against lying claims and inconsistent signed headers.
#include <gtest/gtest.h>

#include <sstream>

#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/tests/fixtures.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/claim_check.h"

namespace umd::rpm {
namespace {

using namespace test;

Parsed parse_synthetic(const std::vector<TestEntry>& main)
{
    Bytes sig = build_header({bin(268, Bytes(64, 1))}, 62);
    Bytes file = build_package(sig, build_header(main, 63));
    auto p = parse_package(file, file.size());
    EXPECT_TRUE(p) << p.error().message;
    return p ? *p : Parsed{};
}

void expect_refused(const Parsed& p, Errc code, const std::string& fragment)
{
    auto r = check_claims(p.header, p.claims);
    ASSERT_FALSE(r) << "expected: " << fragment;
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(RpmClaims, RealPackageMatchesRpmQuery)
{
    UMD_REQUIRE_FIXTURES();
    const std::string pkg = fixture("rsa2048.rpm");
    Bytes file = read_file(pkg);
    auto p = parse_package(file, file.size());
    ASSERT_TRUE(p);
    auto info = check_claims(p->header, p->claims);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->nevra(), run("rpm -qp --nosignature --qf '%{NAME}-%{EPOCH}:%{VERSION}-%{RELEASE}.%{ARCH}' " + pkg + " 2>/dev/null"));
    EXPECT_EQ(info->nevra(), "umdtest-7:1.2-3.noarch");
    EXPECT_EQ(info->digest_algo, digest_algo::sha256);
    std::ostringstream ours;
    for (const auto& f : info->files) ours << f.digest << "  " << f.path << " " << f.mode << "\n";
    EXPECT_EQ(ours.str(), run("rpm -qp --nosignature --qf '[%{FILEDIGESTS}  %{FILENAMES} %{FILEMODES}\\n]' " + pkg + " 2>/dev/null"));
}

TEST(RpmClaims, SyntheticHeaderGivesItsFields)
{
    Parsed p = parse_synthetic(typical_main_entries("demo"));
    auto info = check_claims(p.header, p.claims);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->nevra(), "demo-2:1.0-1.x86_64");
    ASSERT_EQ(info->files.size(), 3u);
    EXPECT_EQ(info->files[0].path, "/usr/share/demo/a.txt");
    EXPECT_EQ(info->files[1].path, "/usr/share/sub");
    EXPECT_EQ(info->files[2].mode, 0100755);
    EXPECT_TRUE(info->files[1].digest.empty());
}

TEST(RpmClaims, LyingClaimsAreProtocolErrors)
{
    const Parsed good = parse_synthetic(typical_main_entries());
    ASSERT_TRUE(check_claims(good.header, good.claims));
    auto claim_of = [](Parsed& p, Field f) -> Claim& {
        for (auto& c : p.claims)
            if (c.field == f) return c;
        throw std::logic_error("no claim");
    };
    Parsed p = good;
    claim_of(p, Field::file_digests).index += 1;
    expect_refused(p, Errc::protocol, "not what was claimed");
    p = good;
    claim_of(p, Field::base_names).count = 2;
    expect_refused(p, Errc::protocol, "not what was claimed");
    p = good;
    claim_of(p, Field::name).offset += 1;
    expect_refused(p, Errc::protocol, "not what was claimed");
    p = good;
    claim_of(p, Field::name).index = 0;
    expect_refused(p, Errc::protocol, "outside");
    p = good;
    claim_of(p, Field::name).index = 5000;
    expect_refused(p, Errc::protocol, "outside");
    p = good;
    claim_of(p, Field::name).tag = 1001;
    expect_refused(p, Errc::protocol, "claim names tag");
    p = good;
    std::erase_if(p.claims, [](const Claim& c) { return c.field == Field::file_digests; });
    expect_refused(p, Errc::protocol, "claims omit");
    // Swap the version claim onto the release entry: caught by the tag check.
    p = good;
    Claim release = claim_of(p, Field::release);
    Claim& version = claim_of(p, Field::version);
    version.index = release.index;
    version.offset = release.offset;
    expect_refused(p, Errc::protocol, "not what was claimed");
}

TEST(RpmClaims, MalformedBlobIsProtocolError)
{
    const Parsed good = parse_synthetic(typical_main_entries());
    Parsed p = good;
    p.header.pop_back();
    expect_refused(p, Errc::protocol, "intro says");
    p = good;
    p.header[0] = 0;
    expect_refused(p, Errc::protocol, "bad magic");
    p = good;
    p.header.resize(10);
    expect_refused(p, Errc::protocol, "too short");
    p = good;
    put_be32(p.header, p.header.size() - 16, 62);   // trailer tag
    expect_refused(p, Errc::protocol, "trailer");
    p = good;
    put_be32(p.header, 16, 61);   // region tag
    expect_refused(p, Errc::protocol, "immutable region");
}

TEST(RpmClaims, InconsistentSignedHeaderIsBadInput)
{
    auto with = [](std::size_t index, TestEntry e) {
        auto v = typical_main_entries();
        v[index] = std::move(e);
        return v;
    };
    // Indexes into typical_main_entries(): 5 modes, 6 digests, 7 flags, 8 dir indexes, 11 algo.
    expect_refused(parse_synthetic(with(5, i16(1030, {0100644, 040755}))), Errc::bad_input, "file modes");
    expect_refused(parse_synthetic(with(8, i32(1116, {0, 1, 3}))), Errc::bad_input, "dir index 3");
    expect_refused(parse_synthetic(with(6, str_array(1035, {std::string(63, 'a'), "", std::string(64, 'b')}))), Errc::bad_input,
                   "hex digits");
    expect_refused(parse_synthetic(with(6, str_array(1035, {std::string(64, 'A'), "", std::string(64, 'b')}))), Errc::bad_input,
                   "hex digits");
    expect_refused(parse_synthetic(with(11, i32(5011, {3}))), Errc::bad_input, "unsupported file digest algorithm");
    expect_refused(parse_synthetic(with(11, i32(5011, {8, 8}))), Errc::bad_input, "digest algorithm has 2 values");
    auto no_name = typical_main_entries();
    no_name.erase(no_name.begin());
    expect_refused(parse_synthetic(no_name), Errc::bad_input, "no name");
    auto no_flags = typical_main_entries();
    no_flags.erase(no_flags.begin() + 7);
    expect_refused(parse_synthetic(no_flags), Errc::bad_input, "per-file array is missing");
    // MD5 when the algorithm tag is absent: 64-digit digests are then wrong.
    auto no_algo = typical_main_entries();
    no_algo.erase(no_algo.begin() + 11);
    expect_refused(parse_synthetic(no_algo), Errc::bad_input, "32 lower-case hex");
}

TEST(RpmClaims, PackageWithoutFiles)
{
    std::vector<TestEntry> e = {str(1000, "empty"), str(1001, "1"), str(1002, "1"), str(1022, "noarch")};
    Parsed p = parse_synthetic(e);
    auto info = check_claims(p.header, p.claims);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->nevra(), "empty-1-1.noarch");
    EXPECT_TRUE(info->files.empty());
}

// --- Bounded by the blob (issue 12): a lying handler with a crafted header ---
//
// `umd rpm show` checks claims without a signature, so a lying handler can
// pair any blob with claims that match it; the handler's own overlap checks do
// not run. These blobs are built directly, with claims read off their index.

/// Claims that match `blob`'s index exactly (what a lying handler would send).
std::vector<Claim> claims_matching(const Bytes& blob)
{
    std::vector<Claim> out;
    const std::uint32_t il = get_be32(blob, 8);
    for (std::uint32_t i = 1; i < il; ++i) {
        const std::size_t at = 16 + 16 * std::size_t{i};
        for (Field f : all_fields)
            if (field_spec(f)->tag == get_be32(blob, at))
                out.push_back({f, i, get_be32(blob, at), get_be32(blob, at + 4), get_be32(blob, at + 12), get_be32(blob, at + 8)});
    }
    return out;
}

/// A header with `files` files whose base names, dir names and digests all
/// point at one run of `files` empty strings, dir indexes all different.
Bytes overlapping_header(std::uint32_t files)
{
    std::vector<std::uint32_t> dir_index(files);
    for (std::uint32_t i = 0; i < files; ++i) dir_index[i] = i;
    Bytes blob = build_header({str(1000, "amp"), str(1001, "1"), str(1002, "1"), str(1022, "noarch"),
                               i16(1030, std::vector<std::uint16_t>(files, 0100644)), i32(1037, std::vector<std::uint32_t>(files, 0)),
                               i32(1116, dir_index), str_array(1117, std::vector<std::string>(files, "")),
                               str(1035, "x"), str(1118, "y"), i32(5011, {8})},
                              63);
    // Entries 9 (1035) and 10 (1118) become string arrays over entry 8's data (1117).
    const std::size_t base = 16 + 16 * 8;
    for (std::size_t e : {std::size_t{9}, std::size_t{10}}) {
        put_be32(blob, 16 + 16 * e + 4, 8);                        // type: string array
        put_be32(blob, 16 + 16 * e + 8, get_be32(blob, base + 8));   // offset of the base names
        put_be32(blob, 16 + 16 * e + 12, files);                     // count
    }
    return blob;
}

TEST(RpmClaims, OverlappingFieldDataIsRefused)
{
    // Before: each array was materialised in full (32-byte strings per NUL byte,
    // paths per file), so a 4 MiB header cost hundreds of MiB. Now: refused.
    Bytes blob = overlapping_header(4096);
    ClaimCheckStats stats;
    auto r = check_claims(blob, claims_matching(blob), &stats);
    ASSERT_FALSE(r) << "overlapping arrays were accepted";
    EXPECT_EQ(r.error().code, Errc::bad_input);
    EXPECT_NE(r.error().message.find("overlap"), std::string::npos) << r.error().message;
    EXPECT_EQ(stats.items, 0u);
    EXPECT_EQ(stats.materialised, 0u);
}

TEST(RpmClaims, WorkIsLinearInTheBlobAtTheLimit)
{
    // The overlapping header at 4 MiB: refused before any array is read.
    {
        Bytes blob = overlapping_header(1u << 19);
        ASSERT_GE(blob.size(), 4u << 20);
        ClaimCheckStats stats;
        auto r = check_claims(blob, claims_matching(blob), &stats);
        ASSERT_FALSE(r);
        EXPECT_EQ(stats.materialised, 0u);
        EXPECT_LE(stats.scanned, 16 * std::uint64_t{blob.size()});
    }
    // Disjoint arrays, but every file under one long directory: the paths would
    // repeat it once per file (quadratic); refused by the path bound.
    {
        const std::uint32_t files = 1u << 16;
        auto e = typical_main_entries();
        e[5] = i16(1030, std::vector<std::uint16_t>(files, 0100644));
        e[6] = str_array(1035, std::vector<std::string>(files, ""));
        e[7] = i32(1037, std::vector<std::uint32_t>(files, 0));
        e[8] = i32(1116, std::vector<std::uint32_t>(files, 0));
        e[9] = str_array(1117, std::vector<std::string>(files, "f"));
        e[10] = str_array(1118, {"/" + std::string(4000, 'd') + "/"});
        Bytes blob = build_header(e, 63);
        ClaimCheckStats stats;
        auto r = check_claims(blob, claims_matching(blob), &stats);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::bad_input);
        EXPECT_NE(r.error().message.find("add up to"), std::string::npos) << r.error().message;
        EXPECT_LE(stats.materialised, max_path_bytes(blob.size()));
        EXPECT_LE(stats.items, blob.size());
    }
    // A legitimate header near the limit: many files, all read, and the work
    // counted stays a small multiple of the blob's size.
    {
        const std::uint32_t files = 1u << 17;
        std::vector<std::string> names(files), digests(files, std::string(64, 'c'));
        for (std::uint32_t i = 0; i < files; ++i) names[i] = fmt::format("file{:06}", i);
        auto e = typical_main_entries();
        e[5] = i16(1030, std::vector<std::uint16_t>(files, 0100644));
        e[6] = str_array(1035, digests);
        e[7] = i32(1037, std::vector<std::uint32_t>(files, 0));
        e[8] = i32(1116, std::vector<std::uint32_t>(files, 1));
        e[9] = str_array(1117, names);
        Bytes blob = build_header(e, 63);
        ASSERT_GT(blob.size(), 10u << 20);
        ClaimCheckStats stats;
        auto r = check_claims(blob, claims_matching(blob), &stats);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->files.size(), files);
        EXPECT_LE(stats.scanned, 16 * std::uint64_t{blob.size()});
        EXPECT_LE(stats.items, blob.size());
        EXPECT_LE(stats.materialised, max_path_bytes(blob.size()));
    }
}

}  // namespace
}  // namespace umd::rpm
