// tests/core/hostile_handler_test.cpp — every misbehaviour of a handler gives a
// clear error, the next request gets a fresh handler, and nothing leaks.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

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
                      Case{"leave-children", Errc::handler_crashed, "exited"},
                      // Only the watch's own wake-up says "outside its group": without it the
                      // read would wait for the escaped child's end, 4 s later, and say "exited without replying".
                      Case{"escape-children", Errc::handler_crashed, "outside its group"},
                      Case{"escape-and-hang", Errc::timeout, "1500 ms"}),
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

/// Waits until `pid` has ended (a zombie, its descriptors closed), at most 5 s.
bool wait_until_ended(pid_t pid)
{
    for (int i = 0; i < 5000; ++i) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        auto close = text.rfind(')');
        if (text.empty() || (close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z')) return true;
        ::usleep(1000);
    }
    return false;
}

TEST(HostileHandlerRecovery, AHandlerThatEndedWhileIdleIsReplacedAndTheRequestGoesToTheNewOne)
{
    // Each handler answers once and exits. The Manager learns of it from the watch or,
    // if the watch has not seen it yet, from the request's write (EPIPE before a byte
    // went in): either way the request reaches a fresh handler and nothing failed.
    auto driver = test::hostile_driver("exit-after-reply", std::chrono::milliseconds(5000));
    ASSERT_TRUE(driver);
    for (int i = 0; i < 6; ++i) {
        // Every other request is a trust anchor, which a resent request must not skip a check for.
        InputOrigin origin = i % 2 ? InputOrigin::trust_anchor : InputOrigin::untrusted;
        auto reply = driver->send_recv(1, as_bytes("x"), origin);
        ASSERT_TRUE(reply) << i << ": " << reply.error().message;
        ASSERT_TRUE(wait_until_ended(driver->status().pid));
    }
    EXPECT_EQ(driver->status().failures, 0u) << driver->status().last_error;
    EXPECT_EQ(driver->status().starts, 6u);
}

TEST(HostileHandlerRecovery, ARequestThatMeetsAClosedPipeIsReportedUnwritten)
{
    // The signal exchange_locked() resends on: nothing of the request went in.
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    UniqueFd reader(fds[0]), writer(fds[1]);
    reader.reset();
    std::uint8_t bytes[64] = {};
    iovec part{bytes, sizeof bytes};
    auto written = write_request(writer.get(), {&part, 1}, Deadline(std::chrono::milliseconds(1000)), nullptr, "test");
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_FALSE(*written);
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

TEST(HostileHandlerDeadline, ARequestLargerThanThePipeToAHandlerThatNeverReadsItTimesOut)
{
    // The write, not the read, is what waits here: the deadline bounds it all the same,
    // and the handler the watch killed for it is reported as a timeout, not a crash.
    auto driver = test::hostile_driver("never-reads", std::chrono::milliseconds(1000));
    ASSERT_TRUE(driver);
    Bytes large(8u << 20, 0x5a);
    auto reply = driver->send_recv(1, large);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, Errc::timeout) << reply.error().message;
    EXPECT_EQ(driver->status().pid, -1);
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
