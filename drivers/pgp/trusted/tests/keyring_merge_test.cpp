// drivers/pgp/trusted/tests/keyring_merge_test.cpp — Keyring::from() merges the
// copies of a certificate in work linear in the records (issue 12: `umd pgp show`
// of a certificate repeated with thousands of subkeys recomputed every merged
// subkey's fingerprint for each new one, 0.98 s at 2 000 subkeys, 3.6 s at 4 000).
// The bound is checked by counting fingerprint computations, never by timing.
#include <gtest/gtest.h>

#include <set>

#include "drivers/pgp/trusted/algorithms.h"
#include "drivers/pgp/trusted/keyring.h"
#include "drivers/pgp/trusted/work_counters.h"

namespace umd::pgp {
namespace {

/// A v4 Ed25519 key whose 32 key bytes spell `seed`: distinct seeds, distinct fingerprints.
Key ed25519(bool subkey, std::uint32_t seed)
{
    Bytes point(32, 0x5A);
    for (int i = 0; i < 4; ++i) point[i] = static_cast<std::uint8_t>(seed >> (8 * i));
    return Key{subkey, 4, 1600000000, pk::ed25519, {point}};
}

/// A subkey binding whose values are garbage: it is only renumbered, then rejected.
Certificate::Bound binding(std::uint32_t target)
{
    Signature sig;
    sig.context = SigContext::subkey;
    sig.version = 4;
    sig.type = 0x18;
    sig.pk_algorithm = pk::ed25519;
    sig.hash_algorithm = 8;
    sig.fields = {Bytes(64, 0)};
    return {sig, target};
}

/// Records a certificate takes in a reply (protocol-pgp.md): itself, its primary key,
/// each user ID, subkey and bound signature.
std::size_t records(const Certificate& c) { return 2 + c.user_ids.size() + c.subkeys.size() + c.signatures.size(); }

struct Input {
    std::vector<Parsed> parsed;
    std::size_t records = 0;
};

/// `copies` copies of one certificate, copy c holding subkeys [c*step, c*step + per_copy):
/// step = per_copy repeats nothing, step = 0 repeats every subkey.
Input repeated(std::size_t copies, std::size_t per_copy, std::size_t step)
{
    Input in;
    Parsed p;
    p.kind = InputKind::certificates;
    for (std::size_t c = 0; c < copies; ++c) {
        Certificate cert;
        cert.primary = ed25519(false, 0xFFFFFFFF);
        cert.user_ids = {"Many <many@example.org>"};
        for (std::size_t s = 0; s < per_copy; ++s) cert.subkeys.push_back(ed25519(true, static_cast<std::uint32_t>(c * step + s)));
        cert.signatures.push_back(binding(static_cast<std::uint32_t>(per_copy - 1)));
        in.records += records(cert);
        p.certificates.push_back(std::move(cert));
    }
    in.records += 1;   // the header
    in.parsed.push_back(std::move(p));
    return in;
}

/// Builds the keyring and checks the merge: one certificate, every distinct subkey
/// once, one user ID, every signature kept with its target renumbered in range.
void merge_and_check(Input in, std::size_t distinct_subkeys, std::size_t signatures)
{
    work_counters().reset();
    auto ring = Keyring::from(std::move(in.parsed), {});
    ASSERT_TRUE(ring) << ring.error().message;
    std::uint64_t computed = work_counters().fingerprints;
    // One fingerprint per key record at most: linear in the records, whatever repeats.
    EXPECT_LE(computed, in.records) << "fingerprints computed for " << in.records << " records";
    ASSERT_LE(computed, 2 * in.records) << "merging is not linear in the records";

    const auto& certs = ring->certificates();
    ASSERT_EQ(certs.size(), 1u);
    EXPECT_EQ(certs[0].subkeys.size(), distinct_subkeys);
    std::set<Bytes> fingerprints;
    for (const auto& s : certs[0].subkeys) fingerprints.insert(s.fingerprint);
    EXPECT_EQ(fingerprints.size(), distinct_subkeys);
    EXPECT_EQ(certs[0].rejected_signatures.size(), signatures);
    for (const auto& why : certs[0].rejected_signatures)
        ASSERT_EQ(why.find("no such subkey"), std::string::npos) << why;
}

TEST(KeyringMerge, ACertificateRepeatedWithItsSubkeysIsMergedInLinearWork)
{
    // Small first: the old merge computed ~2 million fingerprints here (2 000² / 2 + ...).
    ASSERT_NO_FATAL_FAILURE(merge_and_check(repeated(2, 2000, 0), 2000, 2));
    // At the record cap: two copies of a certificate with 49 995 subkeys each.
    std::size_t per_copy = (Limits::max_records - 1 - 8) / 2;
    Input cap = repeated(2, per_copy, 0);
    ASSERT_LE(cap.records, Limits::max_records);
    ASSERT_NO_FATAL_FAILURE(merge_and_check(std::move(cap), per_copy, 2));
}

TEST(KeyringMerge, CopiesEachAddingASubkeyAreMergedInLinearWork)
{
    ASSERT_NO_FATAL_FAILURE(merge_and_check(repeated(2000, 1, 1), 2000, 2000));
    // At the record cap: 19 999 copies of the certificate, each with a new subkey.
    std::size_t copies = (Limits::max_records - 1) / 5;
    Input cap = repeated(copies, 1, 1);
    ASSERT_LE(cap.records, Limits::max_records);
    ASSERT_NO_FATAL_FAILURE(merge_and_check(std::move(cap), copies, copies));
}

TEST(KeyringMerge, RepeatedUserIdsAndSubkeysInsideOneCertificateAreOneEach)
{
    Input in = repeated(1, 3, 1);
    Certificate& cert = in.parsed[0].certificates[0];
    cert.user_ids.push_back(cert.user_ids[0]);
    cert.subkeys.push_back(cert.subkeys[0]);
    cert.signatures.push_back(binding(3));   // the repeated subkey's binding: now subkey 0's
    auto ring = Keyring::from(std::move(in.parsed), {});
    ASSERT_TRUE(ring);
    const auto& certs = ring->certificates();
    ASSERT_EQ(certs.size(), 1u);
    EXPECT_EQ(certs[0].subkeys.size(), 3u);
    EXPECT_EQ(certs[0].rejected_signatures.size(), 2u);
    for (const auto& why : certs[0].rejected_signatures) EXPECT_EQ(why.find("no such subkey"), std::string::npos) << why;
}

}  // namespace
}  // namespace umd::pgp
