// bench/ipc.cpp — case `ipc`: the Manager's round trip against a raw two-pipe echo (trusted side).
//
// Measured: the sample driver's echo request through Driver::send_recv_into (framing,
// deadline, reply validation, the handler runtime's loop), with profile none and with
// strict. Baseline: a forked child echoing the same number of bytes over two plain
// pipes of the same capacity. Both read the reply into the same buffer, allocated once
// per size, and both check only the reply's length while timed: comparing the bytes is
// the sample driver's work, not the channel's, so umd::sample::echo_into (one memcmp)
// checks the echo whole before and after the timed rounds, and its cost is reported
// apart (echo_check_ns).
// For payloads larger than the pipe, the raw child must read the whole request
// before it answers, like the handler does, so the two move data alike.
//
// Each row also reports the Manager's peak resident set during its rounds (VmHWM,
// reset before them): this process is the Manager, holding the request and the
// reply buffer; the raw child's memory is its own.
#include <algorithm>
#include <cstring>

#include "cases.h"
#include "drivers/sample/protocol.h"
#include "drivers/sample/trusted/sample.h"
#include "raw_echo.h"

namespace umd::bench {
namespace {

struct SizeBar {
    std::size_t size;
    double bar;
};

// Bars: ≤ 1.15 up to 64 KiB (the 64 B round trip's), ≤ 1.11 for 1 and 16 MiB, ≤ 1.2 for 64 MiB.
constexpr SizeBar sizes[] = {{64, 1.15}, {4096, 1.15}, {64 << 10, 1.15}, {1 << 20, 1.11}, {16 << 20, 1.11}, {64 << 20, 1.2}};

/// The rows to run: every size of the table, or the sizes asked for, each with the
/// bar of the largest table size not above it.
std::vector<SizeBar> rows_for(const std::vector<std::size_t>& asked)
{
    if (asked.empty()) return {std::begin(sizes), std::end(sizes)};
    std::vector<SizeBar> chosen;
    for (std::size_t size : asked) {
        double bar = sizes[0].bar;
        for (const auto& row : sizes)
            if (row.size <= size) bar = row.bar;
        chosen.push_back({size, bar});
    }
    return chosen;
}

unsigned default_rounds(std::size_t size)
{
    // About 64 MiB moved per row and side, at least 15 rounds, at most 3000.
    return static_cast<unsigned>(std::clamp<std::size_t>((64u << 20) / size, 15, 3000));
}

template <typename T>
bool selected(const std::vector<T>& only, const T& value)
{
    return only.empty() || std::find(only.begin(), only.end(), value) != only.end();
}

}  // namespace

Result<std::vector<Row>> run_ipc(const Settings& settings)
{
    std::vector<Row> rows;
    for (std::string profile : {"none", "strict"}) {
        if (!selected(settings.profiles, profile)) continue;
        auto options = UMD_TRY(driver_options(profile));
        if (settings.pipe_size > 0) options.spawn.pipe_size = settings.pipe_size;
        int pipe_size = options.spawn.pipe_size;
        Driver driver(fmt::format("sample-{}", profile), std::move(options));
        UMD_TRY(driver.load(sample::loader_module().blob()));
        for (const auto& [size, bar] : rows_for(settings.sizes)) {
            double rss_before_kib = self_status_kib("VmRSS");
            Bytes data(size);
            for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 131 + 7);
            Bytes back(size);
            auto raw = UMD_TRY(RawEcho::start(size, pipe_size));
            constexpr auto echo = static_cast<std::uint8_t>(sample::Request::echo);
            Op measured = [&]() -> Status {
                auto reply = UMD_TRY(driver.send_recv_into(echo, data, back));
                if (reply.size != size) return fail(Errc::internal, "echo of {} bytes came back as {}", size, reply.size);
                return {};
            };
            Op baseline = [&]() -> Status { return raw.round_trip(data, back); };
            // Warm up: the first echo starts the handler and checks it whole; page in both buffers.
            UMD_TRY(sample::echo_into(driver, data, back));
            UMD_TRY(baseline());
            // What the echo's check costs, measured apart: it is part of the measured side.
            std::vector<double> check_ns;
            for (int i = 0; i < 5; ++i) {
                auto ns = UMD_TRY(time_once([&]() -> Status {
                    if (std::memcmp(data.data(), back.data(), size) != 0) return fail(Errc::internal, "raw echo differs");
                    return {};
                }));
                check_ns.push_back(ns);
            }
            bool peak_reset = reset_peak_rss();
            unsigned rounds = settings.iterations ? settings.iterations : default_rounds(size);
            auto pair = UMD_TRY(interleave(rounds, measured, baseline));
            double peak_kib = self_status_kib("VmHWM");
            UMD_TRY(sample::echo_into(driver, data, back));
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
            row.extra["echo_check_ns"] = median(check_ns);
            row.extra["pipe_capacity"] = raw.pipe_capacity();
            if (peak_reset && peak_kib > 0 && rss_before_kib > 0) {
                // The process before this row's buffers (code, libraries, heap) is not the
                // message's cost; the request, the reply buffer and all the Manager adds is.
                row.extra["manager_peak_rss_MiB"] = peak_kib / 1024;
                row.extra["rss_before_buffers_MiB"] = rss_before_kib / 1024;
                row.extra["peak_rss_over_message"] = (peak_kib - rss_before_kib) * 1024 / static_cast<double>(size);
            }
            rows.push_back(std::move(row));
        }
        driver.stop();
    }
    return rows;
}

}  // namespace umd::bench
