// drivers/rpm/trusted/header_digest.h — the header SHA-256 digest (signature tag 273), checked by hashing.
//
// Trusted side (Manager). The handler only reports the hex text it found; the
// Manager hashes the main-header blob itself (magic included, as rpm does) and
// compares. Also the one place the trusted side hashes files: for the trust DB,
// and a package's payload (the bytes after its main header).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <umd/error.h>
#include <umd/wire.h>

#include "drivers/rpm/trusted/package_source.h"

namespace umd::rpm {

/// Lower-case hex of `bytes`.
std::string to_hex(ByteView bytes);

/// SHA-256 of `data` as lower-case hex.
std::string sha256_hex(ByteView data);

/// Errc::rejected unless `claimed` is the lower-case hex SHA-256 of `blob`.
Status check_header_sha256(ByteView blob, std::string_view claimed);

/// Hashes the file at `path` with RPM digest algorithm `algo` (claim_check.h's
/// digest_algo numbers); lower-case hex. Read as a PackageSource: Errc::io when
/// unreadable, not a regular file, or changed in size while hashed;
/// invalid_argument for an unsupported algorithm.
Result<std::string> hash_file(const std::string& path, std::uint32_t algo);

/// Lower-case hex digest, with RPM digest algorithm `algo`, of the bytes
/// [offset, file.size()) of `file` — a package's payload — read in chunks of
/// source_chunk bytes (constant memory, time linear in the bytes hashed).
/// invalid_argument for an unsupported algorithm, io when unreadable.
Result<std::string> hash_file_range(const PackageSource& file, std::uint64_t offset, std::uint32_t algo);

}  // namespace umd::rpm
