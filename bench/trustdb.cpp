// bench/trustdb.cpp — case `trustdb`: LMDB trust database lookups against a std::unordered_map (trusted side).
//
// The database only accepts VerifiedPackages, so the synthetic digests enter the
// way real ones do: package files built with the RPM tests' header builder (1000
// files each), parsed by the RPM parser library, passed through verify_parsed
// with a signature check that accepts everything (no keys are involved), and
// added with add_batch — one write transaction per chunk of packages (holding a
// million VerifiedPackages at once would cost far more memory than the database).
// Then one million random lookups of inserted digests, each timed alone,
// interleaved with the same key's lookup in an unordered_map.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <unordered_map>

#include "cases.h"
#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/trust_db.h"
#include "temp_dir.h"

namespace umd::bench {
namespace {

constexpr std::size_t files_per_package = 1000;
constexpr std::size_t packages_per_transaction = 100;
constexpr std::uint32_t sha256_algo = 8;

/// Deterministic, distinct 32-byte digests: splitmix64 of the index.
Bytes synthetic_digest(std::uint64_t index)
{
    Bytes d(32);
    std::uint64_t x = index * 4 + 0x9e3779b97f4a7c15ull;
    for (int w = 0; w < 4; ++w) {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        for (int b = 0; b < 8; ++b) d[static_cast<std::size_t>(w * 8 + b)] = static_cast<std::uint8_t>(z >> (8 * b));
    }
    return d;
}

std::string hex(ByteView b)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (auto c : b) s += digits[c >> 4], s += digits[c & 15];
    return s;
}

/// A package `index` vouching for digests [first, first + count).
Result<rpm::VerifiedPackage> make_package(std::size_t index, std::uint64_t first, std::size_t count)
{
    using namespace rpm::test;
    std::vector<std::string> digests, names;
    std::vector<std::uint16_t> modes(count, 0100644);
    for (std::size_t i = 0; i < count; ++i) {
        digests.push_back(hex(synthetic_digest(first + i)));
        names.push_back(fmt::format("f{:04}", i));
    }
    const std::string name = fmt::format("bench{:06}", index);
    std::vector<TestEntry> e = {
        str(1000, name), str(1001, "1"), str(1002, "1"), str(1022, "noarch"),
        i16(1030, modes), str_array(1035, digests), i32(1037, std::vector<std::uint32_t>(count, 0)),
        i32(1116, std::vector<std::uint32_t>(count, 0)), str_array(1117, names), str_array(1118, {"/opt/" + name + "/"}),
        i32(5011, {sha256_algo}),
    };
    Bytes file = build_package(build_header({bin(268, Bytes(8, 1))}, 62), build_header(e, 63));
    auto parsed = rpm::parse_package(file, file.size());
    if (!parsed) return std::unexpected(parsed.error());
    // No keys here: the signature step accepts everything; every other check runs.
    return rpm::verify_parsed(*parsed, [](ByteView, std::span<const rpm::SignaturePacket>) -> Result<std::string> {
        return std::string("BENCH");
    });
}

long current_rss_kib()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
    return 0;
}

std::uint64_t disk_bytes(const std::string& dir)
{
    std::uint64_t total = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        struct stat st{};
        if (::stat(entry.path().c_str(), &st) == 0) total += static_cast<std::uint64_t>(st.st_blocks) * 512;
    }
    return total;
}

}  // namespace

Result<std::vector<Row>> run_trustdb(const Settings& settings)
{
    auto dir = TempDir::make("umd-bench-trustdb.");
    if (!dir) return std::unexpected(dir.error());
    const std::string path = dir->path() + "/trust.mdb";
    auto db = rpm::TrustDb::open(path);
    if (!db) return std::unexpected(db.error());

    const std::size_t total = settings.digests;
    auto insert_start = std::chrono::steady_clock::now();
    double insert_db_ns = 0;   // add_batch only, without building the packages
    std::size_t transactions = 0;
    for (std::size_t first = 0, pkg = 0; first < total; ++transactions) {
        std::vector<rpm::VerifiedPackage> chunk;
        for (std::size_t p = 0; p < packages_per_transaction && first < total; ++p, ++pkg) {
            std::size_t count = std::min(files_per_package, total - first);
            auto v = make_package(pkg, first, count);
            if (!v) return std::unexpected(with_context(v.error(), "building a synthetic package"));
            chunk.push_back(std::move(*v));
            first += count;
        }
        std::vector<const rpm::VerifiedPackage*> ptrs;
        for (const auto& v : chunk) ptrs.push_back(&v);
        auto ns = time_once([&]() { return db->add_batch(ptrs); });
        if (!ns) return std::unexpected(ns.error());
        insert_db_ns += *ns;
    }
    double insert_total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - insert_start).count();

    std::unordered_map<std::string, std::uint32_t> map;
    map.reserve(total);
    for (std::size_t i = 0; i < total; ++i) {
        auto d = synthetic_digest(i);
        map.emplace(std::string(d.begin(), d.end()), static_cast<std::uint32_t>(i));
    }

    const std::size_t lookups = settings.iterations ? settings.iterations : 1000000;
    std::mt19937_64 rng(20261124);
    std::uniform_int_distribution<std::size_t> pick(0, total - 1);
    std::vector<double> db_ns, map_ns;
    db_ns.reserve(lookups);
    map_ns.reserve(lookups);
    std::size_t misses = 0;
    for (std::size_t i = 0; i < lookups; ++i) {
        Bytes key = synthetic_digest(pick(rng));
        std::string map_key(key.begin(), key.end());
        auto t0 = std::chrono::steady_clock::now();
        auto hit = db->lookup(sha256_algo, key);
        auto t1 = std::chrono::steady_clock::now();
        auto it = map.find(map_key);
        auto t2 = std::chrono::steady_clock::now();
        if (!hit) return std::unexpected(hit.error());
        if (hit->empty() || it == map.end()) ++misses;
        db_ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
        map_ns.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count());
    }
    if (misses) return fail(Errc::internal, "{} of {} lookups of inserted digests missed", misses, lookups);

    Row row;
    row.case_name = "trustdb";
    row.name = "TrustDb::lookup p99 (sha256)";
    row.baseline = "std::unordered_map::find p99";
    row.measured_ns = percentile(db_ns, 0.99);
    row.baseline_ns = percentile(map_ns, 0.99);
    row.bar = 2000;
    row.bar_kind = "measured_ns";
    row.unit = "ns/lookup";
    row.extra["digests"] = total;
    row.extra["lookups"] = lookups;
    row.extra["p50_ns"] = percentile(db_ns, 0.5);
    row.extra["baseline_p50_ns"] = percentile(map_ns, 0.5);
    row.extra["insert_transactions"] = transactions;
    row.extra["insert_add_batch_s"] = insert_db_ns / 1e9;
    row.extra["insert_total_s"] = insert_total_s;
    row.extra["db_disk_bytes"] = disk_bytes(path);
    row.extra["rss_kib"] = current_rss_kib();
    row.extra["max_rss_kib"] = self_max_rss_kib();
    row.notes = fmt::format("bar is absolute: p99 <= 2 us; insert in {} add_batch transactions of {} packages x {} files "
                            "(timing includes the steady_clock read, ~20-40 ns)",
                            transactions, packages_per_transaction, files_per_package);
    return std::vector<Row>{std::move(row)};
}

}  // namespace umd::bench
