// drivers/pgp/handler/cleartext_parser.h — the Cleartext Signature Framework (RFC 9580 §7).
//
// Untrusted side (handler). Splits "-----BEGIN PGP SIGNED MESSAGE-----" input
// into its Hash: headers, the lines of the dash-unescaped text as ranges of the
// input (docs/protocol-pgp.md says exactly which bytes) and the armored
// signature block that follows.
#pragma once

#include <string_view>

#include "drivers/pgp/protocol.h"

namespace umd::pgp::parser {

inline constexpr std::string_view cleartext_begin = "-----BEGIN PGP SIGNED MESSAGE-----";

/// Whether the input starts (after leading blank lines) with the cleartext header line.
bool looks_cleartext(std::string_view text);

/// Parses a cleartext-signed message into kind, text, hash headers and signatures.
Result<Parsed> parse_cleartext(std::string_view text);

/// The hash algorithm ID of a "Hash:" header name (RFC 9580 §9.5), 0 if unknown.
std::uint8_t hash_algorithm_by_name(std::string_view name);

}  // namespace umd::pgp::parser
