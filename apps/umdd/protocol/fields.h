// apps/umdd/protocol/fields.h — the field encodings every umdd message is made of (both sides).
//
// Internal to the protocol's .cpp files. A string is a u32 length and its bytes (cut
// to max_string when written, refused beyond it when read, and made printable when
// read: whatever crosses the socket ends up shown to people); a flag is one byte, 0
// or 1; a count is a u32 checked against its bound before anything is allocated; a
// Result is a flag (1: failed) then the value, or the error kind and its message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <umd/error.h>
#include <umd/text.h>
#include <umd/wire.h>

#include "apps/umdd/protocol/protocol.h"

namespace umd::daemon::fields {

inline constexpr std::uint8_t highest_errc = static_cast<std::uint8_t>(Errc::not_permitted);

inline void put_string(ByteWriter& out, std::string_view s)
{
    s = s.substr(0, max_string);
    out.blob(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

inline Result<std::string> get_string(ByteReader& in)
{
    auto v = UMD_TRY(in.blob(max_string));
    return printable_text(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
}

inline Result<std::uint32_t> get_count(ByteReader& in, std::size_t max, const char* what)
{
    auto n = UMD_TRY(in.u32());
    if (n > max) return fail(Errc::bad_input, "{}: {} entries, at most {}", what, n, max);
    return n;
}

inline Result<bool> get_flag(ByteReader& in)
{
    auto v = UMD_TRY(in.u8());
    if (v > 1) return fail(Errc::bad_input, "a flag is 0 or 1, not {}", v);
    return v == 1;
}

inline void put_error(ByteWriter& out, const Error& e)
{
    out.u8(static_cast<std::uint8_t>(e.code));
    put_string(out, e.message);
}

/// An error as the daemon sent it; an unknown kind is the daemon breaking the protocol.
inline Result<Error> get_error(ByteReader& in)
{
    auto code = UMD_TRY(in.u8());
    if (code > highest_errc) return fail(Errc::protocol, "umdd reply: unknown error kind {}", code);
    auto text = UMD_TRY(get_string(in));
    return Error{static_cast<Errc>(code), std::move(text)};
}

/// A per-item verdict inside a reply: `put_value` writes the success's fields.
template <class T, class PutValue>
void put_result(ByteWriter& out, const Result<T>& r, PutValue put_value)
{
    out.u8(r ? 0 : 1);
    if (r) put_value(out, *r);
    else put_error(out, r.error());
}

/// Reads what put_result() wrote: `get_value` reads the success's fields. The outer
/// Result fails when the bytes are malformed; the inner one is the item's verdict.
template <class T, class GetValue>
Result<Result<T>> get_result(ByteReader& in, GetValue get_value)
{
    auto failed = UMD_TRY(get_flag(in));
    if (failed) {
        auto e = UMD_TRY(get_error(in));
        return Result<T>(std::unexpected(std::move(e)));
    }
    auto value = UMD_TRY(get_value(in));
    return Result<T>(std::move(value));
}

/// File names (one per descriptor), for messages only.
inline void put_names(ByteWriter& out, const std::vector<std::string>& names)
{
    out.u32(static_cast<std::uint32_t>(names.size()));
    for (const auto& name : names) put_string(out, name);
}

inline Result<std::vector<std::string>> get_names(ByteReader& in)
{
    auto n = UMD_TRY(get_count(in, max_fds, "file names"));
    std::vector<std::string> names;
    for (std::uint32_t i = 0; i < n; ++i) names.push_back(UMD_TRY(get_string(in)));
    return names;
}

}  // namespace umd::daemon::fields
