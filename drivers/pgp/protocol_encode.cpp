// drivers/pgp/protocol_encode.cpp — serialises a Parsed into the reply payload.
//
// Runs in the handler (untrusted side). The layout is specified in
// docs/protocol-pgp.md; the trusted decoder (protocol_decode.cpp) checks every
// length against Limits, so this side only has to write what it parsed.
#include "drivers/pgp/protocol.h"

namespace umd::pgp {
namespace {

using namespace wire;


void put_fields(ByteWriter& out, const std::vector<Bytes>& fields)
{
    out.u8(static_cast<std::uint8_t>(fields.size()));
    for (const Bytes& field : fields) out.blob(field);
}

void put_key(ByteWriter& out, std::uint16_t tag, const Key& key)
{
    std::size_t at = out.begin_record(tag);
    out.u32(key.offset);
    out.u8(key.version);
    out.u32(key.created);
    out.u8(key.algorithm);
    put_fields(out, key.fields);
    out.end_record(at);
}

void put_signature_body(ByteWriter& out, const Signature& sig)
{
    out.u8(static_cast<std::uint8_t>(sig.context));
    out.u8(sig.version);
    out.u8(sig.type);
    out.u8(sig.pk_algorithm);
    out.u8(sig.hash_algorithm);
    out.u16(sig.left16);
    out.blob(sig.salt);
    out.blob(sig.hashed_area);
    out.blob(sig.unhashed_area);
    put_fields(out, sig.fields);
    put_fields(out, sig.issuer_hints);
}

void put_certificate(ByteWriter& out, const Certificate& cert)
{
    std::size_t at = out.begin_record(tag_certificate);
    put_key(out, tag_primary_key, cert.primary);
    for (const std::string& uid : cert.user_ids) out.record(tag_user_id, as_bytes(uid));
    for (const Key& subkey : cert.subkeys) put_key(out, tag_subkey, subkey);
    for (const Certificate::Bound& bound : cert.signatures) {
        std::size_t sig_at = out.begin_record(tag_bound_signature);
        out.u32(bound.target);
        put_signature_body(out, bound.signature);
        out.end_record(sig_at);
    }
    out.end_record(at);
}

}  // namespace

Bytes encode(const Parsed& parsed)
{
    ByteWriter out;
    const std::uint8_t header[] = {format_version, static_cast<std::uint8_t>(parsed.kind),
                                   static_cast<std::uint8_t>(parsed.armored ? 1 : 0), parsed.literal_format};
    out.record(tag_header, header);
    for (const Certificate& cert : parsed.certificates) put_certificate(out, cert);
    for (const Signature& sig : parsed.signatures) {
        std::size_t at = out.begin_record(tag_signature);
        put_signature_body(out, sig);
        out.end_record(at);
    }
    if (parsed.text) out.record(tag_text, *parsed.text);
    if (parsed.text_lines) {
        // Filled in place: a writer call per byte costs more than parsing the text.
        Bytes lines(parsed.text_lines->size() * 8);
        std::uint8_t* p = lines.data();
        auto le32 = [&p](std::uint32_t v) {
            for (int i = 0; i < 4; ++i) *p++ = static_cast<std::uint8_t>(v >> (8 * i));
        };
        for (const TextLine& line : *parsed.text_lines) {
            le32(line.offset);
            le32(line.length);
        }
        out.record(tag_text_lines, lines);
    }
    if (!parsed.cleartext_hash_headers.empty()) out.record(tag_hash_headers, parsed.cleartext_hash_headers);
    return std::move(out).take();
}

}  // namespace umd::pgp
