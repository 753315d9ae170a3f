// drivers/bpfilter/tests/kernel_replace.h — the kernel's own verdict on a table blob: the
// blob is written with IPT_SO_SET_REPLACE in a network namespace of a child's own, which
// goes with the child (the machine's tables are never touched).
#pragma once

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter_ipv4/ip_tables.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace umd::bpfilter::test {

/// 0 when the kernel took the blob as the filter table, else its errno; nullopt when the
/// test cannot ask (not root, no network namespaces). The header's num_counters and
/// counters pointer are set to what the kernel expects (the table's current entry count
/// and a buffer of the child's) unless `keep_num_counters`.
std::optional<int> kernel_replace(std::span<const std::uint8_t> blob, bool keep_num_counters = false);

/// The filter table as the kernel answers for it after an optional replace with `blob`
/// (num_counters and the counters pointer set as above) and optional counters added, all
/// in a new network namespace: the replace's errno, then IPT_SO_GET_INFO and
/// IPT_SO_GET_ENTRIES (into a zeroed buffer). nullopt when the test cannot ask.
struct KernelTable {
    int replace_error = 0;
    int add_error = 0;
    ipt_getinfo info{};
    std::vector<std::uint8_t> entries;
};
std::optional<KernelTable> kernel_table_after(std::span<const std::uint8_t> blob, std::span<const xt_counters> add = {});

}  // namespace umd::bpfilter::test
