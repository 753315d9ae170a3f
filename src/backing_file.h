// src/backing_file.h — find the file that bytes of this process's own image are
// mapped from (trusted side).
//
// A handler embedded in a loader module sits in that module's read-only data.
// Copying it into a memfd through user space faults all of it into the Manager's
// memory (1.5 MB and more per handler, for a copy it never reads again). When the
// bytes come straight from a file mapping, the kernel can copy them from the page
// cache instead (sendfile), and the Manager never touches them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>

#include <umd/unique_fd.h>

namespace umd::detail {

struct BackingFile {
    UniqueFd fd;        ///< the mapped file, opened read-only
    off_t offset = 0;   ///< where the bytes start in it
};

/// The file and offset `bytes` are mapped from, when they lie within one read-only,
/// file-backed mapping of this process whose file on disk is still the mapped one (same
/// device and inode); nullopt otherwise (heap data, anonymous memory, a replaced file).
std::optional<BackingFile> backing_file_of(std::span<const std::uint8_t> bytes);

}  // namespace umd::detail
