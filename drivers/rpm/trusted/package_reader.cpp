// drivers/rpm/trusted/package_reader.cpp — sends a package file to the RPM handler and decodes the reply.
// Trusted side (Manager). See package_reader.h.
#include "drivers/rpm/trusted/package_reader.h"

namespace umd::rpm {
namespace {

constexpr int max_rounds = 4;   // lead+signature header, main intro, main header: 3 suffice

}  // namespace

Result<Parsed> parse_with_handler(Driver& driver, const PackageSource& file)
{
    return parse_with(
        [&driver](ByteView request) -> Result<Bytes> {
            auto reply = UMD_TRY(driver.send_recv(static_cast<std::uint8_t>(Request::parse), request));
            return std::move(reply.payload);
        },
        file);
}

Result<Parsed> parse_with(const SendParse& send, const PackageSource& file)
{
    const std::uint64_t size = file.size();
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, Limits::first_read));
    Bytes buffer;
    for (int round = 0; round < max_rounds; ++round) {
        const std::size_t have = buffer.size();
        buffer.resize(want);
        UMD_TRY(file.read(have, std::span(buffer).subspan(have)));
        Bytes request = encode_request(size, buffer);
        auto reply = send(request);
        if (!reply) return std::unexpected(with_context(reply.error(), file.name()));
        auto parsed = decode(*reply);
        if (!parsed) return std::unexpected(with_context(parsed.error(), file.name()));
        if (parsed->needed == 0) return parsed;
        if (parsed->needed <= want || parsed->needed > size)
            return fail(Errc::protocol, "{}: rpm handler asked for {} bytes after {} of a {}-byte file", file.name(), parsed->needed, want, size);
        want = static_cast<std::size_t>(parsed->needed);   // decode() bounded it by Limits::max_input
    }
    return fail(Errc::protocol, "{}: rpm handler kept asking for more bytes", file.name());
}

}  // namespace umd::rpm
