// drivers/bpfilter/trusted/table_store.h — the Manager's iptables tables, one set per
// network namespace, answered as the kernel's ip_tables would answer. TRUSTED side.
//
// A namespace gets the filter table the kernel would create for it (INPUT, FORWARD and
// OUTPUT accepting) on first use. A replacement takes a table the handler checked and the
// Manager confirmed (table_claims.h) and keeps the caller's bytes; reads give them back
// with what the kernel owns filled in: each entry's counters, its comefrom (the hooks
// that reach it) and its flags masked to the known ones. The other tables (nat, mangle,
// raw, security) are refused with ENOENT (docs/bpfilter.md).
#pragma once

#include <compare>
#include <cstdint>
#include <expected>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <umd/wire.h>

#include "drivers/bpfilter/trusted/table_claims.h"

namespace umd::bpfilter {

/// A network namespace, by its cookie (SO_NETNS_COOKIE of a socket made in it): a 64-bit
/// number the kernel never gives twice, unlike an nsfs inode number, which a namespace
/// made after another one died may get again — and with it the dead one's tables.
struct NamespaceKey {
    std::uint64_t cookie = 0;
    auto operator<=>(const NamespaceKey&) const = default;
};

/// A refusal with the errno the kernel's getsockopt/setsockopt gives.
struct XtError {
    int error = 0;
    std::string reason;
};
template <typename T>
using XtResult = std::expected<T, XtError>;

/// What IPT_SO_GET_INFO returns.
struct TableInfo {
    std::uint32_t valid_hooks = 0;
    std::array<std::uint32_t, hook_count> hook_entry{}, underflow{};
    std::uint32_t num_entries = 0;
    std::uint32_t size = 0;
};

struct Counter {
    std::uint64_t packets = 0, bytes = 0;   ///< xt_counters: pcnt, bcnt
};

/// Bounds on what the store keeps, whatever its callers send.
struct StoreLimits {
    std::size_t max_namespaces = 4096;
    std::size_t max_bytes = std::size_t{256} << 20;   ///< entries kept over all namespaces
};

class TableStore {
public:
    explicit TableStore(StoreLimits limits = {});

    XtResult<TableInfo> info(NamespaceKey ns, std::string_view table);
    /// IPT_SO_GET_ENTRIES: `size` must be the table's size (EAGAIN otherwise: it changed).
    XtResult<Bytes> entries(NamespaceKey ns, std::string_view table, std::uint32_t size);
    /// The same written into `out`, whose size is the `size` asked for (the caller's answer
    /// buffer, after its header: no copy of a large table is made in between).
    XtResult<void> entries_into(NamespaceKey ns, std::string_view table, std::span<std::uint8_t> out);
    /// IPT_SO_SET_REPLACE, after the checks: the table must exist with the same valid hooks
    /// (EINVAL) and `num_counters` entries (EAGAIN). Returns the old table's counters.
    XtResult<std::vector<Counter>> replace(NamespaceKey ns, AcceptedTable table);
    /// IPT_SO_SET_ADD_COUNTERS: one counter per entry of the table (EINVAL otherwise).
    XtResult<void> add_counters(NamespaceKey ns, std::string_view table, std::span<const Counter> add);

    /// Forgets a namespace's tables (it is gone: namespace_watch.h); false when none were kept.
    bool drop(NamespaceKey ns);

    /// A copy of the namespace's table (the one a new namespace gets, on first use), for
    /// `umd bpfilter eval`: its entries and checked records.
    XtResult<AcceptedTable> table(NamespaceKey ns, std::string_view table);

    std::size_t namespaces() const;
    std::size_t bytes() const;

private:
    struct Stored {
        AcceptedTable table;
        std::vector<Counter> counters;
    };
    XtResult<Stored*> find(NamespaceKey ns, std::string_view table);   // lock held

    StoreLimits limits_;
    mutable std::mutex lock_;
    std::map<NamespaceKey, std::map<std::string, Stored, std::less<>>> tables_;
    std::size_t bytes_ = 0;
};

/// The filter table the kernel creates for a new namespace, as a checked table.
AcceptedTable initial_filter_table();

}  // namespace umd::bpfilter
