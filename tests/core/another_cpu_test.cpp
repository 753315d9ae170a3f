// tests/core/another_cpu_test.cpp — start_on_another_cpu() runs its job off the
// caller's CPU when the caller may use another, and where the caller may run when
// it may not; Manager::preload() hands its copy to driver() and leaves nothing behind.
#include <pthread.h>
#include <sched.h>

#include <gtest/gtest.h>
#include <latch>

#include <umd/one_shot/another_cpu.h>
#include <umd/manager.h>

#include "core/test_util.h"
#include "drivers/sample/trusted/sample.h"

namespace umd {
namespace {

/// Restores the calling thread's CPU mask when the test ends.
class KeepAffinity {
public:
    KeepAffinity() { ::sched_getaffinity(0, sizeof saved_, &saved_); }
    ~KeepAffinity() { ::sched_setaffinity(0, sizeof saved_, &saved_); }

private:
    cpu_set_t saved_;
};

cpu_set_t cpus(std::initializer_list<int> list)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int cpu : list) CPU_SET(cpu, &set);
    return set;
}

struct Seen {
    cpu_set_t mask;
    int cpu = -1;
};

/// Runs a job through start_on_another_cpu(); the job looks at where it may run only
/// once the call has returned (its mask is set by then).
Seen run_job()
{
    Seen seen;
    std::latch started(1);
    {
        std::jthread job = one_shot::start_on_another_cpu([&] {
            started.wait();
            CPU_ZERO(&seen.mask);
            ::pthread_getaffinity_np(::pthread_self(), sizeof seen.mask, &seen.mask);
            seen.cpu = ::sched_getcpu();
        });
        started.count_down();
    }
    return seen;
}

TEST(AnotherCpu, KeepsTheJobOffTheCallersCpu)
{
    KeepAffinity keep;
    cpu_set_t mine;
    ASSERT_EQ(::sched_getaffinity(0, sizeof mine, &mine), 0);
    if (CPU_COUNT(&mine) < 2) GTEST_SKIP() << "one CPU: nothing to keep off";
    int first = -1, second = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE && second < 0; ++cpu)
        if (CPU_ISSET(cpu, &mine)) (first < 0 ? first : second) = cpu;
    // Allowed two CPUs and running on the first: first pinned there, then allowed
    // both (a thread is not moved off a CPU it may still use).
    cpu_set_t only_first = cpus({first}), both = cpus({first, second});
    ASSERT_EQ(::sched_setaffinity(0, sizeof only_first, &only_first), 0);
    ASSERT_EQ(::sched_setaffinity(0, sizeof both, &both), 0);
    if (::sched_getcpu() != first) GTEST_SKIP() << "moved between CPUs meanwhile";

    Seen seen = run_job();
    cpu_set_t expected = cpus({second});
    EXPECT_TRUE(CPU_EQUAL(&seen.mask, &expected)) << "the job may use the caller's CPUs but the one it ran on";
    EXPECT_EQ(seen.cpu, second);
}

TEST(AnotherCpu, RunsWhereTheCallerMayWhenThereIsNoOtherCpu)
{
    KeepAffinity keep;
    int here = ::sched_getcpu();
    ASSERT_GE(here, 0);
    cpu_set_t only_here = cpus({here});
    ASSERT_EQ(::sched_setaffinity(0, sizeof only_here, &only_here), 0);
    Seen seen = run_job();
    EXPECT_TRUE(CPU_EQUAL(&seen.mask, &only_here));
    EXPECT_EQ(seen.cpu, here);
}

std::shared_ptr<LoaderRegistry> sample_registry()
{
    auto registry = std::make_shared<LoaderRegistry>();
    registry->add_builtin(sample::loader_module());
    return registry;
}

TEST(ManagerPreload, DriverTakesThePreloadedImage)
{
    int fds = test::count_fds();
    {
        Manager manager(sample_registry());
        manager.preload("sample");
        manager.preload("sample");    // a second call changes nothing
        manager.preload("no-such");   // unknown: driver() reports it
        auto driver = manager.driver("sample");
        ASSERT_TRUE(driver) << driver.error().message;
        ASSERT_TRUE(sample::write(**driver, 7));
        EXPECT_EQ((*driver)->status().state, DriverState::running);
        manager.preload("sample");    // the driver exists: nothing to copy
        auto unknown = manager.driver("no-such");
        ASSERT_FALSE(unknown);
        EXPECT_EQ(unknown.error().code, Errc::not_found);
    }
    EXPECT_EQ(test::count_fds(), fds);
}

TEST(ManagerPreload, AnUnusedPreloadLeavesNothingBehind)
{
    int fds = test::count_fds();
    {
        Manager manager(sample_registry());
        manager.preload("sample");   // never taken: joined and closed with the Manager
    }
    EXPECT_EQ(test::count_fds(), fds);
}

}  // namespace
}  // namespace umd
