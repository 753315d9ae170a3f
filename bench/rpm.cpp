// bench/rpm.cpp — case `rpm`: `umd rpm verify` over N signed packages against rpmkeys -K per package (trusted side).
//
// Fixtures are made at bench time in a private temporary directory by the RPM
// driver's own drivers/rpm/tests/make_fixtures.sh (keys in a private GNUPGHOME,
// rpmbuild, rpmsign, a private rpmdb with the keys imported). The N packages are
// DISTINCT: one spec with N subpackages, each owning one distinct file, built by
// one rpmbuild run and signed with RSA 4096 by one rpmsign call. So every
// package has its own header, digests and signature, and no cache on either
// side sees the same bytes twice. A second row times `umd trust add` of the
// same packages (throughput, database size). That setup is not timed (about 2 minutes for
// 1000 packages on the development VM; its time is reported).
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "cases.h"
#include "process_run.h"
#include "temp_dir.h"

namespace umd::bench {

Result<std::vector<Row>> run_rpm(const Settings& settings)
{
    if (settings.umd_path.empty()) return fail(Errc::not_found, "the umd program was not found next to umd-bench: give --umd PATH");
    auto dir = UMD_TRY(TempDir::make("umd-bench-rpm."));
    const std::string fixtures = dir.path() + "/fixtures";
    const auto setup_start = std::chrono::steady_clock::now();
    if (auto ok = run_ok({"/bin/bash", UMD_SOURCE_DIR "/drivers/rpm/tests/make_fixtures.sh", fixtures,
                          std::to_string(settings.packages)});
        !ok)
        return std::unexpected(with_context(ok.error(), "making RPM fixtures and the corpus (rpmbuild, rpmsign, gpg)"));
    const double setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count();

    namespace fs = std::filesystem;
    std::vector<std::string> packages;
    std::uint64_t total_size = 0;
    for (const auto& entry : fs::directory_iterator(fixtures + "/corpus")) {
        if (entry.path().extension() != ".rpm") continue;
        packages.push_back(entry.path().string());
        total_size += static_cast<std::uint64_t>(entry.file_size());
    }
    std::sort(packages.begin(), packages.end());
    if (packages.size() != settings.packages)
        return fail(Errc::internal, "the corpus has {} packages, not {}", packages.size(), settings.packages);

    std::vector<std::string> umd_argv{settings.umd_path, "rpm", "verify", "--keyring", fixtures + "/rsa4096.asc"};
    umd_argv.insert(umd_argv.end(), packages.begin(), packages.end());
    long umd_rss = 0;
    Op measured = [&]() -> Status {
        auto r = UMD_TRY(run_process(umd_argv));
        if (r.exit_code != 0) return fail(Errc::rejected, "umd rpm verify exited with status {}", r.exit_code);
        umd_rss = std::max(umd_rss, r.max_rss_kib);
        return {};
    };
    Op baseline = [&]() -> Status {
        for (const auto& p : packages)
            if (auto ok = run_ok({"/usr/bin/rpmkeys", "--dbpath", fixtures + "/rpmdb", "-K", p}); !ok) return ok;
        return {};
    };
    unsigned rounds = settings.iterations ? settings.iterations : 3;
    auto pair = UMD_TRY(interleave(rounds, measured, baseline));

    Row row;
    row.case_name = "rpm";
    row.name = fmt::format("umd rpm verify, {} distinct packages", packages.size());
    row.baseline = "rpmkeys -K, one process per package";
    row.size = total_size / packages.size();
    row.measured_ns = pair.measured_ns;
    row.baseline_ns = pair.baseline_ns;
    row.bar = 0.2;
    row.unit = "ns/batch";
    row.extra["packages"] = packages.size();
    row.extra["rounds"] = rounds;
    row.extra["measured_ns_per_package"] = pair.measured_ns / static_cast<double>(packages.size());
    row.extra["baseline_ns_per_package"] = pair.baseline_ns / static_cast<double>(packages.size());
    row.extra["umd_max_rss_kib"] = umd_rss;
    row.extra["corpus_bytes"] = total_size;
    row.extra["corpus_setup_s"] = setup_s;
    row.notes = "distinct packages: one rpmbuild of N subpackages (one distinct file each), one rpmsign (RSA 4096); "
                "each verified once per round; size is the mean package size; setup (not timed) is keys, build and signing";

    // `umd trust add` of the same packages into a new database each round, beside
    // `umd rpm verify` of them: the ratio is what recording the digests adds to verifying.
    const std::string db = dir.path() + "/trust.mdb";
    std::vector<std::string> add_argv{settings.umd_path, "trust", "--db", db, "add", "--keyring", fixtures + "/rsa4096.asc"};
    add_argv.insert(add_argv.end(), packages.begin(), packages.end());
    long add_rss = 0;
    std::uint64_t db_bytes = 0;
    Op add = [&]() -> Status {
        std::error_code ec;
        fs::remove_all(db, ec);
        auto r = UMD_TRY(run_process(add_argv));
        if (r.exit_code != 0) return fail(Errc::rejected, "umd trust add exited with status {}", r.exit_code);
        add_rss = std::max(add_rss, r.max_rss_kib);
        db_bytes = 0;
        for (const auto& f : fs::directory_iterator(db)) db_bytes += f.file_size();
        return {};
    };
    auto add_pair = interleave(rounds, add, measured);
    if (!add_pair) return std::unexpected(with_context(add_pair.error(), "umd trust add"));
    Row add_row;
    add_row.case_name = "rpm";
    add_row.name = fmt::format("umd trust add, {} distinct packages", packages.size());
    add_row.baseline = "umd rpm verify of the same packages";
    add_row.size = row.size;
    add_row.measured_ns = add_pair->measured_ns;
    add_row.baseline_ns = add_pair->baseline_ns;
    add_row.bar_kind = "none";
    add_row.unit = "ns/batch";
    add_row.extra["packages_per_s"] = static_cast<double>(packages.size()) / (add_pair->measured_ns / 1e9);
    add_row.extra["measured_ns_per_package"] = add_pair->measured_ns / static_cast<double>(packages.size());
    add_row.extra["umd_max_rss_kib"] = add_rss;
    add_row.extra["db_bytes"] = db_bytes;
    add_row.notes = "a new database each round (one write transaction for the batch); the throughput figure is "
                    "packages_per_s; the ratio is the cost of recording the digests on top of verifying";
    return std::vector<Row>{std::move(row), std::move(add_row)};
}

}  // namespace umd::bench
