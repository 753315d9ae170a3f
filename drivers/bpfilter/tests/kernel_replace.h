// drivers/bpfilter/tests/kernel_replace.h — the kernel's own verdict on a table blob: the
// blob is written with IPT_SO_SET_REPLACE in a network namespace of a child's own, which
// goes with the child (the machine's tables are never touched).
#pragma once

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter_ipv4/ip_tables.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
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

/// An AF_INET socket made in a new network namespace, which it alone keeps alive; the
/// calling thread is back in its own namespace after. -1 when none can be made.
int inet_socket_in_new_namespace();

/// A table iptables-legacy wrote, and the kernel's answers to requests made from it, all in
/// a new network namespace: `iptables-legacy-restore` of the file `rules` (XTABLES_LOCKFILE
/// set to `lockfile`), the filter table read back (GET_INFO, GET_ENTRIES) and made an
/// IPT_SO_SET_REPLACE value again (counters and comefrom zeroed, num_counters its entry
/// count); then each request of `variants(table)` written in turn, its errno kept (0: the
/// kernel took it, and the table was written back); the entries (GET_ENTRIES) at the end.
/// nullopt when the test cannot ask (not root, no iptables-legacy).
struct IptablesAnswers {
    std::vector<std::uint8_t> table;
    std::vector<int> errors;
    std::vector<std::uint8_t> entries_after;
};
using Variants = std::function<std::vector<std::vector<std::uint8_t>>(const std::vector<std::uint8_t>&)>;
std::optional<IptablesAnswers> iptables_table_and_kernel_answers(const std::string& rules, const std::string& lockfile, const Variants& variants);

}  // namespace umd::bpfilter::test
