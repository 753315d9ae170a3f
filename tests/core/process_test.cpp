// tests/core/process_test.cpp — starting, watching and reaping handler processes.
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <gtest/gtest.h>

#include <umd/process.h>
#include <umd/unique_fd.h>

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

bool has_cap_sys_resource()
{
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capget, &header, data) != 0) return false;
    return (data[CAP_SYS_RESOURCE / 32].effective >> (CAP_SYS_RESOURCE % 32)) & 1u;
}

int pipe_max()
{
    std::ifstream in("/proc/sys/fs/pipe-max-size");
    int value = 0;
    in >> value;
    return value;
}

TEST(Process, PipesGetTheCapacityAskedOrTheLargestTheSystemAllows)
{
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    SpawnOptions defaults;
    int got = set_pipe_capacity(write_end.get(), defaults.pipe_size);
    ASSERT_GT(got, 0);
    // A 1 MiB message and its frame header fit in one write when the system allows it.
    bool privileged = has_cap_sys_resource();
    if (privileged || pipe_max() >= defaults.pipe_size) EXPECT_GE(got, (1 << 20) + 4096);
    else EXPECT_EQ(got, pipe_max());

    if (!privileged) return;   // the fallback was what the checks above saw
    if (pipe_max() >= defaults.pipe_size) GTEST_SKIP() << "fs.pipe-max-size allows the default: no fallback to see";
    // Without CAP_SYS_RESOURCE the kernel refuses sizes over fs.pipe-max-size (EPERM):
    // the pipe still gets the largest size it may have, not the kernel's 64 KiB default.
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        if (::syscall(SYS_capget, &header, data) != 0) ::_exit(10);
        data[CAP_SYS_RESOURCE / 32].effective &= ~(1u << (CAP_SYS_RESOURCE % 32));
        if (::syscall(SYS_capset, &header, data) != 0) ::_exit(11);
        int p[2];
        if (::pipe(p) != 0) ::_exit(12);
        if (::fcntl(p[1], F_SETPIPE_SZ, 2 << 20) >= 0 || errno != EPERM) ::_exit(13);
        ::_exit(set_pipe_capacity(p[1], 2 << 20) == pipe_max() ? 0 : 14);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace umd
