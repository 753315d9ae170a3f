// drivers/pgp/trusted/tests/hash_amplification_test.cpp — the verifier hashes the
// signed data a bounded number of times, however many signatures an input holds
// (issue 12: 256 v6 signatures over 32 MiB were each hashed over the whole data
// before anyone asked whether a key of the keyring could have made them: 7.7 s).
// Checked by counting the bytes hashed (work_counters()), never by timing.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include "drivers/pgp/trusted/algorithms.h"
#include "drivers/pgp/trusted/key_material.h"
#include "drivers/pgp/trusted/verifier.h"
#include "drivers/pgp/trusted/work_counters.h"

namespace umd::pgp {
namespace {

constexpr std::uint32_t key_created = 1600000000, sig_created = 1700000000;

Key ed25519_key(std::uint8_t version, std::uint8_t seed)
{
    return Key{false, version, key_created, pk::ed25519, {Bytes(32, seed)}};
}

Keyring ring_of(const std::vector<Key>& keys)
{
    Parsed p;
    p.kind = InputKind::certificates;
    for (const Key& k : keys) p.certificates.push_back(Certificate{k, {}, {}, {}});
    auto ring = Keyring::from({p}, {});
    EXPECT_TRUE(ring) << ring.error().message;
    return std::move(*ring);
}

/// A binary data signature with bogus values. `issuer`: an issuer fingerprint
/// subpacket in the hashed area (empty: none); `hints`: the handler's hints only.
Signature data_signature(std::uint8_t version, std::uint8_t hash, const Bytes& issuer, std::uint32_t salt_seed,
                         std::vector<Bytes> hints = {})
{
    Signature s;
    s.version = version;
    s.type = 0x00;
    s.pk_algorithm = pk::ed25519;
    s.hash_algorithm = hash;
    Bytes& area = s.hashed_area;
    area.push_back(5);    // creation time
    area.push_back(2);
    for (int shift = 24; shift >= 0; shift -= 8) area.push_back(static_cast<std::uint8_t>(sig_created >> shift));
    if (!issuer.empty()) {   // issuer fingerprint
        area.push_back(static_cast<std::uint8_t>(2 + issuer.size()));
        area.push_back(33);
        area.push_back(version);
        for (std::uint8_t b : issuer) area.push_back(b);
    }
    if (version == 6) {
        s.salt.assign(hash_algorithm(hash)->v6_salt_size, 0);
        for (int i = 0; i < 4; ++i) s.salt[i] = static_cast<std::uint8_t>(salt_seed >> (8 * i));
    }
    s.fields = {Bytes(64, 0x11)};
    s.issuer_hints = std::move(hints);
    return s;
}

Parsed detached(std::vector<Signature> sigs)
{
    Parsed p;
    p.kind = InputKind::detached_signature;
    p.signatures = std::move(sigs);
    return p;
}

const Bytes& data()
{
    static const Bytes bytes(1u << 20, 0x42);
    return bytes;
}

/// Runs `verify` with fresh counters; checks the verdict has one bad entry per signature.
template <class F>
WorkCounters::Snapshot counted(std::size_t signatures, F verify)
{
    work_counters().reset();
    Result<Verdict> verdict = verify();
    EXPECT_TRUE(verdict) << verdict.error().message;
    if (verdict) {
        EXPECT_FALSE(verdict->valid());
        EXPECT_EQ(verdict->bad.size(), signatures);
    }
    return work_counters().snapshot();
}

const std::uint8_t sha256 = 8, sha512 = 10;

// 256 v6 signatures naming a key of the keyring, each with its own salt: each would
// need its own pass. At most max_data_passes are made, the rest are bad unchecked.
TEST(HashAmplification, ManySaltedSignaturesByAKnownKeyHashTheDataAFewTimes)
{
    Key key = ed25519_key(6, 0x21);
    Keyring ring = ring_of({key});
    std::vector<Signature> sigs;
    for (std::uint32_t i = 0; i < 256; ++i) sigs.push_back(data_signature(6, sha256, fingerprint(key), i));
    Parsed sig = detached(sigs);
    const std::uint64_t n = data().size();

    auto buffer = counted(256, [&] { return verify_detached(ring, sig, data(), Policy{}); });
    EXPECT_LE(buffer.data_bytes_hashed, max_data_passes * n);
    EXPECT_LE(buffer.data_passes, max_data_passes);

    int fd = ::memfd_create("umd-test-data", MFD_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, data().data(), n), static_cast<ssize_t>(n));
    ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
    auto file = counted(256, [&] { return verify_detached(ring, sig, fd, Policy{}); });
    ::close(fd);
    EXPECT_LE(file.data_bytes_hashed, max_data_passes * n);

