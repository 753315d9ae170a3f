// drivers/rpm/handler/package_parser.h — reads an RPM package file into a Parsed reply.
//
// Untrusted side (handler). Checks the lead, the signature header (and its
// 8-byte alignment padding) and the main header with rpm's own structural
// checks (header_blob.h), then collects the header-only OpenPGP signatures,
// the header SHA-256 digest and one Claim per field the Manager uses. The
// Manager re-checks every claim against the signed blob: nothing here is trusted.
#pragma once

#include <cstdint>

#include <umd/error.h>
#include <umd/wire.h>

#include "drivers/rpm/protocol.h"

namespace umd::rpm {

/// Parses `prefix`, the first bytes of a package file of `file_size` bytes.
/// When the main header ends beyond the prefix, returns Parsed{needed = bytes};
/// when it ends beyond the file, or any check fails: Errc::bad_input.
Result<Parsed> parse_package(ByteView prefix, std::uint64_t file_size);

/// Decodes strict RFC 4648 base64 (padding required, no whitespace); std::nullopt when malformed.
std::optional<Bytes> decode_base64(std::string_view text);

}  // namespace umd::rpm
