// A lying handler: records that were good are altered the way a compromised
// handler could alter them. The Manager rebuilds every hashed byte from the
// records and hashes the data itself, so no alteration may yield a valid verdict.
// Also the v6 path, on the RFC 9580 Appendix A samples.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <optional>

#include "drivers/pgp/handler/parse.h"
#include "drivers/pgp/trusted/key_material.h"
#include "drivers/pgp/trusted/tests/peer.h"
#include "drivers/pgp/trusted/tests/rfc9580_vectors.h"

namespace umd::pgp::test {
namespace {

Parsed parse_text(std::string_view text)
{
    auto parsed = parser::parse(as_bytes(text));
    if (!parsed) throw std::runtime_error(parsed.error().message);
    ByteView input = as_bytes(text);
    auto decoded = decode(encode(*parsed), Bytes(input.begin(), input.end()));
    if (!decoded) throw std::runtime_error(decoded.error().message);
    return *decoded;
}

TEST(Rfc9580, V6CertificateFingerprintAndCleartextSignature)
{
    Parsed cert = parse_text(rfc9580_a3_certificate);
    auto ring = Keyring::from({cert}, {});
    ASSERT_TRUE(ring) << ring.error().message;
    ASSERT_EQ(ring->certificates().size(), 1u);
    const auto& vc = ring->certificates()[0];
    EXPECT_EQ(hex_upper(vc.primary.fingerprint), rfc9580_a3_fingerprint);
    EXPECT_EQ(hex_upper(vc.primary.key_id), std::string(rfc9580_a3_fingerprint).substr(0, 16));   // v6: high 8 bytes
    EXPECT_FALSE(vc.primary.bindings.empty()) << "the v6 direct-key self-signature should verify";
    ASSERT_EQ(vc.subkeys.size(), 1u);
    EXPECT_FALSE(vc.subkeys[0].bindings.empty()) << "the v6 subkey binding should verify";

    Parsed msg = parse_text(rfc9580_a6_cleartext);
    Bytes out;
    auto verdict = verify_message(*ring, msg, {}, &out);
    ASSERT_TRUE(verdict) << verdict.error().message;
    EXPECT_TRUE(verdict->valid()) << verdict->status().error().message;
    ASSERT_EQ(verdict->good_signers.size(), 1u);
    EXPECT_EQ(verdict->good_signers[0], rfc9580_a3_fingerprint);
    EXPECT_EQ(as_chars(out), "What we need from the grocery store:\n\n- tofu\n- vegetables\n- noodles\n\n");   // as gpgv --output writes it
}

/// Alters a copy of the message records; the verdict must not be valid.
void expect_refused(const Keyring& ring, const Parsed& good, const std::function<void(Parsed&)>& lie, const char* what)
{
    Parsed bad = good;
    lie(bad);
    auto verdict = verify_message(ring, bad, {}, nullptr);
    EXPECT_TRUE(!verdict || !verdict->valid()) << what;
}

TEST(LyingHandler, V6MessageRecords)
{
    auto ring = Keyring::from({parse_text(rfc9580_a3_certificate)}, {});
    ASSERT_TRUE(ring);
    Parsed good = parse_text(rfc9580_a6_cleartext);
    ASSERT_TRUE(verify_message(*ring, good, {}, nullptr)->valid());
    expect_refused(*ring, good, [](Parsed& p) { p.signatures[0].salt[0] ^= 1; }, "altered salt");
    expect_refused(*ring, good, [](Parsed& p) { std::reverse(p.signatures[0].salt.begin(), p.signatures[0].salt.end()); }, "swapped salt");
    expect_refused(*ring, good, [](Parsed& p) { p.signatures[0].salt.resize(16); }, "short salt");
    expect_refused(*ring, good, [](Parsed& p) { p.input[p.text_lines->front().offset] = 'w'; }, "other text");
    expect_refused(*ring, good, [](Parsed& p) { p.signatures[0].hashed_area.back() ^= 1; }, "altered hashed area");
    expect_refused(*ring, good, [](Parsed& p) { p.signatures[0].type = 0x00; }, "binary type");
    expect_refused(*ring, good, [](Parsed& p) { p.signatures[0].hash_algorithm = 8; }, "other hash");
    expect_refused(*ring, good, [](Parsed& p) { p.signatures[0].version = 4; p.signatures[0].salt.clear(); }, "v4 claim");
    expect_refused(*ring, good, [](Parsed& p) { p.signatures[0].fields[0][5] ^= 1; }, "altered signature value");
    expect_refused(*ring, good, [](Parsed& p) { p.signatures[0].left16 ^= 1; }, "altered left16");
    expect_refused(*ring, good, [](Parsed& p) { p.cleartext_hash_headers = {8}; }, "hash header mismatch");
    // Hints are only hints: dropping or faking them cannot make a bad signature good, and
    // the issuer fingerprint in the hashed area still finds the key.
    Parsed no_hints = good;
    no_hints.signatures[0].issuer_hints.clear();
    EXPECT_TRUE(verify_message(*ring, no_hints, {}, nullptr)->valid());
}

/// Text lines are claims about the Manager's own bytes: whatever lines a handler
/// names, the Manager reads only inside its input and hashes exactly the text it
/// outputs, so no other choice of lines may verify.
TEST(LyingHandler, CleartextTextLines)
{
    auto ring = Keyring::from({parse_text(rfc9580_a3_certificate)}, {});
    ASSERT_TRUE(ring);
    Parsed good = parse_text(rfc9580_a6_cleartext);
    ASSERT_TRUE(good.text_lines);
    const std::vector<TextLine> lines = *good.text_lines;
    ASSERT_GE(lines.size(), 3u);
    const auto size = static_cast<std::uint32_t>(good.input.size());
    Bytes out;
    ASSERT_TRUE(verify_message(*ring, good, {}, &out)->valid());
    EXPECT_EQ(as_chars(out), "What we need from the grocery store:\n\n- tofu\n- vegetables\n- noodles\n\n");   // as gpgv --output writes it
    // Each lie, straight into the verifier (as if decode() had been bypassed) and
    // through the wire (decode() must refuse the shape ones as a protocol error).
    auto lie = [&](const std::function<void(std::vector<TextLine>&)>& change, const char* what, bool shape) {
        Parsed bad = good;
        change(*bad.text_lines);
        Bytes text;
        auto verdict = verify_message(*ring, bad, {}, &text);
        EXPECT_TRUE(!verdict || !verdict->valid()) << what;
        EXPECT_TRUE(text.empty()) << what;
        auto decoded = decode(encode(bad), good.input);
        if (shape) {
            ASSERT_FALSE(decoded) << what;
            EXPECT_EQ(decoded.error().code, Errc::protocol) << what;
        } else if (decoded) {
            auto again = verify_message(*ring, *decoded, {}, nullptr);
            EXPECT_TRUE(!again || !again->valid()) << what;
        }
    };
    lie([&](auto& l) { l.back().length = size; }, "past the end of the input", true);
    lie([&](auto& l) { l.back().offset = size; l.back().length = 1; }, "starts at the end", true);
    lie([&](auto& l) { l.back().offset = 0xFFFFFFFFu; }, "offset wraps", true);
    lie([&](auto& l) { std::swap(l[0], l[1]); }, "out of order", true);
    lie([&](auto& l) { l[1].offset = l[0].offset + 1; }, "overlapping", true);
    lie([&](auto& l) { l.insert(l.begin() + 1, l[0]); }, "a line twice", true);
    lie([&](auto& l) { l[0].length += 1; }, "a line and its line end", true);
    lie([&](auto& l) { l.resize(Limits::max_text_lines + 1, TextLine{size, 0}); }, "too many lines", true);
    lie([&](auto& l) { l.pop_back(); }, "a line dropped", false);
    lie([&](auto& l) { l.erase(l.begin() + 1); }, "a middle line dropped", false);
    lie([&](auto& l) { l.push_back({size - 2, 1}); }, "a line added from the signature block", false);
    lie([&](auto& l) { l[0].offset = 0; }, "the header line instead of the first", false);
    lie([&](auto& l) { l[0].length -= 1; }, "a shorter line", false);
    lie([&](auto& l) { l.clear(); }, "no text", false);
    lie([&](auto& l) {
        for (auto& line : l) line.offset += 1, line.length = line.length ? line.length - 1 : 0;
    }, "every line shifted", false);
    // Lines pointing at the text of another file the same key signed: never this file's verdict.
    Parsed other = good;
    other.input.assign(good.input.size(), 'x');
    Bytes none;
    auto verdict = verify_message(*ring, other, {}, &none);
    EXPECT_TRUE(!verdict || !verdict->valid());
    EXPECT_TRUE(none.empty());
}

TEST(LyingHandler, V6CertificateRecords)
{
    Parsed good = parse_text(rfc9580_a3_certificate);
    Parsed msg = parse_text(rfc9580_a6_cleartext);
    auto check = [&](const std::function<void(Parsed&)>& lie, const char* what) {
        Parsed bad = good;
        lie(bad);
        auto ring = Keyring::from({bad}, {});
        ASSERT_TRUE(ring);
        auto verdict = verify_message(*ring, msg, {}, nullptr);
        EXPECT_TRUE(!verdict || !verdict->valid()) << what;
    };
    check([](Parsed& p) { p.certificates[0].primary.fields[0][0] ^= 1; }, "other key material");
    check([](Parsed& p) { p.certificates[0].primary.created += 1; }, "other creation time");
    check([](Parsed& p) { p.certificates[0].primary.version = 4; }, "v4 claim");
    check([](Parsed& p) {
        for (auto& b : p.certificates[0].signatures) b.signature.hashed_area.back() ^= 1;
    }, "altered self-signature areas");
    check([](Parsed& p) { p.certificates[0].signatures.clear(); }, "self-signatures dropped");
    check([](Parsed& p) {
        for (auto& b : p.certificates[0].signatures) b.signature.salt[0] ^= 1;
    }, "altered self-signature salts");
}

TEST(LyingHandler, V4DetachedAndCertificateRecords)
{
    Gpg gpg;
    std::string fpr = gpg.generate("Liar <l@example.org>", "rsa2048", "sign");
    std::string sub = gpg.add_subkey(fpr, "nistp256/sign", "sign");
    std::string data = gpg.file("d.txt");
    write_file(data, "data\n");
    ASSERT_EQ(gpg.gpg("--local-user " + sub + "! --detach-sign --output " + gpg.file("d.sig") + " " + data).status, 0);
    auto cert = parse_file(gpg.export_key(fpr, "k.gpg"));
    auto sig = parse_file(gpg.file("d.sig"));
    ASSERT_TRUE(cert && sig);
    Bytes bytes(5, 0);
    bytes = {'d', 'a', 't', 'a', '\n'};
    {
        auto ring = Keyring::from({*cert}, {});
        ASSERT_TRUE(ring);
        auto verdict = verify_detached(*ring, *sig, bytes, {});
        ASSERT_TRUE(verdict && verdict->valid()) << (verdict ? verdict->status().error().message : verdict.error().message);
    }
    auto sig_lie = [&](const std::function<void(Signature&)>& lie, const char* what) {
        Parsed bad = *sig;
        lie(bad.signatures[0]);
        auto ring = Keyring::from({*cert}, {});
        auto verdict = verify_detached(*ring, bad, bytes, {});
        EXPECT_TRUE(!verdict || !verdict->valid()) << what;
    };
    sig_lie([](Signature& s) { s.hashed_area[2] ^= 1; }, "altered hashed area");
    sig_lie([](Signature& s) { s.type = 0x01; }, "text type");
    sig_lie([](Signature& s) { s.pk_algorithm = 1; }, "other algorithm");
    sig_lie([](Signature& s) { s.fields[0].back() ^= 1; }, "altered r");
    sig_lie([](Signature& s) { std::swap(s.fields[0], s.fields[1]); }, "swapped r and s");
    sig_lie([](Signature& s) { s.hashed_area.clear(); }, "no hashed area");
    sig_lie([](Signature& s) { s.hashed_area.insert(s.hashed_area.end(), {2, 0x80 | 101, 0}); }, "critical unknown");
    sig_lie([](Signature& s) { s.version = 6; s.salt = Bytes(16, 0); }, "v6 claim");

    auto cert_lie = [&](const std::function<void(Certificate&)>& lie, const char* what) {
        Parsed bad = *cert;
        lie(bad.certificates[0]);
        auto ring = Keyring::from({bad}, {});
        ASSERT_TRUE(ring);
        auto verdict = verify_detached(*ring, *sig, bytes, {});
        EXPECT_TRUE(!verdict || !verdict->valid()) << what;
    };
    cert_lie([](Certificate& c) { c.subkeys[0].fields[1].back() ^= 1; }, "other subkey point");
    cert_lie([](Certificate& c) { c.primary.fields[0].back() ^= 2; }, "other primary modulus");
    cert_lie([](Certificate& c) {
        std::erase_if(c.signatures, [](const auto& b) { return b.signature.context == SigContext::back_signature; });
    }, "back-signature dropped");
    cert_lie([](Certificate& c) {
        for (auto& b : c.signatures)
            if (b.signature.context == SigContext::back_signature) b.signature.context = SigContext::subkey;
    }, "back-signature passed off as binding");
    cert_lie([](Certificate& c) {
        for (auto& b : c.signatures)
            if (b.signature.context == SigContext::subkey) b.signature.hashed_area.back() ^= 1;
    }, "altered binding");
    cert_lie([](Certificate& c) {
        c.subkeys.push_back(c.subkeys[0]);
        c.subkeys[0].created += 1;
    }, "subkey swapped under its binding");
}

/// The lines a handler claims for a cleartext message must be exactly the text's
/// lines: any other claim is refused when the reply is decoded, before anything is
/// hashed or written out. Each lie here verified before the framing check: the
/// lines it claims are a text the key signed, but not the text of the file.
TEST(LyingHandler, CleartextLinesMustCoverTheTextExactly)
{
    Gpg gpg;
    std::string fpr = gpg.generate("Liar <l@example.org>", "ed25519");
    write_file(gpg.file("m.txt"), "first\n- dashed\nlast\n");
    ASSERT_EQ(gpg.gpg("--local-user " + fpr + " --clearsign --output " + gpg.file("m.asc") + " " + gpg.file("m.txt")).status, 0);
    auto ring = keyring_from({gpg.export_key(fpr, "k.gpg")});
    ASSERT_TRUE(ring) << ring.error().message;
    const std::string genuine = read_file(gpg.file("m.asc"));

    // What a handler claims for `input`, taken over the wire; the verdict if it decodes.
    auto verdict_for = [&](const std::string& input, const std::function<void(Parsed&)>& lie) -> std::optional<bool> {
        auto honest = parser::parse(as_bytes(input));
        EXPECT_TRUE(honest) << honest.error().message;
        if (!honest) return std::nullopt;
        Parsed claim = *honest;
        lie(claim);
        ByteView in = as_bytes(input);
        auto decoded = decode(encode(claim), Bytes(in.begin(), in.end()));
        if (!decoded) {
            EXPECT_EQ(decoded.error().code, Errc::protocol) << decoded.error().message;
            return std::nullopt;
        }
        auto verdict = verify_message(*ring, *decoded, {}, nullptr);
        return verdict && verdict->valid();
    };
    auto offset_of = [](const std::string& text, std::string_view what) { return static_cast<std::uint32_t>(text.find(what)); };

    // The honest claim on the genuine file is valid (the control).
    EXPECT_EQ(verdict_for(genuine, [](Parsed&) {}), std::optional<bool>(true));

    // A line inserted into the text, left out of the claim (the false accept).
    std::string inserted = genuine;
    inserted.insert(inserted.find("first"), "an unsigned line\n");
    EXPECT_EQ(verdict_for(inserted, [](Parsed&) {}), std::optional<bool>(false)) << "honest claim: the signature fails";
    EXPECT_EQ(verdict_for(inserted, [](Parsed& p) { p.text_lines->erase(p.text_lines->begin()); }), std::nullopt);
    // The same line inserted in the middle and at the end of the text.
    for (std::string_view before : {"- - dashed", "last"}) {
        std::string mid = genuine;
        mid.insert(mid.find(before), "unsigned\n");
        const auto at = offset_of(mid, "unsigned\n");
        EXPECT_EQ(verdict_for(mid, [&](Parsed& p) {
                      std::erase_if(*p.text_lines, [&](const TextLine& l) { return l.offset == at; });
                  }), std::nullopt) << before;
    }
    // Lines claimed where the text is not: an armor header, the signature block.
    EXPECT_EQ(verdict_for(genuine, [&](Parsed& p) {
                  p.text_lines->insert(p.text_lines->begin(), TextLine{offset_of(genuine, "Hash:"), 4});
              }), std::nullopt);
    EXPECT_EQ(verdict_for(genuine, [&](Parsed& p) {
                  p.text_lines->push_back(TextLine{offset_of(genuine, "-----BEGIN PGP SIGNATURE") + 5, 5});
              }), std::nullopt);
    // A dash escape kept, a line cut short, a line dropped at the end.
    EXPECT_EQ(verdict_for(genuine, [](Parsed& p) { (*p.text_lines)[1].offset -= 2, (*p.text_lines)[1].length += 2; }),
              std::nullopt);
    EXPECT_EQ(verdict_for(genuine, [](Parsed& p) { (*p.text_lines)[2].length -= 1; }), std::nullopt);
    EXPECT_EQ(verdict_for(genuine, [](Parsed& p) { p.text_lines->pop_back(); }), std::nullopt);
}

}  // namespace
}  // namespace umd::pgp::test

