// drivers/pgp/trusted/anchor_check.cpp — reported keys found in the keyring file's own bytes.
// Trusted side. See anchor_check.h.
#include "drivers/pgp/trusted/anchor_check.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "drivers/pgp/radix64.h"
#include "drivers/pgp/trusted/key_material.h"

namespace umd::pgp {
namespace {

constexpr std::string_view begin_prefix = "-----BEGIN PGP ";
constexpr std::string_view dashes = "-----";

using radix64::trim_right;
constexpr auto blank = radix64::is_blank;

/// Appends the radix-64 data of one body line; '=' ends the data.
Status append_radix64(std::string_view line, radix64::Bits& bits, bool& ended, Bytes& out)
{
    constexpr const auto& values = radix64::values;
    for (char c : line) {
        if (blank(c)) continue;
        if (c == '=') {
            ended = true;
            continue;
        }
        const std::int8_t v = values[static_cast<unsigned char>(c)];
        if (v < 0 || ended) return fail(Errc::bad_input, "keyring armor: invalid radix-64 character");
        if (std::uint8_t byte = 0; bits.push(v, byte)) out.push_back(byte);
    }
    return {};
}

/// The armor blocks of `text`, decoded and joined: BEGIN line, "Key: Value" headers up
/// to a blank line (or the first line without ": "), body lines, an optional
/// "=XXXX" checksum line, the END line.
Result<Bytes> dearmor_anchor(std::string_view text)
{
    Bytes out;
    out.reserve(text.size() / 4 * 3);
    enum { outside, headers, body } state = outside;
    radix64::Bits bits;
    bool ended = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = trim_right(text.substr(pos, eol - pos));
        pos = eol + 1;
        switch (state) {
        case outside:
            if (line.empty()) continue;
            if (!line.starts_with(begin_prefix) || !line.ends_with(dashes))
                return fail(Errc::bad_input, "keyring armor: text outside an armor block");
            state = headers;
            continue;
        case headers:
            if (line.empty()) {
                state = body;
                continue;
            }
            if (line.find(": ") != std::string_view::npos) continue;
            state = body;
            [[fallthrough]];
        case body:
            if (line.starts_with(dashes)) {
                if (bits.incomplete()) return fail(Errc::bad_input, "keyring armor: radix-64 body has an invalid length");
                bits = {}, ended = false;
                state = outside;
                continue;
            }
            if (line.size() == 5 && line[0] == '=') continue;   // the CRC24 line
            UMD_TRY(append_radix64(line, bits, ended, out));
            continue;
        }
    }
    if (state != outside) return fail(Errc::bad_input, "keyring armor: a block has no END line");
    return out;
}

bool armored(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size() && blank(text[i])) ++i;
    return text.substr(i).starts_with(begin_prefix);
}

Status check_key(const Key& key, ByteView stream, std::string_view file, const char* what)
{
    const Bytes body = key_body(key);
    const std::uint64_t end = std::uint64_t{key.offset} + body.size();
    if (end > stream.size() || std::memcmp(stream.data() + key.offset, body.data(), body.size()) != 0)
        return fail(Errc::protocol, "{}: the handler reported a {} {} at offset {} that the file does not hold there", file,
                    what, hex_upper(fingerprint(key)), key.offset);
    return {};
}

}  // namespace

Result<Bytes> anchor_stream(ByteView file)
{
    if (!armored(as_chars(file))) return Bytes(file.begin(), file.end());
    return dearmor_anchor(as_chars(file));
}

Status check_keys_in_anchor(const Parsed& parsed, ByteView stream, std::string_view file)
{
    for (const Certificate& cert : parsed.certificates) {
        if (auto s = check_key(cert.primary, stream, file, "primary key"); !s) return s;
        for (const Key& sub : cert.subkeys)
            if (auto s = check_key(sub, stream, file, "subkey"); !s) return s;
    }
    return {};
}

}  // namespace umd::pgp
