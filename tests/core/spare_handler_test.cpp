// tests/core/spare_handler_test.cpp — a driver with a spare handler: the spare takes
// over after a recycle or a crash, a dead spare is never used, and stop, unload and
// destruction leave no process and no descriptor behind.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <gtest/gtest.h>
#include <thread>

#include <umd/manager.h>

#include "core/test_util.h"
#include "drivers/sample/trusted/sample.h"

namespace umd {
namespace {

std::unique_ptr<Driver> driver_with_spare()
{
    DriverOptions options;
    options.spare_handler = true;
    options.restart.initial_backoff = std::chrono::milliseconds(1);
    auto driver = std::make_unique<Driver>("sample", std::move(options));
    EXPECT_TRUE(driver->load(sample::loader_module().blob()));
    return driver;
}

/// The spare is started in the background: wait (bounded) until it is ready.
pid_t wait_for_spare(const Driver& driver)
{
    for (int i = 0; i < 1000; ++i) {
        if (pid_t pid = driver.status().spare_pid; pid > 0) return pid;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

/// Whether `pid` is a zombie (dead, not yet reaped) or gone.
bool is_dead(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (!(stat >> pid_field >> comm >> state)) return true;
    return state == "Z" || state == "X";
}

TEST(SpareHandler, NoSpareUnlessAsked)
{
    auto driver = std::make_unique<Driver>("sample", DriverOptions{});
    ASSERT_TRUE(driver->load(sample::loader_module().blob()));
    ASSERT_TRUE(sample::write(*driver, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(driver->status().spare_pid, -1);
}

TEST(SpareHandler, RecycleHandsOverThePreStartedHandler)
{
    auto driver = driver_with_spare();
    ASSERT_TRUE(sample::write(*driver, 1));
    pid_t first = driver->status().pid;
    pid_t spare = wait_for_spare(*driver);
    ASSERT_GT(spare, 0);
    EXPECT_NE(spare, first);

    driver->recycle();
    EXPECT_EQ(driver->status().pid, -1);
    for (int i = 0; i < 1000 && ::kill(first, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_NE(::kill(first, 0), 0) << "the recycled handler is killed and reaped (in the background)";
    ASSERT_TRUE(sample::write(*driver, 2));
    EXPECT_EQ(driver->status().pid, spare) << "the spare serves the next request";
    EXPECT_EQ(driver->status().starts, 2u);
    EXPECT_EQ(driver->status().failures, 0u) << "a recycle is not a failure";

    pid_t next = wait_for_spare(*driver);
    EXPECT_GT(next, 0) << "a new spare is prepared after the hand-over";
    EXPECT_NE(next, spare);
}

TEST(SpareHandler, ACrashedHandlerIsReplacedByTheSpare)
{
    auto driver = driver_with_spare();
    ASSERT_TRUE(sample::write(*driver, 1));
    pid_t first = driver->status().pid;
    pid_t spare = wait_for_spare(*driver);
    ASSERT_GT(spare, 0);
    ASSERT_EQ(::kill(first, SIGKILL), 0);
    for (int i = 0; i < 1000 && !is_dead(first); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto again = sample::write(*driver, 2);
    if (!again) again = sample::write(*driver, 2);  // the death raced with the request
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(driver->status().pid, spare);
}

TEST(SpareHandler, ADeadSpareIsNotUsed)
{
    auto driver = driver_with_spare();
    ASSERT_TRUE(sample::write(*driver, 1));
    pid_t spare = wait_for_spare(*driver);
    ASSERT_GT(spare, 0);
    ASSERT_EQ(::kill(spare, SIGKILL), 0);
    for (int i = 0; i < 1000 && !is_dead(spare); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(is_dead(spare));

    driver->recycle();
    auto r = sample::write(*driver, 3);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_GT(driver->status().pid, 0);
    EXPECT_NE(driver->status().pid, spare) << "a cold start replaces a spare that died";
    EXPECT_NE(::kill(spare, 0), 0) << "the dead spare was reaped";
}

TEST(SpareHandler, StopUnloadAndDestructionLeaveNothingBehind)
{
    int fds = test::count_fds();
    int children = test::count_children();
    {
        auto driver = driver_with_spare();
        ASSERT_TRUE(sample::write(*driver, 1));
        ASSERT_GT(wait_for_spare(*driver), 0);
        EXPECT_EQ(test::count_children(), children + 2);

        driver->stop();
        EXPECT_EQ(driver->status().spare_pid, -1);
        EXPECT_EQ(test::count_children(), children) << "stop ends the spare too";

        ASSERT_TRUE(sample::write(*driver, 1));
        ASSERT_GT(wait_for_spare(*driver), 0);
        driver->unload();
        EXPECT_EQ(test::count_children(), children) << "unload ends the spare too";

        ASSERT_TRUE(driver->load(sample::loader_module().blob()));
        ASSERT_TRUE(sample::write(*driver, 1));
        // Destroyed while the spare may still be starting.
    }
    EXPECT_EQ(test::count_children(), children);
    EXPECT_EQ(test::count_fds(), fds);
}

/// True once `pid` runs no more: gone, or a zombie waiting to be reaped.
bool has_ended(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

TEST(SpareHandler, UnloadInBackgroundEndsEverythingWithoutWaiting)
{
    int fds = test::count_fds();
    int children = test::count_children();
    {
        auto driver = driver_with_spare();
        ASSERT_TRUE(sample::write(*driver, 1));
        pid_t running = driver->status().pid;
        ASSERT_GT(wait_for_spare(*driver), 0);

        driver->unload_in_background();
        EXPECT_EQ(driver->status().state, DriverState::unloaded);
        EXPECT_EQ(driver->status().pid, -1);
        EXPECT_EQ(driver->status().spare_pid, -1);
        auto after = sample::write(*driver, 2);
        ASSERT_FALSE(after) << "no image: nothing can be started";
        EXPECT_EQ(after.error().code, Errc::not_found);
        for (int i = 0; i < 1000 && !has_ended(running); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        EXPECT_TRUE(has_ended(running)) << "the handler is killed at once (and reaped by the next unload)";

        ASSERT_TRUE(driver->load(sample::loader_module().blob())) << "loading again works as after unload()";
        ASSERT_TRUE(sample::write(*driver, 3));
        driver->unload_in_background();
        // Destroyed at once: the destructor reaps the killed handler.
    }
    EXPECT_EQ(test::count_children(), children);
    EXPECT_EQ(test::count_fds(), fds) << "the image's memfd and the pipes are closed";
}

TEST(SpareHandler, PrestartStartsTheFirstHandlerInTheBackground)
{
    auto driver = std::make_unique<Driver>("sample", DriverOptions{});
    driver->prestart();  // nothing loaded: nothing to start
    EXPECT_EQ(driver->status().spare_pid, -1);
    ASSERT_TRUE(driver->load(sample::loader_module().blob()));
    driver->prestart();
    driver->prestart();  // a second call while one is starting changes nothing
    pid_t early = wait_for_spare(*driver);
    ASSERT_GT(early, 0);
    EXPECT_EQ(driver->status().pid, -1) << "not running until a request takes it";
    ASSERT_TRUE(sample::write(*driver, 1));
    EXPECT_EQ(driver->status().pid, early);
    EXPECT_EQ(driver->status().starts, 1u);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(driver->status().spare_pid, -1) << "without spare_handler no further handler is started";
}

TEST(SpareHandler, ManyRecyclesInARowEachGetAFreshHandler)
{
    auto driver = driver_with_spare();
    pid_t previous = -1;
    for (int i = 0; i < 20; ++i) {
        auto r = sample::write(*driver, static_cast<std::uint64_t>(i));
        ASSERT_TRUE(r) << i << ": " << r.error().message;
        pid_t pid = driver->status().pid;
        EXPECT_NE(pid, previous);
        previous = pid;
        driver->recycle();
    }
    EXPECT_EQ(driver->status().starts, 20u);
    EXPECT_EQ(driver->status().failures, 0u);
}

}  // namespace
}  // namespace umd
