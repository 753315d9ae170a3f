// umd/one_shot/another_cpu.h — work meant to run beside the caller, not after it.
// A tool for short-lived programs (a one-shot command, a handler's first request),
// not part of the Manager's API.
//
// A one-shot command overlaps independent steps (copying a handler image,
// building OpenSSL's method tables, checking two signatures) with its own work.
// Linux places a new thread where its scheduler sees fit; a kernel that packs
// threads onto busy CPUs, to keep idle virtual CPUs asleep, runs such a thread on
// the caller's CPU once the caller blocks, and the overlap is lost. A thread
// started here may only run on the CPUs the caller may use other than the one it
// runs on now. Header-only: the verifier uses it without the process parts of libumd.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <functional>
#include <thread>

namespace umd::one_shot {

/// Starts `job` on a new thread kept off the calling thread's current CPU (when the
/// caller may use another one; otherwise wherever the caller may run). The returned
/// thread joins when destroyed.
inline std::jthread start_on_another_cpu(std::move_only_function<void()> job)
{
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    int here = ::sched_getcpu();
    bool keep_off = here >= 0 && here < CPU_SETSIZE && ::sched_getaffinity(0, sizeof allowed, &allowed) == 0;
    if (keep_off) {
        CPU_CLR(here, &allowed);
        keep_off = CPU_COUNT(&allowed) > 0;
    }
    std::jthread thread(std::move(job));
    // Set from here rather than by the new thread: one packed onto this CPU would not
    // run before the caller blocks. A failure only costs the overlap.
    if (keep_off) (void)::pthread_setaffinity_np(thread.native_handle(), sizeof allowed, &allowed);
    return thread;
}

}  // namespace umd::one_shot
