// bench/ipc.cpp — case `ipc`: the Manager's round trip against a raw two-pipe echo (trusted side).
//
// Measured: umd::sample::echo through a umd::Driver (framing, deadline, reply
// validation, the handler runtime's loop), with profile none and with strict.
// Baseline: a forked child echoing the same number of bytes over two plain pipes.
// For payloads larger than the pipe, the raw child must read the whole request
// before it answers, like the handler does, so the two move data alike.
#include <algorithm>

#include "cases.h"
#include "drivers/sample/trusted/sample.h"
#include "raw_echo.h"

namespace umd::bench {
namespace {

struct SizeBar {
    std::size_t size;
    double bar;
};

// Bars from the brief: ≤ 1.15 at 64 B and ≤ 1.11 at 1 MiB; the sizes between and
// beyond carry the looser of the two neighbouring bars.
constexpr SizeBar sizes[] = {{64, 1.15}, {4096, 1.15}, {64 << 10, 1.15}, {1 << 20, 1.11}, {16 << 20, 1.11}};

unsigned default_rounds(std::size_t size)
{
    // About 64 MiB moved per row and side, at least 15 rounds, at most 3000.
    return static_cast<unsigned>(std::clamp<std::size_t>((64u << 20) / size, 15, 3000));
}

}  // namespace

Result<std::vector<Row>> run_ipc(const Settings& settings)
{
    std::vector<Row> rows;
    for (const char* profile : {"none", "strict"}) {
        auto options = UMD_TRY(driver_options(profile));
        int pipe_size = options.spawn.pipe_size;
        Driver driver(fmt::format("sample-{}", profile), std::move(options));
        UMD_TRY(driver.load(sample::loader_module().blob()));
        for (const auto& [size, bar] : sizes) {
            Bytes data(size);
            for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 131 + 7);
            Bytes back(size);
            auto raw = UMD_TRY(RawEcho::start(size, pipe_size));
            Op measured = [&]() -> Status {
                auto r = UMD_TRY(sample::echo(driver, data));
                return {};
            };
            Op baseline = [&]() -> Status { return raw.round_trip(data, back); };
            // Warm up: the first echo starts the handler; page in both buffers.
            UMD_TRY(measured());
            UMD_TRY(baseline());
            unsigned rounds = settings.iterations ? settings.iterations : default_rounds(size);
            auto pair = UMD_TRY(interleave(rounds, measured, baseline));
            Row row;
            row.case_name = "ipc";
            row.name = fmt::format("send_recv echo, {}", profile);
            row.baseline = "raw two-pipe echo child";
            row.size = size;
            row.measured_ns = pair.measured_ns;
            row.baseline_ns = pair.baseline_ns;
            row.bar = bar;
            row.unit = "ns/round trip";
            row.extra["rounds"] = rounds;
            row.extra["profile"] = profile;
            row.extra["measured_MiB_per_s"] = static_cast<double>(size) * 1e9 / pair.measured_ns / (1 << 20);
            rows.push_back(std::move(row));
        }
        driver.stop();
    }
    return rows;
}

}  // namespace umd::bench
