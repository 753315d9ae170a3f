// drivers/rpm/trusted/package_reader.cpp — sends a package file to the RPM handler and decodes the reply.
// Trusted side (Manager). See package_reader.h.
#include "drivers/rpm/trusted/package_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <umd/unique_fd.h>

namespace umd::rpm {
namespace {

constexpr int max_rounds = 4;   // lead+signature header, main intro, main header: 3 suffice

/// Reads bytes [have, want) of the file into `buffer`.
Status read_more(int fd, Bytes& buffer, std::size_t want, const std::string& path)
{
    std::size_t have = buffer.size();
    buffer.resize(want);
    while (have < want) {
        ssize_t n = ::pread(fd, buffer.data() + have, want - have, static_cast<off_t>(have));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(Errc::io, "{}: {}", path, std::strerror(errno));
        if (n == 0) return fail(Errc::io, "{}: file shrank while being read", path);
        have += static_cast<std::size_t>(n);
    }
    return {};
}

/// One or more parse rounds; `more(want)` must make the first `want` bytes available.
template <class More>
Result<Parsed> rounds(Driver& driver, std::uint64_t size, Bytes& buffer, More&& more)
{
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, Limits::first_read));
    for (int round = 0; round < max_rounds; ++round) {
        if (auto s = more(want); !s) return std::unexpected(s.error());
        Bytes request = encode_request(size, ByteView(buffer.data(), want));
        auto reply = driver.send_recv(static_cast<std::uint8_t>(Request::parse), request);
        if (!reply) return std::unexpected(reply.error());
        auto parsed = decode(reply->payload);
        if (!parsed) return std::unexpected(parsed.error());
        if (parsed->needed == 0) return parsed;
        if (parsed->needed <= want || parsed->needed > size)
            return fail(Errc::protocol, "rpm handler asked for {} bytes after {} of a {}-byte file", parsed->needed, want, size);
        want = static_cast<std::size_t>(parsed->needed);   // decode() bounded it by Limits::max_input
    }
    return fail(Errc::protocol, "rpm handler kept asking for more bytes");
}

}  // namespace

Result<Parsed> parse_with_handler(Driver& driver, const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) return fail(Errc::io, "{}: {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail(Errc::io, "{}: {}", path, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail(Errc::io, "{}: not a regular file", path);
    Bytes buffer;
    auto r = rounds(driver, static_cast<std::uint64_t>(st.st_size), buffer,
                    [&](std::size_t want) { return read_more(fd.get(), buffer, want, path); });
    if (!r) return std::unexpected(with_context(r.error(), path));
    return r;
}

Result<Parsed> parse_bytes_with_handler(Driver& driver, ByteView file)
{
    Bytes buffer(file.begin(), file.end());
    return rounds(driver, file.size(), buffer, [](std::size_t) -> Status { return {}; });
}

}  // namespace umd::rpm
