// drivers/rpm/tests/package_verifier_test.cpp — the Manager's verdict: order of checks and
// fail-closed behaviour, with a signature check that accepts exactly one blob, on
// synthetic package files the verdict is tied to (header position, payload digest).
#include <gtest/gtest.h>

#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/header_digest.h"
#include "drivers/rpm/trusted/package_verifier.h"

namespace umd::rpm {
namespace {

using namespace test;

struct Signed {
    Bytes file;             ///< the package file's bytes
    Parsed parsed;          ///< the honest handler's reply for it
    SignatureCheck check;   ///< accepts only the original main header
};

Signed make(const std::string& name = "pkg", bool with_digest = true, std::vector<TestEntry> entries = {})
{
    if (entries.empty()) entries = typical_main_entries(name);
    Bytes main = build_header(entries, 63);
    std::vector<TestEntry> sig = {bin(268, Bytes(64, 1))};
    if (with_digest) sig.push_back(str(273, sha256_hex(main)));
    Bytes file = build_package(build_header(sig, 62), main);
    auto p = parse_package(file, file.size());
    EXPECT_TRUE(p) << p.error().message;
    SignatureCheck check = [main](ByteView data, std::span<const SignaturePacket> sigs) -> Result<std::string> {
        if (sigs.empty()) return fail(Errc::rejected, "no signature");
        if (!std::equal(data.begin(), data.end(), main.begin(), main.end())) return fail(Errc::rejected, "BAD signature");
        return std::string("AABBCC");
    };
    return {file, p ? *p : Parsed{}, check};
}

Result<VerifiedPackage> verify(const Signed& s, const Parsed& parsed) { return verify_parsed(parsed, PackageSource::memory(s.file), s.check); }
Result<VerifiedPackage> verify(const Signed& s) { return verify(s, s.parsed); }

void expect_refused(const Result<VerifiedPackage>& v, Errc code, const std::string& fragment = "")
{
    ASSERT_FALSE(v) << "accepted; expected " << fragment;
    EXPECT_EQ(v.error().code, code) << v.error().message;
    EXPECT_NE(v.error().message.find(fragment), std::string::npos) << v.error().message;
}

TEST(RpmVerifier, GoodPackageVerifies)
{
    Signed s = make();
    auto v = verify(s);
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->signer(), "AABBCC");
    EXPECT_EQ(v->info().nevra(), "pkg-2:1.0-1.x86_64");
    EXPECT_EQ(v->header_sha256(), sha256_hex(s.parsed.header));
    EXPECT_EQ(v->info().payload_digest, sha256_hex(default_payload()));
}

TEST(RpmVerifier, UnsignedIsRejected)
{
    Signed s = make();
    s.parsed.signatures.clear();
    expect_refused(verify(s), Errc::rejected, "no header signature");
}

TEST(RpmVerifier, BadSignatureIsRejected)
{
    Signed s = make();
    SignatureCheck refuse = [](ByteView, std::span<const SignaturePacket>) -> Result<std::string> {
        return fail(Errc::bad_input, "garbled packet");
    };
    expect_refused(verify_parsed(s.parsed, PackageSource::memory(s.file), refuse), Errc::rejected);   // a doubt is "not valid"
}

TEST(RpmVerifier, HandlerSendingAnotherBlobIsRefused)
{
    // A lying handler swaps in another package's header (with matching claims).
    Signed s = make("good");
    Signed other = make("evil");
    Parsed lie = other.parsed;
    lie.signatures = s.parsed.signatures;
    expect_refused(verify(s, lie), Errc::protocol, "not the file's main header");
}

TEST(RpmVerifier, ChangedByteInTheHeaderBlobIsRefused)
{
    // The handler changes a byte of the blob it returns: it is no longer the file's.
    Signed s = make();
    for (std::size_t at : {std::size_t{20}, s.parsed.header.size() / 2, s.parsed.header.size() - 20}) {
        Parsed p = s.parsed;
        p.header[at] ^= 0x01;
        expect_refused(verify(s, p), Errc::protocol, "not the file's main header");
    }
}

TEST(RpmVerifier, ChangedByteInTheFilesHeaderIsRejected)
{
    // The file itself changed in the signed header; the honest handler returns it.
    Signed s = make();
    Bytes& f = s.file;
    const std::size_t at = s.parsed.header_offset + s.parsed.header.size() - 40;   // in the store
    f[at] ^= 0x01;
    auto p = parse_package(f, f.size());
    ASSERT_TRUE(p) << p.error().message;
    expect_refused(verify(s, *p), Errc::rejected, "BAD signature");
}

TEST(RpmVerifier, HeaderDigestIsCheckedByHashing)
{
    Signed s = make();
    s.parsed.sha256 = std::string(64, '0');
    expect_refused(verify(s), Errc::rejected, "SHA-256");
    Signed absent = make("pkg", false);
    EXPECT_TRUE(verify(absent));
}

TEST(RpmVerifier, LyingClaimsAfterGoodSignatureAreRefused)
{
    Signed s = make();
    for (auto& c : s.parsed.claims)
        if (c.field == Field::file_digests) c.offset += 1;
    expect_refused(verify(s), Errc::protocol);
}

// --- The verdict is tied to the file's bytes (issue 12) ---------------------

TEST(RpmVerifier, HeaderOffsetIsCheckedAgainstTheFile)
{
    Signed s = make();
    for (std::uint64_t lie : {std::uint64_t{0}, s.parsed.header_offset - 8, s.parsed.header_offset + 8, std::uint64_t{1} << 40}) {
        Parsed p = s.parsed;
        p.header_offset = lie;
        expect_refused(verify(s, p), Errc::protocol, "offset");
    }
}

TEST(RpmVerifier, HeaderBlobMustBeTheWholeMainHeader)
{
    Signed s = make();
    Parsed p = s.parsed;
    p.header.resize(p.header.size() - 16);
    expect_refused(verify(s, p), Errc::protocol, "header blob");
    p = s.parsed;
    p.header.push_back(0);
    expect_refused(verify(s, p), Errc::protocol, "header blob");
}

TEST(RpmVerifier, UnsignedPackageWithASignedOneAppendedIsRefused)
{
    // rpmkeys -K: DIGESTS NOT OK. A lying handler reports the appended package's
    // header (at its real offset), signatures and claims: all true of those bytes.
    Signed good = make("signed");
    Bytes unsigned_main = build_header(typical_main_entries("unsigned"), 63);
    Bytes file = build_package(build_header({str(273, sha256_hex(unsigned_main))}, 62), unsigned_main);
    const std::uint64_t appended_at = file.size();
    file.insert(file.end(), good.file.begin(), good.file.end());
    Parsed lie = good.parsed;
    lie.header_offset += appended_at;
    expect_refused(verify_parsed(lie, PackageSource::memory(file), good.check), Errc::protocol);
    // The honest handler sees the unsigned package.
    auto honest = parse_package(file, file.size());
    ASSERT_TRUE(honest);
    expect_refused(verify_parsed(*honest, PackageSource::memory(file), good.check), Errc::rejected, "no header signature");
}

TEST(RpmVerifier, FileThatIsNotAPackageIsRefusedWhateverTheHandlerSays)
{
    Signed s = make();
    Bytes file = s.file;
    file[0] = 0;   // no lead magic: the handler would refuse it, a lying one does not
    expect_refused(verify_parsed(s.parsed, PackageSource::memory(file), s.check), Errc::protocol, "lead");
    file = s.file;
    file[96 + 2] ^= 1;   // signature header magic
    expect_refused(verify_parsed(s.parsed, PackageSource::memory(file), s.check), Errc::protocol, "magic");
    file = s.file;
    put_be32(file, 96 + 12, 0x7fffffff);   // signature header dl runs past the end
    expect_refused(verify_parsed(s.parsed, PackageSource::memory(file), s.check), Errc::protocol, "past the end");
}

TEST(RpmVerifier, ChangedPayloadByteIsRejected)
{
    // rpmkeys -K: DIGESTS SIGNATURES NOT OK.
    Signed s = make();
    for (std::size_t back : {std::size_t{1}, default_payload().size() / 2, default_payload().size()}) {
        Signed t = s;
        t.file[t.file.size() - back] ^= 0x20;
        expect_refused(verify(t), Errc::rejected, "payload digest mismatch");
    }
}

TEST(RpmVerifier, JunkAfterThePayloadIsRejected)
{
    Signed s = make();
    s.file.push_back('\n');
    expect_refused(verify(s), Errc::rejected, "payload digest mismatch");
    Signed cut = make();
    cut.file.pop_back();
    expect_refused(verify(cut), Errc::rejected, "payload digest mismatch");
}

TEST(RpmVerifier, PackageWithoutSignedPayloadDigestIsRejected)
{
    auto entries = typical_main_entries();
    entries.resize(12);   // no 5092, 5093
    Signed s = make("pkg", true, entries);
    expect_refused(verify(s), Errc::rejected, "no payload digest");
}

TEST(RpmVerifier, PayloadDigestsOfOtherAlgorithms)
{
    const Bytes payload = default_payload();
    auto with = [&](std::uint32_t algo, const std::string& hex) {
        auto e = typical_main_entries();
        e[12] = str_array(5092, {hex});
        e[13] = i32(5093, {algo});
        return make("pkg", true, e);
    };
    // SHA-512 of the default payload, computed by the file hasher itself over the same bytes.
    Signed probe = make();
    const std::uint64_t end = probe.parsed.header_offset + probe.parsed.header.size();
    auto sha512 = hash_file_range(PackageSource::memory(probe.file), end, digest_algo::sha512);
    ASSERT_TRUE(sha512);
    ASSERT_EQ(*sha512, hash_file_range(PackageSource::memory(payload), 0, digest_algo::sha512).value());
    EXPECT_TRUE(verify(with(digest_algo::sha512, *sha512)));
    expect_refused(verify(with(digest_algo::sha512, std::string(128, 'a'))), Errc::rejected, "payload digest mismatch");
    expect_refused(verify(with(digest_algo::sha256, std::string(63, 'a'))), Errc::bad_input, "payload digest is not 64");
    expect_refused(verify(with(3, std::string(64, 'a'))), Errc::bad_input, "unsupported payload digest algorithm");
}

TEST(RpmVerifier, LyingPayloadClaimsAreRefused)
{
    Signed s = make();
    for (Field f : {Field::payload_digest, Field::payload_digest_algo}) {
        Parsed p = s.parsed;
        std::erase_if(p.claims, [f](const Claim& c) { return c.field == f; });
        expect_refused(verify(s, p), Errc::protocol, "claims omit");
        for (int k = 0; k < 5; ++k) {
            p = s.parsed;
            for (auto& c : p.claims) {
                if (c.field != f) continue;
                std::uint32_t* v[] = {&c.index, &c.tag, &c.type, &c.count, &c.offset};
                *v[k] += 1;
            }
            expect_refused(verify(s, p), Errc::protocol);
        }
    }
}

}  // namespace
}  // namespace umd::rpm
