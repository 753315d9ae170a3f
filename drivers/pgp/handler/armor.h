// drivers/pgp/handler/armor.h — ASCII armor (RFC 9580 §6) to binary.
//
// Untrusted side (handler). Finds "-----BEGIN PGP ...-----" blocks, skips their
// armor headers, decodes the radix-64 body. The CRC24 checksum line is
// optional and not checked (RFC 9580 §6.1: a missing or wrong checksum is not
// an error; the signatures protect the data).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::pgp::parser {

struct ArmorBlock {
    std::string label;   ///< "PGP PUBLIC KEY BLOCK", "PGP SIGNATURE", "PGP MESSAGE", ...
    Bytes data;          ///< the decoded binary packets
};

/// Whether the input starts (after leading whitespace) with an armor line "-----BEGIN PGP ".
bool looks_armored(std::string_view text);

/// Decodes every armor block in `text`. Text outside the blocks must be blank.
Result<std::vector<ArmorBlock>> dearmor(std::string_view text);

/// Decodes one armor block starting at the BEGIN line at the front of `text` (after
/// blank lines); sets `consumed` to the offset just past its END line.
Result<ArmorBlock> dearmor_one(std::string_view text, std::size_t& consumed);

/// Radix-64 decoding of one body (whitespace ignored, '=' padding only at the end).
Result<Bytes> decode_radix64(std::string_view text);

}  // namespace umd::pgp::parser
