// tests/core/pool_test.cpp — several handler instances: parallel service, isolation of slow requests.
#include <atomic>
#include <gtest/gtest.h>
#include <thread>

#include <umd/pool.h>

#include "core/test_util.h"
#include "drivers/sample/protocol.h"
#include "drivers/sample/trusted/sample.h"

namespace umd {
namespace {

TEST(DriverPool, SpreadsConcurrentRequestsOverItsInstances)
{
    auto pool = DriverPool::create("sample", sample::loader_module().blob(), {}, 3);
    ASSERT_TRUE(pool) << pool.error().message;
    std::atomic<int> failures{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 6; ++t) {
        callers.emplace_back([&, t] {
            for (int i = 0; i < 40; ++i) {
                ByteWriter w;
                w.u32(static_cast<std::uint32_t>(t * 40 + i));
                auto r = (*pool)->send_recv(static_cast<std::uint8_t>(sample::Request::echo), w.data());
                if (!r || r->payload != w.data()) ++failures;
            }
        });
    }
    for (auto& c : callers) c.join();
    EXPECT_EQ(failures.load(), 0);
    std::uint64_t total = 0;
    for (const auto& st : (*pool)->status()) total += st.requests;
    EXPECT_EQ(total, 240u);
}

TEST(DriverPool, ASlowRequestDoesNotBlockTheOthers)
{
    // One instance is held for 2 s by a slow request; a quick request sent meanwhile
    // must be answered by the other instance before the slow one completes.
    DriverOptions options;
    options.deadline = std::chrono::milliseconds(10000);
    options.spawn.argv0 = "slow-echo";
    auto pool = DriverPool::create("slow", test::hostile_image(), options, 2);
    ASSERT_TRUE(pool);
    ASSERT_TRUE((*pool)->send_recv(1, as_bytes("warm up")));
    std::atomic<bool> slow_started{false}, slow_done{false};
    std::thread slow([&] {
        slow_started = true;
        EXPECT_TRUE((*pool)->send_recv(1, as_bytes("sleep")));
        slow_done = true;
    });
    while (!slow_started) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let it reach its handler
    auto quick = (*pool)->send_recv(1, as_bytes("quick"));
    bool overtook = !slow_done;
    slow.join();
    ASSERT_TRUE(quick) << quick.error().message;
    EXPECT_TRUE(overtook) << "the quick request waited for the slow one";
}

TEST(DriverPool, RefusesAnEmptyPool)
{
    auto pool = DriverPool::create("sample", sample::loader_module().blob(), {}, 0);
    ASSERT_FALSE(pool);
    EXPECT_EQ(pool.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace umd
