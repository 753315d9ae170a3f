// drivers/bpfilter/trusted/kernel_hz.h — the running kernel's HZ, which the `limit`
// match's checks depend on (xt_limit's user2credits). TRUSTED side.
//
// Not sysconf(_SC_CLK_TCK): that is USER_HZ (100), what the kernel reports to user space,
// not the tick rate jiffies count at. Not /boot/config-*: not every system installs it.
// /proc/timer_list (root only) shows the monotonic clock ("now at N nsecs") and jiffies;
// two readings some 200 ms apart give jiffies per second.
#pragma once

#include <cstdint>

namespace umd::bpfilter {

/// HZ rounded to the nearest value Linux is built with (100, 250, 300, 1000) when the
/// measure is within 10% of it; 0 when /proc/timer_list cannot be read or no value fits.
std::uint32_t kernel_hz();

}  // namespace umd::bpfilter
