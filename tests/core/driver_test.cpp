// tests/core/driver_test.cpp — the Manager layer with the sample driver: sizes,
// restarts, post-start hooks, status, raw mode and concurrent callers.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <gtest/gtest.h>
#include <thread>
#include <type_traits>

#include <umd/manager.h>

#include "core/test_util.h"
#include "drivers/sample/protocol.h"
#include "drivers/sample/trusted/sample.h"

namespace umd {
namespace {

std::unique_ptr<Driver> sample_driver(DriverOptions options = {})
{
    auto driver = std::make_unique<Driver>("sample", std::move(options));
    EXPECT_TRUE(driver->load(sample::loader_module().blob()));
    return driver;
}

TEST(SampleDriver, SetsExactlyTheRequestedByte)
{
    auto driver = sample_driver();
    for (std::uint64_t offset : {0ull, 1ull, 65535ull, 65536ull, 131071ull}) {
        auto ok = sample::write(*driver, offset);
        EXPECT_TRUE(ok) << offset << ": " << ok.error().message;
    }
    for (std::uint64_t offset : {131072ull, ~0ull}) {
        auto refused = sample::write(*driver, offset);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, Errc::invalid_argument);
    }
    EXPECT_EQ(driver->status().starts, 1u);
    EXPECT_EQ(driver->status().requests, 5u);
}

TEST(SampleDriver, MessagesOfEverySizeRoundTrip)
{
    DriverOptions options;
    options.deadline = std::chrono::milliseconds(60000);
    auto driver = sample_driver(options);
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65535}, std::size_t{65536}, std::size_t{65537},
                             std::size_t{1} << 20, std::size_t{64} << 20}) {
        Bytes data(size);
        for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 131 + (i >> 16));
        auto echoed = sample::echo(*driver, data);
        ASSERT_TRUE(echoed) << size << ": " << echoed.error().message;
        EXPECT_EQ(echoed->size(), size);
    }
    EXPECT_EQ(driver->status().restarts, 0u);
}

TEST(SampleDriver, HandlerRejectsMalformedRequestsAndStaysUp)
{
    auto driver = sample_driver();
    auto reply = driver->send_recv(static_cast<std::uint8_t>(sample::Request::write), as_bytes("xy"));
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, Errc::bad_input);
    EXPECT_NE(reply.error().message.find("32-bit offset"), std::string::npos);
    pid_t pid = driver->status().pid;
    EXPECT_TRUE(sample::write(*driver, 3));
    EXPECT_EQ(driver->status().pid, pid);
}

TEST(InputOrigin, ATrustAnchorNeverReachesAHandlerThatSawUntrustedInput)
{
    auto driver = sample_driver();
    const auto echo = static_cast<std::uint8_t>(sample::Request::echo);
    ASSERT_TRUE(driver->send_recv(echo, as_bytes("anchor"), InputOrigin::trust_anchor));
    const pid_t clean = driver->status().pid;
    // Anchors after anchors share a handler: nothing untrusted has reached it.
    ASSERT_TRUE(driver->send_recv(echo, as_bytes("anchor 2"), InputOrigin::trust_anchor));
    EXPECT_EQ(driver->status().pid, clean);
    // Untrusted input goes to the same handler, which is tainted from then on.
    ASSERT_TRUE(driver->send_recv(echo, as_bytes("untrusted")));
    EXPECT_EQ(driver->status().pid, clean);
    EXPECT_EQ(driver->status().anchor_recycles, 0u);
    // The next anchor goes to a fresh handler.
    ASSERT_TRUE(driver->send_recv(echo, as_bytes("anchor 3"), InputOrigin::trust_anchor));
    const pid_t fresh = driver->status().pid;
    EXPECT_NE(fresh, clean);
    EXPECT_EQ(driver->status().anchor_recycles, 1u);
    EXPECT_EQ(driver->status().failures, 0u) << "a recycle for an anchor is not a failure";
    // A failed untrusted request taints too: the handler saw the bytes.
    auto refused = driver->send_recv(static_cast<std::uint8_t>(sample::Request::write), as_bytes("xy"));
    ASSERT_FALSE(refused);
    EXPECT_EQ(driver->status().pid, fresh);
    ASSERT_TRUE(driver->send_recv(echo, as_bytes("anchor 4"), InputOrigin::trust_anchor));
    EXPECT_NE(driver->status().pid, fresh);
    EXPECT_EQ(driver->status().anchor_recycles, 2u);
}

TEST(InputOrigin, AHandlerThatDiedComesBackUntainted)
{
    auto driver = sample_driver();
    const auto echo = static_cast<std::uint8_t>(sample::Request::echo);
    ASSERT_TRUE(driver->send_recv(echo, as_bytes("untrusted")));
    driver->stop();
    ASSERT_TRUE(driver->send_recv(echo, as_bytes("anchor"), InputOrigin::trust_anchor));
    EXPECT_EQ(driver->status().anchor_recycles, 0u) << "the new handler had seen nothing";
}

