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

/// A file to read: by its path, or already open — a descriptor a client of umdd passed,
/// which is read from offset 0 and not closed here (its owner keeps it); `name` then
/// only names it in messages. Only regular files are read (a FIFO, a device, a
/// directory or a socket is Errc::bad_input).
struct FileRef {
    std::string name;
    int fd = -1;

    FileRef() = default;
    FileRef(std::string path) : name(std::move(path)) {}   // NOLINT: a path is a FileRef
    FileRef(std::string label, int open_fd) : name(std::move(label)), fd(open_fd) {}
    bool given() const noexcept { return fd >= 0 || !name.empty(); }
    static std::vector<FileRef> paths(const std::vector<std::string>& paths) { return {paths.begin(), paths.end()}; }
};

/// One input → decoded, bounds-checked records. For a cleartext message the
/// Manager's copy of the input is kept in Parsed::input (its text lines point into it).
Result<Parsed> parse(Driver& driver, Bytes input);
Result<Parsed> parse(Driver& driver, ByteView input);
/// Reads `file` (at most max_input_file bytes) and parses it.
Result<Parsed> parse_file(Driver& driver, const FileRef& file);
/// Reads `file` (at most max_input_file bytes).
Result<Bytes> read_input_file(const FileRef& file);

/// Parses keyring files — trust anchors — each of which must hold certificates.
/// Each goes to a handler that has parsed no untrusted input (InputOrigin::trust_anchor:
/// a handler that has is ended first), and every key it reports must stand at its
/// claimed offset of the file's own bytes (anchor_check.h), else Errc::protocol.
/// Call it before sending untrusted input to the same driver, or it pays for a restart.
Result<std::vector<Parsed>> parse_keyring_files(Driver& driver, const std::vector<FileRef>& files);
/// One keyring's bytes, already read, parsed as parse_keyring_files() parses a file
/// (`name` for messages).
Result<Parsed> parse_keyring_bytes(Driver& driver, Bytes bytes, const std::string& name);
/// parse_keyring_files(), then Keyring::from().
Result<Keyring> load_keyring(Driver& driver, const std::vector<FileRef>& files, const Policy& policy);

}  // namespace umd::pgp
