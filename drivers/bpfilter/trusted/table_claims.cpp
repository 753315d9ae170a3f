// drivers/bpfilter/trusted/table_claims.cpp — see table_claims.h. TRUSTED side.
#include "drivers/bpfilter/trusted/table_claims.h"

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter_ipv4/ip_tables.h>

#include "drivers/bpfilter/rule_fields.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace umd::bpfilter {
namespace {

/// A fixed-size field of the request, in native byte order (as the caller wrote it).
template <typename T>
T field(ByteView bytes, std::size_t at)
{
    T value{};
    if (at <= bytes.size() && sizeof(T) <= bytes.size() - at) std::memcpy(&value, bytes.data() + at, sizeof(T));
    return value;
}

Status lie(std::string_view what) { return fail(Errc::bad_input, "the bpfilter handler's records contradict the table: {}", what); }

/// The header's fields must be the ones claimed.
Status check_header(ByteView request, const TableRecord& t)
{
    if (request.size() < sizeof(ipt_replace) || request.size() > Limits::max_request) return lie("the request's size");
    if (field<std::uint32_t>(request, offsetof(ipt_replace, valid_hooks)) != t.valid_hooks) return lie("valid_hooks");
    if (field<std::uint32_t>(request, offsetof(ipt_replace, size)) != t.size || std::size_t{t.size} > request.size() - sizeof(ipt_replace))
        return lie("size");
    if (field<std::uint32_t>(request, offsetof(ipt_replace, num_entries)) != t.entries.size()) return lie("the number of entries");
    if (field<std::uint32_t>(request, offsetof(ipt_replace, num_counters)) != t.num_counters || t.num_counters == 0) return lie("num_counters");
    for (unsigned h = 0; h < hook_count; ++h) {
        if (field<std::uint32_t>(request, offsetof(ipt_replace, hook_entry) + 4 * h) != t.hook_entry[h]) return lie("a hook's entry");
        if (field<std::uint32_t>(request, offsetof(ipt_replace, underflow) + 4 * h) != t.underflow[h]) return lie("a hook's underflow");
    }
    return {};
}

/// The entry's rule as the handler decoded it: its ipt_ip, then its matches tiling the
/// space between the entry header and the target, each of the kind its name and revision
/// bytes say and of that kind's size, then the target's data. Every field is compared with
/// the bytes at its fixed place in a struct the bytes confirm; nothing is walked that the
/// handler did not name.
Status check_rule(ByteView entries, const EntryRecord& e)
{
    if (read_ip(entries, e.offset) != e.ip) return lie("an entry's IP header match");
    std::size_t at = sizeof(ipt_entry);
    for (const MatchRecord& m : e.matches) {
        if (m.offset != at || at + sizeof(xt_entry_match) > e.target_offset) return lie("a match's place");
        const std::size_t start = std::size_t{e.offset} + at;
        const std::string_view name = match_name(m.kind);
        if (std::memcmp(entries.data() + start + offsetof(xt_entry_match, u.user.name), name.data(), name.size()) != 0 ||
            entries[start + offsetof(xt_entry_match, u.user.name) + name.size()] != 0)
            return lie("a match's name");
        if (field<std::uint8_t>(entries, start + offsetof(xt_entry_match, u.user.revision)) != m.revision) return lie("a match's revision");
        const std::uint16_t size = match_size(m.kind, m.revision);
        if (size == 0 || field<std::uint16_t>(entries, start + offsetof(xt_entry_match, u.user.match_size)) != size) return lie("a match's size");
        if (at + size > e.target_offset) return lie("a match running into the target");
        if (read_match(entries, start, m.offset, m.kind, m.revision) != m) return lie("a match's data");
        at += size;
    }
    if (at != e.target_offset) return lie("matches that do not fill the entry up to its target");
    const std::size_t target = std::size_t{e.offset} + e.target_offset;
    if (read_target(entries, target, e.target) != e.target_data) return lie("a target's data");
    if (e.target_data.extension != TargetExtension::none &&
        field<std::uint16_t>(entries, target + offsetof(xt_entry_target, u.user.target_size)) != target_size(e.target_data.extension))
        return lie("a target's size");
    return {};
}

/// The entries tile [0, size) in the records' order, each laid out as its bytes say.
Status check_entries(ByteView entries, const TableRecord& t)
{
    std::uint64_t expected = 0;
    for (const EntryRecord& e : t.entries) {
        if (e.offset != expected || e.offset % alignof(ipt_entry) != 0) return lie("an entry's offset");
        if (std::uint64_t{e.offset} + sizeof(ipt_entry) >= t.size) return lie("an entry past the end");
        if (field<std::uint16_t>(entries, e.offset + offsetof(ipt_entry, target_offset)) != e.target_offset) return lie("a target_offset");
        if (field<std::uint16_t>(entries, e.offset + offsetof(ipt_entry, next_offset)) != e.next_offset) return lie("a next_offset");
        if (e.next_offset < Limits::min_entry || std::uint64_t{e.offset} + e.next_offset > t.size) return lie("an entry's size");
        if (e.target_offset < sizeof(ipt_entry) || std::size_t{e.target_offset} + sizeof(xt_entry_target) > e.next_offset) return lie("a target's place");
        if (e.hook_mask & ~t.valid_hooks) return lie("a hook mask naming a hook the table does not have");
        const std::size_t target = std::size_t{e.offset} + e.target_offset;
        const std::size_t name = target + offsetof(xt_entry_target, u.user.name);
        const bool standard_name = entries[name] == 0;
        const bool error_name = std::memcmp(entries.data() + name, XT_ERROR_TARGET, sizeof XT_ERROR_TARGET) == 0;
        switch (e.target) {
        case TargetKind::standard:
            if (!standard_name) return lie("a standard target with a name");
            if (std::size_t{e.target_offset} + sizeof(xt_standard_target) > e.next_offset) return lie("a standard target's size");
            if (field<std::int32_t>(entries, target + sizeof(xt_entry_target)) != e.verdict) return lie("a verdict");
            break;
        case TargetKind::error:
            if (!error_name || e.verdict != 0) return lie("an ERROR target");
            break;
        case TargetKind::extension:
            if (standard_name || error_name || e.verdict != 0) return lie("an extension target");
            break;
        }
        UMD_TRY(check_rule(entries, e));
        expected += e.next_offset;
    }
    if (expected != t.size) return lie("entries that do not fill the table");
    return {};
}

bool is_entry_start(const TableRecord& t, std::uint32_t offset)
{
    return std::ranges::binary_search(t.entries, offset, {}, &EntryRecord::offset);
}

/// Hooks start and end at entries; a reachable jump lands on an entry's start.
Status check_hooks_and_jumps(const TableRecord& t)
{
    for (unsigned h = 0; h < hook_count; ++h) {
        if (!(t.valid_hooks & (1u << h))) continue;
        if (!is_entry_start(t, t.hook_entry[h]) || !is_entry_start(t, t.underflow[h])) return lie("a hook's entry or underflow");
    }
    for (const EntryRecord& e : t.entries) {
        if (e.target != TargetKind::standard || e.hook_mask == 0) continue;
        if (e.verdict == 0) return lie("a verdict of 0");
        if (e.verdict > 0 && !is_entry_start(t, static_cast<std::uint32_t>(e.verdict))) return lie("a reachable jump to no entry's start");
    }
    return {};
}

}  // namespace

Result<AcceptedTable> accept_table(ByteView request, const TableRecord& claimed)
{
    UMD_TRY(check_header(request, claimed));
    const ByteView entries = request.subspan(sizeof(ipt_replace), claimed.size);
    UMD_TRY(check_entries(entries, claimed));
    UMD_TRY(check_hooks_and_jumps(claimed));
    AcceptedTable out;
    const ByteView name = request.subspan(offsetof(ipt_replace, name), XT_TABLE_MAXNAMELEN - 1);
    out.name.assign(name.begin(), std::find(name.begin(), name.end(), std::uint8_t{0}));
    out.entries.assign(entries.begin(), entries.end());
    out.layout = claimed;
    return out;
}

}  // namespace umd::bpfilter
