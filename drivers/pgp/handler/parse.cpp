// drivers/pgp/handler/parse.cpp — input classification and dispatch (handler side).
#include "drivers/pgp/handler/parse.h"

#include "drivers/pgp/handler/armor.h"
#include "drivers/pgp/handler/certificate_parser.h"
#include "drivers/pgp/handler/cleartext_parser.h"
#include "drivers/pgp/handler/packet_reader.h"

namespace umd::pgp::parser {
namespace {

Result<std::vector<Packet>> read_packets(ByteView stream)
{
    std::vector<Packet> packets;
    PacketReader reader(stream);
    for (;;) {
        auto next = UMD_TRY(reader.next());
        if (!next) return packets;
        // Each packet costs at least a header byte; this only guards the record count.
        if (packets.size() >= Limits::max_records)
            return fail(Errc::bad_input, "more than {} packets", Limits::max_records);
        packets.push_back(std::move(*next));
    }
}

bool is_message_packet(std::uint8_t tag)
{
    return tag == tag_one_pass || tag == tag_literal || tag == tag_compressed;
}

Status parse_binary(ByteView stream, const ParseLimits& limits, Parsed& out)
{
    if (stream.empty()) return fail(Errc::bad_input, "input is empty");
    // Streams with data packets may end in an indeterminate-length packet; the
    // packet reader handles them, so classify on the first meaningful tag.
    PacketReader probe(stream);
    std::uint8_t first = 0;
    bool has_message_packet = false;
    for (;;) {
        auto next = UMD_TRY(probe.next());
        if (!next) break;
        const std::uint8_t tag = next->tag;
        if (first == 0 && tag != tag_marker && tag != tag_padding) first = tag;
        if (is_message_packet(tag)) has_message_packet = true;
    }
    switch (first) {
    case tag_public_key: {
        auto packets = UMD_TRY(read_packets(stream));
        auto certs = UMD_TRY(parse_certificates(packets));
        if (certs.empty()) return fail(Errc::bad_input, "no certificate with a key of version 4 or 6 found");
        out.kind = InputKind::certificates;
        out.certificates = std::move(certs);
        return {};
    }
    case tag_signature:
        if (!has_message_packet) {
            auto packets = UMD_TRY(read_packets(stream));
            auto sigs = UMD_TRY(parse_detached(packets));
            out.kind = InputKind::detached_signature;
            out.signatures = std::move(sigs);
            return {};
        }
        return parse_inline(stream, limits.message, out);
    case tag_one_pass:
    case tag_literal:
    case tag_compressed:
        return parse_inline(stream, limits.message, out);
    case tag_secret_key:
    case tag_secret_subkey:
        return fail(Errc::bad_input, "input holds secret key material; only public keys are accepted");
    case 0:
        return fail(Errc::bad_input, "input holds no OpenPGP packet");
    default:
        return fail(Errc::bad_input, "input starts with an unsupported packet (tag {})", first);
    }
}

}  // namespace

std::size_t count_records(const Parsed& parsed)
{
    std::size_t n = 1 + parsed.signatures.size() + (parsed.text ? 1 : 0) + (parsed.text_lines ? 1 : 0) + (parsed.cleartext_hash_headers.empty() ? 0 : 1);
    for (const Certificate& c : parsed.certificates)
        n += 2 + c.user_ids.size() + c.subkeys.size() + c.signatures.size();
    return n;
}

Result<Parsed> parse(ByteView input, const ParseLimits& limits)
{
    std::string_view text = as_chars(input);
    Parsed out;
    if (looks_cleartext(text)) {
        auto parsed = parse_cleartext(text);
        if (!parsed) return parsed;
        out = std::move(*parsed);
    } else if (looks_armored(text)) {
        auto blocks = UMD_TRY(dearmor(text));
        // Several blocks (e.g. keys exported one by one) are one stream.
        Bytes joined;
        for (ArmorBlock& block : blocks) {
            if (block.label == "PGP PRIVATE KEY BLOCK")
                return fail(Errc::bad_input, "input holds secret key material; only public keys are accepted");
            joined.insert(joined.end(), block.data.begin(), block.data.end());
        }
        blocks.clear();
        UMD_TRY(parse_binary(joined, limits, out));
        out.armored = true;
    } else {
        UMD_TRY(parse_binary(input, limits, out));
    }
    if (count_records(out) > Limits::max_records)
        return fail(Errc::bad_input, "input yields more than {} records", Limits::max_records);
    return out;
}

}  // namespace umd::pgp::parser
