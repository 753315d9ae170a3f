// src/another_cpu.cpp — a thread kept off the caller's CPU (trusted side). See umd/another_cpu.h.
#include <umd/another_cpu.h>

#include <pthread.h>
#include <sched.h>

namespace umd {

std::jthread start_on_another_cpu(std::move_only_function<void()> job)
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
    // Set from here rather than by the thread itself: a thread packed onto this CPU
    // would not run before the caller blocks. A failure only costs the overlap.
    if (keep_off) (void)::pthread_setaffinity_np(thread.native_handle(), sizeof allowed, &allowed);
    return thread;
}

}  // namespace umd
