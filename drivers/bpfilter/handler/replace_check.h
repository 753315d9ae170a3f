// drivers/bpfilter/handler/replace_check.h — the kernel's checks of an iptables table
// replacement, made in the bpfilter handler. UNTRUSTED side: this code reads blobs that
// any holder of CAP_NET_ADMIN in a user namespace may write, which is why it runs
// sandboxed (docs/bpfilter.md).
//
// check_replace() takes the option value of IPT_SO_SET_REPLACE (struct ipt_replace, then
// the entries) and makes the checks of ip_tables.c's do_replace() and translate_table()
// and x_tables.c's helpers, in the kernel's order, so that a blob the kernel refuses is
// refused with the errno the kernel gives. The checks that need the stored table (its
// name, valid hooks, current entry count) are the Manager's.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

#include "drivers/bpfilter/protocol.h"

namespace umd::bpfilter {

/// Why a blob was refused, with the errno the kernel returns for it.
struct Refusal {
    int error = 0;
    std::string reason;
};

/// One entry as checked: where it is, what it is, and from which hooks it is reached.
struct CheckedEntry {
    std::uint32_t offset = 0;           ///< from the first entry
    std::uint16_t target_offset = 0;
    std::uint16_t next_offset = 0;
    std::uint32_t hook_mask = 0;        ///< the kernel's comefrom: hooks it is reachable from
    TargetKind target = TargetKind::standard;
    std::int32_t verdict = 0;           ///< standard targets only
    std::string target_name;            ///< extension: its name; error: the chain name
    std::uint8_t target_revision = 0;
    std::vector<std::string> matches;   ///< match names, in order
    IpRecord ip;                        ///< the entry's ipt_ip
    std::vector<MatchRecord> match_records;   ///< each match's kind and fields
    TargetData target_data;             ///< the ERROR name or the extension target's fields
};

struct CheckedTable {
    std::string name;                   ///< as the kernel reads it: at most 31 bytes
    std::uint32_t valid_hooks = 0;
    std::uint32_t num_counters = 0;     ///< entries the caller believes the old table has
    std::uint32_t size = 0;             ///< bytes of entries
    std::array<std::uint32_t, hook_count> hook_entry{};
    std::array<std::uint32_t, hook_count> underflow{};
    std::vector<CheckedEntry> entries;
};

/// The records the handler sends for a checked table (protocol.h).
TableRecord records_of(const CheckedTable& table);

/// Checks an IPT_SO_SET_REPLACE option value; `request.size()` is the caller's optlen.
/// `hz` is the kernel's HZ (0: unknown, and the `limit` match is refused with ENOENT).
/// Time and memory are bounded by request.size(), whatever the header claims.
std::expected<CheckedTable, Refusal> check_replace(std::span<const std::uint8_t> request, std::uint32_t hz = 0);

}  // namespace umd::bpfilter
