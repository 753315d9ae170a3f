// bench/pgp.cpp — case `pgp`: verifying a real InRelease file, umd against gpgv and raw OpenSSL (trusted side).
//
// Rows:
//   one-shot  `umd pgp verify` as a whole process vs `gpgv`, same keyring and file,
//             with the peak RSS (wait4) of each;
//             The row also carries the one-shot's phases measured in this process
//             (fresh driver each round): handler cold start, keyring, message, verify,
//             and the handler's peak RSS once it has parsed both (VmHWM).
//   batch     many verifications through one Manager in this process (the OpenPGP
//             client + verifier API, handler sandboxed with strict) vs gpgv per file,
//             and vs the raw OpenSSL cost of the same digests and signature checks;
//             then the same file many times through verify_messages(), which has
//             the handler parse the next file while this thread verifies (per file).
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "cases.h"
#include "drivers/pgp/trusted/batch.h"
#include "drivers/pgp/trusted/client.h"
#include <umd_generated/pgp_loader.h>
#include "drivers/pgp/trusted/verifier.h"
#include "openssl_baseline.h"
#include "process_run.h"
#include "temp_dir.h"
#include "umdd_process.h"

namespace umd::bench {
namespace {

constexpr const char* keyring_path = "/usr/share/keyrings/debian-archive-keyring.gpg";
constexpr const char* gpgv_path = "/usr/bin/gpgv";
// The Debian archive signing keys are RSA 4096: the OpenSSL floor uses the same size.
constexpr unsigned debian_rsa_bits = 4096;

/// The largest /var/lib/apt/lists/*_InRelease of this machine.
Result<std::string> largest_inrelease()
{
    glob_t g{};
    std::unique_ptr<glob_t, void (*)(glob_t*)> guard(&g, ::globfree);
    if (::glob("/var/lib/apt/lists/*_InRelease", 0, nullptr, &g) != 0 || g.gl_pathc == 0)
        return fail(Errc::not_found, "no /var/lib/apt/lists/*_InRelease on this machine (run apt-get update)");
    std::string best;
    off_t best_size = -1;
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        struct stat st{};
        if (::stat(g.gl_pathv[i], &st) == 0 && st.st_size > best_size) best_size = st.st_size, best = g.gl_pathv[i];
    }
    return best;
}

Row make_row(std::string name, std::string baseline, const Pair& pair, double bar, std::uint64_t size)
{
    Row row;
    row.case_name = "pgp";
    row.name = std::move(name);
    row.baseline = std::move(baseline);
    row.size = size;
    row.measured_ns = pair.measured_ns;
    row.baseline_ns = pair.baseline_ns;
    row.bar = bar;
    row.unit = "ns/file";
    return row;
}

/// Peak resident set (VmHWM, KiB) of process `pid`, or -1 when /proc does not say.
double peak_rss_kib(pid_t pid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("VmHWM:")) return std::strtod(line.c_str() + 6, nullptr);
    return -1;
}

/// Medians, in microseconds, of the phases of a one-shot verification in this
/// process, each round with a fresh driver: what of the one-shot time is the
/// handler's cold start (the sandbox's share) and what is the OpenPGP work.
/// The once-per-process costs (sandbox profile, OpenSSL's first use, the
/// program's own start) are not in these figures.
Result<std::map<std::string, double>> one_shot_phases(const std::string& file, unsigned rounds)
{
    using clock = std::chrono::steady_clock;
    auto us = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); };
    std::map<std::string, std::vector<double>> samples;
    for (unsigned i = 0; i < rounds; ++i) {
        auto options = UMD_TRY(driver_options("strict"));
        Driver driver("pgp", std::move(options));
        auto t0 = clock::now();
        UMD_TRY(driver.load(pgp::loader_module().blob()));
        auto t1 = clock::now();
        // An empty input: the handler starts and refuses it. Sent as a trust anchor (it
        // carries nothing from anyone), so the keyring below may go to the same handler.
        (void)driver.send_recv(static_cast<std::uint8_t>(pgp::Request::parse), ByteView{}, InputOrigin::trust_anchor);
        auto t2 = clock::now();
        pgp::Policy policy;
        auto ring = UMD_TRY(pgp::load_keyring(driver, {pgp::FileRef(std::string(keyring_path))}, policy));
        auto t3 = clock::now();
        auto msg = UMD_TRY(pgp::parse_file(driver, file));
        auto t4 = clock::now();
        // The handler has parsed the keyring and the message: its peak so far is the
        // one-shot's (the DESIGN bar: 4 MiB).
        samples["handler_rss_kib"].push_back(peak_rss_kib(driver.status().pid));
        auto verdict = UMD_TRY(pgp::verify_message(ring, msg, policy, nullptr));
        UMD_TRY(verdict.status());
        auto t5 = clock::now();
        driver.stop();
        auto t6 = clock::now();
        samples["phase_blob_load_us"].push_back(us(t0, t1));
        samples["phase_handler_cold_start_us"].push_back(us(t1, t2));
        samples["phase_keyring_us"].push_back(us(t2, t3));
        samples["phase_message_parse_us"].push_back(us(t3, t4));
        samples["phase_verify_us"].push_back(us(t4, t5));
        samples["phase_stop_us"].push_back(us(t5, t6));
    }
    std::map<std::string, double> out;
    out["handler_max_rss_kib"] = *std::ranges::max_element(samples["handler_rss_kib"]);
    for (auto& [name, values] : samples) out[name] = std::round(median(std::move(values)));
    return out;
}

