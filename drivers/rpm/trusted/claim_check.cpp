// drivers/rpm/trusted/claim_check.cpp — checks the handler's claims against a signed header blob.
// Trusted side (Manager). Only fixed-size compares and bounded reads; see claim_check.h.
#include "drivers/rpm/trusted/claim_check.h"

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

/// A field's checked entry: where its data starts and how many items it has.
struct Located {
    std::uint32_t offset = 0;
    std::uint32_t count = 0;
};

class Checker {
public:
    Checker(const SignedHeader& h, std::span<const Claim> claims) : h_(h), claims_(claims) {}

    /// The claimed entry for `f` after checking it against the blob; nullopt when absent.
    Result<std::optional<Located>> locate(Field f) const
    {
        const FieldSpec spec = *field_spec(f);
        const Claim* claim = nullptr;
        for (const Claim& c : claims_)
            if (c.field == f) claim = &c;
        const std::size_t n = h_.occurrences(spec.tag);
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
        return std::optional<Located>{Located{e.offset, e.count}};
    }

    Result<std::vector<std::string>> strings(Field f, const Located& at) const
    {
        if (field_spec(f)->type == TagType::string && at.count != 1)
            return fail(Errc::bad_input, "{}: a string with count {}", field_spec(f)->name, at.count);
        ByteView rest = h_.data().subspan(at.offset);
        if (at.count > rest.size()) return fail(Errc::bad_input, "{}: {} strings cannot fit", field_spec(f)->name, at.count);
        std::vector<std::string> out;
        out.reserve(at.count);
        for (std::uint32_t i = 0; i < at.count; ++i) {
            auto nul = static_cast<const std::uint8_t*>(std::memchr(rest.data(), 0, rest.size()));
            if (!nul) return fail(Errc::bad_input, "{}: string {} is not terminated inside the store", field_spec(f)->name, i);
            std::size_t n = static_cast<std::size_t>(nul - rest.data());
            out.emplace_back(as_chars(rest.first(n)));
            rest = rest.subspan(n + 1);
        }
        return out;
    }

    Result<std::vector<std::uint32_t>> integers(Field f, const Located& at) const
    {
        const bool wide = field_spec(f)->type == TagType::int32;
        const std::size_t size = wide ? 4 : 2;
        if (at.offset % size != 0) return fail(Errc::bad_input, "{}: misaligned offset {}", field_spec(f)->name, at.offset);
        if (std::uint64_t{at.count} * size > h_.data().size() - at.offset)
            return fail(Errc::bad_input, "{}: {} items do not fit in the store", field_spec(f)->name, at.count);
        std::vector<std::uint32_t> out;
        out.reserve(at.count);
        const std::uint8_t* p = h_.data().data() + at.offset;
        for (std::uint32_t i = 0; i < at.count; ++i, p += size)
            out.push_back(wide ? be32(p) : static_cast<std::uint32_t>((p[0] << 8) | p[1]));
        return out;
    }

private:
    const SignedHeader& h_;
    std::span<const Claim> claims_;
};

