// drivers/rpm/trusted/package_source.h — the bytes of the package file the user named, as the Manager holds them.
//
// Trusted side (Manager). A verdict is tied to these bytes, never to what the
// handler says the file holds:
//   - main_header_location() finds the main header itself, from fixed-size
//     structs only (the 96-byte lead's magic; the signature header's 16-byte
//     intro at offset 96 and its size padded to 8; the main header's 16-byte
//     intro), with every bound checked against the file size. No index entry,
//     tag or store is read: it is a check of the handler's claim (offset and
//     blob), not a parser;
//   - same_bytes() compares the handler's blob with the file's bytes there;
//   - hash_file_range() (header_digest.h) hashes the payload (the bytes after the main header, to the
//     end of the file) in fixed-size chunks, so memory stays constant and time
//     is linear in the file size.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <umd/error.h>
#include <umd/unique_fd.h>
#include <umd/wire.h>

namespace umd::rpm {

/// A package file opened by the Manager (a regular file), or bytes in memory.
/// Move-only; reads never go past size() (fixed at open).
class PackageSource {
public:
    /// Opens `path` (Errc::io when unreadable or not a regular file).
    static Result<PackageSource> open(const std::string& path);
    /// A descriptor opened by someone else (a client of umdd), read with pread from
    /// offset 0; `name` only names it in messages. Errc::io unless a regular file.
    static Result<PackageSource> adopt(UniqueFd fd, std::string name);
    /// Bytes already in memory; `bytes` must outlive the source.
    static PackageSource memory(ByteView bytes, std::string name = "<memory>");

    PackageSource(PackageSource&&) noexcept = default;
    PackageSource& operator=(PackageSource&&) noexcept = default;

    std::uint64_t size() const noexcept { return size_; }
    const std::string& name() const noexcept { return name_; }
    /// Reads exactly out.size() bytes at `offset`; Errc::io when they are not all
    /// there (offset + size beyond size(), or the file shrank).
    Status read(std::uint64_t offset, std::span<std::uint8_t> out) const;
    /// Errc::io when the file now has bytes beyond size() (it grew while read).
    Status check_unchanged_end() const;

private:
    PackageSource() = default;
    UniqueFd fd_;
    ByteView memory_;
    std::uint64_t size_ = 0;
    std::string name_;
};

/// Where the main header stands in the file, and how long it is.
struct HeaderLocation {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::uint64_t end() const noexcept { return offset + size; }
};

/// The main header's position and size from the file's fixed intros (see the
/// file comment). Errc::bad_input when the lead or an intro is not what a
/// package has or a size runs past the end of the file; io when unreadable.
Result<HeaderLocation> main_header_location(const PackageSource& file);

/// Whether `bytes` equal the file's bytes at `offset` (read in chunks).
Result<bool> same_bytes(const PackageSource& file, std::uint64_t offset, ByteView bytes);

/// Bytes read per chunk by same_bytes() and hash_file_range() (header_digest.h).
inline constexpr std::size_t source_chunk = 256 * 1024;

}  // namespace umd::rpm
