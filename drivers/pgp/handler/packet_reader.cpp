// drivers/pgp/handler/packet_reader.cpp — packet header decoding (handler side).
#include "drivers/pgp/handler/packet_reader.h"

namespace umd::pgp::parser {

bool allows_streaming_length(std::uint8_t tag)
{
    // Compressed, symmetrically encrypted, literal, SEIPD, AEAD (RFC 9580 §4.2.1.4).
    return tag == 8 || tag == 9 || tag == 11 || tag == 18 || tag == 20;
}

Result<std::optional<Packet>> PacketReader::next()
{
    if (pos_ >= in_.size()) return std::optional<Packet>{};
    const std::size_t start = pos_;
    auto remaining = [&] { return in_.size() - pos_; };
    auto truncated = [&](std::string_view field) {
        return fail(Errc::bad_input, "{}: packet at offset {} is truncated in its {}", where_, start, field);
    };
    const std::uint8_t ctb = in_[pos_++];
    if ((ctb & 0x80) == 0)
        return fail(Errc::bad_input, "{}: byte 0x{:02x} at offset {} does not start an OpenPGP packet", where_, ctb,
                    start);

    Packet p;
    p.offset = start;
    if (ctb & 0x40) {
        p.tag = ctb & 0x3f;
        // New format: one body that may come in partial chunks.
        bool first = true;
        for (;;) {
            if (remaining() < 1) return truncated("length");
            const std::uint8_t o1 = in_[pos_++];
            std::size_t len = 0;
            bool partial = false;
            if (o1 < 192) {
                len = o1;
            } else if (o1 < 224) {
                if (remaining() < 1) return truncated("length");
                len = ((std::size_t{o1} - 192) << 8) + in_[pos_++] + 192;
            } else if (o1 == 255) {
                if (remaining() < 4) return truncated("length");
                len = (std::size_t{in_[pos_]} << 24) | (std::size_t{in_[pos_ + 1]} << 16) |
                      (std::size_t{in_[pos_ + 2]} << 8) | std::size_t{in_[pos_ + 3]};
                pos_ += 4;
            } else {
                partial = true;
                len = std::size_t{1} << (o1 & 0x1f);
                if (!allows_streaming_length(p.tag))
                    return fail(Errc::bad_input,
                                "{}: packet at offset {} (tag {}) uses a partial body length, which RFC 9580 "
                                "allows only on data packets",
                                where_, start, p.tag);
            }
            if (len > remaining())
                return fail(Errc::bad_input, "{}: packet at offset {} announces {} body bytes but only {} remain",
                            where_, start, len, remaining());
            if (first && !partial) {
                p.body_offset = pos_;
                p.direct = in_.subspan(pos_, len);
                pos_ += len;
                break;
            }
            if (first) p.body_offset = pos_;
            p.chunked = true;
            p.joined.insert(p.joined.end(), in_.begin() + static_cast<std::ptrdiff_t>(pos_),
                            in_.begin() + static_cast<std::ptrdiff_t>(pos_ + len));
            pos_ += len;
            first = false;
            if (!partial) break;
        }
    } else {
        p.tag = (ctb >> 2) & 0x0f;
        const int length_type = ctb & 0x03;
        std::size_t len = 0;
        if (length_type == 3) {
            // Indeterminate: the packet runs to the end of the stream.
            if (!allows_streaming_length(p.tag))
                return fail(Errc::bad_input,
                            "{}: packet at offset {} (tag {}) has an indeterminate length, allowed only on data packets",
                            where_, start, p.tag);
            len = remaining();
        } else {
            const std::size_t n = std::size_t{1} << length_type;   // 1, 2 or 4 octets
            if (remaining() < n) return truncated("length");
            for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in_[pos_ + i];
            pos_ += n;
        }
        if (len > remaining())
            return fail(Errc::bad_input, "{}: packet at offset {} announces {} body bytes but only {} remain", where_,
                        start, len, remaining());
        p.body_offset = pos_;
        p.direct = in_.subspan(pos_, len);
        pos_ += len;
    }
    if (p.tag == 0) return fail(Errc::bad_input, "{}: packet at offset {} has the reserved tag 0", where_, start);
    return std::optional<Packet>{std::move(p)};
}

}  // namespace umd::pgp::parser
