// tests/core/test_util.h — helpers shared by the core tests.
#pragma once

#include <memory>
#include <string>

#include <umd/manager.h>

namespace umd::test {

/// Open descriptors of this process (entries of /proc/self/fd).
int count_fds();
/// Live children of this process (from /proc/self/task/*/children).
int count_children();
/// The bytes of the hostile test handler (built beside the tests).
const Bytes& hostile_image();
/// A driver running the hostile handler in `mode` (its argv[0]) with a short deadline.
std::unique_ptr<Driver> hostile_driver(const std::string& mode, std::chrono::milliseconds deadline = std::chrono::milliseconds(2000));

}  // namespace umd::test
