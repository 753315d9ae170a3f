// drivers/pgp/handler/signature_parser.h — signature packets (tag 2) to Signature records.
//
// Untrusted side (handler). Keeps the hashed and unhashed subpacket areas as
// raw bytes (the Manager rebuilds the hashed trailer from them), walks them
// only to collect issuer hints and an embedded primary-key back-signature.
#pragma once

#include <optional>

#include "drivers/pgp/handler/packet_reader.h"
#include "drivers/pgp/protocol.h"

namespace umd::pgp::parser {

struct ParsedSignature {
    Signature signature;
    /// A primary-key binding signature (0x19) embedded in subpacket 32, if any.
    std::optional<Signature> back_signature;
};

/// The signature in a packet body; std::nullopt when it is well formed but not
/// represented (a version other than 4 or 6, or a value over the limits).
Result<std::optional<ParsedSignature>> parse_signature(const Packet& packet);

/// Same, for a bare signature body at absolute offset `base` (used for embedded signatures).
Result<std::optional<ParsedSignature>> parse_signature_body(ByteView body, std::size_t base, bool allow_embedded);

}  // namespace umd::pgp::parser
