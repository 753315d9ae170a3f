// drivers/rpm/handler/package_parser.cpp — reads an RPM package file into a Parsed reply.
// Untrusted side (handler). See package_parser.h.
#include "drivers/rpm/handler/package_parser.h"

#include <cstring>

#include "drivers/rpm/handler/header_blob.h"

namespace umd::rpm {
namespace {

constexpr std::size_t lead_size = 96;
constexpr std::uint8_t lead_magic[4] = {0xed, 0xab, 0xee, 0xdb};
constexpr std::uint16_t sigtype_headersig = 5;   // RPMSIGTYPE_HEADERSIG

Status check_lead(ByteView lead)
{
    if (std::memcmp(lead.data(), lead_magic, sizeof lead_magic) != 0) return fail(Errc::bad_input, "lead: bad magic");
    const std::uint8_t major = lead[4];
    if (major < 3 || major > 4) return fail(Errc::bad_input, "lead: unsupported format version {}", major);
    const auto sigtype = static_cast<std::uint16_t>((lead[78] << 8) | lead[79]);
    if (sigtype != sigtype_headersig) return fail(Errc::bad_input, "lead: signature type {} is not a header signature", sigtype);
    return {};
}

Result<Parsed> needs(std::uint64_t total, std::uint64_t file_size)
{
    if (total > file_size) return fail(Errc::bad_input, "package truncated: needs {} bytes, file has {}", total, file_size);
    if (total > Limits::max_input) return fail(Errc::bad_input, "package header ends beyond {} bytes", Limits::max_input);
    Parsed p;
    p.needed = total;
    return p;
}

/// The header-only signatures and the header digest of the signature header.
Status collect_signatures(const HeaderBlob& sigh, Parsed& out)
{
    for (std::size_t i = 1; i < sigh.entries.size(); ++i) {
        const IndexEntry& e = sigh.entries[i];
        auto add = [&](ByteView packet) -> Status {
            if (packet.empty() || packet.size() > Limits::max_signature)
                return fail(Errc::bad_input, "signature header: signature tag {} of {} bytes", e.tag, packet.size());
            if (out.signatures.size() >= Limits::max_signatures)
                return fail(Errc::bad_input, "signature header: more than {} signatures", Limits::max_signatures);
            out.signatures.push_back({e.tag, Bytes(packet.begin(), packet.end())});
            return {};
        };
        switch (e.tag) {
        case tag::sig_rsa:
        case tag::sig_dsa:
            if (e.type != static_cast<std::uint32_t>(TagType::bin))
                return fail(Errc::bad_input, "signature header: tag {} has type {}, not binary", e.tag, e.type);
            if (auto s = add(sigh.data(i)); !s) return s;
            break;
        case tag::sig_openpgp: {
            if (e.type != static_cast<std::uint32_t>(TagType::string_array))
                return fail(Errc::bad_input, "signature header: tag {} has type {}, not a string array", e.tag, e.type);
            ByteView rest = sigh.data(i);
            for (std::uint32_t k = 0; k < e.count; ++k) {
                auto nul = static_cast<const std::uint8_t*>(std::memchr(rest.data(), 0, rest.size()));
                std::size_t n = static_cast<std::size_t>(nul - rest.data());   // data_length() proved the NULs exist
                auto packet = decode_base64(as_chars(rest.first(n)));
                if (!packet) return fail(Errc::bad_input, "signature header: tag {} string {} is not base64", e.tag, k);
                if (auto s = add(*packet); !s) return s;
                rest = rest.subspan(n + 1);
            }
            break;
        }
        case tag::sig_sha256: {
            if (e.type != static_cast<std::uint32_t>(TagType::string))
                return fail(Errc::bad_input, "signature header: tag {} has type {}, not a string", e.tag, e.type);
            ByteView text = sigh.data(i);
            out.sha256 = std::string(as_chars(text.first(text.size() - 1)));
            break;
        }
        default:
            break;   // sizes, payload digests, legacy header+payload signatures: not used
        }
    }
    return {};
}

Status collect_claims(const HeaderBlob& h, Parsed& out)
{
    for (Field f : all_fields) {
        const FieldSpec spec = *field_spec(f);
        auto at = UMD_TRY(h.find(spec.tag));
        if (!at) continue;
        const IndexEntry& e = h.entries[*at];
        if (e.type != static_cast<std::uint32_t>(spec.type))
            return fail(Errc::bad_input, "main header: {} (tag {}) has type {}, expected {}", spec.name, spec.tag, e.type,
                        static_cast<std::uint32_t>(spec.type));
        out.claims.push_back({f, static_cast<std::uint32_t>(*at), e.tag, e.type, e.count, static_cast<std::uint32_t>(e.offset)});
    }
    return {};
}

}  // namespace

std::optional<Bytes> decode_base64(std::string_view text)
{
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    if (text.size() % 4 != 0) return std::nullopt;
    Bytes out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                ++pad;
                v[k] = 0;
                continue;
            }
            if (pad) return std::nullopt;   // data after padding
            v[k] = value(c);
            if (v[k] < 0) return std::nullopt;
        }
        std::uint32_t n = (std::uint32_t(v[0]) << 18) | (std::uint32_t(v[1]) << 12) | (std::uint32_t(v[2]) << 6) | std::uint32_t(v[3]);
        out.push_back(static_cast<std::uint8_t>(n >> 16));
        if (pad < 2) out.push_back(static_cast<std::uint8_t>(n >> 8));
        if (pad < 1) out.push_back(static_cast<std::uint8_t>(n));
    }
    return out;
}

Result<Parsed> parse_package(ByteView prefix, std::uint64_t file_size)
{
    if (prefix.size() > file_size) return fail(Errc::bad_input, "package: prefix longer than the file");
    if (prefix.size() < lead_size) {
        if (prefix.size() == file_size) return fail(Errc::bad_input, "package truncated: {} bytes, no lead", file_size);
        return needs(lead_size + 16, file_size);
    }
    UMD_TRY(check_lead(prefix.first(lead_size)));

    auto sig = UMD_TRY(read_header(prefix.subspan(lead_size), HeaderKind::signature));
    if (!sig.header) return needs(lead_size + sig.needed + 16, file_size);
    const HeaderBlob& sigh = *sig.header;
    const std::size_t pad = (8 - sigh.blob.size() % 8) % 8;
    const std::size_t main_at = lead_size + sigh.blob.size() + pad;

    auto main = read_header(prefix.subspan(std::min(main_at, prefix.size())), HeaderKind::main);
    if (main_at > prefix.size()) return needs(main_at + 16, file_size);
    if (!main) return std::unexpected(with_context(main.error(), fmt::format("at offset {}", main_at)));
    if (!main->header) return needs(main_at + main->needed, file_size);

    Parsed out;
    out.header_offset = main_at;
    out.header.assign(main->header->blob.begin(), main->header->blob.end());
    UMD_TRY(collect_signatures(sigh, out));
    UMD_TRY(collect_claims(*main->header, out));
    return out;
}

}  // namespace umd::rpm
