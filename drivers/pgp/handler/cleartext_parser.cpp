// drivers/pgp/handler/cleartext_parser.cpp — cleartext-signed messages (handler side).
#include "drivers/pgp/handler/cleartext_parser.h"

#include <array>
#include <utility>

#include "drivers/pgp/handler/armor.h"
#include "drivers/pgp/handler/message_parser.h"

namespace umd::pgp::parser {
namespace {

constexpr std::string_view signature_begin = "-----BEGIN PGP SIGNATURE-----";

std::string_view trim_eol(std::string_view line)
{
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

/// Spaces and tabs at the end of a line are not signed (RFC 9580 §7.2).
std::string_view trim_space(std::string_view line)
{
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    return line;
}

std::string_view trim_both(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return trim_space(s);
}

/// Reads lines one at a time, counting them for messages.
struct LineReader {
    std::string_view text;
    std::size_t pos = 0;
    std::size_t number = 0;
    bool next(std::string_view& line)
    {
        if (pos >= text.size()) return false;
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        line = trim_eol(text.substr(pos, end - pos));
        pos = end < text.size() ? end + 1 : end;
        ++number;
        return true;
    }
};

Status parse_hash_header(std::string_view value, std::size_t line, std::vector<std::uint8_t>& out)
{
    while (true) {
        const std::size_t comma = value.find(',');
        std::string_view name = trim_both(value.substr(0, comma));
        const std::uint8_t id = hash_algorithm_by_name(name);
        if (id == 0) return fail(Errc::bad_input, "cleartext: unknown hash '{}' in the Hash header on line {}", name, line);
        out.push_back(id);
        if (comma == std::string_view::npos) return {};
        value.remove_prefix(comma + 1);
    }
}

}  // namespace

std::uint8_t hash_algorithm_by_name(std::string_view name)
{
    static constexpr std::array<std::pair<std::string_view, std::uint8_t>, 9> names{{
        {"MD5", 1}, {"SHA1", 2}, {"RIPEMD160", 3}, {"SHA256", 8}, {"SHA384", 9},
        {"SHA512", 10}, {"SHA224", 11}, {"SHA3-256", 12}, {"SHA3-512", 14},
    }};
    for (const auto& [n, id] : names)
        if (n == name) return id;
    return 0;
}

bool looks_cleartext(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
    return text.substr(i).starts_with(cleartext_begin);
}

Result<Parsed> parse_cleartext(std::string_view input)
{
    if (input.size() > UINT32_MAX) return fail(Errc::bad_input, "cleartext: input of {} bytes is too large", input.size());
    Parsed out;
    out.kind = InputKind::cleartext;
    out.armored = true;
    LineReader lines{input};
    std::string_view line;
    // Header line (after blank lines).
    for (;;) {
        if (!lines.next(line)) return fail(Errc::bad_input, "cleartext: no '{}' line", cleartext_begin);
        if (trim_space(line).empty()) continue;
        if (trim_space(line) != cleartext_begin)
            return fail(Errc::bad_input, "cleartext: line {} is not '{}'", lines.number, cleartext_begin);
        break;
    }
    // Only well-formed "Hash:" headers, then one blank line.
    for (;;) {
        if (!lines.next(line)) return fail(Errc::bad_input, "cleartext: message ends inside its headers");
        std::string_view header = trim_space(line);
        if (header.empty()) break;
        if (!header.starts_with("Hash: "))
            return fail(Errc::bad_input, "cleartext: line {} is not a 'Hash:' header (other headers are refused)",
                        lines.number);
        UMD_TRY(parse_hash_header(header.substr(6), lines.number, out.cleartext_hash_headers));
    }
    // The dash-escaped text, up to the signature block: sent as ranges of the
    // input (the Manager holds the input and joins the lines itself).
    std::vector<TextLine> text;
    std::size_t signature_at = 0;
    for (;;) {
        const std::size_t line_start = lines.pos;
        if (!lines.next(line)) return fail(Errc::bad_input, "cleartext: no '{}' line after the text", signature_begin);
        if (line.starts_with("-")) {
            if (trim_space(line) == signature_begin) {
                signature_at = line_start;
                break;
            }
            if (!line.starts_with("- "))
                return fail(Errc::bad_input, "cleartext: line {} starts with '-' but is not dash-escaped", lines.number);
            line.remove_prefix(2);
        }
        line = trim_space(line);
        if (text.size() >= Limits::max_text_lines)
            return fail(Errc::bad_input, "cleartext: signed text has more than {} lines", Limits::max_text_lines);
        // The input is at most max_request bytes (< 4 GiB), so offsets fit 32 bits.
        text.push_back({static_cast<std::uint32_t>(line.data() - input.data()), static_cast<std::uint32_t>(line.size())});
    }
    out.text_lines = std::move(text);

    std::size_t consumed = 0;
    std::string_view rest = input.substr(signature_at);
    auto block = dearmor_one(rest, consumed);
    if (!block) return std::unexpected(with_context(block.error(), "cleartext signature"));
    if (block->label != "PGP SIGNATURE")
        return fail(Errc::bad_input, "cleartext: signature block is labelled '{}'", block->label);
    for (char c : rest.substr(consumed))
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return fail(Errc::bad_input, "cleartext: unexpected data after the signature block");

    std::vector<Packet> packets;
    PacketReader reader(block->data, "cleartext signature");
    for (;;) {
        auto next = UMD_TRY(reader.next());
        if (!next) break;
        packets.push_back(std::move(*next));
    }
    auto sigs = parse_detached(packets);
    if (!sigs) return std::unexpected(with_context(sigs.error(), "cleartext signature"));
    out.signatures = std::move(*sigs);
    return out;
}

}  // namespace umd::pgp::parser
