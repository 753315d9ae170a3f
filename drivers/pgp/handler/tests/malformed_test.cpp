// drivers/pgp/handler/tests/malformed_test.cpp — hostile input: every failure is a clear bad_input.
//
// Truncation at every offset of a real certificate, bad and huge lengths,
// partial lengths where RFC 9580 forbids them, deep nesting, decompression
// bombs, random garbage and broken armor must all end in an error (or a
// smaller valid result), never a crash, a hang or an unbounded allocation.
#include <gtest/gtest.h>

#include <bzlib.h>
#include <zlib.h>

#include <cstring>
#include <random>

#include "drivers/pgp/handler/parse.h"
#include "peer.h"

namespace umd::pgp {
namespace {

using namespace umd::pgp::testing;

/// A new-format packet with a 5-octet length.
Bytes packet(std::uint8_t tag, ByteView body)
{
    Bytes out{static_cast<std::uint8_t>(0xC0 | tag), 0xFF};
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(body.size() >> (8 * i)));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes literal(std::string_view text)
{
    Bytes body{'b', 0, 0, 0, 0, 0};
    body.insert(body.end(), text.begin(), text.end());
    return packet(11, body);
}

/// A minimal v4 Ed25519 signature packet body (values are not checked by the parser).
Bytes signature_packet()
{
    Bytes body{4, 0x00, 27, 8, 0, 10, 9, 33, 4};   // hashed: issuer fpr subpacket (len 9: short, fine for walking)
    body.resize(body.size() + 7, 0xAB);
    body.insert(body.end(), {0, 0, 0x12, 0x34});    // no unhashed area, left16
    body.resize(body.size() + 64, 0x55);
    return packet(2, body);
}

Bytes zlib_compress(ByteView data, int level = 6)
{
    uLongf len = compressBound(static_cast<uLong>(data.size()));
    Bytes out(len);
    EXPECT_EQ(compress2(out.data(), &len, data.data(), static_cast<uLong>(data.size()), level), Z_OK);
    out.resize(len);
    return out;
}

std::string error_of(ByteView input, const parser::ParseLimits& limits = {})
{
    auto parsed = parser::parse(input, limits);
    EXPECT_FALSE(parsed) << "accepted";
    if (parsed) return {};
    EXPECT_EQ(parsed.error().code, Errc::bad_input);
    EXPECT_FALSE(parsed.error().message.empty());
    return parsed.error().message;
}

TEST(Malformed, TruncatedCertificateAtEveryOffset)
{
    Gpg gpg;
    std::string fpr = gpg.generate("T <t@example.org>", "rsa2048");
    gpg("--quick-add-key " + fpr + " ed25519 sign never");
    gpg("--output " + gpg.file("cert.pgp") + " --export " + fpr);
    Bytes full = read_file(gpg.file("cert.pgp"));
    ASSERT_GT(full.size(), 500u);
    std::size_t rejected = 0;
    for (std::size_t n = 0; n < full.size(); ++n) {
        auto parsed = parser::parse(ByteView(full).first(n));
        if (!parsed) {
            ++rejected;
            EXPECT_EQ(parsed.error().code, Errc::bad_input);
        }
    }
    // Only cuts at packet boundaries can parse; everything else is refused.
    EXPECT_GT(rejected, full.size() - 20);

    std::string armored = gpg("--armor --export " + fpr);
    for (std::size_t n = 0; n < armored.size(); n += 7) {
        auto parsed = parser::parse(as_bytes(std::string_view(armored).substr(0, n)));
        EXPECT_FALSE(parsed) << n;   // no END line
    }
}

TEST(Malformed, LengthsBeyondTheInput)
{
    EXPECT_NE(error_of(Bytes{0xC2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 4}).find("announces 4294967295"), std::string::npos);
    EXPECT_NE(error_of(Bytes{0xC2, 0x05, 4, 0}).find("announces 5"), std::string::npos);
    EXPECT_NE(error_of(Bytes{0x89, 0xFF, 0xFF, 4}).find("announces"), std::string::npos);   // old format, 2 octets
    EXPECT_NE(error_of(Bytes{0xC2}).find("truncated"), std::string::npos);
    EXPECT_NE(error_of(Bytes{0x42, 0x01}).find("does not start an OpenPGP packet"), std::string::npos);
    EXPECT_NE(error_of(Bytes{0xC0, 0x00}).find("reserved tag 0"), std::string::npos);
}

TEST(Malformed, PartialLengthsOnlyOnDataPackets)
{
    // A signature packet with a partial body length (0xE0 | 9 = 512 bytes first chunk).
    Bytes sig{0xC2, 0xE9};
    sig.resize(sig.size() + 512, 0);
    sig.push_back(0x00);
    EXPECT_NE(error_of(sig).find("partial body length"), std::string::npos);
    // Old-format indeterminate length on a public key packet.
    EXPECT_NE(error_of(Bytes{0x9B, 4, 0, 0, 0, 0, 1}).find("indeterminate"), std::string::npos);
    // But allowed on literal data: partial chunks are joined.
    Bytes lit{0xCB, 0xE9, 'b', 0, 0, 0, 0, 0};
    lit.resize(2 + 512, 'x');
    lit.push_back(3);
    lit.insert(lit.end(), {'y', 'y', 'y'});
    Bytes message = signature_packet();
    message.insert(message.begin(), lit.begin(), lit.end());
    auto parsed = parser::parse(message);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->text->size(), 512u - 6 + 3);
}

TEST(Malformed, DeepNestingIsBounded)
{
    Bytes inner = literal("nested");
    for (int i = 0; i < 20; ++i) {
        Bytes body{0};   // "uncompressed" compression
        body.insert(body.end(), inner.begin(), inner.end());
        inner = packet(8, body);
    }
    Bytes input = signature_packet();
    input.insert(input.end(), inner.begin(), inner.end());
    EXPECT_NE(error_of(input).find("nested deeper than 8"), std::string::npos);

    // A self-similar zlib quine-like chain of 200 levels is refused the same way, without recursion blow-up.
    Bytes chain = literal("x");
    for (int i = 0; i < 200; ++i) {
        Bytes body{2};
        Bytes z = zlib_compress(chain);
        body.insert(body.end(), z.begin(), z.end());
        chain = packet(8, body);
    }
    EXPECT_NE(error_of(chain).find("nested deeper"), std::string::npos);
}

TEST(Malformed, DecompressionBombStopsAtTheLimit)
{
    // 1 GiB of zeros, deflated (about 1 MiB), as a zlib compressed data packet.
    z_stream zs{};
    ASSERT_EQ(deflateInit(&zs, 1), Z_OK);
    Bytes zeros(1 << 20, 0), compressed;
    Bytes buffer(1 << 16);
    for (int i = 0; i < 1024; ++i) {
        zs.next_in = zeros.data();
        zs.avail_in = static_cast<uInt>(zeros.size());
        do {
            zs.next_out = buffer.data();
            zs.avail_out = static_cast<uInt>(buffer.size());
            deflate(&zs, i == 1023 ? Z_FINISH : Z_NO_FLUSH);
            compressed.insert(compressed.end(), buffer.data(), buffer.data() + (buffer.size() - zs.avail_out));
        } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
    Bytes body{2};
    body.insert(body.end(), compressed.begin(), compressed.end());
    Bytes input = packet(8, body);
    EXPECT_NE(error_of(input).find("expands beyond the limit of 268435456"), std::string::npos);

    parser::ParseLimits small;
    small.message.max_decompressed = 1 << 20;
    EXPECT_NE(error_of(input, small).find("expands beyond the limit of 1048576"), std::string::npos);

    // The same with bzip2 (64 MiB of zeros, a limit of 4 MiB).
    Bytes big(64 << 20, 0);
    unsigned int bz_len = 1 << 20;
    Bytes bz(bz_len);
    ASSERT_EQ(BZ2_bzBuffToBuffCompress(reinterpret_cast<char*>(bz.data()), &bz_len,
                                       reinterpret_cast<char*>(big.data()), static_cast<unsigned>(big.size()), 9, 0, 0),
              BZ_OK);
    Bytes bz_body{3};
    bz_body.insert(bz_body.end(), bz.begin(), bz.begin() + bz_len);
    small.message.max_decompressed = 4 << 20;
    EXPECT_NE(error_of(packet(8, bz_body), small).find("expands beyond"), std::string::npos);
}

TEST(Malformed, CorruptCompressedData)
{
    Bytes z = zlib_compress(literal("hello"));
    for (std::size_t cut : {std::size_t{1}, z.size() / 2, z.size() - 1}) {
        Bytes body{2};
        body.insert(body.end(), z.begin(), z.begin() + static_cast<std::ptrdiff_t>(cut));
        error_of(packet(8, body));
    }
    Bytes garbage{1, 0xFF, 0xFF, 0xFF, 0xFF};
    EXPECT_NE(error_of(packet(8, garbage)).find("corrupt"), std::string::npos);
    Bytes unknown{9, 0, 0};
    EXPECT_NE(error_of(packet(8, unknown)).find("unknown compression algorithm 9"), std::string::npos);
}

TEST(Malformed, RandomGarbageIsRefused)
{
    std::mt19937_64 rng(42);
    Bytes garbage(100u << 20);
    for (std::size_t i = 0; i + 8 <= garbage.size(); i += 8) {
        std::uint64_t v = rng();
        std::memcpy(garbage.data() + i, &v, 8);
    }
    garbage[0] = 0x7F;   // not a packet header
    error_of(garbage);
    garbage[0] = 0xC6;   // a public key packet header with a random length
    error_of(garbage);
    garbage[0] = 0x99;   // old-format public key, 2-octet length
    error_of(garbage);
    // Many small random inputs.
    for (int i = 0; i < 20000; ++i) {
        Bytes small(rng() % 64);
        for (auto& b : small) b = static_cast<std::uint8_t>(rng());
        if (!small.empty()) small[0] |= 0x80;
        (void)parser::parse(small);
    }
}

TEST(Malformed, BadArmor)
{
    const std::string body = "xjMEZQAAABYJKwYBBAHaRw8BAQdA";
    auto armored = [&](const std::string& middle, const std::string& end = "-----END PGP PUBLIC KEY BLOCK-----\n") {
        return "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + middle + end;
    };
    EXPECT_NE(error_of(as_bytes(armored(body + "\n", ""))).find("no END line"), std::string::npos);
    EXPECT_NE(error_of(as_bytes(armored(body + "\n", "-----END PGP SIGNATURE-----\n"))).find("not the END line"),
              std::string::npos);
    EXPECT_NE(error_of(as_bytes(armored("xjM*EZQ\n"))).find("invalid radix-64 character"), std::string::npos);
    EXPECT_NE(error_of(as_bytes(armored("x\n"))).find("invalid length"), std::string::npos);
    EXPECT_NE(error_of(as_bytes("-----BEGIN PGP PUBLIC KEY BLOCK-----\nVersion: x\n")).find("headers"),
              std::string::npos);
    EXPECT_NE(error_of(as_bytes("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----\n"))
                  .find("secret key"), std::string::npos);
}

TEST(Armor, ChecksumIsOptionalAndNotChecked)
{
    Gpg gpg;
    std::string fpr = gpg.generate("C <c@example.org>", "ed25519");
    std::string armored = gpg("--armor --export " + fpr);
    auto with_crc = parser::parse(as_bytes(armored));
    ASSERT_TRUE(with_crc) << with_crc.error().message;
    // Drop the "=XXXX" line, then corrupt it: both still parse to the same certificate.
    std::size_t at = armored.rfind("\n=");
    ASSERT_NE(at, std::string::npos);
    std::string no_crc = armored.substr(0, at + 1) + armored.substr(armored.find('\n', at + 1) + 1);
    std::string bad_crc = armored;
    bad_crc[at + 2] = bad_crc[at + 2] == 'A' ? 'B' : 'A';
    for (const std::string& variant : {no_crc, bad_crc}) {
        auto parsed = parser::parse(as_bytes(variant));
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(parsed->certificates.at(0).primary.fields, with_crc->certificates.at(0).primary.fields);
    }
}

TEST(Malformed, CleartextRules)
{
    Gpg gpg;
    gpg.generate("S <s@example.org>", "ed25519");
    write_file(gpg.file("m"), "text\n");
    gpg("--output " + gpg.file("m.asc") + " --clearsign " + gpg.file("m"));
    Bytes raw = read_file(gpg.file("m.asc"));
    std::string good(raw.begin(), raw.end());
    ASSERT_TRUE(parser::parse(raw));
    auto replace = [&](const std::string& from, const std::string& to) {
        std::string s = good;
        s.replace(s.find(from), from.size(), to);
        return s;
    };
    EXPECT_NE(error_of(as_bytes(replace("Hash: SHA256\n", "Hash: SHA256\nCharset: UTF-8\n"))).find("not a 'Hash:' header"),
              std::string::npos);
    EXPECT_NE(error_of(as_bytes(replace("Hash: SHA256", "Hash: FOO"))).find("unknown hash 'FOO'"), std::string::npos);
    EXPECT_NE(error_of(as_bytes(replace("\ntext\n", "\n-text\n"))).find("not dash-escaped"), std::string::npos);
    EXPECT_NE(error_of(as_bytes(good + "trailing junk\n")).find("after the signature block"), std::string::npos);
    EXPECT_NE(error_of(as_bytes(replace("-----BEGIN PGP SIGNATURE-----", "-----BEGIN PGP SIGNATURE----"))).size(), 0u);
    // Several algorithms in one header, comma separated.
    auto multi = parser::parse(as_bytes(replace("Hash: SHA256", "Hash: SHA256, SHA512")));
    ASSERT_TRUE(multi) << multi.error().message;
    EXPECT_EQ(multi->cleartext_hash_headers, (std::vector<std::uint8_t>{8, 10}));
}

TEST(Malformed, SecretKeysAreRefused)
{
    Gpg gpg;
    std::string fpr = gpg.generate("K <k@example.org>", "ed25519");
    gpg("--output " + gpg.file("secret.pgp") + " --export-secret-keys " + fpr);
    EXPECT_NE(error_of(read_file(gpg.file("secret.pgp"))).find("secret key"), std::string::npos);
}

}  // namespace
}  // namespace umd::pgp
