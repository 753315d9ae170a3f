// Tests of decode() (trusted side): round trips and every bound of docs/protocol-pgp.md.
//
// Records are produced with the handler's encode() and then broken, either in
// the struct (to exceed a limit) or in the bytes (to break the framing).
#include <gtest/gtest.h>

#include "drivers/pgp/protocol.h"

namespace umd::pgp {
namespace {

Key rsa_key()
{
    Key k;
    k.version = 4;
    k.created = 1'600'000'000;
    k.algorithm = 1;
    k.fields = {Bytes(256, 0xC3), Bytes{1, 0, 1}};
    return k;
}

Signature rsa_sig(SigContext context = SigContext::standalone)
{
    Signature s;
    s.context = context;
    s.version = 4;
    s.type = 0x00;
    s.pk_algorithm = 1;
    s.hash_algorithm = 8;
    s.hashed_area = {5, 2, 0, 0, 0, 1};
    s.fields = {Bytes(256, 0x5A)};
    s.issuer_hints = {Bytes(8, 1)};
    return s;
}

Parsed keyring()
{
    Parsed p;
    p.kind = InputKind::certificates;
    Certificate c;
    c.primary = rsa_key();
    c.user_ids = {"Alice <alice@example.org>"};
    Key sub = rsa_key();
    sub.subkey = true;
    c.subkeys = {sub};
    c.signatures = {{rsa_sig(SigContext::user_id), 0}, {rsa_sig(SigContext::subkey), 0},
                    {rsa_sig(SigContext::back_signature), 0}, {rsa_sig(SigContext::primary_key), 0}};
    p.certificates = {c};
    return p;
}

Parsed detached()
{
    Parsed p;
    p.kind = InputKind::detached_signature;
    p.signatures = {rsa_sig()};
    return p;
}

/// The input the cleartext() records point into: a cleartext message whose text is "hi".
constexpr std::string_view cleartext_head = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n";
constexpr std::string_view signature_line = "-----BEGIN PGP SIGNATURE-----\n";
constexpr std::uint32_t hi_at = cleartext_head.size();
const Bytes hi_input = [] {
    std::string text = std::string(cleartext_head) + "hi\n" + std::string(signature_line);
    return Bytes(text.begin(), text.end());
}();

Parsed cleartext()
{
    Parsed p;
    p.kind = InputKind::cleartext;
    p.signatures = {rsa_sig()};
    p.text_lines = std::vector<TextLine>{{hi_at, 2}};
    p.cleartext_hash_headers = {8, 10};
    return p;
}

Errc decode_error(const Parsed& p)
{
    auto r = decode(encode(p), hi_input);
    return r ? Errc::internal : r.error().code;
}

Errc decode_error(ByteView bytes)
{
    auto r = decode(bytes, hi_input);
    return r ? Errc::internal : r.error().code;
}

TEST(Decode, RoundTripsEveryKind)
{
    auto k = decode(encode(keyring()));
    ASSERT_TRUE(k) << k.error().message;
    ASSERT_EQ(k->certificates.size(), 1u);
    EXPECT_EQ(k->certificates[0].primary.fields, rsa_key().fields);
    EXPECT_TRUE(k->certificates[0].subkeys[0].subkey);
    EXPECT_FALSE(k->certificates[0].primary.subkey);
    EXPECT_EQ(k->certificates[0].user_ids[0], "Alice <alice@example.org>");
    EXPECT_EQ(k->certificates[0].signatures.size(), 4u);
    EXPECT_EQ(k->certificates[0].signatures[2].signature.context, SigContext::back_signature);

    auto d = decode(encode(detached()));
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->signatures[0].hashed_area, rsa_sig().hashed_area);
    EXPECT_EQ(d->signatures[0].issuer_hints, rsa_sig().issuer_hints);

    auto c = decode(encode(cleartext()), hi_input);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_FALSE(c->text);
    EXPECT_EQ(*c->text_lines, (std::vector<TextLine>{{hi_at, 2}}));
    EXPECT_EQ(c->input, hi_input);
    EXPECT_EQ(join_text_lines(c->input, *c->text_lines, "\n"), (Bytes{'h', 'i'}));
    EXPECT_EQ(c->cleartext_hash_headers, (Bytes{8, 10}));

