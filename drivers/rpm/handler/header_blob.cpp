// drivers/rpm/handler/header_blob.cpp — rpm's structural checks of one header blob.
// Untrusted side (handler). See header_blob.h; the limits are rpm's (lib/header.c).
#include "drivers/rpm/handler/header_blob.h"

#include <cstring>

#include "drivers/rpm/protocol.h"

namespace umd::rpm {
namespace {

constexpr std::uint8_t header_magic[8] = {0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0};
constexpr std::size_t entry_size = 16;
constexpr std::uint32_t region_type = 7;     // RPM_BIN_TYPE
constexpr std::uint32_t region_count = 16;   // sizeof(struct entryInfo_s)
constexpr std::uint32_t tags_max = 0x0000ffff;          // HEADER_TAGS_MAX
constexpr std::uint32_t data_max = 0x0fffffff;          // HEADER_DATA_MAX
constexpr std::uint64_t header_max_bytes = 256u << 20;  // headerMaxbytes
constexpr std::uint32_t sig_tags_max = 32;              // hdrblobRead, signature header
constexpr std::uint32_t sig_data_max = 64u << 20;
constexpr std::uint32_t first_tag = 100;                // HEADER_I18NTABLE: no lower tag after the region
constexpr std::uint32_t max_type = 9;                   // RPM_MAX_TYPE

std::uint32_t be32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

IndexEntry entry_at(const std::uint8_t* p)
{
    return {be32(p), be32(p + 4), static_cast<std::int32_t>(be32(p + 8)), be32(p + 12)};
}

std::size_t type_align(std::uint32_t type)
{
    switch (static_cast<TagType>(type)) {
    case TagType::int16: return 2;
    case TagType::int32: return 4;
    case TagType::int64: return 8;
    default: return 1;
    }
}

}  // namespace

std::optional<std::size_t> data_length(std::uint32_t type, std::uint32_t count, ByteView data)
{
    auto strings = [&](std::uint32_t n) -> std::optional<std::size_t> {
        std::size_t at = 0;
        while (n-- > 0) {
            if (at >= data.size()) return std::nullopt;
            const void* nul = std::memchr(data.data() + at, 0, data.size() - at);
            if (!nul) return std::nullopt;
            at = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - data.data()) + 1;
        }
        return at;
    };
    std::uint64_t size = 0;
    switch (static_cast<TagType>(type)) {
    case TagType::string:
        if (count != 1) return std::nullopt;
        return strings(1);
    case TagType::string_array:
    case TagType::i18nstring:
        return strings(count);
    case TagType::null: size = 0; break;
    case TagType::char_:
    case TagType::int8:
    case TagType::bin: size = 1; break;
    case TagType::int16: size = 2; break;
    case TagType::int32: size = 4; break;
    case TagType::int64: size = 8; break;
    default: return std::nullopt;
    }
    std::uint64_t length = size * count;
    if (length > data.size()) return std::nullopt;
    return static_cast<std::size_t>(length);
}

Result<std::optional<std::size_t>> HeaderBlob::find(std::uint32_t tag) const
{
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].tag != tag) continue;
        if (found) return fail(Errc::bad_input, "header: tag {} appears twice (entries {} and {})", tag, *found, i);
        found = i;
    }
    return found;
}

ByteView HeaderBlob::data(std::size_t i) const
{
    return store.subspan(static_cast<std::size_t>(entries[i].offset), lengths[i]);
}

