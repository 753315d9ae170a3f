// drivers/pgp/trusted/client.h — asks the sandboxed OpenPGP handler to parse, and decodes its answer.
//
// Trusted side (Manager). The bytes of a file go to the handler as one parse
// request through a umd::Driver; the reply is checked by decode() before
// anything uses it. A reply of status bad_input (the input is malformed) stays
// Errc::bad_input; a reply that breaks the protocol is Errc::protocol.
#pragma once

#include <string>
#include <vector>

#include <umd/manager.h>

#include "drivers/pgp/protocol.h"
#include "drivers/pgp/trusted/keyring.h"

namespace umd::pgp {

/// Largest input file sent to the handler (the handler's own request limit).
inline constexpr std::uint64_t max_input_file = 256ull << 20;

/// One input → decoded, bounds-checked records. For a cleartext message the
/// Manager's copy of the input is kept in Parsed::input (its text lines point into it).
Result<Parsed> parse(Driver& driver, Bytes input);
Result<Parsed> parse(Driver& driver, ByteView input);
/// Reads `path` (at most max_input_file bytes) and parses it.
Result<Parsed> parse_file(Driver& driver, const std::string& path);
/// Reads `path` (at most max_input_file bytes).
Result<Bytes> read_input_file(const std::string& path);

/// Parses keyring files — trust anchors — each of which must hold certificates.
/// Each goes to a handler that has parsed no untrusted input (InputOrigin::trust_anchor:
/// a handler that has is ended first), and every key it reports must stand at its
/// claimed offset of the file's own bytes (anchor_check.h), else Errc::protocol.
/// Call it before sending untrusted input to the same driver, or it pays for a restart.
Result<std::vector<Parsed>> parse_keyring_files(Driver& driver, const std::vector<std::string>& files);
/// parse_keyring_files(), then Keyring::from().
Result<Keyring> load_keyring(Driver& driver, const std::vector<std::string>& files, const Policy& policy);

}  // namespace umd::pgp
