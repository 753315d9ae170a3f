// drivers/bpfilter/handler/replace_check.cpp — see replace_check.h. UNTRUSTED side.
//
// The structure follows the kernel's order of checks, because the errno of a refused
// blob is part of what iptables users see:
//   do_replace():        header fields, optlen, table size
//   translate_table():   each entry's bounds and offsets (check_entry_size_and_hooks,
//                        xt_check_entry_offsets), the entry count, the hooks
//                        (xt_check_table_hooks), loops (mark_source_chains), then each
//                        entry's matches and target (find_check_entry).
// Every read goes through Bytes, which checks bounds; no pointer into the blob is
// formed from a value the blob claims.
#include "drivers/bpfilter/handler/replace_check.h"

#include "drivers/bpfilter/handler/extensions.h"
#include "drivers/bpfilter/rule_fields.h"

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter_ipv4/ip_tables.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include <fmt/format.h>

namespace umd::bpfilter {
namespace {

constexpr std::size_t replace_size = sizeof(ipt_replace);            // the header before the entries
constexpr std::size_t entry_size = sizeof(ipt_entry);                // the fixed part of an entry
constexpr std::size_t ext_header = sizeof(xt_entry_target);          // xt_entry_match has the same header
constexpr std::size_t entry_align = alignof(ipt_entry);
constexpr std::size_t match_align = alignof(xt_entry_match);
constexpr std::uint32_t max_table_size = 512u << 20;                 // the kernel's XT_MAX_TABLE_SIZE
constexpr std::uint32_t loop_bit = 1u << hook_count;                 // mark_source_chains' "on the path" bit
static_assert(sizeof(xt_entry_match) == ext_header, "matches and targets share one header layout");

constexpr std::size_t xt_align(std::size_t n) { return (n + alignof(std::uint64_t) - 1) & ~(alignof(std::uint64_t) - 1); }

/// Bounds-checked little reads from the request (native byte order, as the kernel reads it).
class Bytes {
public:
    explicit Bytes(std::span<const std::uint8_t> data) : data_(data) {}
    std::size_t size() const { return data_.size(); }
    template <typename T>
    T get(std::size_t at) const
    {
        T value{};
        if (at <= data_.size() && sizeof(T) <= data_.size() - at) std::memcpy(&value, data_.data() + at, sizeof(T));
        return value;
    }
    /// A NUL-terminated name of at most `room` bytes; `terminated` says whether the NUL was there.
    std::string name(std::size_t at, std::size_t room, bool* terminated = nullptr) const
    {
        std::string out;
        for (std::size_t i = 0; i < room && at + i < data_.size(); ++i) {
            const char c = static_cast<char>(data_[at + i]);
            if (c == '\0') {
                if (terminated) *terminated = true;
                return out;
            }
            out.push_back(c);
        }
        if (terminated) *terminated = false;
        return out;
    }
    /// `n` bytes at `at` (the caller has checked they are inside).
    std::span<const std::uint8_t> slice(std::size_t at, std::size_t n) const { return data_.subspan(at, n); }
    std::span<const std::uint8_t> all() const { return data_; }
    bool all_zero(std::size_t at, std::size_t n) const
    {
        return std::all_of(data_.begin() + static_cast<std::ptrdiff_t>(at), data_.begin() + static_cast<std::ptrdiff_t>(at + n),
                           [](std::uint8_t b) { return b == 0; });
    }

private:
    std::span<const std::uint8_t> data_;
};

std::unexpected<Refusal> refuse(int error, std::string reason) { return std::unexpected(Refusal{error, std::move(reason)}); }

/// The fixed fields of the entry at `at` (the caller has checked it fits).
struct EntryHead {
    std::uint8_t flags = 0, invflags = 0;
    std::uint16_t proto = 0;
    std::uint16_t target_offset = 0, next_offset = 0;
};

EntryHead read_head(const Bytes& b, std::size_t at)
{
    EntryHead h;
    h.proto = b.get<std::uint16_t>(at + offsetof(ipt_entry, ip) + offsetof(ipt_ip, proto));
    h.flags = b.get<std::uint8_t>(at + offsetof(ipt_entry, ip) + offsetof(ipt_ip, flags));
    h.invflags = b.get<std::uint8_t>(at + offsetof(ipt_entry, ip) + offsetof(ipt_ip, invflags));
    h.target_offset = b.get<std::uint16_t>(at + offsetof(ipt_entry, target_offset));
    h.next_offset = b.get<std::uint16_t>(at + offsetof(ipt_entry, next_offset));
    return h;
}

/// ip_checkentry(): only known flag and inversion bits.
bool ip_entry_ok(const EntryHead& h) { return (h.flags & ~IPT_F_MASK) == 0 && (h.invflags & ~IPT_INV_MASK) == 0; }

/// verdict_ok() of x_tables.c: a jump (> 0), RETURN, or ACCEPT/DROP/QUEUE.
bool verdict_ok(std::int32_t verdict)
{
    if (verdict > 0) return true;
    if (verdict == XT_RETURN) return true;
    if (verdict < 0) {
        const std::int64_t v = -static_cast<std::int64_t>(verdict) - 1;
        return v == NF_ACCEPT || v == NF_DROP || v == NF_QUEUE;
    }
    return false;
}

/// The table being checked: the request, its entries and what was learnt of them.
class Checker {
public:
    Checker(std::span<const std::uint8_t> request, std::uint32_t hz) : request_(request), b_(request), hz_(hz) {}