bool lower_hex(std::string_view s)
{
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
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

std::string PackageInfo::nevra() const
{
    if (epoch) return fmt::format("{}-{}:{}-{}.{}", name, *epoch, version, release, arch);
    return fmt::format("{}-{}-{}.{}", name, version, release, arch);
}

Result<PackageInfo> check_claims(ByteView blob, std::span<const Claim> claims)
{
    auto header = SignedHeader::open(blob);
    if (!header) return std::unexpected(header.error());
    Checker check(*header, claims);
    for (const Claim& c : claims)
        if (!field_spec(c.field)) return fail(Errc::protocol, "claim for unknown field {}", static_cast<int>(c.field));

    PackageInfo info;
    // One string each: name, version, release, arch (all required).
    struct Text {
        Field field;
        std::string* out;
    };
    for (Text t : {Text{Field::name, &info.name}, Text{Field::version, &info.version}, Text{Field::release, &info.release},
                   Text{Field::arch, &info.arch}}) {
        auto at = check.locate(t.field);
        if (!at) return std::unexpected(at.error());
        if (!*at) return fail(Errc::bad_input, "signed header has no {}", field_spec(t.field)->name);
        auto s = check.strings(t.field, **at);
        if (!s) return std::unexpected(s.error());
        if (s->front().empty()) return fail(Errc::bad_input, "signed header: empty {}", field_spec(t.field)->name);
        *t.out = std::move(s->front());
    }

    auto read_ints = [&](Field f) -> Result<std::optional<std::vector<std::uint32_t>>> {
        auto at = check.locate(f);
        if (!at) return std::unexpected(at.error());
        if (!*at) return std::optional<std::vector<std::uint32_t>>{};
        auto v = check.integers(f, **at);
        if (!v) return std::unexpected(v.error());
        return std::optional{std::move(*v)};
    };
    auto read_strings = [&](Field f) -> Result<std::optional<std::vector<std::string>>> {
        auto at = check.locate(f);
        if (!at) return std::unexpected(at.error());
        if (!*at) return std::optional<std::vector<std::string>>{};
        auto v = check.strings(f, **at);
        if (!v) return std::unexpected(v.error());
        return std::optional{std::move(*v)};
    };

    auto epoch = read_ints(Field::epoch);
    if (!epoch) return std::unexpected(epoch.error());
    if (*epoch) {
        if ((*epoch)->size() != 1) return fail(Errc::bad_input, "signed header: epoch has {} values", (*epoch)->size());
        info.epoch = (*epoch)->front();
    }
    auto algo = read_ints(Field::digest_algo);
    if (!algo) return std::unexpected(algo.error());
    if (*algo) {
        if ((*algo)->size() != 1) return fail(Errc::bad_input, "signed header: digest algorithm has {} values", (*algo)->size());
        info.digest_algo = (*algo)->front();
    }

    auto base = read_strings(Field::base_names);
    auto dirs = read_strings(Field::dir_names);
    auto digests = read_strings(Field::file_digests);
    auto dir_index = read_ints(Field::dir_indexes);
    auto modes = read_ints(Field::file_modes);
    auto flags = read_ints(Field::file_flags);
    if (!base) return std::unexpected(base.error());
    if (!dirs) return std::unexpected(dirs.error());
    if (!digests) return std::unexpected(digests.error());
    if (!dir_index) return std::unexpected(dir_index.error());
    if (!modes) return std::unexpected(modes.error());
    if (!flags) return std::unexpected(flags.error());

    if (!*base) {
        if (*dirs || *digests || *dir_index || *modes || *flags)
            return fail(Errc::bad_input, "signed header: file attributes without base names");
        return info;
    }
    const std::size_t n = (*base)->size();
    auto same_count = [&](const char* what, std::size_t count) -> Status {
        if (count != n) return fail(Errc::bad_input, "signed header: {} {} for {} files", count, what, n);
        return {};
    };
    if (!*dirs || !*dir_index || !*modes || !*flags || !*digests)
        return fail(Errc::bad_input, "signed header: {} files but a per-file array is missing", n);
    for (auto s : {same_count("dir indexes", (*dir_index)->size()), same_count("file modes", (*modes)->size()),
                   same_count("file flags", (*flags)->size()), same_count("file digests", (*digests)->size())})
        if (!s) return std::unexpected(s.error());

    const std::size_t hex_length = 2 * digest_size(info.digest_algo);
    if (hex_length == 0) return fail(Errc::bad_input, "signed header: unsupported file digest algorithm {}", info.digest_algo);
    info.files.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t d = (**dir_index)[i];
        if (d >= (*dirs)->size()) return fail(Errc::bad_input, "signed header: file {} has dir index {} of {}", i, d, (*dirs)->size());
        std::string& digest = (**digests)[i];
        if (!digest.empty() && (digest.size() != hex_length || !lower_hex(digest)))
            return fail(Errc::bad_input, "signed header: file {} digest is not {} lower-case hex digits", i, hex_length);
        info.files.push_back({(**dirs)[d] + (**base)[i], static_cast<std::uint16_t>((**modes)[i]), (**flags)[i], std::move(digest)});
    }
    return info;
}

}  // namespace umd::rpm
