// drivers/rpm/tests/lying_handler_test.cpp — a lying RPM handler, field by field.
//
// The honest handler (the embedded one, through a Manager) parses a real signed
// package; the reply is then altered the way a compromised handler could alter
// it — every field of every record of drivers/rpm/protocol.h — and goes through
// the Manager's one verify path (parse_with + verify_parsed, the real OpenPGP
// driver and keyring). No lie may yield a valid verdict. These are the tests the
// claims ledger (docs/trust-boundary.md, "RPM driver") names.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <functional>

#include "drivers/rpm/tests/drivers_fixture.h"
#include "drivers/rpm/tests/fixtures.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/package_reader.h"
#include "drivers/rpm/trusted/pgp_signature_check.h"

namespace umd::rpm {
namespace {

using namespace test;
using Lie = std::function<void(Parsed&)>;

class RpmLyingHandler : public WithDrivers {
protected:
    /// The honest handler's final reply for `file`, with `lie` applied.
    static SendParse lying(const Lie& lie)
    {
        return [lie](ByteView request) -> Result<Bytes> {
            auto reply = rpm_->send_recv(static_cast<std::uint8_t>(Request::parse), request);
            if (!reply) return std::unexpected(reply.error());
            auto parsed = decode(reply->payload);
            if (!parsed) return std::unexpected(parsed.error());
            if (parsed->needed == 0) lie(*parsed);
            return encode(*parsed);
        };
    }
    static Result<VerifiedPackage> verify_with(const SendParse& send, const PackageSource& file)
    {
        auto parsed = parse_with(send, file);
        if (!parsed) return std::unexpected(parsed.error());
        return verify_parsed(*parsed, file, pgp_signature_check(*pgp_, *keyring_));
    }
    static Result<VerifiedPackage> verify_lie(const std::string& path, const Lie& lie)
    {
        auto file = PackageSource::open(path);
        if (!file) return std::unexpected(file.error());
        return verify_with(lying(lie), *file);
    }
    /// The honest reply for `path` (for building lies from another package's reply).
    static Parsed honest(const std::string& path)
    {
        Parsed out;
        auto file = PackageSource::open(path);
        EXPECT_TRUE(file);
        auto p = parse_with_handler(*rpm_, *file);
        EXPECT_TRUE(p) << p.error().message;
        if (p) out = std::move(*p);
        return out;
    }
    static std::string write(const std::string& name, const Bytes& bytes)
    {
        const std::string path = fixture(name);
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
        return path;
    }

};

/// The lie must be refused; with `code` when given.
#define EXPECT_REFUSED(result, ...)                                                                     \
    do {                                                                                                \
        auto r_ = (result);                                                                             \
        ASSERT_FALSE(r_) << "a lie was accepted";                                                       \
        for (Errc c_ : std::initializer_list<Errc>{__VA_ARGS__}) EXPECT_EQ(r_.error().code, c_) << r_.error().message; \
    } while (0)

TEST_F(RpmLyingHandler, TheHonestReplyVerifies)
{
    auto v = verify_lie(fixture("rsa2048.rpm"), [](Parsed&) {});
    ASSERT_TRUE(v) << v.error().message;
    EXPECT_EQ(v->info().nevra(), "umdtest-7:1.2-3.noarch");
    ASSERT_TRUE(v->info().payload_digest);
    EXPECT_EQ(v->info().payload_digest_algo, digest_algo::sha256);
}

// Record 1, needed: only says how many bytes to send; bounded by the file size,
// more than was sent, at most 4 rounds.
TEST_F(RpmLyingHandler, NeededIsBoundedByTheFile)
{
    auto file = PackageSource::open(fixture("rsa2048.rpm"));
    ASSERT_TRUE(file);
    for (std::uint64_t n : {file->size() + 1, file->size() / 2, std::uint64_t{1}, Limits::max_input + 1}) {
        SCOPED_TRACE(n);
        Parsed p;
        p.needed = n;
        SendParse send = [&](ByteView) -> Result<Bytes> { return encode(p); };
        EXPECT_REFUSED(verify_with(send, *file), Errc::protocol);
    }
    // Asking for one more byte every round, on a file large enough to give it.
    Bytes big(Limits::first_read * 2, 0);
    auto mem = PackageSource::memory(big);
    int rounds = 0;
    SendParse greedy = [&](ByteView request) -> Result<Bytes> {
        ++rounds;
        Parsed p;
        p.needed = request.size() - 8 + 1;
        return encode(p);
    };
    EXPECT_REFUSED(verify_with(greedy, mem), Errc::protocol);
    EXPECT_EQ(rounds, 4);
}

// Record 2, header offset: the Manager locates the main header itself.
TEST_F(RpmLyingHandler, HeaderOffsetIsCheckedAgainstTheFile)
{
    for (std::int64_t delta : {-8, 8, -1000, 1 << 20}) {
        SCOPED_TRACE(delta);
        EXPECT_REFUSED(verify_lie(fixture("rsa2048.rpm"), [delta](Parsed& p) { p.header_offset += static_cast<std::uint64_t>(delta); }),
                       Errc::protocol);
    }
    EXPECT_REFUSED(verify_lie(fixture("rsa2048.rpm"), [](Parsed& p) { p.header_offset = 0; }), Errc::protocol);
}

// Record 3, header blob: must be exactly the file's bytes there.
TEST_F(RpmLyingHandler, HeaderBlobIsTheFilesBytes)
{
    EXPECT_REFUSED(verify_lie(fixture("rsa2048.rpm"), [](Parsed& p) { p.header[p.header.size() / 2] ^= 1; }), Errc::protocol);
    EXPECT_REFUSED(verify_lie(fixture("rsa2048.rpm"), [](Parsed& p) { p.header.resize(p.header.size() - 16); }), Errc::protocol);
    EXPECT_REFUSED(verify_lie(fixture("rsa2048.rpm"), [](Parsed& p) { p.header.push_back(0); }), Errc::protocol);
}

TEST_F(RpmLyingHandler, AnAppendedSignedPackageIsNotTheFile)
{
    // unsigned.rpm with rsa2048.rpm appended: the lying handler reports the
    // appended package (its true header, offset in this file, signatures, claims).
    Bytes unsigned_pkg = read_file(fixture("unsigned.rpm"));
    Bytes both = unsigned_pkg;
    Bytes signed_pkg = read_file(fixture("rsa2048.rpm"));
    both.insert(both.end(), signed_pkg.begin(), signed_pkg.end());
    const std::string path = write("unsigned+signed.rpm", both);
    Parsed appended = honest(fixture("rsa2048.rpm"));
    appended.header_offset += unsigned_pkg.size();
    EXPECT_REFUSED(verify_lie(path, [&](Parsed& p) { p = appended; }), Errc::protocol);
    // The signed package's signatures (and claims) with the first package's
    // offset: rpmsign leaves the main header as it was, so the blob is this
    // file's main header and the signatures are good over it. The payload is
    // not what that header signs (the appended package follows it): rejected.
    EXPECT_REFUSED(verify_lie(path, [&](Parsed& p) {
        const auto offset = p.header_offset;
        p = honest(fixture("rsa2048.rpm"));
        p.header_offset = offset;
    }), Errc::rejected);
    // The honest handler: unsigned.
    EXPECT_REFUSED(verify_lie(path, [](Parsed&) {}), Errc::rejected);
}

// Record 4, signature packets (tag + packet): verified by the OpenPGP driver
// over the blob tied to the file, with the keyring; never taken on trust.
TEST_F(RpmLyingHandler, SignaturePacketsAreVerifiedNotBelieved)
{
    const Parsed other = honest(fixture("other.rpm"));   // signed by a key not in the keyring
    ASSERT_FALSE(other.signatures.empty());
    const std::string pkg = fixture("rsa2048.rpm");
    EXPECT_REFUSED(verify_lie(pkg, [](Parsed& p) { p.signatures.clear(); }), Errc::rejected);
    EXPECT_REFUSED(verify_lie(pkg, [](Parsed& p) { p.signatures[0].packet[p.signatures[0].packet.size() - 5] ^= 0x40; }), Errc::rejected);
    EXPECT_REFUSED(verify_lie(pkg, [&](Parsed& p) { p.signatures = other.signatures; }), Errc::rejected);
    EXPECT_REFUSED(verify_lie(pkg, [&](Parsed& p) {
        p.signatures = other.signatures;
        for (auto& s : p.signatures) s.tag = s.tag == tag::sig_rsa ? tag::sig_dsa : tag::sig_rsa;   // the tag is not used
    }), Errc::rejected);
    EXPECT_REFUSED(verify_lie(pkg, [](Parsed& p) { p.signatures[0].packet.resize(p.signatures[0].packet.size() / 2); }), Errc::rejected);
    EXPECT_REFUSED(verify_lie(pkg, [](Parsed& p) { p.signatures[0].packet = Bytes(100, 0x42); }), Errc::rejected);
}

// Record 5, header SHA-256 text: recomputed over the blob and compared.
TEST_F(RpmLyingHandler, HeaderSha256IsRecomputed)
{
    const std::string pkg = fixture("rsa2048.rpm");
    EXPECT_REFUSED(verify_lie(pkg, [](Parsed& p) { p.sha256 = std::string(64, '0'); }), Errc::rejected);
    EXPECT_REFUSED(verify_lie(pkg, [](Parsed& p) {
        for (char& c : *p.sha256) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }), Errc::rejected);
    EXPECT_REFUSED(verify_lie(pkg, [](Parsed& p) { p.sha256 = ""; }), Errc::rejected);
    // Dropping it is no lie worth telling: the signature covers the same bytes.
    EXPECT_TRUE(verify_lie(pkg, [](Parsed& p) { p.sha256.reset(); }));
}

// Record 6, claims: every field (u8 field, index, tag, type, count, offset) of
// every claim, including the payload digest and its algorithm.
TEST_F(RpmLyingHandler, EveryClaimFieldIsCheckedAgainstTheSignedHeader)
{
    const std::string pkg = fixture("rsa2048.rpm");
    const Parsed good = honest(pkg);
    ASSERT_EQ(good.claims.size(), std::size(all_fields));   // the real package has every field, payload digest included
    for (std::size_t i = 0; i < good.claims.size(); ++i) {
        const char* name = field_spec(good.claims[i].field)->name;
        SCOPED_TRACE(name);
        for (int k = 0; k < 5; ++k) {
            SCOPED_TRACE(k);
            for (std::uint32_t delta : {1u, 0xffffffffu, 0x10000u}) {
                EXPECT_REFUSED(verify_lie(pkg, [&](Parsed& p) {
                    std::uint32_t* v[] = {&p.claims[i].index, &p.claims[i].tag, &p.claims[i].type, &p.claims[i].count, &p.claims[i].offset};
                    *v[k] += delta;
                }), Errc::protocol);
            }
        }
        // Omitted: the field is then claimed absent, but the signed header has it.
        EXPECT_REFUSED(verify_lie(pkg, [&](Parsed& p) { p.claims.erase(p.claims.begin() + static_cast<long>(i)); }), Errc::protocol);
        // Pointed at another field's entry (tag, type, count and offset of that entry).
        const std::size_t j = (i + 1) % good.claims.size();
        EXPECT_REFUSED(verify_lie(pkg, [&](Parsed& p) {
            Claim c = p.claims[j];
            c.field = p.claims[i].field;
            p.claims[i] = c;
        }), Errc::protocol);
    }
    // Two claims for one field: the reply does not decode.
    EXPECT_REFUSED(verify_lie(pkg, [&](Parsed& p) { p.claims.push_back(p.claims.front()); }), Errc::protocol);
}

// File-derived values: the payload is hashed by the Manager.
TEST_F(RpmLyingHandler, PayloadIsHashedFromTheFile)
{
    Bytes b = read_file(fixture("rsa2048.rpm"));
    b[b.size() - 100] ^= 0x01;
    EXPECT_REFUSED(verify_lie(write("payload-flipped.rpm", b), [](Parsed&) {}), Errc::rejected);
    b = read_file(fixture("rsa2048.rpm"));
    b.push_back('x');
    EXPECT_REFUSED(verify_lie(write("junk-appended.rpm", b), [](Parsed&) {}), Errc::rejected);
}

// `umd rpm show` (inspect_parsed): the same ties, without a signature.
TEST_F(RpmLyingHandler, ShowRefusesTheSameLies)
{
    auto file = PackageSource::open(fixture("unsigned.rpm"));
    ASSERT_TRUE(file);
    Parsed p = honest(fixture("unsigned.rpm"));
    ASSERT_TRUE(inspect_parsed(p, *file));
    Parsed lie = p;
    lie.header_offset += 8;
    EXPECT_REFUSED(inspect_parsed(lie, *file), Errc::protocol);
    lie = p;
    lie.header.back() ^= 1;
    EXPECT_REFUSED(inspect_parsed(lie, *file), Errc::protocol);
    lie = p;
    lie.claims.front().offset += 1;
    EXPECT_REFUSED(inspect_parsed(lie, *file), Errc::protocol);
}

}  // namespace
}  // namespace umd::rpm