    Parsed m = cleartext();
    m.kind = InputKind::inline_message;
    m.cleartext_hash_headers.clear();
    m.literal_format = 'b';
    m.text_lines.reset();
    m.text = Bytes{};
    auto i = decode(encode(m));
    ASSERT_TRUE(i) << i.error().message;
    EXPECT_EQ(i->literal_format, 'b');
    ASSERT_TRUE(i->text);
    EXPECT_TRUE(i->text->empty());
}

TEST(Decode, KindMustMatchRecords)
{
    Parsed p = detached();
    p.kind = InputKind::certificates;
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = keyring();
    p.kind = InputKind::detached_signature;
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = cleartext();
    p.text_lines.reset();
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = cleartext();
    p.text = Bytes{'h', 'i'};   // cleartext text travels as lines only
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = detached();
    p.text_lines = std::vector<TextLine>{};   // lines only in a cleartext message
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = detached();
    p.signatures.clear();
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = cleartext();
    p.kind = InputKind::inline_message;   // hash headers only for cleartext
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = detached();
    p.literal_format = 'b';
    EXPECT_EQ(decode_error(p), Errc::protocol);
}

TEST(Decode, KeyBounds)
{
    auto with_key = [](auto change) {
        Parsed p = keyring();
        change(p.certificates[0].primary);
        return decode_error(p);
    };
    EXPECT_EQ(with_key([](Key& k) { k.version = 5; }), Errc::protocol);
    EXPECT_EQ(with_key([](Key& k) { k.fields[0] = Bytes(Limits::max_field + 1, 1); }), Errc::protocol);
    EXPECT_EQ(with_key([](Key& k) { k.fields[0] = Bytes{0, 1}; }), Errc::protocol);          // non-minimal MPI
    EXPECT_EQ(with_key([](Key& k) { k.fields[0] = Bytes{}; }), Errc::protocol);              // empty MPI
    EXPECT_EQ(with_key([](Key& k) { k.fields.pop_back(); }), Errc::protocol);                // RSA needs n, e
    EXPECT_EQ(with_key([](Key& k) { k.fields.resize(Limits::max_fields + 1, Bytes{1}); }), Errc::protocol);
    EXPECT_EQ(with_key([](Key& k) { k.fields.clear(); }), Errc::protocol);
    EXPECT_EQ(with_key([](Key& k) { k.algorithm = 27; k.fields = {Bytes(31, 1)}; }), Errc::protocol);
    EXPECT_EQ(with_key([](Key& k) { k.algorithm = 28; k.fields = {Bytes(56, 1)}; }), Errc::protocol);
    EXPECT_EQ(with_key([](Key& k) { k.algorithm = 19; k.fields = {Bytes{}, Bytes{4}}; }), Errc::protocol);
    EXPECT_EQ(with_key([](Key& k) { k.algorithm = 19; k.fields = {Bytes(255, 1), Bytes{4}}; }), Errc::protocol);
    EXPECT_EQ(with_key([](Key& k) { k.algorithm = 18; }), Errc::protocol);                   // others: one raw field
    EXPECT_EQ(with_key([](Key& k) { k.algorithm = 18; k.fields = {Bytes{0, 0, 1}}; }), Errc::internal);   // accepted
    EXPECT_EQ(with_key([](Key& k) { k.fields[0] = Bytes(Limits::max_field, 1); }), Errc::internal);       // at the limit
}

TEST(Decode, SignatureBounds)
{
    auto with_sig = [](auto change) {
        Parsed p = detached();
        change(p.signatures[0]);
        return decode_error(p);
    };
    EXPECT_EQ(with_sig([](Signature& s) { s.version = 3; }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.context = SigContext::subkey; }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.context = static_cast<SigContext>(9); }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.salt = Bytes(16, 1); }), Errc::protocol);        // v4 with salt
    EXPECT_EQ(with_sig([](Signature& s) { s.version = 6; }), Errc::protocol);                // v6 without salt
    EXPECT_EQ(with_sig([](Signature& s) { s.version = 6; s.salt = Bytes(Limits::max_salt + 1, 1); }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.version = 6; s.salt = Bytes(Limits::max_salt, 1); }), Errc::internal);
    EXPECT_EQ(with_sig([](Signature& s) { s.hashed_area = Bytes(Limits::max_subpacket_area + 1, 1); }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.unhashed_area = Bytes(Limits::max_subpacket_area + 1, 1); }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.hashed_area = Bytes(Limits::max_subpacket_area, 1); }), Errc::internal);
    EXPECT_EQ(with_sig([](Signature& s) { s.fields = {Bytes(Limits::max_field + 1, 1)}; }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.fields = {Bytes{0, 1}}; }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.fields = {}; }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.pk_algorithm = 27; s.fields = {Bytes(63, 1)}; }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.pk_algorithm = 28; s.fields = {Bytes(113, 1)}; }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.pk_algorithm = 19; }), Errc::protocol);          // needs r, s
    EXPECT_EQ(with_sig([](Signature& s) { s.issuer_hints = {Bytes(9, 1)}; }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.issuer_hints = std::vector<Bytes>(9, Bytes(8, 1)); }), Errc::protocol);
    EXPECT_EQ(with_sig([](Signature& s) { s.issuer_hints = std::vector<Bytes>(8, Bytes(32, 1)); }), Errc::internal);
}