    std::expected<CheckedTable, Refusal> run()
    {
        if (auto header = check_header(); !header) return std::unexpected(header.error());
        if (auto walked = walk_entries(); !walked) return std::unexpected(walked.error());
        if (auto hooks = check_table_hooks(); !hooks) return std::unexpected(hooks.error());
        if (!mark_source_chains()) return refuse(ELOOP, "a chain loops, or a jump or fall-through leaves the table");
        for (std::size_t i = 0; i < table_.entries.size(); ++i)
            if (auto checked = check_entry_extensions(i); !checked) return std::unexpected(checked.error());
        for (std::size_t i = 0; i < table_.entries.size(); ++i) table_.entries[i].hook_mask = comefrom_[i] & ~loop_bit;
        return std::move(table_);
    }

private:
    // ---- do_replace() ----
    std::expected<void, Refusal> check_header()
    {
        if (request_.size() < replace_size) return refuse(EINVAL, fmt::format("{} bytes: shorter than the {}-byte replace header", request_.size(), replace_size));
        table_.name = b_.name(offsetof(ipt_replace, name), XT_TABLE_MAXNAMELEN - 1);
        table_.valid_hooks = b_.get<std::uint32_t>(offsetof(ipt_replace, valid_hooks));
        num_entries_ = b_.get<std::uint32_t>(offsetof(ipt_replace, num_entries));
        table_.size = b_.get<std::uint32_t>(offsetof(ipt_replace, size));
        for (unsigned h = 0; h < hook_count; ++h) {
            table_.hook_entry[h] = b_.get<std::uint32_t>(offsetof(ipt_replace, hook_entry) + h * 4);
            table_.underflow[h] = b_.get<std::uint32_t>(offsetof(ipt_replace, underflow) + h * 4);
        }
        table_.num_counters = b_.get<std::uint32_t>(offsetof(ipt_replace, num_counters));
        if (table_.num_counters >= INT32_MAX / sizeof(xt_counters)) return refuse(ENOMEM, fmt::format("num_counters {} is too large", table_.num_counters));
        if (table_.num_counters == 0) return refuse(EINVAL, "num_counters is 0");
        if (std::uint64_t{table_.size} + replace_size > request_.size())
            return refuse(EINVAL, fmt::format("the header claims {} bytes of entries, the request holds {}", table_.size, request_.size() - replace_size));
        if (table_.size >= max_table_size - 64) return refuse(ENOMEM, fmt::format("a table of {} bytes is too large", table_.size));
        entries_ = Bytes(request_.subspan(replace_size, table_.size));
        return {};
    }

