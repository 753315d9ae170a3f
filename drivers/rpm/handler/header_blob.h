// drivers/rpm/handler/header_blob.h — rpm's structural checks of one header blob.
//
// Untrusted side (handler). Reads a header as it stands in a package file
// (8-byte magic, il, dl, il 16-byte index entries, dl bytes of data store) and
// makes every bound and region check rpm makes when it reads one
// (hdrblobRead, hdrblobInit, hdrblobVerifyRegion, hdrblobVerifyInfo): counts
// and sizes in range, the region tag and its trailer, entry tags, types,
// alignment, offsets, data that fits and strings that end inside the store.
// Facts taken from rpm; the code is our own.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::rpm {

/// One index entry, converted from big-endian.
struct IndexEntry {
    std::uint32_t tag = 0;
    std::uint32_t type = 0;
    std::int32_t offset = 0;
    std::uint32_t count = 0;
};

/// Which header is read: the limits and the region tag differ.
enum class HeaderKind { signature, main };

/// A header blob that passed every check. Views point into the caller's bytes.
struct HeaderBlob {
    ByteView blob;          ///< magic through the end of the store
    std::uint32_t il = 0;
    std::uint32_t dl = 0;
    ByteView store;         ///< the data store (dl bytes)
    std::vector<IndexEntry> entries;  ///< all il entries, entry 0 is the region tag

    /// Index of the (only) entry with `tag`, std::nullopt if none.
    /// bad_input when the tag appears more than once.
    Result<std::optional<std::size_t>> find(std::uint32_t tag) const;
    /// Bytes of entry i's data (its computed length), inside the store.
    ByteView data(std::size_t i) const;
    std::vector<std::uint32_t> lengths;  ///< computed data length of each entry
};

/// The outcome of reading a header at the start of `in`.
struct HeaderRead {
    std::optional<HeaderBlob> header;  ///< set when complete and valid
    std::size_t needed = 0;            ///< when `in` is too short: bytes needed from its start
};

/// Checks the header that starts at `in`. Errc::bad_input (with what failed and
/// where) when a check fails; a HeaderRead with `needed` set when `in` ends early.
Result<HeaderRead> read_header(ByteView in, HeaderKind kind);

/// Data length of `count` items of `type` at the start of `data` (rpm's dataLength
/// for on-disk data): strings must be NUL-terminated inside `data`. std::nullopt
/// when the type is invalid or the data does not fit.
std::optional<std::size_t> data_length(std::uint32_t type, std::uint32_t count, ByteView data);

}  // namespace umd::rpm
