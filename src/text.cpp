// src/text.cpp — untrusted text made safe for JSON and for a terminal (umd/text.h).
// Trusted side.
#include <umd/text.h>

#include <cstdint>

namespace umd {
namespace {

/// The valid UTF-8 sequence at the start of `s`: its length and code point, or a length of 0.
struct Sequence {
    std::size_t length = 0;
    char32_t code_point = 0;
};

Sequence decode(std::string_view s) noexcept
{
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char b0 = byte(0);
    if (b0 < 0x80) return {1, b0};
    std::size_t n;
    char32_t cp, min;
    if (b0 >= 0xC2 && b0 <= 0xDF) n = 2, cp = b0 & 0x1Fu, min = 0x80;
    else if (b0 >= 0xE0 && b0 <= 0xEF) n = 3, cp = b0 & 0x0Fu, min = 0x800;
    else if (b0 >= 0xF0 && b0 <= 0xF4) n = 4, cp = b0 & 0x07u, min = 0x10000;
    else return {};
    if (s.size() < n) return {};
    for (std::size_t i = 1; i < n; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return {};
        cp = (cp << 6) | (byte(i) & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
    return {n, cp};
}

/// Code points a terminal must not get as they are: controls, and the invisible
/// ones that reorder or split what is displayed.
bool unsafe_on_terminal(char32_t cp, LineFeeds line_feeds) noexcept
{
    if (cp == '\n') return line_feeds == LineFeeds::escape;
    if (cp < 0x20 || cp == 0x7F) return true;
    if (cp >= 0x80 && cp <= 0x9F) return true;                    // C1 controls
    if (cp == 0x200E || cp == 0x200F) return true;                // LRM, RLM
    if (cp == 0x2028 || cp == 0x2029) return true;                // line, paragraph separators
    if (cp >= 0x202A && cp <= 0x202E) return true;                // bidi embeddings and overrides
    if (cp >= 0x2066 && cp <= 0x2069) return true;                // bidi isolates
    return false;
}

void escape(std::string& out, std::string_view bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    for (char c : bytes) {
        auto u = static_cast<unsigned char>(c);
        out += "\\x";
        out += digits[u >> 4];
        out += digits[u & 0xF];
    }
}

}  // namespace

bool is_valid_utf8(std::string_view text) noexcept
{
    for (std::size_t i = 0; i < text.size();) {
        Sequence seq = decode(text.substr(i));
        if (seq.length == 0) return false;
        i += seq.length;
    }
    return true;
}

std::string utf8_text(std::string_view text)
{
    if (is_valid_utf8(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size();) {
        Sequence seq = decode(text.substr(i));
        if (seq.length == 0) {
            escape(out, text.substr(i, 1));
            ++i;
        } else {
            out.append(text.substr(i, seq.length));
            i += seq.length;
        }
    }
    return out;
}

std::string printable_text(std::string_view text, LineFeeds line_feeds, std::size_t max_bytes)
{
    bool cut = text.size() > max_bytes;
    if (cut) text = text.substr(0, max_bytes);
    while (!cut && !text.empty() && text.back() == '\n') text.remove_suffix(1);
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size();) {
        Sequence seq = decode(text.substr(i));
        std::size_t n = seq.length == 0 ? 1 : seq.length;
        if (seq.length == 0 || unsafe_on_terminal(seq.code_point, line_feeds)) escape(out, text.substr(i, n));
        else out.append(text.substr(i, n));
        i += n;
    }
    if (cut) out += "...";
    return out;
}

}  // namespace umd