TEST(Decode, CertificateStructure)
{
    Parsed p = keyring();
    p.certificates[0].signatures[0].target = 1;   // only one user ID
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = keyring();
    p.certificates[0].signatures[1].target = 1;   // only one subkey
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = keyring();
    p.certificates[0].signatures[3].target = 1;   // primary-key context: target 0
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = keyring();
    p.certificates[0].signatures[0].signature.context = SigContext::standalone;
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p = keyring();
    p.certificates[0].user_ids[0] = std::string(Limits::max_user_id + 1, 'x');
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p.certificates[0].user_ids[0] = std::string(Limits::max_user_id, 'x');
    EXPECT_EQ(decode_error(p), Errc::internal);
}

/// Appends one raw record to a valid encoding.
Bytes with_record(const Parsed& p, std::uint16_t tag, ByteView value)
{
    Bytes bytes = encode(p);
    ByteWriter w;
    w.record(tag, value);
    bytes.insert(bytes.end(), w.data().begin(), w.data().end());
    return bytes;
}

TEST(Decode, FramingAndOrder)
{
    EXPECT_EQ(decode_error(Bytes{}), Errc::protocol);
    Bytes good = encode(detached());
    for (std::size_t cut = 0; cut < good.size(); ++cut)
        EXPECT_EQ(decode_error(ByteView(good).first(cut)), Errc::protocol) << "cut at " << cut;
    Bytes trailing = good;
    trailing.push_back(0);
    EXPECT_EQ(decode_error(trailing), Errc::protocol);

    EXPECT_EQ(decode_error(with_record(detached(), 0x0099, Bytes{})), Errc::protocol);    // unknown tag
    EXPECT_EQ(decode_error(with_record(detached(), 0x0001, Bytes{1, 2, 0, 0})), Errc::protocol);   // second header
    EXPECT_EQ(decode_error(with_record(cleartext(), 0x0004, Bytes{})), Errc::protocol);   // text after headers
    EXPECT_EQ(decode_error(with_record(cleartext(), 0x0005, Bytes{8})), Errc::protocol);  // second headers
    Parsed c = cleartext();
    c.cleartext_hash_headers = {7};                                                       // unknown hash
    EXPECT_EQ(decode_error(c), Errc::protocol);

    Bytes bad_header = good;
    bad_header[6] = 1;   // format version (1 sent the text itself)
    EXPECT_EQ(decode_error(bad_header), Errc::protocol);
    bad_header = good;
    bad_header[7] = 9;   // kind
    EXPECT_EQ(decode_error(bad_header), Errc::protocol);
    bad_header = good;
    bad_header[8] = 2;   // armored flag
    EXPECT_EQ(decode_error(bad_header), Errc::protocol);

    // A record whose length claims far more than the payload: an error, no allocation.
    Bytes huge = {0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF};
    EXPECT_EQ(decode_error(huge), Errc::protocol);
}

TEST(Decode, RecordCountIsBounded)
{
    Parsed p = keyring();
    p.certificates[0].user_ids.assign(Limits::max_records, "u");
    p.certificates[0].signatures.clear();
    p.certificates[0].subkeys.clear();
    EXPECT_EQ(decode_error(p), Errc::protocol);
    p.certificates[0].user_ids.resize(Limits::max_records - 3);   // header + certificate + primary key
    EXPECT_EQ(decode_error(p), Errc::internal);
}