namespace umd::pgp::test {
namespace {

/// Seeds for fuzz/pgp_trusted/fuzz_pgp_verify_reply: with UMD_PGP_FUZZ_SEEDS=<dir>,
/// writes real replies (u32 keyring length, keyring reply, message reply).
TEST(FuzzSeeds, WrittenWhenAsked)
{
    const char* dir = std::getenv("UMD_PGP_FUZZ_SEEDS");
    if (!dir) GTEST_SKIP() << "set UMD_PGP_FUZZ_SEEDS to a directory to write seeds";
    auto seed = [&](const std::string& name, const Parsed& keyring, const Parsed& message) {
        Bytes k = encode(keyring), m = encode(message);
        ByteWriter w;
        w.u32(static_cast<std::uint32_t>(k.size()));
        w.bytes(k);
        w.bytes(m);
        write_file(std::string(dir) + "/" + name, as_chars(w.data()));
    };
    seed("rfc9580-v6-cleartext", parse_text(rfc9580_a3_certificate), parse_text(rfc9580_a6_cleartext));
    for (const char* algo : {"rsa2048", "nistp256", "ed25519", "dsa2048"}) {
        Gpg gpg;
        std::string fpr = gpg.generate(std::string("Seed <") + algo + "@example.org>", algo);
        std::string data = gpg.file("d");
        write_file(data, "fuzzed data\n");   // the data the fuzz target hashes
        ASSERT_EQ(gpg.gpg("--local-user " + fpr + " --detach-sign --output " + gpg.file("d.sig") + " " + data).status, 0);
        auto cert = parse_file(gpg.export_key(fpr, "k.gpg"));
        auto sig = parse_file(gpg.file("d.sig"));
        ASSERT_TRUE(cert && sig);
        seed(std::string("gpg-") + algo, *cert, *sig);
    }
}

}  // namespace
}  // namespace umd::pgp::test
