// apps/umdd/guard/latency_histogram.h — decision latency in fixed power-of-two buckets.
//
// Trusted side, privileged (umdd's exec guard). Recording is a few relaxed atomic
// increments (no lock, no allocation), so it may sit on the reader thread's path.
// Bucket i holds latencies in [2^(i-1), 2^i) microseconds (bucket 0: below 1 µs);
// a percentile is reported as its bucket's upper bound, so p50/p99 are accurate
// to a factor of two — enough to tell a cached answer (µs) from a hash (ms).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace umd::guard {

struct LatencySummary {
    std::uint64_t count = 0;
    std::uint64_t p50_ns = 0;   ///< upper bound of the bucket holding the median
    std::uint64_t p99_ns = 0;
    std::uint64_t max_ns = 0;   ///< exact
};

class LatencyHistogram {
public:
    static constexpr std::size_t buckets = 40;   ///< up to 2^39 µs: anything longer lands in the last

    void record(std::uint64_t ns) noexcept;
    LatencySummary summary() const noexcept;

private:
    std::array<std::atomic<std::uint64_t>, buckets> counts_{};
    std::atomic<std::uint64_t> max_ns_{0};
};

}  // namespace umd::guard