    // ---- translate_table(): the walk ----
    std::expected<void, Refusal> walk_entries()
    {
        // The kernel allocates an offset per claimed entry first; it cannot beyond this.
        if (num_entries_ > max_table_size / sizeof(std::uint32_t)) return refuse(ENOMEM, fmt::format("{} entries claimed", num_entries_));
        std::array<std::uint32_t, hook_count> hook_entry, underflow;
        hook_entry.fill(0xFFFFFFFF);
        underflow.fill(0xFFFFFFFF);
        std::uint32_t count = 0;
        for (std::uint32_t pos = 0; pos < table_.size;) {
            const std::size_t limit = table_.size;
            if (pos % entry_align != 0 || pos + entry_size >= limit) return refuse(EINVAL, fmt::format("entry at {}: misaligned or past the end", pos));
            const EntryHead h = read_head(entries_, pos);
            if (pos + std::size_t{h.next_offset} > limit) return refuse(EINVAL, fmt::format("entry at {}: next_offset {} runs past the end", pos, h.next_offset));
            if (h.next_offset < entry_size + ext_header) return refuse(EINVAL, fmt::format("entry at {}: next_offset {} is too small", pos, h.next_offset));
            if (!ip_entry_ok(h)) return refuse(EINVAL, fmt::format("entry at {}: unknown flags or inversion bits", pos));
            if (auto offsets = check_entry_offsets(pos, h); !offsets) return std::unexpected(offsets.error());
            for (unsigned hook = 0; hook < hook_count; ++hook) {
                if (!(table_.valid_hooks & (1u << hook))) continue;
                if (pos == table_.hook_entry[hook]) hook_entry[hook] = pos;
                if (pos == table_.underflow[hook]) {
                    if (!is_underflow(pos, h)) return refuse(EINVAL, fmt::format("entry at {}: a hook's underflow must be an unconditional ACCEPT or DROP", pos));
                    underflow[hook] = pos;
                }
            }
            CheckedEntry e;
            e.offset = pos;
            e.target_offset = h.target_offset;
            e.next_offset = h.next_offset;
            if (count < num_entries_) table_.entries.push_back(std::move(e));
            ++count;
            pos += h.next_offset;
        }
        if (count != num_entries_) return refuse(EINVAL, fmt::format("the header claims {} entries, the table holds {}", num_entries_, count));
        found_entry_ = hook_entry;
        found_underflow_ = underflow;
        comefrom_.assign(table_.entries.size(), 0);
        back_.assign(table_.entries.size(), 0);
        return {};
    }

    /// xt_check_entry_offsets(): the target inside the entry, the matches tiling up to it.
    std::expected<void, Refusal> check_entry_offsets(std::uint32_t pos, const EntryHead& h)
    {
        const auto bad = [&](std::string_view what) { return refuse(EINVAL, fmt::format("entry at {}: {}", pos, what)); };
        if (h.target_offset < entry_size) return bad("target_offset inside the entry header");
        if (std::size_t{h.target_offset} + ext_header > h.next_offset) return bad("the target header runs past the entry");
        const std::size_t t = pos + std::size_t{h.target_offset};
        const auto target_size = entries_.get<std::uint16_t>(t);
        if (target_size < ext_header) return bad("target_size smaller than a target header");
        if (std::size_t{h.target_offset} + target_size > h.next_offset) return bad("the target runs past the entry");
        const std::string name = entries_.name(t + 2, XT_EXTENSION_MAXNAMELEN);
        if (name == XT_STANDARD_TARGET) {
            if (xt_align(std::size_t{h.target_offset} + sizeof(xt_standard_target)) != h.next_offset) return bad("a standard target must end the entry");
            if (!verdict_ok(entries_.get<std::int32_t>(t + ext_header))) return bad("unknown standard verdict");
        } else if (name == XT_ERROR_TARGET) {
            bool terminated = false;
            entries_.name(t + ext_header, XT_FUNCTION_MAXNAMELEN, &terminated);
            if (target_size != sizeof(xt_error_target) || !terminated) return bad("malformed ERROR target");
        }
        // xt_check_entry_match(): aligned matches, each at least a header, tiling to the target.
        std::size_t at = pos + entry_size;
        std::int64_t length = static_cast<std::int64_t>(h.target_offset) - static_cast<std::int64_t>(entry_size);
        while (length > 0) {
            if (at % match_align != 0) return bad("a match is misaligned");
            if (length < static_cast<std::int64_t>(ext_header)) return bad("a match header runs into the target");
            const auto match_size = entries_.get<std::uint16_t>(at);
            if (match_size < ext_header) return bad("match_size smaller than a match header");
            if (match_size > length) return bad("a match runs into the target");
            length -= match_size;
            at += match_size;
        }
        return {};
    }

    /// unconditional(): no match and an all-zero ipt_ip.
    bool unconditional(std::uint32_t pos, const EntryHead& h) const
    {
        return h.target_offset == entry_size && entries_.all_zero(pos + offsetof(ipt_entry, ip), sizeof(ipt_ip));
    }

