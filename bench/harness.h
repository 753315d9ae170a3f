// bench/harness.h — the shared timing harness of umd-bench (trusted side: it only
// runs the Manager and plain processes, and parses nothing untrusted).
//
// Every result row carries its own baseline measured in the same run: rounds of
// the measured operation and of the baseline are interleaved (alternating which
// goes first) so that machine noise hits both alike, and medians are reported.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <umd/error.h>

namespace umd::bench {

/// One line of output: a measured operation beside its baseline.
struct Row {
    std::string case_name;              ///< "ipc", "spawn", ...
    std::string name;                   ///< what was measured, e.g. "send_recv strict"
    std::string baseline;               ///< what it is compared with
    std::optional<std::uint64_t> size;  ///< bytes, where relevant
    double measured_ns = 0;
    double baseline_ns = 0;
    double bar = 0;                     ///< the ratio (or, per bar_kind, measured_ns) must be at most this
    std::string bar_kind = "ratio";     ///< "ratio", "measured_ns" for an absolute bar, "none" for a figure without one
    std::string unit = "ns/op";
    std::string notes;
    nlohmann::json extra = nlohmann::json::object();   ///< case-specific figures (RSS, p99, ...)

    double ratio() const { return baseline_ns > 0 ? measured_ns / baseline_ns : 0; }
    bool has_bar() const { return bar_kind != "none"; }
    bool meets_bar() const { return bar_kind == "measured_ns" ? measured_ns <= bar : baseline_ns > 0 && ratio() <= bar; }
};

/// Common command-line settings.
struct Settings {
    bool json = false;
    unsigned iterations = 0;        ///< 0: each case's default
    std::string umd_path;           ///< the umd CLI (default: next to umd-bench)
    std::string umdd_path;          ///< the resident Manager (default: next to umd-bench or in the build tree)
    std::string fapolicyd_root;     ///< guard: fapolicyd unpacked with dpkg -x (usr/sbin/fapolicyd in it), measured beside
    std::string self_dir;           ///< directory of umd-bench
    unsigned packages = 1000;       ///< rpm case
    std::size_t digests = 1000000;  ///< trustdb case
    unsigned rules = 10000;         ///< bpfilter case: rules in the restored table
    std::string preload_path;       ///< bpfilter case: libumd-bpfilter-preload.so (default: in the build tree or installed)
    std::vector<std::size_t> sizes; ///< ipc case: only these message sizes (empty: all)
    std::vector<std::string> profiles; ///< ipc case: only these sandbox profiles (empty: none and strict)
    int pipe_size = 0;                 ///< ipc case: pipe capacity both sides ask for (0: the Manager's default)
};

/// A timed operation; an error stops the case.
using Op = std::function<Status()>;

/// Medians of `rounds` interleaved runs of `measured` and `baseline`, in ns per call.
struct Pair {
    double measured_ns = 0;
    double baseline_ns = 0;
};
Result<Pair> interleave(unsigned rounds, const Op& measured, const Op& baseline);

/// A row of `case_name` from a pair of medians, with a ratio bar (0: no bar).
Row pair_row(std::string case_name, std::string name, std::string baseline, const Pair& p, double bar, std::string unit = "ns/op");

/// Nanoseconds taken by one call of `op` (its error passed on).
Result<double> time_once(const Op& op);

double median(std::vector<double> values);
/// The value below which a fraction `q` (0..1) of the samples lie.
double percentile(std::vector<double> values, double q);

/// Peak resident set of the current process in KiB (getrusage).
long self_max_rss_kib();

/// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"), or -1 when it says nothing.
double self_status_kib(std::string_view field);
/// Resets this process's peak resident set (VmHWM) to its current one
/// (/proc/self/clear_refs, Linux 4.0). False when the kernel refused.
bool reset_peak_rss();

/// Prints rows as a table, or as one JSON array.
void print(const std::vector<Row>& rows, bool json);

}  // namespace umd::bench
