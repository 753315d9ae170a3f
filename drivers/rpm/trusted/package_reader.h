// drivers/rpm/trusted/package_reader.h — sends a package file to the RPM handler and decodes the reply.
//
// Trusted side (Manager). The Manager does not parse the file: it sends the
// first Limits::first_read bytes and, when the handler answers that the main
// header ends later, the bytes it asks for (bounded by the file size and
// Limits::max_input), then decodes the reply with every bound checked. The
// reply is tied to the file's bytes afterwards (package_verifier.h).
#pragma once

#include <functional>
#include <string>

#include <umd/error.h>
#include <umd/loader.h>
#include <umd/manager.h>

#include "drivers/rpm/protocol.h"
#include "drivers/rpm/trusted/package_source.h"
#include <umd_generated/rpm_loader.h>

namespace umd::rpm {

/// Sends one parse request (encode_request()) and returns the reply's payload.
using SendParse = std::function<Result<Bytes>(ByteView request)>;

/// The parse rounds over `send` (tests put a lying handler there): the first
/// Limits::first_read bytes, then what the reply says is `needed` (more than was
/// sent, at most the file size; at most 4 rounds), each reply decoded with its
/// bounds checked. Errc::protocol for a reply that breaks these rules.
Result<Parsed> parse_with(const SendParse& send, const PackageSource& file);

/// Parses the package `file` with the handler behind `driver`.
/// Errc::io when the file cannot be read, bad_input when the handler refuses
/// it, protocol when the reply is malformed, or the driver's error.
Result<Parsed> parse_with_handler(Driver& driver, const PackageSource& file);

}  // namespace umd::rpm
