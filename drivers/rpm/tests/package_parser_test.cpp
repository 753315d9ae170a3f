// drivers/rpm/tests/package_parser_test.cpp — the handler's package parser against
// real packages (rpmbuild/rpmsign) and crafted headers breaking each of rpm's checks.
#include <gtest/gtest.h>

#include "drivers/rpm/handler/header_blob.h"
#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/tests/fixtures.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/header_digest.h"

namespace umd::rpm {
namespace {

using namespace test;

Result<Parsed> parse_all(const Bytes& file) { return parse_package(file, file.size()); }

Bytes typical_package(const std::vector<TestEntry>& main = typical_main_entries())
{
    Bytes sig = build_header({bin(268, Bytes(300, 0x88)), str(273, std::string(64, '0'))}, 62);
    return build_package(sig, build_header(main, 63));
}

void expect_bad(const Bytes& file, const std::string& fragment)
{
    auto r = parse_all(file);
    ASSERT_FALSE(r) << "expected a refusal mentioning '" << fragment << "'";
    EXPECT_EQ(r.error().code, Errc::bad_input);
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(RpmParser, RealPackagesGiveTheSignedBlobSignaturesAndDigest)
{
    UMD_REQUIRE_FIXTURES();
    for (const char* name : {"rsa2048.rpm", "rsa4096.rpm", "eddsa.rpm"}) {
        SCOPED_TRACE(name);
        Bytes file = read_file(fixture(name));
        auto p = parse_all(file);
        ASSERT_TRUE(p) << p.error().message;
        EXPECT_EQ(p->needed, 0u);
        ASSERT_LT(p->header_offset + p->header.size(), file.size() + 1);
        EXPECT_TRUE(std::equal(p->header.begin(), p->header.end(), file.begin() + static_cast<long>(p->header_offset)));
        ASSERT_FALSE(p->signatures.empty());
        for (const auto& s : p->signatures) EXPECT_TRUE(s.tag == tag::sig_rsa || s.tag == tag::sig_dsa || s.tag == tag::sig_openpgp);
        ASSERT_TRUE(p->sha256);
        // rpm's own view of the header digest.
        std::string reference = run("rpm -qp --nosignature --qf '%{SHA256HEADER}' " + fixture(name) + " 2>/dev/null");
        EXPECT_EQ(*p->sha256, reference);
        EXPECT_EQ(sha256_hex(p->header), reference);
        EXPECT_GE(p->claims.size(), 11u);
    }
}

TEST(RpmParser, UnsignedPackageHasNoSignatures)
{
    UMD_REQUIRE_FIXTURES();
    auto p = parse_all(read_file(fixture("unsigned.rpm")));
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(p->signatures.empty());
}

TEST(RpmParser, PrefixAsksForMoreAndTruncatedFileIsRefused)
{
    UMD_REQUIRE_FIXTURES();
    Bytes file = read_file(fixture("rsa2048.rpm"));
    auto full = parse_all(file);
    ASSERT_TRUE(full);
    const std::size_t header_end = full->header_offset + full->header.size();
    for (std::size_t n = 0; n < header_end; n += (n < 200 ? 1 : 7)) {
        ByteView prefix(file.data(), n);
        auto truncated = parse_package(prefix, n);
        ASSERT_FALSE(truncated) << "prefix " << n;
        EXPECT_EQ(truncated.error().code, Errc::bad_input);
        // The same bytes as a prefix of the whole file: asks for more, never past the header's end.
        auto more = parse_package(prefix, file.size());
        ASSERT_TRUE(more) << n << ": " << more.error().message;
        EXPECT_GT(more->needed, n);
        EXPECT_LE(more->needed, header_end + 16);
    }
    // Following the requests converges on the full result.
    std::size_t have = 0;
    for (int round = 0; round < 5; ++round) {
        auto r = parse_package(ByteView(file.data(), have), file.size());
        ASSERT_TRUE(r);
        if (r->needed == 0) {
            EXPECT_EQ(r->header, full->header);
            return;
        }
        have = std::min<std::size_t>(r->needed, file.size());
    }
    FAIL() << "did not converge";
}

TEST(RpmParser, GarbageIsRefused)
{
    Bytes garbage(4096);
    for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<std::uint8_t>(i * 7919 >> 3);
    expect_bad(garbage, "lead");
    expect_bad({}, "truncated");
}

TEST(RpmParser, SyntheticPackageParses)
{
    auto p = parse_all(typical_package());
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->signatures.size(), 1u);
    EXPECT_EQ(p->claims.size(), 14u);
}

TEST(RpmParser, LeadChecks)
{
    Bytes f = typical_package();
    Bytes bad = f;
    bad[0] = 0;
    expect_bad(bad, "lead: bad magic");
    bad = f;
    bad[4] = 5;
    expect_bad(bad, "format version");
    bad = f;
    bad[79] = 0;
    expect_bad(bad, "signature type");
}

// Crafts a main header from the typical entries, lets `patch` break it, and expects `fragment`.
template <class Patch>
void main_header_refused(Patch patch, const std::string& fragment, std::vector<TestEntry> entries = typical_main_entries())
{
    Bytes main = build_header(entries, 63);
    patch(main);
    Bytes sig = build_header({bin(268, Bytes(64, 1))}, 62);
    expect_bad(build_package(sig, main), fragment);
}

// Offsets inside a header blob.
constexpr std::size_t il_at = 8, dl_at = 12;
std::size_t entry_at(std::size_t i, std::size_t field) { return 16 + 16 * i + 4 * field; }   // field: 0 tag 1 type 2 offset 3 count
std::size_t store_at(const Bytes& h) { return 16 + 16 * get_be32(h, il_at); }

TEST(RpmParser, IntroChecks)
{
    main_header_refused([](Bytes& h) { h[3] = 2; }, "bad magic");
    main_header_refused([](Bytes& h) { h[5] = 1; }, "bad magic");   // reserved bytes must be zero
    main_header_refused([](Bytes& h) { put_be32(h, il_at, 0x10000); }, "tags, out of range");
    main_header_refused([](Bytes& h) { put_be32(h, dl_at, 0x10000000); }, "data bytes, out of range");
    main_header_refused([](Bytes& h) { put_be32(h, il_at, 0); put_be32(h, dl_at, 0); }, "region: no tags");
    // The signature header allows at most 32 tags.
    std::vector<TestEntry> many;
    for (std::uint32_t t = 0; t < 32; ++t) many.push_back(bin(1100 + t, Bytes(4, 0)));
    expect_bad(build_package(build_header(many, 62), build_header(typical_main_entries(), 63)), "signature header: 33 tags");
}

TEST(RpmParser, RegionChecks)
{
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(0, 0), 61); }, "not the region tag");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(0, 1), 4); }, "region tag: bad type");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(0, 3), 15); }, "region tag: bad type");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(0, 2), get_be32(h, dl_at) - 15); }, "region offset");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(0, 2), 0x80000000u); }, "region offset");
    main_header_refused([](Bytes& h) { put_be32(h, h.size() - 16, 62); }, "region trailer: bad tag");
    main_header_refused([](Bytes& h) { put_be32(h, h.size() - 12, 8); }, "region trailer: bad tag");
    main_header_refused([](Bytes& h) { put_be32(h, h.size() - 8, get_be32(h, h.size() - 8) + 8); }, "region size");
    main_header_refused([](Bytes& h) { put_be32(h, h.size() - 8, get_be32(h, h.size() - 8) - 16 * 100); }, "region size");
    // A region covering fewer entries than the header has (a "dribble"): not in a package file.
    main_header_refused([](Bytes& h) { put_be32(h, h.size() - 8, get_be32(h, h.size() - 8) + 16); }, "does not span");
}

