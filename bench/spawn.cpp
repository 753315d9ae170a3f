// bench/spawn.cpp — case `spawn`: a handler's cold start against fork+exec of /bin/true (trusted side).
//
// Measured: a new umd::Driver loads the sample blob (copied into a sealed memfd),
// starts the handler (with profile none, then strict: namespaces, Landlock,
// seccomp), gets the reply to a 1-byte echo, and is destroyed (handler reaped).
// Baseline: posix_spawn of /bin/true and waitpid — the cheapest process start.
//
// Restart rows: a running driver recycles its handler (kill + reap) and answers a
// 1-byte echo from a new one: started cold, or handed over from a spare that was
// started ahead of need (the wait for the spare to be ready is not timed: it is
// what a daemon's idle time pays for).
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <memory>
#include <thread>

#include "cases.h"
#include "drivers/sample/trusted/sample.h"

extern char** environ;

namespace umd::bench {
namespace {

Status spawn_true()
{
    pid_t pid = -1;
    char arg0[] = "true";
    char* argv[] = {arg0, nullptr};
    if (int e = ::posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ); e != 0)
        return fail_errno(e, "posix_spawn /bin/true");
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return fail_errno(errno, "waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return fail(Errc::system, "/bin/true failed");
    return {};
}

/// Waits (untimed, bounded) until the driver's spare is started.
Status wait_for_spare(const Driver& driver)
{
    for (int i = 0; i < 10000; ++i) {
        if (driver.status().spare_pid > 0) return {};
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return fail(Errc::timeout, "the spare handler did not start within 2 s");
}

/// Median restart latency (recycle + first reply), with or without a spare, against
/// posix_spawn of /bin/true, alternating which goes first.
Result<Row> restart_row(const DriverOptions& base, std::string_view profile, bool spare, unsigned rounds)
{
    DriverOptions options = base;
    options.spare_handler = spare;
    Driver driver("sample-restart", options);
    UMD_TRY(driver.load(sample::loader_module().blob()));
    const Bytes one{0x5a};
    Op restart = [&]() -> Status {
        driver.recycle();
        auto r = UMD_TRY(sample::echo(driver, one));
        return {};
    };
    UMD_TRY(restart());
    std::vector<double> measured, baseline;
    auto timed_restart = [&]() -> Result<double> {
        if (spare)
            UMD_TRY(wait_for_spare(driver));
        return time_once(restart);
    };
    for (unsigned i = 0; i < rounds; ++i) {
        Result<double> m = 0.0, b = 0.0;
        if (i % 2) {
            m = timed_restart();
            b = time_once(spawn_true);
        } else {
            b = time_once(spawn_true);
            m = timed_restart();
        }
        if (!m) return std::unexpected(m.error());
        if (!b) return std::unexpected(b.error());
        measured.push_back(*m);
        baseline.push_back(*b);
    }
    Row row;
    row.case_name = "spawn";
    row.name = fmt::format("restart (recycle + 1 B echo), {}, {}", profile, spare ? "spare ready" : "no spare");
    row.baseline = "posix_spawn /bin/true + waitpid";
    row.measured_ns = median(measured);
    row.baseline_ns = median(baseline);
    row.bar = 2.0;
    row.unit = "ns/restart";
    row.extra["rounds"] = rounds;
    row.extra["profile"] = std::string(profile);
    row.extra["p90_ns"] = percentile(measured, 0.9);
    return row;
}

}  // namespace

Result<std::vector<Row>> run_spawn(const Settings& settings)
{
    std::vector<Row> rows;
    unsigned rounds = settings.iterations ? settings.iterations : 200;
    for (const char* profile : {"none", "strict"}) {
        auto options = UMD_TRY(driver_options(profile));
        const Bytes one{0x5a};
        Op measured = [&]() -> Status {
            auto driver = std::make_unique<Driver>("sample-cold", options);
            if (auto ok = driver->load(sample::loader_module().blob()); !ok) return ok;
            auto r = UMD_TRY(sample::echo(*driver, one));
            driver.reset();   // kills and reaps the handler: part of the cost
            return {};
        };
        Op baseline = spawn_true;
        UMD_TRY(measured());
        UMD_TRY(baseline());
        auto pair = UMD_TRY(interleave(rounds, measured, baseline));
        Row row;
        row.case_name = "spawn";
        row.name = fmt::format("cold start + 1 B echo, {}", profile);
        row.baseline = "posix_spawn /bin/true + waitpid";
        row.measured_ns = pair.measured_ns;
        row.baseline_ns = pair.baseline_ns;
        row.bar = 2.0;
        row.unit = "ns/start";
        row.extra["rounds"] = rounds;
        row.extra["profile"] = profile;
        row.extra["blob_bytes"] = sample::loader_module().blob().size();
        rows.push_back(std::move(row));
        for (bool spare : {false, true}) {
            auto restart = UMD_TRY(restart_row(options, profile, spare, rounds));
            rows.push_back(std::move(restart));
        }
    }
    return rows;
}

}  // namespace umd::bench
