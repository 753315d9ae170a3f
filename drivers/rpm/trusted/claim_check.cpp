// drivers/rpm/trusted/claim_check.cpp — checks the handler's claims against a signed header blob.
// Trusted side (Manager). Only fixed-size compares and bounded reads; see claim_check.h.
#include "drivers/rpm/trusted/claim_check.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace umd::rpm {
namespace {

constexpr std::uint8_t header_magic[8] = {0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0};
constexpr std::size_t intro = 16;         // magic, il, dl
constexpr std::size_t entry_size = 16;
constexpr std::uint32_t tags_max = 0xffff;
constexpr std::uint32_t data_max = 0x0fffffff;

std::uint32_t be32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

struct Entry {
    std::uint32_t tag, type, offset, count;
};

/// The blob's fixed layout: intro, index, store; region entry 0 and its trailer span everything.
class SignedHeader {
public:
    static Result<SignedHeader> open(ByteView blob)
    {
        if (blob.size() < intro + entry_size) return fail(Errc::protocol, "header blob of {} bytes is too short", blob.size());
        if (std::memcmp(blob.data(), header_magic, sizeof header_magic) != 0) return fail(Errc::protocol, "header blob: bad magic");
        SignedHeader h;
        h.il_ = be32(blob.data() + 8);
        h.dl_ = be32(blob.data() + 12);
        if (h.il_ < 1 || h.il_ > tags_max || h.dl_ > data_max || h.dl_ < entry_size)
            return fail(Errc::protocol, "header blob: il {} dl {} out of range", h.il_, h.dl_);
        if (blob.size() != intro + std::uint64_t{h.il_} * entry_size + h.dl_)
            return fail(Errc::protocol, "header blob: {} bytes, intro says {}", blob.size(), intro + std::uint64_t{h.il_} * entry_size + h.dl_);
        h.index_ = blob.subspan(intro, std::size_t{h.il_} * entry_size);
        h.store_ = blob.subspan(intro + h.index_.size());
        const std::uint32_t trailer_at = h.dl_ - entry_size;
        Entry region = h.entry(0);
        if (region.tag != tag::header_immutable || region.type != 7 || region.count != 16 || region.offset != trailer_at)
            return fail(Errc::protocol, "header blob: entry 0 is not the immutable region spanning the header");
        const std::uint8_t* t = h.store_.data() + trailer_at;
        const std::uint32_t span = static_cast<std::uint32_t>(-static_cast<std::int64_t>(h.il_) * 16);
        if (be32(t) != tag::header_immutable || be32(t + 4) != 7 || be32(t + 8) != span || be32(t + 12) != 16)
            return fail(Errc::protocol, "header blob: region trailer does not close the header");
        return h;
    }

    Entry entry(std::size_t i) const
    {
        const std::uint8_t* p = index_.data() + i * entry_size;
        return {be32(p), be32(p + 4), be32(p + 8), be32(p + 12)};
    }
    std::uint32_t il() const { return il_; }
    /// Store bytes usable by entries: everything before the region trailer.
    ByteView data() const { return store_.first(dl_ - entry_size); }
    std::size_t occurrences(std::uint32_t tag) const
    {
        std::size_t n = 0;
        for (std::uint32_t i = 0; i < il_; ++i) n += be32(index_.data() + std::size_t{i} * entry_size) == tag;
        return n;
    }

private:
    std::uint32_t il_ = 0, dl_ = 0;
    ByteView index_, store_;
};

/// A field's checked entry: where its data starts, how many items it has, and
/// (once measured) where its data ends in the store.
struct Located {
    Field field = Field::name;
    std::uint32_t offset = 0;
    std::uint32_t count = 0;
    std::size_t end = 0;
};

constexpr std::size_t field_slots = 16;   // Field values are 1..14

class Checker {
public:
    Checker(const SignedHeader& h, std::span<const Claim> claims, ClaimCheckStats& stats) : h_(h), claims_(claims), stats_(stats) {}

