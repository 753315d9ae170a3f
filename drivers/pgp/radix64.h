// drivers/pgp/radix64.h — the radix-64 alphabet and the blanks of ASCII armor (RFC 9580 §6).
//
// Shared by both sides of the trust boundary, like protocol.h: the handler decodes
// armored input with it (handler/armor.cpp), the Manager decodes the keyring files
// it trusts (trusted/anchor_check.cpp). Constants and pure functions only.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace umd::pgp::radix64 {

/// Space, tab, CR or LF: what armor lines may carry around their content.
constexpr bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// `s` without trailing blanks.
constexpr std::string_view trim_right(std::string_view s)
{
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

/// The 6-bit value of each radix-64 character, -1 for any other byte.
constexpr std::array<std::int8_t, 256> make_values()
{
    std::array<std::int8_t, 256> t{};
    for (auto& v : t) v = -1;
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
}
inline constexpr std::array<std::int8_t, 256> values = make_values();

}  // namespace umd::pgp::radix64
