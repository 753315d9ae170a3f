// drivers/pgp/handler/tests/synthetic_test.cpp — hand-built packets for what the peers here cannot make.
//
// gpg 2.2 and sq 0.27 produce neither v6 keys and signatures nor 5-octet
// subpacket lengths, so these packets are built byte by byte following
// RFC 9580 (§5.2.3, §5.2.3.7, §5.5.2) and the parsed records checked field by field.
#include <gtest/gtest.h>

#include "drivers/pgp/handler/parse.h"
#include "peer.h"

namespace umd::pgp {
namespace {

void be(Bytes& out, std::uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

Bytes packet(std::uint8_t tag, const Bytes& body)
{
    Bytes out{static_cast<std::uint8_t>(0xC0 | tag)};
    if (body.size() < 192) {
        out.push_back(static_cast<std::uint8_t>(body.size()));
    } else if (body.size() < 8384) {
        std::size_t v = body.size() - 192;
        out.push_back(static_cast<std::uint8_t>((v >> 8) + 192));
        out.push_back(static_cast<std::uint8_t>(v));
    } else {
        out.push_back(0xFF);
        be(out, body.size(), 4);
    }
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

Bytes subpacket(std::uint8_t type, const Bytes& value, int length_octets)
{
    Bytes out;
    const std::size_t len = value.size() + 1;
    if (length_octets == 1) {
        out.push_back(static_cast<std::uint8_t>(len));
    } else if (length_octets == 2) {
        out.push_back(static_cast<std::uint8_t>(((len - 192) >> 8) + 192));
        out.push_back(static_cast<std::uint8_t>(len - 192));
    } else {
        out.push_back(0xFF);
        be(out, len, 4);
    }
    out.push_back(type);
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

Bytes v6_key(std::uint8_t algorithm, std::size_t key_size, std::uint8_t fill)
{
    Bytes body{6};
    be(body, 1700000000, 4);
    body.push_back(algorithm);
    be(body, key_size, 4);
    body.insert(body.end(), key_size, fill);
    return body;
}

Bytes v6_signature(std::uint8_t type, const Bytes& hashed, const Bytes& unhashed)
{
    Bytes body{6, type, 27, 10};
    be(body, hashed.size(), 4);
    body.insert(body.end(), hashed.begin(), hashed.end());
    be(body, unhashed.size(), 4);
    body.insert(body.end(), unhashed.begin(), unhashed.end());
    be(body, 0xBEEF, 2);
    body.push_back(32);
    body.insert(body.end(), 32, 0x5A);   // salt
    body.insert(body.end(), 64, 0x77);   // Ed25519 signature
    return body;
}

TEST(Synthetic, V6CertificateWithSaltsAndBackSignature)
{
    const Bytes primary_fpr(32, 0xAA), subkey_fpr(32, 0xBB);
    Bytes issuer_primary{6};
    issuer_primary.insert(issuer_primary.end(), primary_fpr.begin(), primary_fpr.end());
    Bytes issuer_subkey{6};
    issuer_subkey.insert(issuer_subkey.end(), subkey_fpr.begin(), subkey_fpr.end());

    // Hashed area with all three subpacket length encodings; the issuer hint sits behind them.
    Bytes hashed = subpacket(2, {0x65, 0x53, 0xF1, 0x00}, 1);
    Bytes notation = subpacket(20, Bytes(400, 'n'), 2);
    hashed.insert(hashed.end(), notation.begin(), notation.end());
    Bytes big = subpacket(20, Bytes(9000, 'm'), 5);
    hashed.insert(hashed.end(), big.begin(), big.end());
    Bytes issuer = subpacket(33, issuer_primary, 1);
    hashed.insert(hashed.end(), issuer.begin(), issuer.end());

    Bytes back = v6_signature(0x19, subpacket(33, issuer_subkey, 1), {});
    Bytes binding_hashed = subpacket(33, issuer_primary, 1);
    Bytes embedded = subpacket(32, back, 1);
    binding_hashed.insert(binding_hashed.end(), embedded.begin(), embedded.end());

    Bytes input = packet(6, v6_key(27, 32, 0x11));
    for (const Bytes& p : {packet(2, v6_signature(0x1F, hashed, {})), packet(13, Bytes{'v', '6'}),
                           packet(2, v6_signature(0x13, hashed, {})), packet(14, v6_key(25, 32, 0x22)),
                           packet(2, v6_signature(0x18, binding_hashed, {})), packet(14, v6_key(28, 57, 0x33)),
                           packet(2, v6_signature(0x18, binding_hashed, {}))})
        input.insert(input.end(), p.begin(), p.end());

    auto parsed = parser::parse(input);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->certificates.size(), 1u);
    const Certificate& c = parsed->certificates[0];
    EXPECT_EQ(c.primary.version, 6);
    EXPECT_EQ(c.primary.algorithm, 27);
    EXPECT_EQ(c.primary.fields, std::vector<Bytes>{Bytes(32, 0x11)});
    ASSERT_EQ(c.subkeys.size(), 2u);
    EXPECT_EQ(c.subkeys[0].algorithm, 25);   // X25519: raw material, one field
    EXPECT_EQ(c.subkeys[0].fields, std::vector<Bytes>{Bytes(32, 0x22)});
    EXPECT_EQ(c.subkeys[1].fields, std::vector<Bytes>{Bytes(57, 0x33)});   // Ed448
    ASSERT_EQ(c.signatures.size(), 6u);
    const SigContext contexts[] = {SigContext::primary_key, SigContext::user_id,        SigContext::subkey,
                                   SigContext::back_signature, SigContext::subkey, SigContext::back_signature};
    const std::uint32_t targets[] = {0, 0, 0, 0, 1, 1};
    for (std::size_t i = 0; i < 6; ++i) {
        SCOPED_TRACE(i);
        const Signature& s = c.signatures[i].signature;
        EXPECT_EQ(s.context, contexts[i]);
        EXPECT_EQ(c.signatures[i].target, targets[i]);
        EXPECT_EQ(s.version, 6);
        EXPECT_EQ(s.salt, Bytes(32, 0x5A));
        EXPECT_EQ(s.left16, 0xBEEF);
        EXPECT_EQ(s.fields, std::vector<Bytes>{Bytes(64, 0x77)});
        ASSERT_EQ(s.issuer_hints.size(), 1u);
        EXPECT_EQ(s.issuer_hints[0], s.type == 0x19 ? subkey_fpr : primary_fpr);
    }
    EXPECT_EQ(c.signatures[0].signature.hashed_area, hashed);

    // A v6 key whose material length disagrees with the packet is refused.
    Bytes bad = v6_key(27, 32, 0x11);
    bad[9] = 33;
    EXPECT_FALSE(parser::parse(packet(6, bad)));
    // A subpacket running past its area is refused.
    Bytes overrun = subpacket(2, {1, 2, 3, 4}, 1);
    overrun[0] = 40;
    EXPECT_FALSE(parser::parse(packet(2, v6_signature(0x00, overrun, {}))));
    // A zero salt length is refused.
    Bytes no_salt = v6_signature(0x00, {}, {});
    no_salt[4 + 4 + 4 + 2] = 0;
    EXPECT_FALSE(parser::parse(packet(2, no_salt)));
}

TEST(Synthetic, UserAttributesTrustAndMarkersAreSkipped)
{
    Bytes sig{4, 0x13, 27, 8, 0, 0, 0, 0, 0xAB, 0xCD};
    sig.insert(sig.end(), 64, 1);
    Bytes key{4, 0x65, 0, 0, 0, 27};
    key.insert(key.end(), 32, 9);
    Bytes input = packet(10, Bytes{'P', 'G', 'P'});   // marker first
    for (const Bytes& p : {packet(6, key), packet(12, Bytes{0, 0}), packet(13, Bytes{'a'}), packet(2, sig),
                           packet(17, Bytes(100, 0xFF)), packet(2, sig), packet(2, sig), packet(13, Bytes{'b'}),
                           packet(2, sig), packet(12, Bytes{1}), packet(60, Bytes{1, 2, 3})})
        input.insert(input.end(), p.begin(), p.end());
    auto parsed = parser::parse(input);
    ASSERT_TRUE(parsed) << parsed.error().message;
    const Certificate& c = parsed->certificates.at(0);
    EXPECT_EQ(c.user_ids, (std::vector<std::string>{"a", "b"}));
    ASSERT_EQ(c.signatures.size(), 2u);   // the two after the user attribute are gone
    EXPECT_EQ(c.signatures[0].target, 0u);
    EXPECT_EQ(c.signatures[1].target, 1u);
    EXPECT_EQ(c.signatures[1].signature.context, SigContext::user_id);
    // A critical unknown packet (tag 39 < 40) does not belong in a certificate.
    Bytes critical = input;
    Bytes unknown = packet(39, Bytes{1});
    critical.insert(critical.end(), unknown.begin(), unknown.end());
    EXPECT_FALSE(parser::parse(critical));
}

TEST(Synthetic, UnsupportedVersionsAreSkipped)
{
    // A v3 signature next to a v4 one: only the v4 one is kept.
    Bytes v3{3, 5, 0x00, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 8, 0x12, 0x34, 0, 8, 0xFF};
    Bytes v4{4, 0x00, 27, 8, 0, 0, 0, 0, 0xAB, 0xCD};
    v4.insert(v4.end(), 64, 1);
    Bytes input = packet(2, v3);
    Bytes second = packet(2, v4);
    input.insert(input.end(), second.begin(), second.end());
    auto parsed = parser::parse(input);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->signatures.size(), 1u);
    EXPECT_EQ(parsed->signatures[0].left16, 0xABCD);
    // Only v3: nothing usable.
    EXPECT_FALSE(parser::parse(packet(2, v3)));
}

}  // namespace
}  // namespace umd::pgp
