// bench/harness.cpp — interleaved timing, medians and output of umd-bench (trusted side).
#include "harness.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace umd::bench {

Result<double> time_once(const Op& op)
{
    auto start = std::chrono::steady_clock::now();
    auto ok = op();
    auto end = std::chrono::steady_clock::now();
    if (!ok) return std::unexpected(ok.error());
    return std::chrono::duration<double, std::nano>(end - start).count();
}

Result<Pair> interleave(unsigned rounds, const Op& measured, const Op& baseline)
{
    std::vector<double> m, b;
    m.reserve(rounds);
    b.reserve(rounds);
    for (unsigned i = 0; i < rounds; ++i) {
        // Alternate which side goes first so neither always runs on a warmer cache.
        bool measured_first = (i % 2) == 0;
        for (int side = 0; side < 2; ++side) {
            bool is_measured = (side == 0) == measured_first;
            auto ns = time_once(is_measured ? measured : baseline);
            if (!ns) return std::unexpected(with_context(ns.error(), is_measured ? "measured" : "baseline"));
            (is_measured ? m : b).push_back(*ns);
        }
    }
    return Pair{median(std::move(m)), median(std::move(b))};
}

Row pair_row(std::string case_name, std::string name, std::string baseline, const Pair& p, double bar, std::string unit)
{
    Row row;
    row.case_name = std::move(case_name);
    row.name = std::move(name);
    row.baseline = std::move(baseline);
    row.measured_ns = p.measured_ns;
    row.baseline_ns = p.baseline_ns;
    row.bar = bar;
    if (bar == 0) row.bar_kind = "none";
    row.unit = std::move(unit);
    return row;
}

double median(std::vector<double> values)
{
    return percentile(std::move(values), 0.5);
}

double percentile(std::vector<double> values, double q)
{
    if (values.empty()) return 0;
    std::size_t k = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    k = std::min(k, values.size() - 1);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
    return values[k];
}

long self_max_rss_kib()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

double self_status_kib(std::string_view field)
{
    std::FILE* status = std::fopen("/proc/self/status", "re");
    if (!status) return -1;
    char line[256];
    double kib = -1;
    while (std::fgets(line, sizeof line, status)) {
        std::string_view text(line);
        if (text.starts_with(field) && text.substr(field.size()).starts_with(":")) {
            kib = std::strtod(line + field.size() + 1, nullptr);
            break;
        }
    }
    std::fclose(status);
    return kib;
}

bool reset_peak_rss()
{
    std::FILE* refs = std::fopen("/proc/self/clear_refs", "we");
    if (!refs) return false;
    bool ok = std::fputs("5", refs) >= 0;
    return std::fclose(refs) == 0 && ok;
}

namespace {

std::string human_ns(double ns)
{
    if (ns >= 1e9) return fmt::format("{:.2f} s", ns / 1e9);
    if (ns >= 1e6) return fmt::format("{:.2f} ms", ns / 1e6);
    if (ns >= 1e3) return fmt::format("{:.2f} us", ns / 1e3);
    return fmt::format("{:.0f} ns", ns);
}

/// A figure in its row's unit: times (ns/...) scaled, other units as they are.
std::string human_value(double value, const std::string& unit)
{
    if (unit.starts_with("ns")) return human_ns(value);
    return fmt::format("{:.0f} {}", value, unit);
}

std::string human_size(std::uint64_t bytes)
{
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
    if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
    return fmt::format("{} B", bytes);
}

}  // namespace

void print(const std::vector<Row>& rows, bool json)
{
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& r : rows) {
            nlohmann::json j = {{"case", r.case_name}, {"name", r.name}, {"baseline", r.baseline},
                                {"measured_ns", r.measured_ns}, {"baseline_ns", r.baseline_ns},
                                {"ratio", r.ratio()}, {"bar_kind", r.bar_kind},
                                {"unit", r.unit}, {"notes", r.notes}};
            j["size"] = r.size ? nlohmann::json(*r.size) : nlohmann::json(nullptr);
            j["bar"] = r.has_bar() ? nlohmann::json(r.bar) : nlohmann::json(nullptr);
            j["meets_bar"] = r.has_bar() ? nlohmann::json(r.meets_bar()) : nlohmann::json(nullptr);
            for (const auto& [k, v] : r.extra.items()) j[k] = v;
            out.push_back(std::move(j));
        }
        std::printf("%s\n", out.dump(2).c_str());
        return;
    }
    std::printf("%-8s %-30s %9s %12s %12s %7s %7s %-4s %s\n", "case", "measured", "size", "measured", "baseline",
                "ratio", "bar", "ok", "baseline is");
    for (const auto& r : rows) {
        std::printf("%-8s %-30s %9s %12s %12s %7.3f %7.3f %-4s %s\n", r.case_name.c_str(), r.name.c_str(),
                    r.size ? human_size(*r.size).c_str() : "-", human_value(r.measured_ns, r.unit).c_str(),
                    human_value(r.baseline_ns, r.unit).c_str(), r.ratio(), r.bar, !r.has_bar() ? "-" : r.meets_bar() ? "yes" : "NO",
                    r.baseline.c_str());
        for (const auto& [k, v] : r.extra.items()) std::printf("%8s   %s: %s\n", "", k.c_str(), v.dump().c_str());
        if (!r.notes.empty()) std::printf("%8s   note: %s\n", "", r.notes.c_str());
    }
}

}  // namespace umd::bench