Result<Row> one_shot_through_umdd(const Settings& settings, const std::string& file, std::uint64_t size)
{
    auto dir = UMD_TRY(TempDir::make("umd-bench-umdd."));
    auto daemon = UMD_TRY(UmddProcess::start(settings.umdd_path, dir.path()));
    const std::vector<std::string> client_argv{settings.umd_path, "--socket", daemon->socket, "pgp", "verify", "--keyring",
                                               keyring_path, file};
    const std::vector<std::string> gpgv_argv{gpgv_path, "--keyring", keyring_path, file};
    auto runner = [](const std::vector<std::string>& argv) -> Op {
        return [&argv]() -> Status {
            auto r = UMD_TRY(run_process(argv));
            if (r.exit_code != 0) return fail(Errc::rejected, "{} exited with status {}", argv[0], r.exit_code);
            return {};
        };
    };
    const unsigned rounds = settings.iterations ? settings.iterations : 100;
    auto pair = UMD_TRY(interleave(rounds, runner(client_argv), runner(gpgv_argv)));
    Row row = make_row("umd pgp verify through umdd (one client process)", "gpgv (one process)", pair, 0.5, size);
    row.extra["file"] = file;
    row.extra["rounds"] = rounds;
    return row;
}

}  // namespace

Result<std::vector<Row>> run_pgp(const Settings& settings)
{
    auto file = UMD_TRY(largest_inrelease());
    struct stat st{};
    ::stat(file.c_str(), &st);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (settings.umd_path.empty()) return fail(Errc::not_found, "the umd program was not found next to umd-bench: give --umd PATH");
    std::vector<Row> rows;

    // One-shot: whole processes, peak RSS from wait4.
    {
        const std::vector<std::string> umd_argv{settings.umd_path, "--standalone", "pgp", "verify", "--keyring", keyring_path, file};
        const std::vector<std::string> gpgv_argv{gpgv_path, "--keyring", keyring_path, file};
        std::vector<double> umd_rss, gpgv_rss;
        auto runner = [](const std::vector<std::string>& argv, std::vector<double>& rss) -> Op {
            return [&argv, &rss]() -> Status {
                auto r = UMD_TRY(run_process(argv));
                if (r.exit_code != 0) return fail(Errc::rejected, "{} exited with status {}", argv[0], r.exit_code);
                rss.push_back(static_cast<double>(r.max_rss_kib));
                return {};
            };
        };
        // 100 rounds: a process start on a virtual machine varies by ±1 ms, and 40
        // rounds left the ratio moving by ±0.04 from one run to the next.
        unsigned rounds = settings.iterations ? settings.iterations : 100;
        auto pair = UMD_TRY(interleave(rounds, runner(umd_argv, umd_rss), runner(gpgv_argv, gpgv_rss)));
        Row row = make_row("umd pgp verify (one process)", "gpgv (one process)", pair, 0.5, size);
        row.extra["file"] = file;
        row.extra["rounds"] = rounds;
        // Peak resident set of each process: the median and the largest over the rounds.
        row.extra["umd_median_rss_kib"] = median(umd_rss);
        row.extra["umd_max_rss_kib"] = *std::ranges::max_element(umd_rss);
        row.extra["gpgv_median_rss_kib"] = median(gpgv_rss);
        auto phases = UMD_TRY(one_shot_phases(file, std::min(rounds, 20u)));
        for (const auto& [name, value] : phases) row.extra[name] = value;
        rows.push_back(std::move(row));
    }

    // One-shot through a running umdd: the same command as a client (docs/umdd.md).
    if (!settings.umdd_path.empty()) rows.push_back(UMD_TRY(one_shot_through_umdd(settings, file, size)));

    // Batch: one Manager, one keyring load, many files.
    auto options = UMD_TRY(driver_options("strict"));
    Driver driver("pgp", std::move(options));
    const LoaderModule& module = pgp::loader_module();
    UMD_TRY(driver.load(module.blob()));
    pgp::Policy policy;
    auto ring = UMD_TRY(pgp::load_keyring(driver, {pgp::FileRef(std::string(keyring_path))}, policy));

    Bytes verified;
    std::vector<SignatureKind> kinds;
    Op in_process = [&]() -> Status {
        auto msg = UMD_TRY(pgp::parse_file(driver, file));
        // The verified text is asked for once, for the floor below; a verifier that
        // does not write it out does not build it.
        auto verdict = UMD_TRY(pgp::verify_message(ring, msg, policy, verified.empty() ? &verified : nullptr));
        if (kinds.empty())
            for (const auto& s : msg.signatures) kinds.push_back({s.pk_algorithm, s.hash_algorithm});
        return verdict.status();
    };
    UMD_TRY(in_process());

    {
        const std::vector<std::string> gpgv_argv{gpgv_path, "--keyring", keyring_path, file};
        unsigned rounds = settings.iterations ? settings.iterations : 40;
        auto pair = UMD_TRY(interleave(rounds, in_process, [&]() { return run_ok(gpgv_argv); }));
        Row row = make_row("batch: parse+verify, one Manager", "gpgv process per file", pair, 0.1, size);
        row.extra["rounds"] = rounds;
        row.extra["signatures_per_file"] = kinds.size();
        rows.push_back(std::move(row));
    }
    auto floor = UMD_TRY(OpenSslBaseline::make(kinds, verified, debian_rsa_bits));
    {
        unsigned rounds = settings.iterations ? settings.iterations : 300;
        auto pair = UMD_TRY(interleave(rounds, in_process, [&]() { return floor.verify(verified); }));
        Row row = make_row("batch: parse+verify, one Manager", "OpenSSL digests + EVP verify in-process", pair, 1.3, size);
        row.extra["rounds"] = rounds;
        row.extra["signatures_per_file"] = kinds.size();
        row.extra["hashed_bytes"] = verified.size();
        row.notes = "floor: same signature kinds (RSA 4096 / Ed25519) and hashes with keys made by umd-bench";
        rows.push_back(std::move(row));
    }
    {
        // The same file, batch_files times per round, through verify_messages(): the
        // handler parses file i + 1 while this thread verifies file i. Per-file figures.
        constexpr std::size_t batch_files = 20;
        const std::vector<std::string> batch(batch_files, file);
        Op pipelined = [&]() -> Status {
            Status status;
            pgp::verify_messages(driver, ring, batch, policy, [&](std::size_t, Result<pgp::Verdict> v) {
                status = v ? v->status() : Status(std::unexpected(v.error()));
                return status.has_value();
            });
            return status;
        };
        Op floor_batch = [&]() -> Status {
            for (std::size_t i = 0; i < batch_files; ++i)
                if (auto ok = floor.verify(verified); !ok) return ok;
            return {};
        };
        unsigned rounds = settings.iterations ? settings.iterations : 30;
        auto pair = UMD_TRY(interleave(rounds, pipelined, floor_batch));
        pair.measured_ns /= batch_files;
        pair.baseline_ns /= batch_files;
        Row row = make_row("batch: pipelined verify_messages", "OpenSSL digests + EVP verify in-process", pair, 1.3, size);
        row.extra["rounds"] = rounds;
        row.extra["files_per_round"] = batch_files;
        row.extra["signatures_per_file"] = kinds.size();
        row.notes = "wall time per file; the handler parses the next file on the other core while this thread verifies "
                    "(two processes, as the design has them); the floor runs on one core";
        rows.push_back(std::move(row));
    }
    driver.stop();
    return rows;
}

}  // namespace umd::bench
