// drivers/pgp/trusted/client.cpp — parse requests to the OpenPGP handler.
//
// Trusted side.
#include "drivers/pgp/trusted/client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <umd/unique_fd.h>

#include "drivers/pgp/trusted/anchor_check.h"

namespace umd::pgp {

Result<Parsed> parse(Driver& driver, Bytes input)
{
    auto reply = UMD_TRY(driver.send_recv(static_cast<std::uint8_t>(Request::parse), input));
    return decode(reply.payload, std::move(input));
}

Result<Parsed> parse(Driver& driver, ByteView input) { return parse(driver, Bytes(input.begin(), input.end())); }

namespace {

/// Reads a whole regular file from offset 0 (pread: a descriptor shared with a
/// client keeps its offset), at most max_input_file bytes.
Result<Bytes> read_regular(int fd, const std::string& name)
{
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(Errc::io, "{}: {}", name, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail(Errc::bad_input, "{}: not a regular file", name);
    if (static_cast<std::uint64_t>(st.st_size) > max_input_file)
        return fail(Errc::bad_input, "{}: {} bytes is larger than the limit of {}", name, st.st_size, max_input_file);
    Bytes bytes(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(Errc::io, "{}: {}", name, std::strerror(errno));
        if (n == 0) break;   // the file shrank: use what is there
        done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
    return bytes;
}

}  // namespace

Result<Bytes> read_input_file(const FileRef& file)
{
    if (file.fd >= 0) return read_regular(file.fd, file.name);
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    int raw = ::open(file.name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (raw < 0) return fail(errno == ENOENT ? Errc::not_found : Errc::io, "{}: {}", file.name, std::strerror(errno));
    UniqueFd fd(raw);
    return read_regular(fd.get(), file.name);
}

Result<Parsed> parse_file(Driver& driver, const FileRef& file)
{
    auto bytes = UMD_TRY(read_input_file(file));
    auto parsed = parse(driver, std::move(bytes));
    if (!parsed) return std::unexpected(with_context(parsed.error(), file.name));
    return parsed;
}

Result<Parsed> parse_keyring_bytes(Driver& driver, Bytes bytes, const std::string& path)
{
    auto reply = driver.send_recv(static_cast<std::uint8_t>(Request::parse), bytes, InputOrigin::trust_anchor);
    if (!reply) return std::unexpected(with_context(reply.error(), path));
    // With the input, so that a file of another kind (a cleartext message named as a
    // keyring) decodes and is refused as what it is, not as a protocol error.
    auto parsed = decode(reply->payload, bytes);
    if (!parsed) return std::unexpected(with_context(parsed.error(), path));
    if (parsed->kind != InputKind::certificates) return fail(Errc::bad_input, "{}: not a keyring", path);
    auto stream = anchor_stream(bytes);
    if (!stream) return std::unexpected(with_context(stream.error(), path));
    UMD_TRY(check_keys_in_anchor(*parsed, *stream, path));
    return parsed;
}

Result<std::vector<Parsed>> parse_keyring_files(Driver& driver, const std::vector<FileRef>& files)
{
    std::vector<Parsed> all;
    for (const auto& file : files) {
        auto parsed = UMD_TRY(parse_keyring_bytes(driver, UMD_TRY(read_input_file(file)), file.name));
        all.push_back(std::move(parsed));
    }
    return all;
}

Result<Keyring> load_keyring(Driver& driver, const std::vector<FileRef>& files, const Policy& policy)
{
    auto all = UMD_TRY(parse_keyring_files(driver, files));
    return Keyring::from(std::move(all), policy);
}

}  // namespace umd::pgp
