// bench/spawn.cpp — case `spawn`: a handler's cold start against fork+exec of /bin/true (trusted side).
//
// Measured: a new umd::Driver loads the sample blob (copied into a sealed memfd),
// starts the handler (with profile none, then strict: namespaces, Landlock,
// seccomp), gets the reply to a 1-byte echo, and is destroyed (handler reaped).
// Baseline: posix_spawn of /bin/true and waitpid — the cheapest process start.
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <memory>

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

}  // namespace

Result<std::vector<Row>> run_spawn(const Settings& settings)
{
    std::vector<Row> rows;
    unsigned rounds = settings.iterations ? settings.iterations : 200;
    for (const char* profile : {"none", "strict"}) {
        auto options = driver_options(profile);
        if (!options) return std::unexpected(options.error());
        const Bytes one{0x5a};
        Op measured = [&]() -> Status {
            auto driver = std::make_unique<Driver>("sample-cold", *options);
            if (auto ok = driver->load(sample::loader_module().blob()); !ok) return ok;
            auto r = sample::echo(*driver, one);
            if (!r) return std::unexpected(r.error());
            driver.reset();   // kills and reaps the handler: part of the cost
            return {};
        };
        Op baseline = spawn_true;
        if (auto ok = measured(); !ok) return std::unexpected(ok.error());
        if (auto ok = baseline(); !ok) return std::unexpected(ok.error());
        auto pair = interleave(rounds, measured, baseline);
        if (!pair) return std::unexpected(pair.error());
        Row row;
        row.case_name = "spawn";
        row.name = fmt::format("cold start + 1 B echo, {}", profile);
        row.baseline = "posix_spawn /bin/true + waitpid";
        row.measured_ns = pair->measured_ns;
        row.baseline_ns = pair->baseline_ns;
        row.bar = 2.0;
        row.unit = "ns/start";
        row.extra["rounds"] = rounds;
        row.extra["profile"] = profile;
        row.extra["blob_bytes"] = sample::loader_module().blob().size();
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace umd::bench
