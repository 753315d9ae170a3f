// tests/core/process_test.cpp — starting, watching and reaping handler processes.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <gtest/gtest.h>

#include <umd/process.h>

#include "core/test_util.h"

namespace umd {
namespace {

Result<std::unique_ptr<HandlerProcess>> start(const Blob& blob, const std::string& mode)
{
    SpawnOptions options;
    options.argv0 = mode;
    return HandlerProcess::spawn(blob, options);
}

TEST(Process, StartsFromTheMemfdWithOnlyStdioAndNoEnvironment)
{
    auto blob = Blob::load(test::hostile_image(), "test");
    ASSERT_TRUE(blob);
    auto proc = start(*blob, "never-answers");
    ASSERT_TRUE(proc) << proc.error().message;
    std::string base = "/proc/" + std::to_string((*proc)->pid());
    // Only fds 0, 1, 2 survive exec.
    int fds = 0;
    for (int fd = 0; fd < 64; ++fd) {
        std::string link(256, '\0');
        if (::readlink((base + "/fd/" + std::to_string(fd)).c_str(), link.data(), link.size()) > 0) ++fds;
    }
    EXPECT_EQ(fds, 3);
    std::ifstream env(base + "/environ");
    std::string content((std::istreambuf_iterator<char>(env)), {});
    EXPECT_TRUE(content.empty()) << content;
    std::string exe(256, '\0');
    auto n = ::readlink((base + "/exe").c_str(), exe.data(), exe.size());
    ASSERT_GT(n, 0);
    EXPECT_EQ(exe.substr(0, 11), "/memfd:test");
    // It is in a session of its own.
    EXPECT_EQ(::getsid((*proc)->pid()), (*proc)->pid());
}

TEST(Process, DestructionKillsAndReapsWithoutLeaks)
{
    auto blob = Blob::load(test::hostile_image(), "test");
    ASSERT_TRUE(blob);
    int fds = test::count_fds();
    int children = test::count_children();
    for (int i = 0; i < 20; ++i) {
        auto proc = start(*blob, "never-answers");
        ASSERT_TRUE(proc);
    }
    EXPECT_EQ(test::count_children(), children);
    EXPECT_EQ(test::count_fds(), fds);
}

TEST(Process, ReportsHowTheHandlerEnded)
{
    auto blob = Blob::load(test::hostile_image(), "test");
    ASSERT_TRUE(blob);
    auto exited = start(*blob, "exit-at-start");
    ASSERT_TRUE(exited);
    ExitInfo e = (*exited)->terminate(std::chrono::milliseconds(5000));
    EXPECT_EQ(e.kind, ExitInfo::Kind::exited);
    EXPECT_EQ(e.code, 7);
    EXPECT_EQ(e.describe(), "exited with status 7");

    auto killed = start(*blob, "never-answers");
    ASSERT_TRUE(killed);
    ExitInfo k = (*killed)->terminate();
    EXPECT_EQ(k.kind, ExitInfo::Kind::signaled);
    EXPECT_EQ(k.code, SIGKILL);
    EXPECT_EQ(k.describe(), "killed by signal SIGKILL");
}

TEST(Process, ReportsAnImageThatCannotRun)
{
    const std::uint8_t junk[] = {'n', 'o', 't', ' ', 'a', 'n', ' ', 'E', 'L', 'F'};
    auto blob = Blob::load(junk, "junk");
    ASSERT_TRUE(blob);
    int children = test::count_children();
    auto proc = HandlerProcess::spawn(*blob, {});
    ASSERT_FALSE(proc);
    EXPECT_NE(proc.error().message.find("execveat"), std::string::npos) << proc.error().message;
    // The child that failed to exec is reaped (it exits at once; allow the kernel a moment).
    for (int i = 0; i < 100 && test::count_children() != children; ++i) ::usleep(10000);
    EXPECT_EQ(test::count_children(), children);
}

}  // namespace
}  // namespace umd
