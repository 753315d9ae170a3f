// drivers/pgp/handler/tests/gpg_certificates_test.cpp — keys made by gpg, parsed, checked against gpg.
//
// For each algorithm gpg can generate, the exported certificate (with a
// signing subkey carrying a back-signature and an encryption subkey) is parsed
// and every key and signature field is compared with `gpg --list-packets`; the
// v4 fingerprints rebuilt from the parsed fields must equal gpg's.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <regex>

#include "drivers/pgp/handler/parse.h"
#include "peer.h"

namespace umd::pgp {
namespace {

using namespace umd::pgp::testing;

/// The v4 fingerprint rebuilt from parsed fields (what the Manager does, done here independently).
std::string v4_fingerprint(const Key& key)
{
    Bytes body{4};
    for (int i = 3; i >= 0; --i) body.push_back(static_cast<std::uint8_t>(key.created >> (8 * i)));
    body.push_back(key.algorithm);
    auto mpi = [&](const Bytes& v) {
        std::size_t bits = bit_count(v);
        body.push_back(static_cast<std::uint8_t>(bits >> 8));
        body.push_back(static_cast<std::uint8_t>(bits));
        body.insert(body.end(), v.begin(), v.end());
    };
    switch (key.algorithm) {
    case 1: case 2: case 3: case 17:
        for (const Bytes& f : key.fields) mpi(f);
        break;
    case 19: case 22:
        body.push_back(static_cast<std::uint8_t>(key.fields[0].size()));
        body.insert(body.end(), key.fields[0].begin(), key.fields[0].end());
        mpi(key.fields[1]);
        break;
    default:
        body.insert(body.end(), key.fields[0].begin(), key.fields[0].end());
    }
    Bytes framed{0x99, static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())};
    framed.insert(framed.end(), body.begin(), body.end());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(framed.data(), framed.size(), md, &len, EVP_sha1(), nullptr);
    return hex(ByteView(md, len));
}

void expect_key_matches(const Key& key, const ListedPacket& listed)
{
    std::smatch m;
    std::string head = listed.line_with("version ");
    ASSERT_TRUE(std::regex_search(head, m, std::regex(R"(version (\d+), algo (\d+), created (\d+))"))) << head;
    EXPECT_EQ(key.version, std::stoi(m[1]));
    EXPECT_EQ(key.algorithm, std::stoi(m[2]));
    EXPECT_EQ(key.created, std::stoul(m[3]));
    std::vector<std::string> pkeys;
    for (const std::string& l : listed.lines)
        if (l.find("pkey[") != std::string::npos) pkeys.push_back(l);
    const bool raw = !(key.algorithm <= 3 || key.algorithm == 17 || key.algorithm == 19 || key.algorithm == 22);
    if (raw) {
        ASSERT_EQ(key.fields.size(), 1u);
        return;
    }
    ASSERT_EQ(key.fields.size(), pkeys.size());
    for (std::size_t i = 0; i < pkeys.size(); ++i) {
        ASSERT_TRUE(std::regex_search(pkeys[i], m, std::regex(R"(\[(\d+) bits\](?: \S+ \(([0-9.]+)\))?)")));
        if (m[2].matched) {
            EXPECT_EQ(dotted_oid(key.fields[i]), m[2].str());
        } else {
            EXPECT_EQ(bit_count(key.fields[i]), std::stoul(m[1])) << "field " << i;
        }
    }
}

void expect_signature_matches(const Signature& sig, const ListedPacket& listed)
{
    std::smatch m;
    std::string head = listed.line_with(":signature packet:");
    ASSERT_TRUE(std::regex_search(head, m, std::regex(R"(algo (\d+), keyid ([0-9A-F]{16}))"))) << head;
    EXPECT_EQ(sig.pk_algorithm, std::stoi(m[1]));
    const std::string keyid = m[2];
    bool hinted = false;
    for (const Bytes& h : sig.issuer_hints) hinted |= hex(h).ends_with(keyid);
    EXPECT_TRUE(hinted) << "issuer " << keyid << " not among the hints";
    std::string v = listed.line_with("sigclass");
    ASSERT_TRUE(std::regex_search(v, m, std::regex(R"(version (\d+), .*sigclass 0x([0-9a-f]{2}))")));
    EXPECT_EQ(sig.version, std::stoi(m[1]));
    EXPECT_EQ(sig.type, std::stoi(m[2], nullptr, 16));
    std::string d = listed.line_with("digest algo");
    ASSERT_TRUE(std::regex_search(d, m, std::regex(R"(digest algo (\d+), begin of digest ([0-9a-f]{2}) ([0-9a-f]{2}))")));
    EXPECT_EQ(sig.hash_algorithm, std::stoi(m[1]));
    EXPECT_EQ(sig.left16, (std::stoi(m[2], nullptr, 16) << 8) | std::stoi(m[3], nullptr, 16));
    EXPECT_EQ(walk_subpackets(sig.hashed_area), listed_subpackets(listed, true));
    EXPECT_EQ(walk_subpackets(sig.unhashed_area), listed_subpackets(listed, false));
    std::size_t data_lines = 0;
    for (const std::string& l : listed.lines) data_lines += l.find("\tdata: ") != std::string::npos;
    EXPECT_EQ(sig.fields.size(), data_lines);
}

class GpgCertificate : public ::testing::TestWithParam<std::string> {};

TEST_P(GpgCertificate, ParsedFieldsMatchGpg)
{
    Gpg gpg;
    const std::string fpr = gpg.generate("Alice <alice@example.org>", GetParam());
    ASSERT_FALSE(fpr.empty());
    gpg("--quick-add-key " + fpr + " ed25519 sign never");
    gpg("--quick-add-key " + fpr + " cv25519 encr never");
    gpg("--quick-add-uid " + fpr + " " + quote("Alice Two <alice2@example.org>"));
    gpg("--output " + gpg.file("cert.pgp") + " --export " + fpr);
    gpg("--armor --output " + gpg.file("cert.asc") + " --export " + fpr);
    const auto listed = parse_listing(gpg("--list-packets " + gpg.file("cert.pgp")));
    const auto fprs = gpg.fingerprints(fpr);

    for (const char* name : {"cert.pgp", "cert.asc"}) {
        SCOPED_TRACE(name);
        Bytes input = read_file(gpg.file(name));
        auto parsed = parser::parse(input);
        ASSERT_TRUE(parsed) << parsed.error().message;
        EXPECT_EQ(parsed->kind, InputKind::certificates);
        EXPECT_EQ(parsed->armored, std::string(name).ends_with(".asc"));
        ASSERT_EQ(parsed->certificates.size(), 1u);
        const Certificate& cert = parsed->certificates[0];

        std::vector<const Key*> keys{&cert.primary};
        for (const Key& k : cert.subkeys) keys.push_back(&k);
        std::vector<const ListedPacket*> listed_keys, listed_uids, listed_sigs;
        for (const auto& p : listed) {
            if (p.tag == 6 || p.tag == 14) listed_keys.push_back(&p);
            if (p.tag == 13) listed_uids.push_back(&p);
            if (p.tag == 2) listed_sigs.push_back(&p);
        }
        ASSERT_EQ(keys.size(), listed_keys.size());
        ASSERT_EQ(keys.size(), fprs.size());
        for (std::size_t i = 0; i < keys.size(); ++i) {
            expect_key_matches(*keys[i], *listed_keys[i]);
            EXPECT_EQ(keys[i]->subkey, i > 0);
            EXPECT_EQ(v4_fingerprint(*keys[i]), fprs[i]) << "key " << i;
        }
        ASSERT_EQ(cert.user_ids.size(), listed_uids.size());
        EXPECT_EQ(cert.user_ids[0], "Alice <alice@example.org>");
        EXPECT_EQ(cert.user_ids[1], "Alice Two <alice2@example.org>");

        std::vector<const Certificate::Bound*> sigs;
        int back_sigs = 0;
        for (std::size_t i = 0; i < cert.signatures.size(); ++i) {
            const auto& b = cert.signatures[i];
            if (b.signature.context == SigContext::back_signature) {
                ++back_sigs;
                ASSERT_GT(i, 0u);
                const auto& binding = cert.signatures[i - 1];
                EXPECT_EQ(binding.signature.context, SigContext::subkey);
                EXPECT_EQ(binding.target, b.target);
                EXPECT_EQ(b.signature.type, 0x19);
                // The back-signature is made by the signing subkey.
                EXPECT_EQ(hex(b.signature.issuer_hints.at(0)), fprs[1 + b.target].substr(fprs[1 + b.target].size() -
                                                                                         2 * b.signature.issuer_hints[0].size()));
                continue;
            }
            sigs.push_back(&b);
        }
        EXPECT_EQ(back_sigs, 1);   // the signing subkey; encryption subkeys need none
        ASSERT_EQ(sigs.size(), listed_sigs.size());
        for (std::size_t i = 0; i < sigs.size(); ++i) {
            SCOPED_TRACE(i);
            expect_signature_matches(sigs[i]->signature, *listed_sigs[i]);
            const auto ctx = sigs[i]->signature.context;
            if (sigs[i]->signature.type == 0x13) {
                EXPECT_EQ(ctx, SigContext::user_id);
            }
            if (sigs[i]->signature.type == 0x18) {
                EXPECT_EQ(ctx, SigContext::subkey);
            }
        }
        EXPECT_LE(parser::count_records(*parsed), Limits::max_records);
    }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, GpgCertificate,
                         ::testing::Values("rsa2048", "rsa3072", "dsa2048", "nistp256", "nistp384", "nistp521",
                                           "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "ed25519"),
                         [](const auto& info) { return info.param; });

TEST(GpgKeyring, SeveralCertificatesArmoredAndBinary)
{
    Gpg gpg;
    std::string a = gpg.generate("A <a@example.org>", "ed25519");
    std::string b = gpg.generate("B <b@example.org>", "nistp256");
    std::string c = gpg.generate("C <c@example.org>", "rsa2048");
    gpg("--output " + gpg.file("ring.pgp") + " --export");
    // Three armored blocks concatenated, as `cat a.asc b.asc c.asc` would make.
    std::string armored;
    for (const auto& f : {a, b, c}) armored += gpg("--armor --export " + f);
    for (const Bytes& input : {read_file(gpg.file("ring.pgp")), Bytes(armored.begin(), armored.end())}) {
        auto parsed = parser::parse(input);
        ASSERT_TRUE(parsed) << parsed.error().message;
        ASSERT_EQ(parsed->certificates.size(), 3u);
        std::vector<std::string> got;
        for (const auto& cert : parsed->certificates) got.push_back(v4_fingerprint(cert.primary));
        std::sort(got.begin(), got.end());
        std::vector<std::string> want{a, b, c};
        std::sort(want.begin(), want.end());
        EXPECT_EQ(got, want);
    }
}

TEST(GpgKeyring, RevocationAndDirectKeySignaturesConcernThePrimaryKey)
{
    Gpg gpg;
    std::string fpr = gpg.generate("R <r@example.org>", "ed25519");
    // Import the generated revocation certificate: a 0x20 signature on the primary key.
    std::string rev = run("sed 's/^:-----/-----/' " + quote(gpg.file("openpgp-revocs.d/" + fpr + ".rev"))).out;
    write_file(gpg.file("rev.asc"), rev);
    gpg("--import " + gpg.file("rev.asc"));
    gpg("--output " + gpg.file("cert.pgp") + " --export " + fpr);
    auto parsed = parser::parse(read_file(gpg.file("cert.pgp")));
    ASSERT_TRUE(parsed) << parsed.error().message;
    bool found = false;
    for (const auto& b : parsed->certificates.at(0).signatures)
        if (b.signature.type == 0x20) {
            found = true;
            EXPECT_EQ(b.signature.context, SigContext::primary_key);
        }
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace umd::pgp
