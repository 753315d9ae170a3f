// umd/one_shot/warm_heap.h — fault in a short-lived process's heap in one system call.
// A tool for short-lived programs (a one-shot command, a handler's first request),
// not part of the Manager's API.
//
// A one-shot command (the `umd` CLI) and a handler touch a few hundred KiB of fresh
// heap each. Touched page by page, every page is a fault: a few µs on bare metal, but
// many times that on virtual machines where a fault leaves the guest (figures in
// docs/decisions/0011-one-shot-on-a-fault-costly-vm.md). warm_heap()
// populates a block of heap at once and has malloc keep it, so the allocations that
// follow land on present pages.
//
// It makes every thread share one malloc arena and puts malloc where its own dynamic
// thresholds end up after the first large blocks come and go: blocks up to 32 MiB from
// the heap rather than mappings of their own (each new mapping would be faulted in
// again, page by page), and freed memory kept until 64 MiB of it is free. Setting any
// threshold turns glibc's adaptation off, so both are set to where it would arrive.
// For short-lived processes and handlers: a long-running caller of the library should
// not call it. Header-only: handlers (static, untrusted) and the CLI use it.
#pragma once

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace umd::one_shot {

/// Populates `bytes` of heap with one madvise() and keeps them for the allocations that
/// follow (see above). Call it first thing in main(), before any thread starts. Without
/// MADV_POPULATE_WRITE (kernels before 5.14) the settings still apply and the pages are
/// faulted in as they are used, as without the call. A no-op in sanitizer builds, whose
/// allocator is not malloc's.
inline void warm_heap(std::size_t bytes)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    constexpr int populate_write = 23;  // MADV_POPULATE_WRITE, Linux 5.14
    const auto page = static_cast<std::uintptr_t>(::getpagesize());
    // One arena: helper threads then allocate from the populated block too.
    ::mallopt(M_ARENA_MAX, 1);
    // Files being verified, requests and replies come from the heap, and stay there
    // for the next ones (glibc's largest dynamic thresholds: 32 MiB, trim at twice that).
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
    ::mallopt(M_TRIM_THRESHOLD, static_cast<int>(std::max<std::size_t>(bytes, 64u << 20)));
    void* block = std::malloc(bytes);
    if (block == nullptr) return;
    auto first = (reinterpret_cast<std::uintptr_t>(block) + page - 1) & ~(page - 1);
    auto end = (reinterpret_cast<std::uintptr_t>(block) + bytes) & ~(page - 1);
    if (end > first) (void)::madvise(reinterpret_cast<void*>(first), end - first, populate_write);
    std::free(block);
#else
    (void)bytes;
#endif
}

}  // namespace umd::one_shot
