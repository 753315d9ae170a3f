// Native EdDSA keys (Ed25519 = 27, Ed448 = 28) in v4 and v6 certificates.
//
// No peer on Debian 12 makes these in v4, nor Ed448 at all, so the fixtures are
// made here with OpenSSL: the signer hashes with the Manager's own trailer
// builder, so this checks the key and signature plumbing (raw keys, 57/114-byte
// Ed448 values, salts, policy on hash strength), not the hashing rules — those
// are checked against gpg, sq and the RFC 9580 samples elsewhere.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include "drivers/pgp/trusted/openssl_handles.h"
#include "drivers/pgp/trusted/signature_hash.h"
#include "drivers/pgp/trusted/verifier.h"

namespace umd::pgp {
namespace {

constexpr std::uint32_t created = 1'700'000'000;

struct Signer {
    ossl::Pkey key;
    Key pub;
};

Signer make_signer(const char* type, std::uint8_t algorithm, std::uint8_t version)
{
    Signer s;
    s.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
    std::size_t len = 0;
    EVP_PKEY_get_raw_public_key(s.key.get(), nullptr, &len);
    Bytes raw(len);
    EVP_PKEY_get_raw_public_key(s.key.get(), raw.data(), &len);
    s.pub = Key{false, version, created, algorithm, {raw}};
    return s;
}

Bytes area(std::uint8_t flags)
{
    Bytes a = {5, 2, static_cast<std::uint8_t>(created >> 24), static_cast<std::uint8_t>(created >> 16),
               static_cast<std::uint8_t>(created >> 8), static_cast<std::uint8_t>(created)};
    if (flags) {
        // One byte at a time: g++ 12 warns (-Warray-bounds, a false positive) on inserting a list here.
        for (std::uint8_t b : {std::uint8_t{2}, std::uint8_t{27}, flags}) a.push_back(b);
    }
    return a;
}

/// Signs with the Manager's hasher: `feed` gives the signed data.
template <class Feed>
Signature sign(const Signer& s, std::uint8_t type, std::uint8_t hash, SigContext context, Bytes hashed, Feed feed)
{
    Signature sig;
    sig.context = context;
    sig.version = s.pub.version;
    sig.type = type;
    sig.pk_algorithm = s.pub.algorithm;
    sig.hash_algorithm = hash;
    sig.hashed_area = std::move(hashed);
    if (sig.version == 6) sig.salt = Bytes(hash_algorithm(hash)->v6_salt_size, 0x5A);
    auto hasher = SignatureHasher::start(sig);
    EXPECT_TRUE(hasher);
    feed(*hasher);
    Bytes digest = *hasher->finish(sig);
    sig.left16 = static_cast<std::uint16_t>(digest[0] << 8 | digest[1]);
    ossl::MdCtx ctx(EVP_MD_CTX_new());
    EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, s.key.get(), nullptr);
    std::size_t len = 0;
    EVP_DigestSign(ctx.get(), nullptr, &len, digest.data(), digest.size());
    Bytes value(len);
    EVP_DigestSign(ctx.get(), value.data(), &len, digest.data(), digest.size());
    sig.fields = {value};
    return sig;
}

struct Case {
    const char* type;
    std::uint8_t algorithm;
    std::uint8_t version;
    std::uint8_t hash;
};

class NativeEdDsa : public ::testing::TestWithParam<Case> {};

TEST_P(NativeEdDsa, CertificateAndDetachedSignature)
{
    const Case c = GetParam();
    Signer s = make_signer(c.type, c.algorithm, c.version);
    Certificate cert;
    cert.primary = s.pub;
    cert.signatures.push_back({sign(s, 0x1F, c.hash, SigContext::primary_key, area(0x03),
                                    [&](SignatureHasher& h) { h.update_key(s.pub); }), 0});
    Parsed keyring{InputKind::certificates, false, {cert}};
    // Through the wire format, so decode()'s shape checks apply too.
    auto decoded = decode(encode(keyring));
    ASSERT_TRUE(decoded) << decoded.error().message;
    Policy policy;
    policy.now = created + 100;
    auto ring = Keyring::from({*decoded}, policy);
    ASSERT_TRUE(ring);

    const Bytes data = {'n', 'a', 't', 'i', 'v', 'e'};
    Parsed detached;
    detached.kind = InputKind::detached_signature;
    detached.signatures.push_back(sign(s, 0x00, c.hash, SigContext::standalone, area(0), [&](SignatureHasher& h) { h.update(data); }));
    auto verdict = verify_detached(*ring, detached, data, policy);
    ASSERT_TRUE(verdict);
    EXPECT_TRUE(verdict->valid()) << verdict->status().error().message;

    Bytes other = data;
    other[0] ^= 1;
    EXPECT_FALSE(verify_detached(*ring, detached, other, policy)->valid());
    Parsed bad = detached;
    bad.signatures[0].fields[0][10] ^= 1;
    EXPECT_FALSE(verify_detached(*ring, bad, data, policy)->valid());

    // RFC 9580 §5.2.3.4: Ed448 needs a 512-bit hash, Ed25519 a 256-bit one.
    if (c.algorithm == 28) {
        Parsed weak;
        weak.kind = InputKind::detached_signature;
        weak.signatures.push_back(sign(s, 0x00, 8, SigContext::standalone, area(0), [&](SignatureHasher& h) { h.update(data); }));
        EXPECT_FALSE(verify_detached(*ring, weak, data, policy)->valid());
    }
}

TEST(SharedDataHash, SignaturesWithTheSameHashAreJudgedApart)
{
    // v4 signatures with one hash algorithm share the data part of the hash; each
    // still gets its own trailer and verdict.
    Signer a = make_signer("ED25519", 27, 4), b = make_signer("ED25519", 27, 4);
    auto cert_of = [](const Signer& s) {
        Certificate c;
        c.primary = s.pub;
        c.signatures.push_back({sign(s, 0x1F, 8, SigContext::primary_key, area(0x03),
                                     [&](SignatureHasher& h) { h.update_key(s.pub); }), 0});
        return c;
    };
    Policy policy;
    policy.now = created + 100;
    policy.signatures = 2;
    auto ring = Keyring::from({Parsed{InputKind::certificates, false, {cert_of(a), cert_of(b)}}}, policy);
    ASSERT_TRUE(ring);
    const Bytes data = {'l', 'i', 'n', 'e', '\r'};
    auto feed = [&](SignatureHasher& h) { h.update(data); };
    auto text_feed = [&](SignatureHasher& h) { h.update(Bytes{'l', 'i', 'n', 'e', '\r', '\n'}); };
    Parsed both;
    both.kind = InputKind::detached_signature;
    both.signatures = {sign(a, 0x00, 8, SigContext::standalone, area(0), feed),
                       sign(b, 0x00, 8, SigContext::standalone, area(0), feed),
                       sign(a, 0x01, 8, SigContext::standalone, area(0), text_feed),
                       sign(b, 0x01, 8, SigContext::standalone, area(0), text_feed)};
    auto verdict = verify_detached(*ring, both, data, policy);
    ASSERT_TRUE(verdict);
    EXPECT_TRUE(verdict->valid()) << verdict->status().error().message;
    EXPECT_TRUE(verdict->bad.empty());

    Parsed first_bad = both;
    first_bad.signatures[0].fields[0][3] ^= 1;
    first_bad.signatures[3].hashed_area[3] ^= 1;
    verdict = verify_detached(*ring, first_bad, data, policy);
    ASSERT_TRUE(verdict);
    EXPECT_TRUE(verdict->valid());          // b's binary and a's text signature remain
    EXPECT_EQ(verdict->bad.size(), 2u);
    first_bad.signatures[2].left16 ^= 1;
    EXPECT_FALSE(verify_detached(*ring, first_bad, data, policy)->valid());   // only b left
}

INSTANTIATE_TEST_SUITE_P(Keys, NativeEdDsa,
                         ::testing::Values(Case{"ED25519", 27, 4, 8}, Case{"ED25519", 27, 6, 8},
                                           Case{"ED448", 28, 4, 10}, Case{"ED448", 28, 6, 14}));

}  // namespace
}  // namespace umd::pgp