TEST(SampleDriver, RestartsAHandlerThatDied)
{
    auto driver = sample_driver();
    ASSERT_TRUE(sample::write(*driver, 1));
    pid_t first = driver->status().pid;
    ASSERT_EQ(::kill(first, SIGKILL), 0);
    // Give the kernel a moment so the death is visible before the next request.
    for (int i = 0; i < 100 && ::kill(first, 0) == 0 && ::getpgid(first) >= 0; ++i) ::usleep(1000);
    auto again = sample::write(*driver, 2);
    if (!again) {
        // The death raced with the request: that request fails cleanly, the next one restarts.
        EXPECT_EQ(again.error().code, Errc::handler_crashed) << again.error().message;
        again = sample::write(*driver, 2);
    }
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_NE(driver->status().pid, first);
    EXPECT_EQ(driver->status().restarts, 1u);
}

// Only a post_start hook can exchange with the lock held: the driver's locked path is
// not public, and a StartedHandler can be neither made nor copied outside the driver.
template <class D>
concept can_send_locked = requires(D& d) { d.send_recv_locked(std::uint8_t{1}, ByteView{}); };
static_assert(!can_send_locked<Driver>);
static_assert(!std::is_constructible_v<StartedHandler, Driver&>);
static_assert(!std::is_copy_constructible_v<StartedHandler>);

TEST(SampleDriver, PostStartHookRunsAndItsFailureShutsTheHandlerDown)
{
    std::atomic<int> calls{0};
    DriverOptions options;
    options.post_start = [&](StartedHandler& handler) -> Status {
        ++calls;
        auto r = handler.send_recv(static_cast<std::uint8_t>(sample::Request::echo), as_bytes("ping"));
        if (!r) return std::unexpected(r.error());
        return {};
    };
    auto healthy = sample_driver(options);
    EXPECT_TRUE(sample::write(*healthy, 9));
    EXPECT_EQ(calls.load(), 1);

    DriverOptions failing;
    failing.restart.initial_backoff = std::chrono::milliseconds(1);
    failing.post_start = [](StartedHandler&) -> Status { return fail(Errc::rejected, "health check says no"); };
    auto sick = sample_driver(failing);
    auto r = sample::write(*sick, 9);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("health check says no"), std::string::npos) << r.error().message;
    EXPECT_EQ(sick->status().pid, -1);
}

TEST(SampleDriver, UnloadStopsTheHandlerAndLoadBringsItBack)
{
    auto driver = sample_driver();
    ASSERT_TRUE(sample::write(*driver, 1));
    pid_t pid = driver->status().pid;
    driver->unload();
    EXPECT_EQ(driver->status().state, DriverState::unloaded);
    EXPECT_NE(::kill(pid, 0), 0);  // gone and reaped
    auto r = sample::write(*driver, 1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_found);
    ASSERT_TRUE(driver->load(sample::loader_module().blob()));
    EXPECT_TRUE(sample::write(*driver, 1));
}

TEST(SampleDriver, GracefulStopLetsTheHandlerExitByItself)
{
    auto driver = sample_driver();
    ASSERT_TRUE(sample::write(*driver, 1));
    driver->stop(std::chrono::milliseconds(2000));
    EXPECT_EQ(driver->status().state, DriverState::loaded);
    EXPECT_TRUE(sample::write(*driver, 1));
}

TEST(SampleDriver, ConcurrentCallersShareOneHandler)
{
    auto driver = sample_driver();
    constexpr int threads = 6, per_thread = 50;
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                if (!sample::write(*driver, static_cast<std::uint64_t>((t * 1000 + i) % sample::reply_size))) ++failures;
                auto status = driver->status();
                (void)status;
            }
        });
    }
    for (auto& th : pool) th.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(driver->status().requests, static_cast<std::uint64_t>(threads * per_thread));
    EXPECT_EQ(driver->status().starts, 1u);
}

TEST(RawMode, SendsEverythingAndReadsToEndOfFile)
{
    DriverOptions options;
    options.spawn.argv0 = "raw-echo";
    options.deadline = std::chrono::milliseconds(30000);
    Driver driver("raw", options);
    ASSERT_TRUE(driver.load(test::hostile_image()));
    int children = test::count_children();
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65536}, std::size_t{4} << 20}) {
        Bytes data(size, 0x5A);
        auto reply = driver.send_recv_raw(data);
        ASSERT_TRUE(reply) << size << ": " << reply.error().message;
        EXPECT_EQ(*reply, data);
    }
    EXPECT_EQ(test::count_children(), children);
}

TEST(RawMode, RefusesAReplyOverTheLimit)
{
    DriverOptions options;
    options.spawn.argv0 = "raw-echo";
    options.max_reply = 1000;
    Driver driver("raw", options);
    ASSERT_TRUE(driver.load(test::hostile_image()));
    auto reply = driver.send_recv_raw(Bytes(5000, 1));
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, Errc::protocol);
}

TEST(Manager, LoadsDriversFromTheRegistryOnFirstUse)
{
    auto registry = std::make_shared<LoaderRegistry>();
    registry->add_builtin(sample::loader_module());
    Manager manager(registry);
    EXPECT_TRUE(manager.status().empty());
    auto driver = manager.driver("sample");
    ASSERT_TRUE(driver) << driver.error().message;
    EXPECT_TRUE(sample::write(**driver, 5));
    auto again = manager.driver("sample");
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *driver);
    auto status = manager.status();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].name, "sample");
    EXPECT_EQ(status[0].state, DriverState::running);
    auto missing = manager.driver("nosuch");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

}  // namespace
}  // namespace umd
