// drivers/rpm/tests/package_verifier_test.cpp — the Manager's verdict: order of checks and
// fail-closed behaviour, with a signature check that accepts exactly one blob.
#include <gtest/gtest.h>

#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/header_digest.h"
#include "drivers/rpm/trusted/package_verifier.h"

namespace umd::rpm {
namespace {

using namespace test;

struct Signed {
    Parsed parsed;
    SignatureCheck check;   ///< accepts only the original blob
};

Signed make(const std::string& name = "pkg", bool with_digest = true)
{
    Bytes main = build_header(typical_main_entries(name), 63);
    std::vector<TestEntry> sig = {bin(268, Bytes(64, 1))};
    if (with_digest) sig.push_back(str(273, sha256_hex(main)));
    Bytes file = build_package(build_header(sig, 62), main);
    auto p = parse_package(file, file.size());
    EXPECT_TRUE(p);
    SignatureCheck check = [main](ByteView data, std::span<const SignaturePacket> sigs) -> Result<std::string> {
        if (sigs.empty()) return fail(Errc::rejected, "no signature");
        if (!std::equal(data.begin(), data.end(), main.begin(), main.end())) return fail(Errc::rejected, "BAD signature");
        return std::string("AABBCC");
    };
    return {*p, check};
}

TEST(RpmVerifier, GoodPackageVerifies)
{
    Signed s = make();
    auto v = verify_parsed(s.parsed, s.check);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->signer(), "AABBCC");
    EXPECT_EQ(v->info().nevra(), "pkg-2:1.0-1.x86_64");
    EXPECT_EQ(v->header_sha256(), sha256_hex(s.parsed.header));
}

TEST(RpmVerifier, UnsignedIsRejected)
{
    Signed s = make();
    s.parsed.signatures.clear();
    auto v = verify_parsed(s.parsed, s.check);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::rejected);
}

TEST(RpmVerifier, BadSignatureIsRejected)
{
    Signed s = make();
    SignatureCheck refuse = [](ByteView, std::span<const SignaturePacket>) -> Result<std::string> {
        return fail(Errc::bad_input, "garbled packet");
    };
    auto v = verify_parsed(s.parsed, refuse);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::rejected);   // a doubt is "not valid"
}

TEST(RpmVerifier, HandlerSendingAnotherBlobIsRejected)
{
    // A lying handler swaps in another package's header (with matching claims).
    Signed s = make("good");
    Signed other = make("evil");
    Parsed lie = other.parsed;
    lie.signatures = s.parsed.signatures;
    auto v = verify_parsed(lie, s.check);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::rejected);
}

TEST(RpmVerifier, ChangedByteInSignedHeaderIsRejected)
{
    Signed s = make();
    for (std::size_t at : {std::size_t{20}, s.parsed.header.size() / 2, s.parsed.header.size() - 20}) {
        Parsed p = s.parsed;
        p.header[at] ^= 0x01;
        auto v = verify_parsed(p, s.check);
        ASSERT_FALSE(v);
        EXPECT_EQ(v.error().code, Errc::rejected);
    }
}

TEST(RpmVerifier, HeaderDigestIsCheckedByHashing)
{
    Signed s = make();
    s.parsed.sha256 = std::string(64, '0');
    auto v = verify_parsed(s.parsed, s.check);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::rejected);
    EXPECT_NE(v.error().message.find("SHA-256"), std::string::npos);
    Signed absent = make("pkg", false);
    EXPECT_TRUE(verify_parsed(absent.parsed, absent.check));
}

TEST(RpmVerifier, LyingClaimsAfterGoodSignatureAreRefused)
{
    Signed s = make();
    for (auto& c : s.parsed.claims)
        if (c.field == Field::file_digests) c.offset += 1;
    auto v = verify_parsed(s.parsed, s.check);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::protocol);
}

}  // namespace
}  // namespace umd::rpm
