// drivers/pgp/handler/message_parser.cpp — detached and inline-signed messages (handler side).
#include "drivers/pgp/handler/message_parser.h"

#include "drivers/pgp/handler/cursor.h"
#include "drivers/pgp/handler/decompress.h"
#include "drivers/pgp/handler/signature_parser.h"

namespace umd::pgp::parser {
namespace {

Status add_standalone(const Packet& packet, std::vector<Signature>& out)
{
    auto parsed = UMD_TRY(parse_signature(packet));
    if (parsed) {
        parsed->signature.context = SigContext::standalone;
        out.push_back(std::move(parsed->signature));
    }
    return {};
}

struct InlineWalker {
    const MessageLimits& limits;
    Parsed& out;
    std::size_t budget;
    bool saw_literal = false;

    Status literal(const Packet& packet, std::string_view where)
    {
        if (saw_literal)
            return fail(Errc::bad_input, "{}: second literal data packet at offset {}", where, packet.offset);
        saw_literal = true;
        Cursor in(packet.body(), packet.body_offset, "literal data packet");
        auto format = UMD_TRY(in.u8());
        auto name_len = UMD_TRY(in.u8());
        UMD_TRY(in.take(name_len));
        UMD_TRY(in.u32());
        ByteView data = in.rest();
        if (data.size() > Limits::max_text)
            return fail(Errc::bad_input, "literal data of {} bytes exceeds the limit of {}", data.size(),
                        Limits::max_text);
        out.literal_format = format;
        out.text = Bytes(data.begin(), data.end());
        return {};
    }

    Status walk(ByteView stream, unsigned depth, std::string_view where)
    {
        PacketReader reader(stream, where);
        for (;;) {
            auto next = UMD_TRY(reader.next());
            if (!next) return {};
            const Packet& packet = *next;
            switch (packet.tag) {
            case tag_one_pass: {
                // Checked for shape only: the Manager needs the signatures, not their announcements.
                auto version = packet.body().empty() ? 0 : packet.body()[0];
                if (version != 3 && version != 6)
                    return fail(Errc::bad_input, "{}: one-pass signature at offset {} has unknown version {}", where,
                                packet.offset, version);
                break;
            }
            case tag_signature:
                if (auto s = add_standalone(packet, out.signatures); !s) return s;
                break;
            case tag_literal:
                if (auto s = literal(packet, where); !s) return s;
                break;
            case tag_compressed: {
                if (depth >= limits.max_depth)
                    return fail(Errc::bad_input, "{}: compressed data nested deeper than {} at offset {}", where,
                                limits.max_depth, packet.offset);
                ByteView body = packet.body();
                if (body.empty())
                    return fail(Errc::bad_input, "{}: empty compressed data packet at offset {}", where, packet.offset);
                auto inner = decompress(body[0], body.subspan(1), budget);
                if (!inner)
                    return std::unexpected(
                        with_context(inner.error(), fmt::format("{}: compressed data packet at offset {}", where,
                                                                packet.offset)));
                if (auto s = walk(*inner, depth + 1, "compressed data"); !s) return s;
                break;
            }
            case tag_marker:
            case tag_padding:
                break;
            default:
                if (packet.tag >= 40) break;   // unknown non-critical packet
                return fail(Errc::bad_input, "{}: packet with tag {} at offset {} does not belong in a signed message",
                            where, packet.tag, packet.offset);
            }
        }
    }
};

}  // namespace

Result<std::vector<Signature>> parse_detached(std::span<const Packet> packets)
{
    std::vector<Signature> sigs;
    for (const Packet& packet : packets) {
        if (packet.tag == tag_marker || packet.tag == tag_padding) continue;
        if (packet.tag != tag_signature)
            return fail(Errc::bad_input, "packet with tag {} at offset {} in a signature file", packet.tag,
                        packet.offset);
        UMD_TRY(add_standalone(packet, sigs));
    }
    if (sigs.empty()) return fail(Errc::bad_input, "no signature of a supported version (4 or 6) found");
    return sigs;
}

Status parse_inline(ByteView stream, const MessageLimits& limits, Parsed& out)
{
    InlineWalker walker{limits, out, limits.max_decompressed};
    if (auto s = walker.walk(stream, 0, "input"); !s) return s;
    if (!walker.saw_literal) return fail(Errc::bad_input, "signed message has no literal data packet");
    if (out.signatures.empty()) return fail(Errc::bad_input, "message carries no signature of a supported version");
    out.kind = InputKind::inline_message;
    return {};
}

}  // namespace umd::pgp::parser
