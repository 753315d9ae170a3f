// drivers/rpm/trusted/package_reader.h — sends a package file to the RPM handler and decodes the reply.
//
// Trusted side (Manager). The Manager does not look inside the file: it sends
// the first Limits::first_read bytes and, when the handler answers that the
// main header ends later, the bytes it asks for (bounded by the file size and
// Limits::max_input), then decodes the reply with every bound checked.
#pragma once

#include <string>

#include <umd/error.h>
#include <umd/loader.h>
#include <umd/manager.h>

#include "drivers/rpm/protocol.h"
#include "drivers/rpm/trusted/rpm_loader.h"

namespace umd::rpm {

/// Parses the package at `path` with the handler behind `driver`.
/// Errc::io when the file cannot be read, bad_input when the handler refuses
/// it, protocol when the reply is malformed, or the driver's error.
Result<Parsed> parse_with_handler(Driver& driver, const std::string& path);

/// Same for bytes already in memory.
Result<Parsed> parse_bytes_with_handler(Driver& driver, ByteView file);

}  // namespace umd::rpm
