// drivers/pgp/handler/key_parser.h — public key and subkey packets (tags 6, 14) to Key records.
//
// Untrusted side (handler). Splits the key material into the fields protocol.h
// defines per algorithm; the Manager rebuilds the packet body from them to
// compute the fingerprint, so nothing here is trusted.
#pragma once

#include <optional>

#include "drivers/pgp/handler/packet_reader.h"
#include "drivers/pgp/protocol.h"

namespace umd::pgp::parser {

/// The Key of a public key packet body; std::nullopt when the packet is well formed
/// but cannot be represented (a version other than 4 or 6, or a field over the limits).
Result<std::optional<Key>> parse_key(const Packet& packet, bool subkey);

}  // namespace umd::pgp::parser
