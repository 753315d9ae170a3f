// tests/core/hostile_handler_test.cpp — every misbehaviour of a handler gives a
// clear error, the next request gets a fresh handler, and nothing leaks.
#include <algorithm>

#include <gtest/gtest.h>

#include <umd/manager.h>

#include "core/test_util.h"

namespace umd {
namespace {

struct Case {
    const char* mode;
    Errc expected;
    const char* words;  ///< part of the message a user should see
};

class HostileHandler : public ::testing::TestWithParam<Case> {};

TEST_P(HostileHandler, GivesAClearErrorAndLeavesNothingBehind)
{
    const Case& c = GetParam();
    int fds = test::count_fds();
    int children = test::count_children();
    {
        auto driver = test::hostile_driver(c.mode, std::chrono::milliseconds(1500));
        ASSERT_TRUE(driver);
        for (int attempt = 0; attempt < 2; ++attempt) {
            auto reply = driver->send_recv(1, as_bytes("request"));
            ASSERT_FALSE(reply) << c.mode;
            EXPECT_EQ(reply.error().code, c.expected) << c.mode << ": " << reply.error().message;
            EXPECT_NE(reply.error().message.find(c.words), std::string::npos) << c.mode << ": " << reply.error().message;
            EXPECT_EQ(driver->status().pid, -1) << "the failed handler must be gone";
        }
        EXPECT_EQ(driver->status().starts, 2u) << "each request after a failure gets a fresh handler";
        EXPECT_EQ(driver->status().failures, 2u);
        EXPECT_FALSE(driver->status().last_error.empty());
    }
    EXPECT_EQ(test::count_children(), children) << c.mode;
    EXPECT_EQ(test::count_fds(), fds) << c.mode;
}

INSTANTIATE_TEST_SUITE_P(
    Modes, HostileHandler,
    ::testing::Values(Case{"exit-at-start", Errc::handler_crashed, "exited with status 7"},
                      Case{"crash-mid-reply", Errc::handler_crashed, "SIGABRT"},
                      Case{"never-answers", Errc::timeout, "1500 ms"},
                      Case{"short-reply", Errc::protocol, "short reply"},
                      Case{"huge-length", Errc::protocol, "over the limit"},
                      Case{"garbage", Errc::protocol, "bad magic"},
                      Case{"wrong-id", Errc::protocol, "reply is for request"},
                      Case{"leave-children", Errc::handler_crashed, "exited"}),
    [](const auto& info) {
        std::string name = info.param.mode;
        for (char& ch : name)
            if (ch == '-') ch = '_';
        return name;
    });

TEST(HostileHandlerRecovery, TheNextRequestSucceedsWithAGoodHandler)
{
    // A driver whose handler failed serves the next request once it is healthy again:
    // here the same driver is reloaded with a well-behaved image between requests.
    auto driver = test::hostile_driver("garbage", std::chrono::milliseconds(1000));
    ASSERT_TRUE(driver);
    ASSERT_FALSE(driver->send_recv(1, as_bytes("x")));
    DriverOptions options;
    options.spawn.argv0 = "echo";
    Driver good("echo", options);
    ASSERT_TRUE(good.load(test::hostile_image()));
    auto reply = good.send_recv(1, as_bytes("hello"));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(as_chars(reply->payload), "hello");
}

TEST(HostileHandlerInto, AReplyLongerThanTheCallersBufferIsRefusedBeforeAByteLandsInIt)
{
    // send_recv_into(): the reply's header is checked against the caller's buffer
    // before any payload is read into it. An echo of 100 bytes into 50 is a lie about
    // what fits: a protocol error, the handler gone, the buffer untouched.
    DriverOptions options;
    options.spawn.argv0 = "echo";
    Driver driver("echo-into", options);
    ASSERT_TRUE(driver.load(test::hostile_image()));
    const Bytes request(100, 0x5a);
    Bytes small(50, 0xaa);
    auto reply = driver.send_recv_into(1, request, small);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, Errc::protocol) << reply.error().message;
    EXPECT_NE(reply.error().message.find("over the limit"), std::string::npos) << reply.error().message;
    EXPECT_EQ(small, Bytes(50, 0xaa));
    EXPECT_EQ(driver.status().pid, -1);
    // A buffer large enough takes the echo whole, and only the reply's bytes of it.
    Bytes large(150, 0xaa);
    auto fits = driver.send_recv_into(1, request, large);
    ASSERT_TRUE(fits) << fits.error().message;
    EXPECT_EQ(fits->size, request.size());
    EXPECT_TRUE(std::equal(request.begin(), request.end(), large.begin()));
    EXPECT_EQ(Bytes(large.begin() + 100, large.end()), Bytes(50, 0xaa));
}

TEST(HostileHandlerInto, AnErrorsWordsNeverLandInTheCallersBuffer)
{
    DriverOptions options;
    options.spawn.argv0 = "bad-input-text";
    Driver driver("bad-input-into", options);
    ASSERT_TRUE(driver.load(test::hostile_image()));
    Bytes out(4096, 0xaa);
    auto reply = driver.send_recv_into(1, as_bytes("x"), out);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, Errc::bad_input);
    EXPECT_NE(reply.error().message.find("unknown header"), std::string::npos) << reply.error().message;
    EXPECT_EQ(out, Bytes(4096, 0xaa));
}

TEST(HostileHandlerStderr, AFloodOfStderrNeitherBlocksNorGrowsWithoutBound)
{
    DriverOptions options;
    options.spawn.argv0 = "flood-stderr";
    options.spawn.stderr_limit = 4096;
    options.deadline = std::chrono::milliseconds(20000);
    Driver driver("flood", options);
    ASSERT_TRUE(driver.load(test::hostile_image()));
    auto reply = driver.send_recv(1, as_bytes("still there?"));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(as_chars(reply->payload), "still there?");
}

TEST(CrashLoop, MarksTheDriverFailedUntilReset)
{
    DriverOptions options;
    options.spawn.argv0 = "exit-at-start";
    options.restart.initial_backoff = std::chrono::milliseconds(1);
    options.restart.max_backoff = std::chrono::milliseconds(4);
    options.restart.max_failures = 3;
    Driver driver("loop", options);
    ASSERT_TRUE(driver.load(test::hostile_image()));
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(driver.send_recv(1, as_bytes("x")));
    EXPECT_EQ(driver.status().state, DriverState::failed);
    auto refused = driver.send_recv(1, as_bytes("x"));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::driver_failed);
    EXPECT_NE(refused.error().message.find("exited with status 7"), std::string::npos) << refused.error().message;
    EXPECT_EQ(driver.status().starts, 3u) << "a failed driver starts nothing";
    driver.reset();
    EXPECT_EQ(driver.status().state, DriverState::loaded);
    auto retried = driver.send_recv(1, as_bytes("x"));
    ASSERT_FALSE(retried);
    EXPECT_EQ(retried.error().code, Errc::handler_crashed);
    EXPECT_EQ(driver.status().starts, 4u);
}

}  // namespace
}  // namespace umd