TEST(RpmParser, EntryChecks)
{
    // Entry 1 is NAME (string) at offset 0, entry 4 EPOCH (int32), entry 6 FILEMODES (int16).
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(1, 0), 99); }, "tag number below 100");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(1, 1), 10); }, "unknown type");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(1, 3), 0); }, "count out of range");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(1, 3), 2); }, "does not fit");   // a string with count 2
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(4, 2), get_be32(h, entry_at(4, 2)) + 2); }, "misaligned");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(4, 2), 0x7ffffff0); }, "offset outside the store");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(2, 2), 0); }, "overlaps the previous entry");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(4, 3), 0x0ffffff0); }, "does not fit");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(4, 3), 0x10000000); }, "count out of range");
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(1, 1), 0); }, "does not fit");   // NULL type has no data
    // A string whose NUL is missing: overwrite NAME's terminator, and the rest of the store up to the trailer.
    main_header_refused(
        [](Bytes& h) {
            const std::size_t s = store_at(h);
            for (std::size_t i = s; i < h.size() - 16; ++i) h[i] = 'x';
        },
        "tag[1]");
    // The last entry's data running into the region trailer.
    main_header_refused([](Bytes& h) { put_be32(h, entry_at(14, 2), get_be32(h, entry_at(14, 2)) + 4); }, "region trailer");
}