    bool is_standard(std::uint32_t pos, const EntryHead& h) const
    {
        return entries_.name(pos + std::size_t{h.target_offset} + 2, XT_EXTENSION_MAXNAMELEN) == XT_STANDARD_TARGET;
    }

    std::int32_t verdict_of(std::uint32_t pos, const EntryHead& h) const { return entries_.get<std::int32_t>(pos + std::size_t{h.target_offset} + ext_header); }

    /// check_underflow(): unconditional, standard, ACCEPT or DROP.
    bool is_underflow(std::uint32_t pos, const EntryHead& h) const
    {
        if (!unconditional(pos, h) || !is_standard(pos, h)) return false;
        const std::uint32_t v = static_cast<std::uint32_t>(-static_cast<std::int64_t>(verdict_of(pos, h)) - 1);
        return v == NF_DROP || v == NF_ACCEPT;
    }

    // ---- xt_check_table_hooks() ----
    std::expected<void, Refusal> check_table_hooks()
    {
        bool seen = false;
        std::uint32_t max_entry = 0, max_uflow = 0;
        for (unsigned hook = 0; hook < hook_count; ++hook) {
            if (!(table_.valid_hooks & (1u << hook))) continue;
            if (found_entry_[hook] == 0xFFFFFFFF) return refuse(EINVAL, fmt::format("hook {}: its entry is not an entry's start", hook));
            if (found_underflow_[hook] == 0xFFFFFFFF) return refuse(EINVAL, fmt::format("hook {}: its underflow is not an entry's start", hook));
            if (seen) {
                if (max_uflow >= found_underflow_[hook]) return refuse(EINVAL, fmt::format("hook {}: underflows unsorted or shared", hook));
                if (max_entry >= found_entry_[hook]) return refuse(EINVAL, fmt::format("hook {}: entries unsorted or shared", hook));
            }
            max_entry = found_entry_[hook];
            max_uflow = found_underflow_[hook];
            seen = true;
        }
        return {};
    }

    // ---- mark_source_chains(): reachability and loops, without recursion ----
    /// The index of the entry that starts at `pos`, or npos.
    std::size_t index_of(std::uint32_t pos) const
    {
        const auto it = std::lower_bound(table_.entries.begin(), table_.entries.end(), pos, [](const CheckedEntry& e, std::uint32_t p) { return e.offset < p; });
        return it != table_.entries.end() && it->offset == pos ? static_cast<std::size_t>(it - table_.entries.begin()) : npos;
    }

    bool mark_source_chains()
    {
        for (unsigned hook = 0; hook < hook_count; ++hook) {
            if (!(table_.valid_hooks & (1u << hook))) continue;
            std::uint32_t pos = found_entry_[hook];
            std::size_t e = index_of(pos);
            if (e == npos) return false;
            back_[e] = pos;
            for (;;) {
                const EntryHead h = read_head(entries_, pos);
                const bool visited = comefrom_[e] & (1u << hook);
                if (comefrom_[e] & loop_bit) return false;
                comefrom_[e] |= (1u << hook) | loop_bit;
                const bool standard = is_standard(pos, h);
                const std::int32_t verdict = verdict_of(pos, h);
                if ((unconditional(pos, h) && standard && verdict < 0) || visited) {
                    // A return or the chain's end: walk back along the recorded path.
                    std::uint32_t oldpos = 0;
                    bool at_start = false;
                    do {
                        comefrom_[e] ^= loop_bit;
                        oldpos = pos;
                        pos = back_[e];
                        back_[e] = 0;
                        if (pos == oldpos) {
                            at_start = true;
                            break;
                        }
                        e = index_of(pos);
                        if (e == npos) return false;
                    } while (oldpos == pos + std::uint32_t{table_.entries[e].next_offset});
                    if (at_start) break;
                    const std::uint32_t size = table_.entries[e].next_offset;
                    if (std::uint64_t{pos} + size >= table_.size) return false;
                    e = index_of(pos + size);
                    if (e == npos) return false;
                    back_[e] = pos;
                    pos += size;
                } else {
                    std::uint32_t newpos = 0;
                    if (standard && verdict >= 0) {
                        newpos = static_cast<std::uint32_t>(verdict);   // a jump: only to an entry's start
                        if (index_of(newpos) == npos) return false;
                    } else {
                        const std::uint64_t next = std::uint64_t{pos} + h.next_offset;
                        if (next >= table_.size) return false;
                        newpos = static_cast<std::uint32_t>(next);
                    }
                    e = index_of(newpos);
                    if (e == npos) return false;
                    back_[e] = pos;
                    pos = newpos;
                }
            }
        }
        return true;
    }

