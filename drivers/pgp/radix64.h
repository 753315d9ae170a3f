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

/// Turns 6-bit values into bytes, 4 characters → 3 bytes.
class Bits {
public:
    /// Adds one value; returns true and sets `byte` when a whole byte is complete.
    constexpr bool push(std::int8_t value, std::uint8_t& byte)
    {
        acc_ = (acc_ << 6) | static_cast<std::uint32_t>(value);
        bits_ += 6;
        if (bits_ < 8) return false;
        bits_ -= 8;
        byte = static_cast<std::uint8_t>(acc_ >> bits_);
        acc_ &= (1u << bits_) - 1;
        return true;
    }
    /// Whether a whole character's worth is left over: a body of an impossible length.
    constexpr bool incomplete() const { return bits_ >= 6; }

private:
    std::uint32_t acc_ = 0;
    int bits_ = 0;
};

}  // namespace umd::pgp::radix64
