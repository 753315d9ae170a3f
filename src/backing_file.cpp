// src/backing_file.cpp — find the file that bytes of this process's own image are
// mapped from, by reading /proc/self/maps (trusted side; a kernel-made file).
#include "backing_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>

namespace umd::detail {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

}  // namespace

std::optional<BackingFile> backing_file_of(std::span<const std::uint8_t> bytes)
{
    if (bytes.empty()) return std::nullopt;
    const auto first = reinterpret_cast<std::uintptr_t>(bytes.data());
    const auto last = first + bytes.size();
    std::unique_ptr<std::FILE, FileCloser> maps(std::fopen("/proc/self/maps", "re"));
    if (!maps) return std::nullopt;
    char line[4096 + 256];
    while (std::fgets(line, sizeof line, maps.get())) {
        std::uintptr_t start = 0, end = 0;
        unsigned long long offset = 0, inode = 0;
        unsigned int dev_major = 0, dev_minor = 0;
        char perms[5] = {};
        int path_at = 0;
        if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s %llx %x:%x %llu %n", &start, &end, perms, &offset, &dev_major,
                        &dev_minor, &inode, &path_at) < 7)
            continue;
        if (first < start || last > end) continue;
        // Only a private read-only mapping of a file: its pages are the file's pages
        // (read-only data is never relocated in place).
        if (inode == 0 || perms[0] != 'r' || perms[1] != '-' || perms[3] != 'p' || line[path_at] != '/') return std::nullopt;
        char* path = line + path_at;
        path[std::strcspn(path, "\n")] = '\0';
        UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
        if (!fd) return std::nullopt;
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_ino != inode || major(st.st_dev) != dev_major ||
            minor(st.st_dev) != dev_minor)
            return std::nullopt;  // replaced on disk since it was mapped (an upgrade): not the same bytes
        const off_t at = static_cast<off_t>(offset + (first - start));
        if (at < 0 || static_cast<std::uint64_t>(st.st_size) < static_cast<std::uint64_t>(at) + bytes.size())
            return std::nullopt;
        return BackingFile{std::move(fd), at};
    }
    return std::nullopt;
}

}  // namespace umd::detail