Result<HeaderRead> read_header(ByteView in, HeaderKind kind)
{
    const bool sig = kind == HeaderKind::signature;
    const char* what = sig ? "signature header" : "main header";
    const std::uint32_t region_tag = sig ? tag::header_signatures : tag::header_immutable;
    HeaderRead out;

    if (in.size() < 16) {
        out.needed = 16;
        return out;
    }
    if (std::memcmp(in.data(), header_magic, sizeof header_magic) != 0) return fail(Errc::bad_input, "{}: bad magic", what);
    const std::uint32_t il = be32(in.data() + 8);
    const std::uint32_t dl = be32(in.data() + 12);
    if (il > (sig ? sig_tags_max : tags_max)) return fail(Errc::bad_input, "{}: {} tags, out of range", what, il);
    if (dl > (sig ? sig_data_max : data_max)) return fail(Errc::bad_input, "{}: {} data bytes, out of range", what, dl);
    const std::uint64_t pvlen = 8 + std::uint64_t{il} * entry_size + dl;
    if (pvlen >= header_max_bytes) return fail(Errc::bad_input, "{}: blob of {} bytes is too large", what, pvlen);
    const std::uint64_t total = 8 + pvlen;
    if (!sig && total > Limits::max_header)
        return fail(Errc::bad_input, "{}: {} bytes exceed this driver's limit of {}", what, total, Limits::max_header);
    if (in.size() < total) {
        out.needed = static_cast<std::size_t>(total);
        return out;
    }

    HeaderBlob h;
    h.blob = in.first(static_cast<std::size_t>(total));
    h.il = il;
    h.dl = dl;
    const std::uint8_t* index = in.data() + 16;
    h.store = in.subspan(16 + std::size_t{il} * entry_size, dl);
    h.entries.reserve(il);
    for (std::uint32_t i = 0; i < il; ++i) h.entries.push_back(entry_at(index + i * entry_size));
    h.lengths.assign(il, 0);

    // The region: entry 0 names it, a trailer at its offset closes it; in a
    // package file it must span the whole header (rpm's exact_size).
    if (il < 1) return fail(Errc::bad_input, "{}: region: no tags", what);
    const IndexEntry& region = h.entries[0];
    if (region.tag != region_tag)
        return fail(Errc::bad_input, "{}: first tag is {}, not the region tag {}", what, region.tag, region_tag);
    if (region.type != region_type || region.count != region_count)
        return fail(Errc::bad_input, "{}: region tag: bad type {} or count {}", what, region.type, region.count);
    if (region.offset < 0 || std::int64_t{region.offset} + region_count > dl)
        return fail(Errc::bad_input, "{}: region offset {} outside the {}-byte store", what, region.offset, dl);
    const IndexEntry trailer = entry_at(h.store.data() + region.offset);
    const std::int64_t trailer_span = -std::int64_t{trailer.offset};
    if (trailer.tag != region_tag || trailer.type != region_type || trailer.count != region_count)
        return fail(Errc::bad_input, "{}: region trailer: bad tag {} type {} count {}", what, trailer.tag, trailer.type, trailer.count);
    const std::int64_t ril = trailer_span / std::int64_t{entry_size};
    const std::int64_t rdl = std::int64_t{region.offset} + region_count;
    if (trailer_span < 0 || trailer_span % std::int64_t{entry_size} != 0 || ril > il || rdl > dl)
        return fail(Errc::bad_input, "{}: region size: ril {} il {} rdl {} dl {}", what, ril, il, rdl, dl);
    if (ril != il || rdl != dl)
        return fail(Errc::bad_input, "{}: region does not span the header: il {} ril {} dl {} rdl {}", what, il, ril, dl, rdl);
    h.lengths[0] = region_count;

    // Every other entry: rpm's hdrblobVerifyInfo, plus a count bound.
    std::int64_t end = 0;
    for (std::uint32_t i = 1; i < il; ++i) {
        const IndexEntry& e = h.entries[i];
        auto bad = [&](const char* why) {
            return fail(Errc::bad_input, "{}: tag[{}]: {} (tag {} type {} offset {} count {})", what, i, why, e.tag,
                        e.type, e.offset, e.count);
        };
        if (end > e.offset) return bad("overlaps the previous entry's data");
        if (e.tag < first_tag) return bad("tag number below 100");
        if (e.type > max_type) return bad("unknown type");
        if (e.count == 0 || e.count > data_max) return bad("count out of range");
        if (static_cast<std::uint32_t>(e.offset) & (type_align(e.type) - 1)) return bad("misaligned data");
        if (e.offset < 0 || static_cast<std::uint32_t>(e.offset) > dl) return bad("offset outside the store");
        auto len = data_length(e.type, e.count, h.store.subspan(static_cast<std::size_t>(e.offset)));
        if (!len || *len == 0) return bad("data does not fit in the store");
        end = std::int64_t{e.offset} + static_cast<std::int64_t>(*len);
        if (end > dl) return bad("data does not fit in the store");
        if (end > rdl - region_count && e.offset < rdl) return bad("data overlaps the region trailer");
        h.lengths[i] = static_cast<std::uint32_t>(*len);
    }
    out.header = std::move(h);
    return out;
}

}  // namespace umd::rpm