/// A cleartext reply whose lines point into `input`, decoded against it.
/// decode()'s verdict on `lines` claimed for a cleartext message whose text is
/// `body`; the offsets count from the start of the body (the armor header before
/// it is added here, and the offsets moved past it, unless they are near 2^32).
Errc lines_error(std::vector<TextLine> lines, std::string_view body)
{
    Parsed p = cleartext();
    for (TextLine& line : lines)
        if (line.offset < 0xFFFF0000u) line.offset += hi_at;
    p.text_lines = lines;
    std::string input = std::string(cleartext_head) + std::string(body) + (body.empty() ? "" : "\n") + std::string(signature_line);
    auto r = decode(encode(p), Bytes(input.begin(), input.end()));
    return r ? Errc::internal : r.error().code;
}

TEST(Decode, TextLinesAreCheckedAgainstTheInput)
{
    const std::string_view input = "ab\n- cd\n\nef";
    EXPECT_EQ(lines_error({{0, 2}, {5, 2}, {8, 0}, {9, 2}}, input), Errc::internal);   // the honest lines
    EXPECT_EQ(lines_error({}, ""), Errc::internal);                                    // an empty text
    EXPECT_EQ(lines_error({}, input), Errc::protocol);                                 // a text left out
    EXPECT_EQ(lines_error({{0, 2}, {9, 3}}, input), Errc::protocol);                   // past the end
    EXPECT_EQ(lines_error({{0, 2}, {5, 2}, {8, 0}, {12, 0}}, input), Errc::protocol); // starts in the signature line
    EXPECT_EQ(lines_error({{11, 0}, {0x7FFFFFFF, 0}}, input), Errc::protocol);        // starts past the end
    EXPECT_EQ(lines_error({{0xFFFFFFFF, 2}}, input), Errc::protocol);                  // offset + length wraps 32 bits
    EXPECT_EQ(lines_error({{5, 2}, {0, 2}}, input), Errc::protocol);                   // out of order
    EXPECT_EQ(lines_error({{0, 2}, {1, 1}}, input), Errc::protocol);                   // overlapping
    EXPECT_EQ(lines_error({{0, 2}, {2, 0}}, input), Errc::protocol);                   // touching: no line end between
    EXPECT_EQ(lines_error({{0, 2}, {0, 2}}, input), Errc::protocol);                   // the same line twice
    EXPECT_EQ(lines_error({{0, 4}}, input), Errc::protocol);                           // holds a line feed
    EXPECT_EQ(lines_error({{0, 2}, {5, 2}}, "ab\n- cd"), Errc::internal);                // the escape removed
    EXPECT_EQ(lines_error({{0, 2}, {3, 4}}, "ab\n- cd"), Errc::protocol);                // the escape kept
    EXPECT_EQ(lines_error({{0, 2}, {5, 1}}, "ab\n- cd"), Errc::protocol);                // a line cut short
    EXPECT_EQ(lines_error({{0, 2}}, "ab\n- cd"), Errc::protocol);                        // a line left out
    EXPECT_EQ(lines_error({{0, 2}, {3, 3}}, "ab\n-cd"), Errc::protocol);                 // a '-' line that is not escaped
    EXPECT_EQ(lines_error({{0, 2}}, "ab  \r"), Errc::internal);                         // trailing blanks are not text
    EXPECT_EQ(lines_error({{0, 3}}, "ab \n"), Errc::protocol);                         // ends in a space
    EXPECT_EQ(lines_error({{0, 3}}, "ab\t\n"), Errc::protocol);                        // ends in a tab
    EXPECT_EQ(lines_error({{0, 3}}, "ab\r\n"), Errc::protocol);                        // ends in a CR
    // Too many lines: refused from the record's size, before anything is allocated.
    Bytes many((Limits::max_text_lines + 1) * 8, 0);
    EXPECT_EQ(decode_error(with_record(detached(), 0x0006, many)), Errc::protocol);
    // A record that is not a whole number of lines.
    Parsed p = cleartext();
    p.text_lines.reset();
    p.cleartext_hash_headers.clear();
    EXPECT_EQ(decode_error(with_record(p, 0x0006, Bytes{hi_at, 0, 0, 0, 2, 0, 0, 0})), Errc::internal);   // "hi": fine
    EXPECT_EQ(decode_error(with_record(p, 0x0006, Bytes(8, 0))), Errc::protocol);   // an empty line in the armor header
    EXPECT_EQ(decode_error(with_record(p, 0x0006, Bytes(7, 0))), Errc::protocol);
    // Without the input, no line can fit.
    EXPECT_FALSE(decode(encode(cleartext())));
}

}  // namespace
}  // namespace umd::pgp