    /// Checks every claim against its index entry, and every field without a
    /// claim for absence; measures each present field's data (strings must end
    /// inside the store, integers must fit and be aligned) and refuses data
    /// regions of two fields that overlap. After this, the fields' data are
    /// disjoint ranges of the store, so reading them all costs at most the
    /// store's size.
    Status locate_all()
    {
        std::vector<Located> present;
        for (Field f : all_fields) {
            auto at = UMD_TRY(locate(f));
            if (!at) continue;
            auto end = UMD_TRY(measure(*at));
            at->end = end;
            fields_[static_cast<std::size_t>(f)] = *at;
            present.push_back(*at);
        }
        std::sort(present.begin(), present.end(), [](const Located& a, const Located& b) { return a.offset < b.offset; });
        for (std::size_t i = 1; i < present.size(); ++i)
            if (present[i].offset < present[i - 1].end)
                return fail(Errc::bad_input, "signed header: the data of {} and {} overlap", field_spec(present[i - 1].field)->name,
                            field_spec(present[i].field)->name);
        return {};
    }

    const std::optional<Located>& at(Field f) const { return fields_[static_cast<std::size_t>(f)]; }

    /// The strings of a located field, as views into the signed blob.
    std::vector<std::string_view> strings(const Located& at) const
    {
        std::vector<std::string_view> out;
        out.reserve(at.count);
        ByteView rest = h_.data().subspan(at.offset, at.end - at.offset);
        for (std::uint32_t i = 0; i < at.count; ++i) {
            auto nul = static_cast<const std::uint8_t*>(std::memchr(rest.data(), 0, rest.size()));   // measure() found it
            std::size_t n = static_cast<std::size_t>(nul - rest.data());
            out.push_back(as_chars(rest.first(n)));
            rest = rest.subspan(n + 1);
        }
        stats_.items += at.count;
        return out;
    }

    std::vector<std::uint32_t> integers(const Located& at) const
    {
        const bool wide = field_spec(at.field)->type == TagType::int32;
        const std::size_t size = wide ? 4 : 2;
        std::vector<std::uint32_t> out;
        out.reserve(at.count);
        const std::uint8_t* p = h_.data().data() + at.offset;
        for (std::uint32_t i = 0; i < at.count; ++i, p += size)
            out.push_back(wide ? be32(p) : static_cast<std::uint32_t>((p[0] << 8) | p[1]));
        stats_.items += at.count;
        return out;
    }

private:
    /// The claimed entry for `f` after checking it against the blob; nullopt when absent.
    Result<std::optional<Located>> locate(Field f) const
    {
        const FieldSpec spec = *field_spec(f);
        const Claim* claim = nullptr;
        for (const Claim& c : claims_)
            if (c.field == f) claim = &c;
        const std::size_t n = h_.occurrences(spec.tag);
        stats_.scanned += std::size_t{h_.il()} * entry_size;
        if (!claim) {
            if (n != 0) return fail(Errc::protocol, "claims omit {} (tag {}), which the signed header has", spec.name, spec.tag);
            return std::optional<Located>{};
        }
        if (n != 1) return fail(Errc::protocol, "{}: tag {} appears {} times in the signed header", spec.name, spec.tag, n);
        if (claim->tag != spec.tag || claim->type != static_cast<std::uint32_t>(spec.type))
            return fail(Errc::protocol, "{}: claim names tag {} type {}", spec.name, claim->tag, claim->type);
        if (claim->index == 0 || claim->index >= h_.il())
            return fail(Errc::protocol, "{}: claimed index entry {} outside 1..{}", spec.name, claim->index, h_.il() - 1);
        const Entry e = h_.entry(claim->index);
        if (e.tag != claim->tag || e.type != claim->type || e.count != claim->count || e.offset != claim->offset)
            return fail(Errc::protocol, "{}: index entry {} says tag {} type {} count {} offset {}, not what was claimed",
                        spec.name, claim->index, e.tag, e.type, e.count, e.offset);
        if (e.count == 0) return fail(Errc::bad_input, "{}: count 0", spec.name);
        if (e.offset >= h_.data().size()) return fail(Errc::bad_input, "{}: offset {} outside the store", spec.name, e.offset);
        return std::optional<Located>{Located{f, e.offset, e.count, 0}};
    }

