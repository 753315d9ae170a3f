// bench/pool.cpp — case `pool`: throughput of a DriverPool of N handler instances
// against one instance, on the same work (trusted side).
//
// Work: 4 caller threads each send 50 sample `write` requests (the handler builds a
// 128 KiB reply, the Manager checks every byte of it). Measured: that batch through a
// pool of N instances; baseline: the same batch through a pool of 1, in the same run.
// ratio < 1 means the pool is faster. The machine's cores bound the gain.
#include <atomic>
#include <thread>

#include <umd/pool.h>

#include "cases.h"
#include "drivers/sample/protocol.h"
#include "drivers/sample/trusted/sample.h"

namespace umd::bench {
namespace {

constexpr int callers = 4;
constexpr int requests_per_caller = 50;

Status run_batch(DriverPool& pool)
{
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < callers; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < requests_per_caller; ++i) {
                ByteWriter w;
                auto offset = static_cast<std::uint32_t>((t * 7919 + i * 131) % sample::reply_size);
                w.u32(offset);
                auto r = pool.send_recv(static_cast<std::uint8_t>(sample::Request::write), w.data());
                if (!r || r->payload.size() != sample::reply_size || r->payload[offset] != 1) ++failures;
            }
        });
    }
    for (auto& th : threads) th.join();
    if (failures) return fail(Errc::internal, "{} pool requests failed", failures.load());
    return {};
}

}  // namespace

Result<std::vector<Row>> run_pool(const Settings& settings)
{
    std::vector<Row> rows;
    auto options = UMD_TRY(driver_options("strict"));
    auto single = UMD_TRY(DriverPool::create("sample", sample::loader_module().blob(), options, 1));
    for (unsigned n : {1u, 2u, 4u}) {
        auto pool = UMD_TRY(DriverPool::create("sample", sample::loader_module().blob(), options, n));
        Op measured = [&]() -> Status { return run_batch(*pool); };
        Op baseline = [&]() -> Status { return run_batch(*single); };
        UMD_TRY(measured());  // starts every instance
        UMD_TRY(baseline());
        auto pair = UMD_TRY(interleave(settings.iterations ? settings.iterations : 15, measured, baseline));
        Row row;
        row.case_name = "pool";
        row.name = fmt::format("{} instance{}, strict", n, n == 1 ? "" : "s");
        row.baseline = "1 instance, same batch";
        row.measured_ns = pair.measured_ns;
        row.baseline_ns = pair.baseline_ns;
        row.bar = 1.05;  // a pool must never be slower than one instance (5 % noise allowed)
        row.unit = fmt::format("ns/batch of {} requests", callers * requests_per_caller);
        row.extra["instances"] = n;
        row.extra["requests_per_s"] = callers * requests_per_caller * 1e9 / pair.measured_ns;
        row.extra["cores"] = std::thread::hardware_concurrency();
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace umd::bench
