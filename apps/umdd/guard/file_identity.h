// apps/umdd/guard/file_identity.h — who a file is and what of it must not change under a verdict.
//
// Trusted side, privileged (umdd's exec guard). A verdict is cached for a file's
// (st_dev, st_ino) and stored with its size, mtime and ctime; a hit only counts
// when all of them are still the same. ctime is the one that matters: any write,
// truncate or utimensat() moves it to "now", and no system call sets it back,
// so restoring mtime and size after changing a byte (touch -r; truncate) does not
// make a changed file look like the one that was hashed. docs/guard.md.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>

#include <umd/error.h>

namespace umd::guard {

struct FileIdentity {
    dev_t dev = 0;
    ino_t ino = 0;
    bool regular = false;
    std::int64_t size = 0;
    timespec mtime{};
    timespec ctime{};

    /// Same file (dev, ino) and nothing that a change of content moves has moved.
    bool same_content_as(const FileIdentity& other) const noexcept;
    bool same_file_as(const FileIdentity& other) const noexcept { return dev == other.dev && ino == other.ino; }
};

/// fstat() of `fd` (an event's descriptor). Errc::system when fstat fails.
Result<FileIdentity> identify(int fd);

}  // namespace umd::guard
