// drivers/pgp/handler/cursor.cpp — bounds-checked big-endian field reads (handler side).
#include "drivers/pgp/handler/cursor.h"

namespace umd::pgp::parser {

Result<ByteView> Cursor::take(std::size_t n)
{
    if (n > remaining())
        return fail(Errc::bad_input, "{}: truncated at offset {} (needs {} bytes, {} left)", what_, offset(), n,
                    remaining());
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
}

Result<std::uint8_t> Cursor::u8()
{
    auto v = UMD_TRY(take(1));
    return (v)[0];
}

Result<std::uint16_t> Cursor::u16()
{
    auto v = UMD_TRY(take(2));
    return static_cast<std::uint16_t>(((v)[0] << 8) | (v)[1]);
}

Result<std::uint32_t> Cursor::u32()
{
    auto v = UMD_TRY(take(4));
    return (std::uint32_t{(v)[0]} << 24) | (std::uint32_t{(v)[1]} << 16) | (std::uint32_t{(v)[2]} << 8) |
           std::uint32_t{(v)[3]};
}

Result<Bytes> Cursor::mpi()
{
    auto bits = UMD_TRY(u16());
    auto value = UMD_TRY(take((std::size_t{bits} + 7) / 8));
    std::size_t skip = 0;
    while (skip < value.size() && (value)[skip] == 0) ++skip;
    return Bytes(value.begin() + static_cast<std::ptrdiff_t>(skip), value.end());
}

ByteView Cursor::rest()
{
    ByteView v = data_.subspan(pos_);
    pos_ = data_.size();
    return v;
}

Status Cursor::expect_end() const
{
    if (remaining() != 0)
        return fail(Errc::bad_input, "{}: {} unexpected trailing bytes at offset {}", what_, remaining(), offset());
    return {};
}

}  // namespace umd::pgp::parser
