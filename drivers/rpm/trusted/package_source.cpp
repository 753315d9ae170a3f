// drivers/rpm/trusted/package_source.cpp — the package file's bytes as the Manager holds them.
// Trusted side (Manager). Fixed-size reads only; see package_source.h.
#include "drivers/rpm/trusted/package_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "drivers/rpm/protocol.h"

namespace umd::rpm {
namespace {

constexpr std::uint64_t lead_size = 96;
constexpr std::uint8_t lead_magic[4] = {0xed, 0xab, 0xee, 0xdb};
constexpr std::uint8_t header_magic[8] = {0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0};
constexpr std::uint64_t intro_size = 16;   // magic, il, dl

std::uint32_t be32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

/// 16 + 16·il + dl of the intro at `offset`, checked to end inside the file.
Result<std::uint64_t> header_size_at(const PackageSource& file, std::uint64_t offset, const char* what)
{
    if (offset > file.size() || file.size() - offset < intro_size)
        return fail(Errc::bad_input, "{}: no {} header intro at offset {} of a {}-byte file", file.name(), what, offset, file.size());
    std::uint8_t intro[intro_size];
    UMD_TRY(file.read(offset, intro));
    if (std::memcmp(intro, header_magic, sizeof header_magic) != 0)
        return fail(Errc::bad_input, "{}: no {} header magic at offset {}", file.name(), what, offset);
    const std::uint64_t size = intro_size + 16 * std::uint64_t{be32(intro + 8)} + be32(intro + 12);   // < 2^37: no overflow
    if (size > file.size() - offset)
        return fail(Errc::bad_input, "{}: the {} header at offset {} says {} bytes, past the end of the file", file.name(), what, offset, size);
    return size;
}

}  // namespace

Result<PackageSource> PackageSource::open(const std::string& path)
{
    // O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) return fail(Errc::io, "{}: {}", path, std::strerror(errno));
    return adopt(std::move(fd), path);
}

Result<PackageSource> PackageSource::adopt(UniqueFd fd, std::string name)
{
    PackageSource s;
    s.name_ = std::move(name);
    s.fd_ = std::move(fd);
    struct stat st {};
    if (::fstat(s.fd_.get(), &st) != 0) return fail(Errc::io, "{}: {}", s.name_, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail(Errc::io, "{}: not a regular file", s.name_);
    s.size_ = static_cast<std::uint64_t>(st.st_size);
    return s;
}

PackageSource PackageSource::memory(ByteView bytes, std::string name)
{
    PackageSource s;
    s.memory_ = bytes;
    s.size_ = bytes.size();
    s.name_ = std::move(name);
    return s;
}

Status PackageSource::read(std::uint64_t offset, std::span<std::uint8_t> out) const
{
    if (offset > size_ || out.size() > size_ - offset)
        return fail(Errc::io, "{}: {} bytes at offset {} are past the end ({} bytes)", name_, out.size(), offset, size_);
    if (!fd_) {
        std::memcpy(out.data(), memory_.data() + offset, out.size());
        return {};
    }
    std::size_t have = 0;
    while (have < out.size()) {
        ssize_t n = ::pread(fd_.get(), out.data() + have, out.size() - have, static_cast<off_t>(offset + have));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(Errc::io, "{}: {}", name_, std::strerror(errno));
        if (n == 0) return fail(Errc::io, "{}: file shrank while being read", name_);
        have += static_cast<std::size_t>(n);
    }
    return {};
}

Status PackageSource::check_unchanged_end() const
{
    if (!fd_) return {};
    std::uint8_t byte;
    for (;;) {
        ssize_t n = ::pread(fd_.get(), &byte, 1, static_cast<off_t>(size_));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(Errc::io, "{}: {}", name_, std::strerror(errno));
        if (n != 0) return fail(Errc::io, "{}: file grew while being read", name_);
        return {};
    }
}

Result<HeaderLocation> main_header_location(const PackageSource& file)
{
    if (file.size() < lead_size) return fail(Errc::bad_input, "{}: {} bytes, shorter than a package lead", file.name(), file.size());
    std::uint8_t magic[4];
    UMD_TRY(file.read(0, magic));
    if (std::memcmp(magic, lead_magic, sizeof magic) != 0) return fail(Errc::bad_input, "{}: no package lead magic", file.name());
    auto sig = UMD_TRY(header_size_at(file, lead_size, "signature"));
    const std::uint64_t main_at = lead_size + (sig + 7) / 8 * 8;
    auto main = UMD_TRY(header_size_at(file, main_at, "main"));
    if (main > Limits::max_header)
        return fail(Errc::bad_input, "{}: a main header of {} bytes (at most {})", file.name(), main, Limits::max_header);
    return HeaderLocation{main_at, main};
}

Result<bool> same_bytes(const PackageSource& file, std::uint64_t offset, ByteView bytes)
{
    if (offset > file.size() || bytes.size() > file.size() - offset) return false;
    std::vector<std::uint8_t> chunk(std::min(bytes.size(), source_chunk));
    for (std::size_t done = 0; done < bytes.size();) {
        const std::size_t n = std::min(chunk.size(), bytes.size() - done);
        UMD_TRY(file.read(offset + done, std::span(chunk).first(n)));
        if (std::memcmp(chunk.data(), bytes.data() + done, n) != 0) return false;
        done += n;
    }
    return true;
}

}  // namespace umd::rpm
