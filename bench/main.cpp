// bench/main.cpp — umd-bench: each case measured side by side with its baseline (trusted side).
//
//   umd-bench ipc|spawn|pool|pgp|rpm|trustdb|umdd|guard|bpfilter [--json] [--iterations N] [--umd PATH] [--packages N] [--rules N]
// Exit status: 0 when every row was measured (bars met or not: see meets_bar), 2 on usage or a failure.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <map>

#include <CLI/CLI.hpp>

#include "cases.h"

int main(int argc, char** argv)
{
    using namespace umd::bench;
    CLI::App app{"umd-bench: umd's costs measured against their baselines, in the same run"};
    Settings settings;
    std::string which;
    const std::map<std::string, umd::Result<std::vector<Row>> (*)(const Settings&)> cases = {
        {"ipc", run_ipc}, {"spawn", run_spawn}, {"pgp", run_pgp}, {"rpm", run_rpm}, {"trustdb", run_trustdb}, {"pool", run_pool}, {"umdd", run_umdd}, {"guard", run_guard}, {"bpfilter", run_bpfilter}};
    app.add_option("case", which, "ipc, spawn, pool, pgp, rpm, trustdb, umdd, guard (root) or bpfilter (root)")->required()
        ->check(CLI::IsMember({"ipc", "spawn", "pool", "pgp", "rpm", "trustdb", "umdd", "guard", "bpfilter"}));
    app.add_flag("--json", settings.json, "Print rows as a JSON array");
    app.add_option("--iterations", settings.iterations, "Rounds per row (default: per case)")->check(CLI::PositiveNumber);
    app.add_option("--umd", settings.umd_path, "The umd program (default: ../apps/umd/umd from umd-bench, or umd beside it)");
    app.add_option("--umdd", settings.umdd_path, "The umdd program (default: ../apps/umdd/umdd from umd-bench, or umdd beside it)");
    app.add_option("--fapolicyd", settings.fapolicyd_root,
                   "guard: a directory fapolicyd's Debian package was unpacked into (dpkg -x), to measure it beside umdd");
    app.add_option("--packages", settings.packages, "rpm: number of signed packages (default 1000)")->check(CLI::PositiveNumber);
    app.add_option("--digests", settings.digests, "trustdb: number of digests inserted and looked up (default 1000000)")
        ->check(CLI::PositiveNumber);
    app.add_option("--rules", settings.rules, "bpfilter: rules in the restored table (default 10000)")->check(CLI::PositiveNumber);
    app.add_option("--preload", settings.preload_path, "bpfilter: libumd-bpfilter-preload.so (default: beside umd-bench's build or install)");
    app.add_option("--size", settings.sizes, "ipc: this message size in bytes instead of the table's (repeatable; each gets the bar of the nearest table size below it)");
    app.add_option("--pipe-size", settings.pipe_size,
                   "ipc: the pipe capacity both the handler's and the raw echo's pipes ask for, in bytes (default: the Manager's, 2 MiB; "
                   "without CAP_SYS_RESOURCE the kernel gives at most fs.pipe-max-size)")
        ->check(CLI::Range(4096, 1 << 30));
    app.add_option("--profile", settings.profiles, "ipc: only this sandbox profile, none or strict (repeatable; default: both)")
        ->check(CLI::IsMember({"none", "strict"}));
    CLI11_PARSE(app, argc, argv);

    char self[PATH_MAX] = {};
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) settings.self_dir = std::filesystem::path(std::string(self, static_cast<std::size_t>(n))).parent_path();
    if (settings.umd_path.empty()) {
        for (const char* rel : {"umd", "../apps/umd/umd"}) {
            auto candidate = std::filesystem::path(settings.self_dir) / rel;
            if (::access(candidate.c_str(), X_OK) == 0) {
                settings.umd_path = std::filesystem::weakly_canonical(candidate);
                break;
            }
        }
    }

    if (settings.umdd_path.empty()) {
        for (const char* rel : {"umdd", "../apps/umdd/umdd", "../sbin/umdd"}) {
            auto candidate = std::filesystem::path(settings.self_dir) / rel;
            if (::access(candidate.c_str(), X_OK) == 0) {
                settings.umdd_path = std::filesystem::weakly_canonical(candidate);
                break;
            }
        }
    }

    auto rows = cases.at(which)(settings);
    if (!rows) {
        std::fprintf(stderr, "umd-bench %s: %s\n", which.c_str(), rows.error().message.c_str());
        return 2;
    }
    print(*rows, settings.json);
    return 0;
}