    Parsed message;
    message.kind = InputKind::inline_message;
    message.signatures = sigs;
    message.text = data();
    auto inline_message = counted(256, [&] { return verify_message(ring, message, Policy{}, nullptr); });
    EXPECT_LE(inline_message.data_bytes_hashed, max_data_passes * n);

    // The signatures past the cap say why they were not checked.
    auto verdict = verify_detached(ring, sig, data(), Policy{});
    ASSERT_TRUE(verdict);
    EXPECT_NE(verdict->bad.back().reason.find("not checked"), std::string::npos) << verdict->bad.back().reason;
    EXPECT_NE(verdict->bad.front().reason.find("not checked"), 0u) << verdict->bad.front().reason;
}

// Signatures no key of the keyring could have made are judged before any hashing:
// issuers that match no key (in the hashed area or as hints), or only a key of another version.
TEST(HashAmplification, SignaturesWithoutACandidateKeyAreNotHashed)
{
    Key v4 = ed25519_key(4, 0x31);
    Keyring ring = ring_of({v4});
    std::vector<Signature> sigs;
    for (std::uint32_t i = 0; i < 100; ++i) sigs.push_back(data_signature(6, sha256, Bytes(32, static_cast<std::uint8_t>(i)), i));
    for (std::uint32_t i = 0; i < 100; ++i)
        sigs.push_back(data_signature(4, sha512, {}, 0, {Bytes(8, static_cast<std::uint8_t>(i))}));   // hints only
    for (std::uint32_t i = 0; i < 100; ++i) sigs.push_back(data_signature(6, sha256, {}, i));         // no issuer, no v6 key
    auto counts = counted(300, [&] { return verify_detached(ring, detached(sigs), data(), Policy{}); });
    EXPECT_EQ(counts.data_bytes_hashed, 0u);
    EXPECT_EQ(counts.data_passes, 0u);

    auto verdict = verify_detached(ring, detached(sigs), data(), Policy{});
    ASSERT_TRUE(verdict);
    EXPECT_EQ(verdict->bad[0].reason, "no matching key in the keyring");
    EXPECT_EQ(verdict->bad[0].issuer, hex_upper(Bytes(32, 0)));
    EXPECT_EQ(verdict->bad[100].reason, "no matching key in the keyring");
    EXPECT_EQ(verdict->bad[200].reason, "v6 signature by a v4 key");
}

// v4 signatures share one data hash per hash algorithm, however many there are.
TEST(HashAmplification, V4SignaturesShareOneHashPerAlgorithm)
{
    Key key = ed25519_key(4, 0x41);
    Keyring ring = ring_of({key});
    std::vector<Signature> sigs;
    for (std::uint32_t i = 0; i < 500; ++i) sigs.push_back(data_signature(4, i % 2 ? sha256 : sha512, fingerprint(key), 0));
    auto counts = counted(500, [&] { return verify_detached(ring, detached(sigs), data(), Policy{}); });
    EXPECT_EQ(counts.data_passes, 2u);
    EXPECT_EQ(counts.data_bytes_hashed, 2 * data().size());
}

// Each signature a key could have made costs a public-key operation: at most
// max_checked_signatures of them per input, however many the input holds.
TEST(HashAmplification, PublicKeyChecksAreBoundedPerInput)
{
    Key key = ed25519_key(4, 0x51);
    Keyring ring = ring_of({key});
    std::vector<Signature> sigs;
    for (std::uint32_t i = 0; i < 1000; ++i) sigs.push_back(data_signature(4, sha256, fingerprint(key), 0));
    auto counts = counted(1000, [&] { return verify_detached(ring, detached(sigs), data(), Policy{}); });
    EXPECT_EQ(counts.signature_checks, max_checked_signatures);
    auto verdict = verify_detached(ring, detached(sigs), data(), Policy{});
    ASSERT_TRUE(verdict);
    EXPECT_EQ(verdict->bad.front().reason.find("not checked"), std::string::npos) << verdict->bad.front().reason;
    EXPECT_NE(verdict->bad.back().reason.find("not checked: at most"), std::string::npos) << verdict->bad.back().reason;
}

}  // namespace
}  // namespace umd::pgp
