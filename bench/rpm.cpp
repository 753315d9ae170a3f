// bench/rpm.cpp — case `rpm`: `umd rpm verify` over N signed packages against rpmkeys -K per package (trusted side).
//
// Fixtures are made at bench time in a private temporary directory by the RPM
// driver's own drivers/rpm/tests/make_fixtures.sh (keys in a private GNUPGHOME,
// rpmbuild, rpmsign, a private rpmdb with the keys imported). Building and
// signing 1000 packages would take minutes, so the N packages are copies of one
// RSA 4096-signed package under different names: every copy is still read,
// parsed, digested and verified in full by both sides.
#include <filesystem>

#include "cases.h"
#include "process_run.h"
#include "temp_dir.h"

namespace umd::bench {

Result<std::vector<Row>> run_rpm(const Settings& settings)
{
    if (settings.umd_path.empty()) return fail(Errc::not_found, "the umd program was not found next to umd-bench: give --umd PATH");
    auto dir = TempDir::make("umd-bench-rpm.");
    if (!dir) return std::unexpected(dir.error());
    const std::string fixtures = dir->path() + "/fixtures";
    if (auto ok = run_ok({"/bin/bash", UMD_SOURCE_DIR "/drivers/rpm/tests/make_fixtures.sh", fixtures}); !ok)
        return std::unexpected(with_context(ok.error(), "making RPM fixtures (rpmbuild, rpmsign, gpg)"));

    namespace fs = std::filesystem;
    const std::string pkgdir = dir->path() + "/pkgs";
    fs::create_directories(pkgdir);
    std::vector<std::string> packages;
    for (unsigned i = 0; i < settings.packages; ++i) {
        auto path = fmt::format("{}/umdtest-{:05}.rpm", pkgdir, i);
        std::error_code ec;
        fs::copy_file(fixtures + "/rsa4096.rpm", path, ec);
        if (ec) return fail(Errc::io, "copy to {}: {}", path, ec.message());
        packages.push_back(std::move(path));
    }
    const auto package_size = static_cast<std::uint64_t>(fs::file_size(packages.front()));

    std::vector<std::string> umd_argv{settings.umd_path, "rpm", "verify", "--keyring", fixtures + "/rsa4096.asc"};
    umd_argv.insert(umd_argv.end(), packages.begin(), packages.end());
    long umd_rss = 0;
    Op measured = [&]() -> Status {
        auto r = run_process(umd_argv);
        if (!r) return std::unexpected(r.error());
        if (r->exit_code != 0) return fail(Errc::rejected, "umd rpm verify exited with status {}", r->exit_code);
        umd_rss = std::max(umd_rss, r->max_rss_kib);
        return {};
    };
    Op baseline = [&]() -> Status {
        for (const auto& p : packages)
            if (auto ok = run_ok({"/usr/bin/rpmkeys", "--dbpath", fixtures + "/rpmdb", "-K", p}); !ok) return ok;
        return {};
    };
    unsigned rounds = settings.iterations ? settings.iterations : 3;
    auto pair = interleave(rounds, measured, baseline);
    if (!pair) return std::unexpected(pair.error());

    Row row;
    row.case_name = "rpm";
    row.name = fmt::format("umd rpm verify, {} packages", packages.size());
    row.baseline = "rpmkeys -K, one process per package";
    row.size = package_size;
    row.measured_ns = pair->measured_ns;
    row.baseline_ns = pair->baseline_ns;
    row.bar = 0.2;
    row.unit = "ns/batch";
    row.extra["packages"] = packages.size();
    row.extra["rounds"] = rounds;
    row.extra["measured_ns_per_package"] = pair->measured_ns / static_cast<double>(packages.size());
    row.extra["baseline_ns_per_package"] = pair->baseline_ns / static_cast<double>(packages.size());
    row.extra["umd_max_rss_kib"] = umd_rss;
    row.notes = "packages are copies of one rpmbuild package signed with RSA 4096 (building 1000 is too slow); size is one package";
    return std::vector<Row>{std::move(row)};
}

}  // namespace umd::bench