    /// Where the field's data ends: after its count-th NUL (strings), or after
    /// count integers. Reads only the field's own bytes.
    Result<std::size_t> measure(const Located& at) const
    {
        const FieldSpec spec = *field_spec(at.field);
        const ByteView data = h_.data();
        if (spec.type == TagType::string || spec.type == TagType::string_array) {
            if (spec.type == TagType::string && at.count != 1) return fail(Errc::bad_input, "{}: a string with count {}", spec.name, at.count);
            ByteView rest = data.subspan(at.offset);
            if (at.count > rest.size()) return fail(Errc::bad_input, "{}: {} strings cannot fit", spec.name, at.count);
            std::size_t end = at.offset;
            for (std::uint32_t i = 0; i < at.count; ++i) {
                auto nul = static_cast<const std::uint8_t*>(std::memchr(rest.data(), 0, rest.size()));
                if (!nul) return fail(Errc::bad_input, "{}: string {} is not terminated inside the store", spec.name, i);
                std::size_t n = static_cast<std::size_t>(nul - rest.data()) + 1;
                end += n;
                rest = rest.subspan(n);
            }
            stats_.scanned += end - at.offset;
            return end;
        }
        const std::size_t size = spec.type == TagType::int32 ? 4 : 2;
        if (at.offset % size != 0) return fail(Errc::bad_input, "{}: misaligned offset {}", spec.name, at.offset);
        if (std::uint64_t{at.count} * size > data.size() - at.offset)
            return fail(Errc::bad_input, "{}: {} items do not fit in the store", spec.name, at.count);
        return at.offset + std::size_t{at.count} * size;
    }

