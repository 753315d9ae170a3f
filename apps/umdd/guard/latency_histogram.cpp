// apps/umdd/guard/latency_histogram.cpp — fixed-bucket latency histogram. Trusted side, privileged (umdd).
#include "apps/umdd/guard/latency_histogram.h"

#include <algorithm>
#include <bit>

namespace umd::guard {

void LatencyHistogram::record(std::uint64_t ns) noexcept
{
    const std::uint64_t us = ns / 1000;
    std::size_t bucket = us == 0 ? 0 : static_cast<std::size_t>(std::bit_width(us));
    if (bucket >= buckets) bucket = buckets - 1;
    counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    std::uint64_t seen = max_ns_.load(std::memory_order_relaxed);
    while (ns > seen && !max_ns_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {}
}

LatencySummary LatencyHistogram::summary() const noexcept
{
    std::array<std::uint64_t, buckets> counts{};
    LatencySummary out;
    for (std::size_t i = 0; i < buckets; ++i) out.count += counts[i] = counts_[i].load(std::memory_order_relaxed);
    out.max_ns = max_ns_.load(std::memory_order_relaxed);
    if (out.count == 0) return out;
    auto upper_ns = [](std::size_t bucket) { return (std::uint64_t{1} << bucket) * 1000; };
    auto percentile = [&](std::uint64_t per_mille) {
        const std::uint64_t rank = (out.count * per_mille + 999) / 1000;   // 1-based, rounded up
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < buckets; ++i) {
            seen += counts[i];
            if (seen >= rank) return std::min(upper_ns(i), out.max_ns);
        }
        return out.max_ns;
    };
    out.p50_ns = percentile(500);
    out.p99_ns = percentile(990);
    return out;
}

}  // namespace umd::guard
