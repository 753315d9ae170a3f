// src/blob.cpp — handler image → sealed memfd (trusted side; umd_load_blob).
#include <umd/blob.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "backing_file.h"

namespace umd {
namespace {

constexpr std::size_t max_blob_size = 256u << 20;

Status write_fully(int fd, const std::uint8_t* data, std::size_t size)
{
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail_errno(errno, "writing handler image to memfd");
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

/// Lets the kernel copy `size` bytes at `offset` of `from` into `to` (page cache to
/// page cache). False when it cannot (then the caller copies through user space).
bool copy_in_kernel(int from, off_t offset, int to, std::size_t size)
{
    while (size > 0) {
        ssize_t n = ::sendfile(to, from, &offset, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

Result<Blob> Blob::load(std::span<const std::uint8_t> image, std::string name)
{
    if (image.empty()) return fail(Errc::invalid_argument, "handler image '{}' is empty", name);
    if (image.size() > max_blob_size)
        return fail(Errc::invalid_argument, "handler image '{}' is {} bytes, over the {} limit", name, image.size(), max_blob_size);
    // MFD_CLOEXEC: execveat(AT_EMPTY_PATH) of an ELF image does not need the fd after exec.
    UniqueFd fd(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd) return fail_errno(errno, "memfd_create for handler '{}'", name);
    // An image embedded in a module is copied from the module's file by the kernel, so
    // the Manager never faults it in; anything else (or a failed attempt) through write().
    auto source = detail::backing_file_of(image);
    if (!source || !copy_in_kernel(source->fd.get(), source->offset, fd.get(), image.size())) {
        if (::ftruncate(fd.get(), 0) != 0 || ::lseek(fd.get(), 0, SEEK_SET) != 0)
            return fail_errno(errno, "resetting handler memfd '{}'", name);
        UMD_TRY(write_fully(fd.get(), image.data(), image.size()));
    }
    // Sealed, so the mode only says who may execute it: also a handler run as another user.
    if (::fchmod(fd.get(), 0555) != 0) return fail_errno(errno, "fchmod of handler memfd '{}'", name);
    // Seal: the executed image can never change after this point.
    if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        return fail_errno(errno, "sealing handler memfd '{}'", name);
    return Blob(std::move(fd), image.size(), std::move(name));
}

Result<Blob> Blob::load_file(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail(Errc::io, "cannot open handler '{}': {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail(Errc::io, "cannot stat handler '{}': {}", path, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail(Errc::invalid_argument, "handler '{}' is not a regular file", path);
    if (static_cast<std::uint64_t>(st.st_size) > max_blob_size)
        return fail(Errc::invalid_argument, "handler '{}' is larger than {} bytes", path, max_blob_size);
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < bytes.size()) {
        ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(Errc::io, "reading handler '{}': {}", path, std::strerror(errno));
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    bytes.resize(got);
    auto slash = path.find_last_of('/');
    return load(bytes, slash == std::string::npos ? path : path.substr(slash + 1));
}

}  // namespace umd