    const SignedHeader& h_;
    std::span<const Claim> claims_;
    ClaimCheckStats& stats_;
    std::array<std::optional<Located>, field_slots> fields_{};
};

bool lower_hex(std::string_view s)
{
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

/// The single value of an int32 field (epoch, algorithms); nullopt when absent.
Result<std::optional<std::uint32_t>> single(const Checker& check, Field f)
{
    const auto& at = check.at(f);
    if (!at) return std::optional<std::uint32_t>{};
    if (at->count != 1) return fail(Errc::bad_input, "signed header: {} has {} values", field_spec(f)->name, at->count);
    return std::optional{check.integers(*at).front()};
}

}  // namespace

const char* digest_algo_name(std::uint32_t algo) noexcept
{
    switch (algo) {
    case digest_algo::md5: return "md5";
    case digest_algo::sha1: return "sha1";
    case digest_algo::sha256: return "sha256";
    case digest_algo::sha384: return "sha384";
    case digest_algo::sha512: return "sha512";
    case digest_algo::sha224: return "sha224";
    default: return nullptr;
    }
}

std::size_t digest_size(std::uint32_t algo) noexcept
{
    switch (algo) {
    case digest_algo::md5: return 16;
    case digest_algo::sha1: return 20;
    case digest_algo::sha256: return 32;
    case digest_algo::sha384: return 48;
    case digest_algo::sha512: return 64;
    case digest_algo::sha224: return 28;
    default: return 0;
    }
}

bool weak_digest_algo(std::uint32_t algo) noexcept { return algo == digest_algo::md5 || algo == digest_algo::sha1; }

std::string PackageInfo::nevra() const
{
    if (epoch) return fmt::format("{}-{}:{}-{}.{}", name, *epoch, version, release, arch);
    return fmt::format("{}-{}-{}.{}", name, version, release, arch);
}

std::uint64_t max_path_bytes(std::size_t blob_size) noexcept { return 4 * std::uint64_t{blob_size} + (1u << 20); }

Result<PackageInfo> check_claims(ByteView blob, std::span<const Claim> claims, ClaimCheckStats* stats)
{
    ClaimCheckStats local;
    ClaimCheckStats& st = stats ? *stats : local;
    for (const Claim& c : claims)
        if (!field_spec(c.field)) return fail(Errc::protocol, "claim for unknown field {}", static_cast<int>(c.field));
    auto header = UMD_TRY(SignedHeader::open(blob));
    Checker check(header, claims, st);
    UMD_TRY(check.locate_all());

    PackageInfo info;
    // One string each: name, version, release, arch (all required).
    struct Text {
        Field field;
        std::string* out;
    };
    for (Text t : {Text{Field::name, &info.name}, Text{Field::version, &info.version}, Text{Field::release, &info.release},
                   Text{Field::arch, &info.arch}}) {
        const auto& at = check.at(t.field);
        if (!at) return fail(Errc::bad_input, "signed header has no {}", field_spec(t.field)->name);
        std::string_view s = check.strings(*at).front();
        if (s.empty()) return fail(Errc::bad_input, "signed header: empty {}", field_spec(t.field)->name);
        *t.out = std::string(s);
        st.materialised += s.size();
    }

    auto epoch = UMD_TRY(single(check, Field::epoch));
    info.epoch = epoch;
    auto algo = UMD_TRY(single(check, Field::digest_algo));
    if (algo) info.digest_algo = *algo;

    // The payload digest: one string, lower-case hex of its algorithm's length.
    const auto& payload = check.at(Field::payload_digest);
    auto payload_algo = UMD_TRY(single(check, Field::payload_digest_algo));
    if (payload.has_value() != payload_algo.has_value())
        return fail(Errc::bad_input, "signed header: a payload digest without its algorithm, or the reverse");
    if (payload) {
        if (payload->count != 1) return fail(Errc::bad_input, "signed header: {} payload digests", payload->count);
        const std::size_t hex = 2 * digest_size(*payload_algo);
        if (hex == 0) return fail(Errc::bad_input, "signed header: unsupported payload digest algorithm {}", *payload_algo);
        std::string_view d = check.strings(*payload).front();
        if (d.size() != hex || !lower_hex(d)) return fail(Errc::bad_input, "signed header: the payload digest is not {} lower-case hex digits", hex);
        info.payload_digest = std::string(d);
        info.payload_digest_algo = *payload_algo;
        st.materialised += d.size();
    }

    const auto& base = check.at(Field::base_names);
    const auto& dirs = check.at(Field::dir_names);
    const auto& digests = check.at(Field::file_digests);
    const auto& dir_index = check.at(Field::dir_indexes);
    const auto& modes = check.at(Field::file_modes);
    const auto& flags = check.at(Field::file_flags);
    if (!base) {
        if (dirs || digests || dir_index || modes || flags) return fail(Errc::bad_input, "signed header: file attributes without base names");
        return info;
    }
    // Counts first, from the checked entries: nothing per file is read before they agree.
    const std::size_t n = base->count;
    if (!dirs || !dir_index || !modes || !flags || !digests)
        return fail(Errc::bad_input, "signed header: {} files but a per-file array is missing", n);
    for (const auto* a : {&*dir_index, &*modes, &*flags, &*digests})
        if (a->count != n) return fail(Errc::bad_input, "signed header: {} {} for {} files", a->count, field_spec(a->field)->name, n);

    const std::size_t hex_length = 2 * digest_size(info.digest_algo);
    if (hex_length == 0) return fail(Errc::bad_input, "signed header: unsupported file digest algorithm {}", info.digest_algo);
    // Views into the blob: the fields' data are disjoint (locate_all), so these
    // hold at most one view per byte of the store.
    const auto base_v = check.strings(*base);
    const auto dir_v = check.strings(*dirs);
    const auto digest_v = check.strings(*digests);
    const auto dir_index_v = check.integers(*dir_index);
    const auto mode_v = check.integers(*modes);
    const auto flag_v = check.integers(*flags);
    // A path repeats its directory name: bound what the paths add up to before
    // building them (n files under one long directory would otherwise cost n × its length).
    std::uint64_t path_bytes = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t d = dir_index_v[i];
        if (d >= dir_v.size()) return fail(Errc::bad_input, "signed header: file {} has dir index {} of {}", i, d, dir_v.size());
        const std::string_view digest = digest_v[i];
        if (!digest.empty() && (digest.size() != hex_length || !lower_hex(digest)))
            return fail(Errc::bad_input, "signed header: file {} digest is not {} lower-case hex digits", i, hex_length);
        path_bytes += dir_v[d].size() + base_v[i].size() + digest.size();
    }
    if (path_bytes > max_path_bytes(blob.size()))
        return fail(Errc::bad_input, "signed header: its {} file paths and digests add up to {} bytes, more than {} for a {}-byte header",
                    n, path_bytes, max_path_bytes(blob.size()), blob.size());
    info.files.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::string path;
        path.reserve(dir_v[dir_index_v[i]].size() + base_v[i].size());
        path.append(dir_v[dir_index_v[i]]).append(base_v[i]);
        info.files.push_back({std::move(path), static_cast<std::uint16_t>(mode_v[i]), flag_v[i], std::string(digest_v[i])});
    }
    st.materialised += path_bytes;
    return info;
}

}  // namespace umd::rpm
