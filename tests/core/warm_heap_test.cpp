// tests/core/warm_heap_test.cpp — warm_heap() leaves the heap that follows present:
// a block allocated and written after it costs (almost) no page faults, where the
// same block without it faults once a page.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <umd/one_shot/warm_heap.h>

namespace umd {
namespace {

constexpr std::size_t block = 384 * 1024;  // over malloc's default mmap threshold (128 KiB)

long minor_faults()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

/// In a child of its own (a heap of its own): the page faults of allocating and writing
/// `block` bytes, after warm_heap(warm) when `warm` is not 0. Capped at 255.
int faults_in_child(std::size_t warm)
{
    pid_t pid = ::fork();
    if (pid == 0) {
        if (warm) one_shot::warm_heap(warm);
        long before = minor_faults();
        auto* p = static_cast<char*>(std::malloc(block));
        if (!p) ::_exit(255);
        std::memset(p, 1, block);
        asm volatile("" : : "r"(p) : "memory");  // the writes must happen: no elision of the block
        long faults = minor_faults() - before;
        std::free(p);
        ::_exit(static_cast<int>(std::min(faults, 255L)));
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(WarmHeap, TheHeapThatFollowsIsAlreadyPresent)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "warm_heap() is a no-op where the sanitizer's allocator replaces malloc";
#endif
    const int cold = faults_in_child(0);
    const int warm = faults_in_child(512 * 1024);
    // Without it, about one fault per 4 KiB page of the block (96 pages).
    EXPECT_GE(cold, 48) << "the control block did not fault: this test could not see a difference";
    // With it, the block comes from populated heap: a handful at most (the stack, libc's own).
    EXPECT_LE(warm, 8) << "cold " << cold << " faults, warm " << warm;
}

}  // namespace
}  // namespace umd
