// umd/another_cpu.h — start-up work meant to run beside the caller, not after it.
//
// A one-shot command overlaps independent start-up steps (copying a handler image,
// building OpenSSL's method tables) with its own. Linux places a new thread where
// its scheduler sees fit; a kernel that packs threads onto busy CPUs to keep idle
// virtual CPUs asleep runs such a thread on the caller's CPU, only once the
// caller blocks, and the overlap is lost. A thread started here may only run on
// the CPUs the caller may use other than the one it runs on now.
#pragma once

#include <functional>
#include <thread>

namespace umd {

/// Starts `job` on a new thread kept off the calling thread's current CPU (when the
/// caller may use another one; otherwise anywhere the caller may run). The returned
/// thread joins when destroyed.
std::jthread start_on_another_cpu(std::move_only_function<void()> job);

}  // namespace umd
