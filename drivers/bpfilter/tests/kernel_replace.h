// drivers/bpfilter/tests/kernel_replace.h — the kernel's own verdict on a table blob: the
// blob is written with IPT_SO_SET_REPLACE in a network namespace of a child's own, which
// goes with the child (the machine's tables are never touched).
#pragma once

#include <optional>
#include <span>
#include <cstdint>

namespace umd::bpfilter::test {

/// 0 when the kernel took the blob as the filter table, else its errno; nullopt when the
/// test cannot ask (not root, no network namespaces). The header's num_counters and
/// counters pointer are set to what the kernel expects (the table's current entry count
/// and a buffer of the child's) unless `keep_num_counters`.
std::optional<int> kernel_replace(std::span<const std::uint8_t> blob, bool keep_num_counters = false);

}  // namespace umd::bpfilter::test
