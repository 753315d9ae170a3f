// drivers/pgp/handler/message_parser.h — signature files and signed messages from packets.
//
// Untrusted side (handler). Detached signatures (signature packets only) and
// inline-signed messages: one-pass signatures, literal data and signatures,
// possibly wrapped in compressed data packets, whose nesting depth and total
// decompressed size are bounded.
#pragma once

#include <span>

#include "drivers/pgp/handler/packet_reader.h"
#include "drivers/pgp/protocol.h"

namespace umd::pgp::parser {

struct MessageLimits {
    std::size_t max_decompressed = Limits::max_text;   ///< total output of all compressed packets
    unsigned max_depth = 8;                            ///< compressed packets inside compressed packets
};

/// The signatures of a detached signature stream (marker and padding packets skipped).
Result<std::vector<Signature>> parse_detached(std::span<const Packet> packets);

/// An inline-signed message: fills kind, signatures, text and literal_format of `out`.
Status parse_inline(ByteView stream, const MessageLimits& limits, Parsed& out);

}  // namespace umd::pgp::parser