    // ---- find_check_entry(): the entry's extensions ----
    std::expected<void, Refusal> check_entry_extensions(std::size_t index)
    {
        CheckedEntry& e = table_.entries[index];
        const auto bad = [&](int error, std::string_view what) { return refuse(error, fmt::format("entry at {}: {}", e.offset, what)); };
        const EntryHead h = read_head(entries_, e.offset);
        ExtensionUse use;
        use.table = table_.name;
        use.hz = hz_;
        use.hook_mask = comefrom_[index];
        use.proto = h.proto;
        use.inv_proto = (h.invflags & IPT_INV_PROTO) != 0;
        // One extension (a match, or the target) at `at`: found, then checked.
        const auto check_one = [&](ExtensionKind kind, std::size_t at, std::string& name, std::uint8_t& revision) -> std::expected<const Extension*, Refusal> {
            const auto size = entries_.get<std::uint16_t>(at);
            bool terminated = false;
            name = entries_.name(at + 2, XT_EXTENSION_MAXNAMELEN, &terminated);
            revision = entries_.get<std::uint8_t>(at + offsetof(xt_entry_match, u.user.revision));
            const char* what = kind == ExtensionKind::match ? "match" : "target";
            int error = 0;
            const Extension* ext = find_extension(kind, name, terminated, revision, error);
            if (!ext) return bad(error, fmt::format("{} '{}' revision {} is not supported", what, name, revision));
            use.data = entries_.slice(at + ext_header, size - ext_header);
            if (const int r = check_extension_use(*ext, use); r != 0) return bad(r, fmt::format("{} '{}' refused by its checks", what, name));
            return ext;
        };
        for (std::size_t at = e.offset + entry_size; at < e.offset + std::size_t{e.target_offset};) {
            std::string name;
            std::uint8_t revision = 0;
            if (auto checked = check_one(ExtensionKind::match, at, name, revision); !checked) return std::unexpected(checked.error());
            const auto kind = match_kind(name, revision);
            if (!kind) return bad(ENOENT, fmt::format("match '{}' revision {} has no record", name, revision));
            e.match_records.push_back(read_match(entries_.all(), at, static_cast<std::uint16_t>(at - e.offset), *kind, revision));
            e.matches.push_back(std::move(name));
            at += entries_.get<std::uint16_t>(at);
        }
        const std::size_t t = e.offset + std::size_t{e.target_offset};
        if (auto checked = check_one(ExtensionKind::target, t, e.target_name, e.target_revision); !checked) return std::unexpected(checked.error());
        if (e.target_name == XT_STANDARD_TARGET) {
            e.target = TargetKind::standard;
            e.verdict = entries_.get<std::int32_t>(t + ext_header);
        } else if (e.target_name == XT_ERROR_TARGET) {
            e.target = TargetKind::error;
            e.target_name = entries_.name(t + ext_header, XT_FUNCTION_MAXNAMELEN);
        } else {
            e.target = TargetKind::extension;
        }
        e.ip = read_ip(entries_.all(), e.offset);
        e.target_data = read_target(entries_.all(), t, e.target);
        return {};
    }

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    std::span<const std::uint8_t> request_;
    Bytes b_;
    Bytes entries_{{}};
    std::uint32_t hz_ = 0;
    std::uint32_t num_entries_ = 0;
    CheckedTable table_;
    std::array<std::uint32_t, hook_count> found_entry_{}, found_underflow_{};
    std::vector<std::uint32_t> comefrom_, back_;
};

}  // namespace

std::expected<CheckedTable, Refusal> check_replace(std::span<const std::uint8_t> request, std::uint32_t hz) { return Checker(request, hz).run(); }

TableRecord records_of(const CheckedTable& table)
{
    TableRecord r;
    r.valid_hooks = table.valid_hooks;
    r.size = table.size;
    r.num_counters = table.num_counters;
    r.hook_entry = table.hook_entry;
    r.underflow = table.underflow;
    r.entries.reserve(table.entries.size());
    for (const CheckedEntry& e : table.entries)
        r.entries.push_back({e.offset, e.target_offset, e.next_offset, e.hook_mask, e.target, e.target == TargetKind::standard ? e.verdict : 0,
                             e.ip, e.target_data, e.match_records});
    return r;
}

}  // namespace umd::bpfilter
