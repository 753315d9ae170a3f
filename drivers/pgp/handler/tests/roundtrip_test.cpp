// drivers/pgp/handler/tests/roundtrip_test.cpp — encode() output accepted by the trusted decode().
//
// What the handler sends for real gpg/sq inputs must decode (protocol_decode.cpp,
// written from docs/protocol-pgp.md) back to the same records.
#include <gtest/gtest.h>

#include "drivers/pgp/handler/parse.h"
#include "peer.h"

namespace umd::pgp {
namespace {

using namespace umd::pgp::testing;

void expect_same(const Signature& a, const Signature& b)
{
    EXPECT_EQ(a.context, b.context);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.pk_algorithm, b.pk_algorithm);
    EXPECT_EQ(a.hash_algorithm, b.hash_algorithm);
    EXPECT_EQ(a.hashed_area, b.hashed_area);
    EXPECT_EQ(a.unhashed_area, b.unhashed_area);
    EXPECT_EQ(a.left16, b.left16);
    EXPECT_EQ(a.salt, b.salt);
    EXPECT_EQ(a.fields, b.fields);
    EXPECT_EQ(a.issuer_hints, b.issuer_hints);
}

void expect_same(const Key& a, const Key& b)
{
    EXPECT_EQ(a.subkey, b.subkey);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.created, b.created);
    EXPECT_EQ(a.algorithm, b.algorithm);
    EXPECT_EQ(a.fields, b.fields);
}

void expect_roundtrip(const Parsed& p, ByteView input = {})
{
    Bytes wire = encode(p);
    auto d = decode(wire, Bytes(input.begin(), input.end()));
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->kind, p.kind);
    EXPECT_EQ(d->armored, p.armored);
    EXPECT_EQ(d->text, p.text);
    EXPECT_EQ(d->text_lines, p.text_lines);
    EXPECT_EQ(d->cleartext_hash_headers, p.cleartext_hash_headers);
    EXPECT_EQ(d->literal_format, p.literal_format);
    ASSERT_EQ(d->signatures.size(), p.signatures.size());
    for (std::size_t i = 0; i < p.signatures.size(); ++i) expect_same(d->signatures[i], p.signatures[i]);
    ASSERT_EQ(d->certificates.size(), p.certificates.size());
    for (std::size_t c = 0; c < p.certificates.size(); ++c) {
        const Certificate& x = d->certificates[c];
        const Certificate& y = p.certificates[c];
        expect_same(x.primary, y.primary);
        EXPECT_EQ(x.user_ids, y.user_ids);
        ASSERT_EQ(x.subkeys.size(), y.subkeys.size());
        for (std::size_t i = 0; i < y.subkeys.size(); ++i) expect_same(x.subkeys[i], y.subkeys[i]);
        ASSERT_EQ(x.signatures.size(), y.signatures.size());
        for (std::size_t i = 0; i < y.signatures.size(); ++i) {
            EXPECT_EQ(x.signatures[i].target, y.signatures[i].target);
            expect_same(x.signatures[i].signature, y.signatures[i].signature);
        }
    }
}

TEST(Roundtrip, GpgAndSqInputsDecodeToTheSameRecords)
{
    Gpg gpg;
    std::string fpr = gpg.generate("Round <round@example.org>", "rsa2048");
    gpg("--quick-add-key " + fpr + " ed25519 sign never");
    gpg("--quick-add-key " + fpr + " cv25519 encr never");
    gpg("--output " + gpg.file("cert.pgp") + " --export " + fpr);
    write_file(gpg.file("data"), "round\n- trip\n");
    gpg("--output " + gpg.file("d.sig") + " --detach-sign " + gpg.file("data"));
    gpg("--output " + gpg.file("c.asc") + " --clearsign " + gpg.file("data"));
    gpg("--output " + gpg.file("i.gpg") + " --sign " + gpg.file("data"));
    for (const char* name : {"cert.pgp", "d.sig", "c.asc", "i.gpg"}) {
        SCOPED_TRACE(name);
        const Bytes input = read_file(gpg.file(name));
        auto parsed = parser::parse(input);
        ASSERT_TRUE(parsed) << parsed.error().message;
        expect_roundtrip(*parsed, input);
    }
    TempDir dir;
    ASSERT_EQ(run("sq key generate --userid '<rt@example.org>' --export " + quote(dir.file("k")) +
                  " && sq key extract-cert --output " + quote(dir.file("c")) + " " + quote(dir.file("k")))
                  .status, 0);
    auto sq = parser::parse(read_file(dir.file("c")));
    ASSERT_TRUE(sq) << sq.error().message;
    expect_roundtrip(*sq);
}

TEST(Roundtrip, HeaderRecordLayout)
{
    Parsed p;
    p.kind = InputKind::cleartext;
    p.armored = true;
    // The lines must frame the text of a real cleartext message (decode() checks it).
    const std::string_view input = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhi\n-----BEGIN PGP SIGNATURE-----\n";
    const auto hi = static_cast<std::uint8_t>(input.find("hi\n"));
    p.text_lines = std::vector<TextLine>{{hi, 2}};
    p.cleartext_hash_headers = {8};
    Signature s;
    s.version = 4;
    s.type = 1;
    s.pk_algorithm = 27;
    s.hash_algorithm = 8;
    s.left16 = 0xABCD;
    s.fields = {Bytes(64, 1)};
    p.signatures.push_back(s);
    Bytes wire = encode(p);
    // docs/protocol-pgp.md: tag 0x0001, length 4, format 3, kind, armored, literal format.
    const Bytes header{0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x03, 0x01, 0x00};
    ASSERT_GE(wire.size(), header.size());
    EXPECT_EQ(Bytes(wire.begin(), wire.begin() + 10), header);
    // Then the signature record (tag 0x0003): context 0, version 4, type 1, pk 27, hash 8, left16 LE.
    EXPECT_EQ(wire[10], 0x03);
    EXPECT_EQ(wire[11], 0x00);
    const Bytes body_start{0, 4, 1, 27, 8, 0xCD, 0xAB};
    EXPECT_EQ(Bytes(wire.begin() + 16, wire.begin() + 23), body_start);
    // The text lines record (tag 0x0006): u32 offset, u32 length per line.
    const Bytes lines{0x06, 0x00, 0x08, 0x00, 0x00, 0x00, hi, 0, 0, 0, 2, 0, 0, 0};
    ASSERT_GE(wire.size(), lines.size());
    const std::size_t at = wire.size() - lines.size() - 7;   // the hash headers record (7 bytes) follows
    EXPECT_EQ(Bytes(wire.begin() + static_cast<std::ptrdiff_t>(at), wire.begin() + static_cast<std::ptrdiff_t>(at + lines.size())), lines);
    expect_roundtrip(p, as_bytes(input));
}

}  // namespace
}  // namespace umd::pgp
