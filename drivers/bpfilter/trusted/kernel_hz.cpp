// drivers/bpfilter/trusted/kernel_hz.cpp — see kernel_hz.h. TRUSTED side.
#include "drivers/bpfilter/trusted/kernel_hz.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

namespace umd::bpfilter {
namespace {

struct Reading {
    double ns = 0;
    double jiffies = 0;
};

/// The first "now at" and "jiffies:" lines of /proc/timer_list.
std::optional<Reading> read_timer_list()
{
    std::FILE* f = std::fopen("/proc/timer_list", "re");
    if (!f) return std::nullopt;
    Reading r;
    bool now = false, jiffies = false;
    char line[256];
    unsigned long long value = 0;
    for (int lines = 0; lines < 4096 && !(now && jiffies) && std::fgets(line, sizeof line, f); ++lines) {
        if (!now && std::sscanf(line, "now at %llu nsecs", &value) == 1) r.ns = static_cast<double>(value), now = true;
        else if (!jiffies && std::sscanf(line, "jiffies: %llu", &value) == 1) r.jiffies = static_cast<double>(value), jiffies = true;
    }
    std::fclose(f);
    if (!now || !jiffies) return std::nullopt;
    return r;
}

}  // namespace

std::uint32_t kernel_hz()
{
    const auto a = read_timer_list();
    if (!a) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const auto b = read_timer_list();
    if (!b || b->ns <= a->ns) return 0;
    const double measured = (b->jiffies - a->jiffies) * 1e9 / (b->ns - a->ns);
    for (std::uint32_t hz : {100u, 250u, 300u, 1000u})
        if (std::fabs(measured - hz) <= 0.1 * hz) return hz;
    return 0;
}

}  // namespace umd::bpfilter
