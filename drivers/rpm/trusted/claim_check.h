// drivers/rpm/trusted/claim_check.h — checks the handler's claims against a signed header blob.
//
// Trusted side (Manager). No header parser runs here: the blob's intro and its
// region entry and trailer are compared with the fixed values a package file
// must have, then each claim ("field F is index entry k: tag, type, count,
// offset") is compared with the 16 bytes of entry k, the tag is checked to
// appear exactly once (or not at all for an absent field), and the value is
// read with bounds checks only: strings must end inside the store, integer
// arrays must fit, counts must agree between the per-file arrays, digests must
// be lower-case hex of the length their algorithm gives. Call this only on a
// blob whose signature has been verified (package_verifier.h does), or for
// display (`umd rpm show`).
//
// Bounded by the blob's size, whatever the blob or the claims say: the data
// of the fields used may not overlap (each byte of the store is read for at
// most one field), the per-file counts are compared before any per-file value
// is read, strings are read as views into the blob, and the paths built from
// directory and base names may add up to at most max_path_bytes(blob size).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

#include "drivers/rpm/protocol.h"

namespace umd::rpm {

/// RPM file digest algorithms (PGPHASHALGO_* numbers).
namespace digest_algo {
inline constexpr std::uint32_t md5 = 1, sha1 = 2, sha256 = 8, sha384 = 9, sha512 = 10, sha224 = 11;
}
/// "md5", "sha1", "sha256", ...; nullptr for an algorithm this driver does not support.
const char* digest_algo_name(std::uint32_t algo) noexcept;
/// Digest size in bytes; 0 when unsupported.
std::size_t digest_size(std::uint32_t algo) noexcept;
/// MD5 and SHA-1: broken for vouching for a file's content (collisions).
bool weak_digest_algo(std::uint32_t algo) noexcept;

struct PackageFile {
    std::string path;          ///< dir name + base name
    std::uint16_t mode = 0;
    std::uint32_t flags = 0;
    std::string digest;        ///< lower-case hex; empty for files without content (dirs, links, ghosts)
};

struct PackageInfo {
    std::string name, version, release, arch;
    std::optional<std::uint32_t> epoch;
    std::uint32_t digest_algo = digest_algo::md5;   ///< tag 5011; md5 when absent (rpm's default)
    std::vector<PackageFile> files;
    /// Tag 5092 (one lower-case hex string of payload_digest_algo's length), when the header has it.
    std::optional<std::string> payload_digest;
    std::uint32_t payload_digest_algo = 0;          ///< tag 5093 (PGPHASHALGO_*); 0 without a payload digest
    /// name-[epoch:]version-release.arch
    std::string nevra() const;
};

/// The work check_claims() did, for tests of its bounds (counted, not timed).
struct ClaimCheckStats {
    std::uint64_t scanned = 0;        ///< index and store bytes examined
    std::uint64_t items = 0;          ///< array items read (strings as views, integers)
    std::uint64_t materialised = 0;   ///< bytes copied into the result (strings, paths, digests)
};

/// At most this many bytes of file paths and digests are built from a header blob of `blob_size` bytes.
std::uint64_t max_path_bytes(std::size_t blob_size) noexcept;

/// Checks `claims` against `blob` and returns the values they point at.
/// Errc::protocol when the blob or a claim does not match (the handler lied or
/// erred), Errc::bad_input when the signed header itself is inconsistent.
/// `stats`, when given, receives the work done.
Result<PackageInfo> check_claims(ByteView blob, std::span<const Claim> claims, ClaimCheckStats* stats = nullptr);

}  // namespace umd::rpm
