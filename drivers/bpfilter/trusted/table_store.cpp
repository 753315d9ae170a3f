// drivers/bpfilter/trusted/table_store.cpp — see table_store.h. TRUSTED side.
#include "drivers/bpfilter/trusted/table_store.h"

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter_ipv4/ip_tables.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include <fmt/format.h>

#include "drivers/bpfilter/rule_fields.h"

namespace umd::bpfilter {
namespace {

constexpr std::uint32_t filter_hooks = (1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT);

std::unexpected<XtError> refuse(int error, std::string reason) { return std::unexpected(XtError{error, std::move(reason)}); }

template <typename T>
void put(std::span<std::uint8_t> b, std::size_t at, const T& value)
{
    std::memcpy(b.data() + at, &value, sizeof value);
}

/// An entry with no match and a standard target of `verdict` (the Manager's own bytes).
void append_standard(Bytes& entries, std::int32_t verdict)
{
    const std::size_t at = entries.size();
    entries.resize(at + sizeof(ipt_entry) + sizeof(xt_standard_target), 0);
    put(entries, at + offsetof(ipt_entry, target_offset), static_cast<std::uint16_t>(sizeof(ipt_entry)));
    put(entries, at + offsetof(ipt_entry, next_offset), static_cast<std::uint16_t>(sizeof(ipt_entry) + sizeof(xt_standard_target)));
    put(entries, at + sizeof(ipt_entry), static_cast<std::uint16_t>(sizeof(xt_standard_target)));
    put(entries, at + sizeof(ipt_entry) + sizeof(xt_entry_target), verdict);
}

}  // namespace

AcceptedTable initial_filter_table()
{
    AcceptedTable t;
    t.name = "filter";
    TableRecord& r = t.layout;
    r.valid_hooks = filter_hooks;
    r.num_counters = 1;
    for (unsigned hook : {NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT}) {
        const auto at = static_cast<std::uint32_t>(t.entries.size());
        append_standard(t.entries, -NF_ACCEPT - 1);
        r.hook_entry[hook] = r.underflow[hook] = at;
        r.entries.push_back({at, sizeof(ipt_entry), sizeof(ipt_entry) + sizeof(xt_standard_target), 1u << hook, TargetKind::standard, -NF_ACCEPT - 1});
    }
    const auto at = static_cast<std::uint32_t>(t.entries.size());
    t.entries.resize(at + sizeof(ipt_entry) + sizeof(xt_error_target), 0);
    put(t.entries, at + offsetof(ipt_entry, target_offset), static_cast<std::uint16_t>(sizeof(ipt_entry)));
    put(t.entries, at + offsetof(ipt_entry, next_offset), static_cast<std::uint16_t>(sizeof(ipt_entry) + sizeof(xt_error_target)));
    put(t.entries, at + sizeof(ipt_entry), static_cast<std::uint16_t>(sizeof(xt_error_target)));
    std::memcpy(t.entries.data() + at + sizeof(ipt_entry) + offsetof(xt_entry_target, u.user.name), XT_ERROR_TARGET, sizeof XT_ERROR_TARGET);
    std::memcpy(t.entries.data() + at + sizeof(ipt_entry) + sizeof(xt_entry_target), XT_ERROR_TARGET, sizeof XT_ERROR_TARGET);
    r.entries.push_back({at, sizeof(ipt_entry), sizeof(ipt_entry) + sizeof(xt_error_target), 0, TargetKind::error, 0, {}, {TargetExtension::none, XT_ERROR_TARGET}, {}});
    r.size = static_cast<std::uint32_t>(t.entries.size());
    return t;
}

TableStore::TableStore(StoreLimits limits) : limits_(limits) {}

XtResult<TableStore::Stored*> TableStore::find(NamespaceKey ns, std::string_view table)
{
    if (table != "filter") return refuse(ENOENT, fmt::format("table '{}' is not served (only filter is)", table));
    auto space = tables_.find(ns);
    if (space == tables_.end()) {
        if (tables_.size() >= limits_.max_namespaces) return refuse(ENOMEM, fmt::format("tables of {} namespaces are kept already", tables_.size()));
        space = tables_.emplace(ns, std::map<std::string, Stored, std::less<>>{}).first;
    }
    auto it = space->second.find(table);
    if (it == space->second.end()) {
        AcceptedTable initial = initial_filter_table();
        if (bytes_ + initial.entries.size() > limits_.max_bytes) return refuse(ENOMEM, "the tables kept are at their limit");
        bytes_ += initial.entries.size();
        std::vector<Counter> counters(initial.layout.entries.size());
        it = space->second.emplace(std::string(table), Stored{std::move(initial), std::move(counters)}).first;
    }
    return &it->second;
}

XtResult<TableInfo> TableStore::info(NamespaceKey ns, std::string_view table)
{
    std::lock_guard hold(lock_);
    auto found = find(ns, table);
    if (!found) return std::unexpected(found.error());
    Stored* s = *found;
    const TableRecord& r = s->table.layout;
    TableInfo info{r.valid_hooks, r.hook_entry, r.underflow, static_cast<std::uint32_t>(r.entries.size()), r.size};
    // The kernel keeps only the valid hooks' places; the others read as "impossible".
    for (unsigned h = 0; h < hook_count; ++h)
        if (!(r.valid_hooks & (1u << h))) info.hook_entry[h] = info.underflow[h] = 0xFFFFFFFF;
    return info;
}

XtResult<Bytes> TableStore::entries(NamespaceKey ns, std::string_view table, std::uint32_t size)
{
    Bytes out(size);
    auto written = entries_into(ns, table, out);
    if (!written) return std::unexpected(written.error());
    return out;
}

XtResult<void> TableStore::entries_into(NamespaceKey ns, std::string_view table, std::span<std::uint8_t> out)
{
    std::lock_guard hold(lock_);
    auto found = find(ns, table);
    if (!found) return std::unexpected(found.error());
    Stored* s = *found;
    const TableRecord& r = s->table.layout;
    if (out.size() != r.size) return refuse(EAGAIN, fmt::format("the table holds {} bytes, not {}", r.size, out.size()));
    std::memcpy(out.data(), s->table.entries.data(), out.size());
    for (std::size_t i = 0; i < r.entries.size(); ++i) {
        const std::size_t at = r.entries[i].offset;
        const Counter c = s->counters[i];
        put(out, at + offsetof(ipt_entry, counters) + offsetof(xt_counters, pcnt), c.packets);
        put(out, at + offsetof(ipt_entry, counters) + offsetof(xt_counters, bcnt), c.bytes);
        put(out, at + offsetof(ipt_entry, comefrom), r.entries[i].hook_mask);
        out[at + offsetof(ipt_entry, ip) + offsetof(ipt_ip, flags)] &= IPT_F_MASK;
        // What a match's module keeps for itself reads back as zeros (xt_match_to_user).
        for (const MatchRecord& m : r.entries[i].matches) {
            const KernelOwned owned = kernel_owned(m.kind);
            const std::size_t data = at + m.offset + sizeof(xt_entry_match);
            if (owned.size > owned.first) std::memset(out.data() + data + owned.first, 0, owned.size - owned.first);
        }
    }
    return {};
}

XtResult<std::vector<Counter>> TableStore::replace(NamespaceKey ns, AcceptedTable table)
{
    std::lock_guard hold(lock_);
    auto found = find(ns, table.name);
    if (!found) return std::unexpected(found.error());
    Stored* s = *found;
    if (table.layout.valid_hooks != s->table.layout.valid_hooks) return refuse(EINVAL, "the table's valid hooks differ from the stored table's");
    if (table.layout.num_counters != s->table.layout.entries.size())
        return refuse(EAGAIN, fmt::format("the stored table has {} entries, the caller counted {}", s->table.layout.entries.size(), table.layout.num_counters));
    const std::size_t after = bytes_ - s->table.entries.size() + table.entries.size();
    if (after > limits_.max_bytes) return refuse(ENOMEM, "the tables kept are at their limit");
    bytes_ = after;
    std::vector<Counter> old = std::move(s->counters);
    s->counters.assign(table.layout.entries.size(), Counter{});
    s->table = std::move(table);
    return old;
}

XtResult<void> TableStore::add_counters(NamespaceKey ns, std::string_view table, std::span<const Counter> add)
{
    std::lock_guard hold(lock_);
    auto found = find(ns, table);
    if (!found) return std::unexpected(found.error());
    Stored* s = *found;
    if (add.size() != s->counters.size()) return refuse(EINVAL, fmt::format("{} counters for a table of {} entries", add.size(), s->counters.size()));
    for (std::size_t i = 0; i < add.size(); ++i) {
        s->counters[i].packets += add[i].packets;
        s->counters[i].bytes += add[i].bytes;
    }
    return {};
}

bool TableStore::drop(NamespaceKey ns)
{
    std::lock_guard hold(lock_);
    auto space = tables_.find(ns);
    if (space == tables_.end()) return false;
    for (const auto& [name, stored] : space->second) bytes_ -= stored.table.entries.size();
    tables_.erase(space);
    return true;
}

XtResult<AcceptedTable> TableStore::table(NamespaceKey ns, std::string_view table)
{
    std::lock_guard hold(lock_);
    auto found = find(ns, table);
    if (!found) return std::unexpected(found.error());
    return (*found)->table;
}

std::size_t TableStore::namespaces() const
{
    std::lock_guard hold(lock_);
    return tables_.size();
}

std::size_t TableStore::bytes() const
{
    std::lock_guard hold(lock_);
    return bytes_;
}

}  // namespace umd::bpfilter