TEST(RpmParser, DuplicateAndMistypedFieldsAreRefused)
{
    auto dup = typical_main_entries();
    dup.push_back(str(1000, "again"));   // a second NAME, after the others
    main_header_refused([](Bytes&) {}, "appears twice", dup);
    auto wrong = typical_main_entries();
    wrong[0] = i32(1000, {1});
    main_header_refused([](Bytes&) {}, "has type 4", wrong);
}

TEST(RpmParser, SignatureTagsAreTyped)
{
    Bytes main = build_header(typical_main_entries(), 63);
    expect_bad(build_package(build_header({str(268, "notbinary")}, 62), main), "not binary");
    expect_bad(build_package(build_header({bin(273, Bytes(65, 'a'))}, 62), main), "not a string");
    expect_bad(build_package(build_header({str_array(278, {"not base64!"})}, 62), main), "not base64");
    auto ok = parse_all(build_package(build_header({str_array(278, {"iQ==", "AAEC"})}, 62), main));
    ASSERT_TRUE(ok) << ok.error().message;
    ASSERT_EQ(ok->signatures.size(), 2u);
    EXPECT_EQ(ok->signatures[0].packet, (Bytes{0x89}));
    EXPECT_EQ(ok->signatures[1].packet, (Bytes{0, 1, 2}));
}

TEST(RpmParser, Base64IsStrict)
{
    EXPECT_EQ(decode_base64("aGVsbG8="), (Bytes{'h', 'e', 'l', 'l', 'o'}));
    EXPECT_FALSE(decode_base64("aGVsbG8"));
    EXPECT_FALSE(decode_base64("aG=sbG8="));
    EXPECT_FALSE(decode_base64("aGVs\nbG8="));
    EXPECT_TRUE(decode_base64(""));
}

TEST(RpmParser, ProtocolRoundTrip)
{
    auto p = parse_all(typical_package());
    ASSERT_TRUE(p);
    auto back = decode(encode(*p));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->header, p->header);
    EXPECT_EQ(back->claims.size(), p->claims.size());
    EXPECT_EQ(back->sha256, p->sha256);
    Parsed needed;
    needed.needed = 1234;
    auto n = decode(encode(needed));
    ASSERT_TRUE(n);
    EXPECT_EQ(n->needed, 1234u);
}

TEST(RpmParser, ProtocolDecodeRefusesMalformedReplies)
{
    auto p = parse_all(typical_package());
    ASSERT_TRUE(p);
    Bytes good = encode(*p);
    for (std::size_t cut = 0; cut < good.size(); cut += 13) {
        auto r = decode(ByteView(good.data(), cut));
        if (!r) {
            EXPECT_EQ(r.error().code, Errc::protocol);
        }
    }
    Bytes extra = good;
    extra.insert(extra.end(), {9, 0, 0, 0, 0, 0});
    ASSERT_FALSE(decode(extra));
    Parsed twice = *p;
    twice.claims.push_back(twice.claims.front());
    ASSERT_FALSE(decode(encode(twice)));
    Parsed big;
    big.needed = Limits::max_input + 1;
    ASSERT_FALSE(decode(encode(big)));
}

}  // namespace
}  // namespace umd::rpm
