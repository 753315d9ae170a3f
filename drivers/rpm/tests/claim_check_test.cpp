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

}  // namespace
}  // namespace umd::rpm
