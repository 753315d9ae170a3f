// drivers/pgp/handler/armor.cpp — armor framing and radix-64 decoding (handler side).
#include "drivers/pgp/handler/armor.h"

#include "drivers/pgp/radix64.h"

#include <array>

namespace umd::pgp::parser {
namespace {

constexpr std::string_view begin_prefix = "-----BEGIN ";
constexpr std::string_view end_prefix = "-----END ";
constexpr std::string_view dashes = "-----";

using radix64::trim_right;
bool is_blank_char(char c) { return radix64::is_blank(c); }

/// Splits text into lines (without the LF), tracking line numbers for messages.
class Lines {
public:
    explicit Lines(std::string_view text) : text_(text) {}
    bool next(std::string_view& line)
    {
        if (pos_ >= text_.size()) return false;
        std::size_t end = text_.find('\n', pos_);
        if (end == std::string_view::npos) end = text_.size();
        line = text_.substr(pos_, end - pos_);
        pos_ = end < text_.size() ? end + 1 : end;
        ++number_;
        return true;
    }
    std::size_t number() const { return number_; }
    std::size_t position() const { return pos_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t number_ = 0;
};

}  // namespace

bool looks_armored(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size() && is_blank_char(text[i])) ++i;
    return text.substr(i).starts_with("-----BEGIN PGP ");
}

Result<Bytes> decode_radix64(std::string_view text)
{
    constexpr const auto& table = radix64::values;
    Bytes out;
    out.reserve(text.size() / 4 * 3 + 3);
    radix64::Bits bits;
    std::size_t padding = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (is_blank_char(c)) continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        const std::int8_t v = table[static_cast<unsigned char>(c)];
        if (v < 0 || padding > 0)
            return fail(Errc::bad_input, "armor: invalid radix-64 character 0x{:02x} at offset {} of the body",
                        static_cast<unsigned char>(c), i);
        if (std::uint8_t byte = 0; bits.push(v, byte)) out.push_back(byte);
    }
    // Leftover bits must be zero padding (at most 4 bits after a valid encoding).
    if (bits.incomplete() || padding > 2) return fail(Errc::bad_input, "armor: radix-64 body has an invalid length");
    return out;
}

Result<ArmorBlock> dearmor_one(std::string_view text, std::size_t& consumed)
{
    Lines lines(text);
    std::string_view line;
    ArmorBlock block;
    // The BEGIN line, after blank lines.
    for (;;) {
        if (!lines.next(line)) return fail(Errc::bad_input, "armor: no BEGIN line");
        line = trim_right(line);
        if (line.empty()) continue;
        if (!line.starts_with(begin_prefix) || !line.ends_with(dashes) ||
            line.size() < begin_prefix.size() + dashes.size())
            return fail(Errc::bad_input, "armor: line {} is not an armor BEGIN line", lines.number());
        block.label = std::string(line.substr(begin_prefix.size(), line.size() - begin_prefix.size() - dashes.size()));
        break;
    }
    // Armor headers "Key: Value" up to a blank line. Some producers omit the blank
    // line when there are no headers; a line without ':' then starts the body.
    std::size_t body_start = lines.position();
    for (;;) {
        std::size_t before = lines.position();
        if (!lines.next(line)) return fail(Errc::bad_input, "armor: '{}' block ends inside its headers", block.label);
        line = trim_right(line);
        if (line.empty()) {
            body_start = lines.position();
            break;
        }
        if (line.find(": ") == std::string_view::npos) {
            if (line.starts_with(dashes))
                return fail(Errc::bad_input, "armor: '{}' block has no body (line {})", block.label, lines.number());
            body_start = before;
            break;
        }
    }
    // Body lines up to the optional "=XXXX" checksum and the END line.
    Lines body_lines(text.substr(body_start));
    std::string body;
    const std::size_t first_body_line = lines.number() + (body_start == lines.position() ? 1 : 0);
    for (;;) {
        if (!body_lines.next(line))
            return fail(Errc::bad_input, "armor: '{}' block has no END line", block.label);
        line = trim_right(line);
        if (line.starts_with(dashes)) {
            if (line != fmt::format("{}{}{}", end_prefix, block.label, dashes))
                return fail(Errc::bad_input, "armor: line {} is not the END line of the '{}' block",
                            first_body_line + body_lines.number() - 1, block.label);
            consumed = body_start + body_lines.position();
            break;
        }
        if (line.size() == 5 && line[0] == '=') continue;   // CRC24: not checked (RFC 9580 §6.1)
        body.append(line);
    }
    auto data = decode_radix64(body);
    if (!data) return std::unexpected(with_context(data.error(), block.label));
    block.data = std::move(*data);
    return block;
}

Result<std::vector<ArmorBlock>> dearmor(std::string_view text)
{
    std::vector<ArmorBlock> blocks;
    std::size_t pos = 0;
    for (;;) {
        std::size_t i = pos;
        while (i < text.size() && is_blank_char(text[i])) ++i;
        if (i >= text.size()) break;
        std::size_t consumed = 0;
        auto block = UMD_TRY(dearmor_one(text.substr(pos), consumed));
        blocks.push_back(std::move(block));
        pos += consumed;
    }
    if (blocks.empty()) return fail(Errc::bad_input, "armor: no armored block found");
    return blocks;
}

}  // namespace umd::pgp::parser
