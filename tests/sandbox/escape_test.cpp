// tests/sandbox/escape_test.cpp — proof from inside: a hostile handler tries to get
// out, once per run, under the strict profile (every attempt is blocked or ends the
// handler by SIGSYS, with the system call named) and under profile none (the same
// attempts succeed, so these tests can fail). Trusted side test.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <umd/manager.h>
#include <umd/sandbox.h>

#include "process_census.h"
#include "sandbox_run.h"

namespace umd::sandbox {
namespace {

using testing::run_once;

/// With UMD_WRITE_VIOLATION_REPORTS=<dir>, each handler's stderr is kept there as
/// <dir>/<attempt>: the real violation reports seed the report parser's fuzz target
/// (fuzz/seeds/make-seeds.sh).
void keep_report(const std::string& what, const std::string& stderr_text)
{
    const char* dir = std::getenv("UMD_WRITE_VIOLATION_REPORTS");
    if (!dir || stderr_text.empty()) return;
    std::ofstream(std::filesystem::path(dir) / what, std::ios::binary) << stderr_text;
}

/// What the escape attempts need from the outside world: a listening TCP and unix
/// socket, a directory, and a bystander process to signal, trace and read.
class World {
public:
    World()
    {
        dir_ = std::filesystem::temp_directory_path() / ("umd-sandbox-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        tcp_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        ::bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(tcp_, 8);
        ::getsockname(tcp_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        unix_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un u{};
        u.sun_family = AF_UNIX;
        unix_path_ = (dir_ / "sock").string();
        std::snprintf(u.sun_path, sizeof u.sun_path, "%s", unix_path_.c_str());
        ::bind(unix_, reinterpret_cast<sockaddr*>(&u), sizeof u);
        ::listen(unix_, 8);
        bystander_ = ::fork();
        if (bystander_ == 0) {
            for (;;) ::pause();
        }
        // A bystander SIGABRT does not end (tgkill_other, prlimit_other succeed unconfined, harmlessly).
        sturdy_ = ::fork();
        if (sturdy_ == 0) {
            ::signal(SIGABRT, SIG_IGN);
            for (;;) ::pause();
        }
    }
    ~World()
    {
        ::kill(bystander_, SIGKILL);
        ::waitpid(bystander_, nullptr, 0);
        ::kill(sturdy_, SIGKILL);
        ::waitpid(sturdy_, nullptr, 0);
        ::close(tcp_);
        ::close(unix_);
        std::filesystem::remove_all(dir_);
    }

    /// The request line for an attempt, with its argument.
    std::string request(const std::string& what) const
    {
        static const std::map<std::string, std::string> none;
        if (what == "connect_loopback") return what + " " + std::to_string(port_);
        if (what == "connect_unix") return what + " " + unix_path_;
        if (what == "create_file" || what == "mount") return what + " " + dir_.string();
        if (what == "signal_process" || what == "ptrace_process" || what == "read_proc") return what + " " + std::to_string(bystander_);
        if (what == "tgkill_other" || what == "prlimit_other") return what + " " + std::to_string(sturdy_);
        return what;
    }

private:
    std::filesystem::path dir_;
    int tcp_ = -1, unix_ = -1, port_ = 0;
    std::string unix_path_;
    pid_t bystander_ = -1;
    pid_t sturdy_ = -1;
};

class EscapeTest : public ::testing::TestWithParam<const char*> {
protected:
    static void SetUpTestSuite()
    {
        auto blob = Blob::load_file(UMD_ESCAPE_HANDLER);
        ASSERT_TRUE(blob) << blob.error().message;
        blob_ = std::make_unique<Blob>(std::move(*blob));
        auto strict = SandboxPolicy::strict().cpu_time(std::chrono::seconds(1)).build();
        ASSERT_TRUE(strict) << strict.error().message;
        strict_ = *strict;
        auto none = SandboxPolicy::none().build();
        ASSERT_TRUE(none);
        none_ = *none;
        world_ = std::make_unique<World>();
    }
    static void TearDownTestSuite()
    {
        world_.reset();
        blob_.reset();
    }

    static inline std::unique_ptr<Blob> blob_;
    static inline std::shared_ptr<const Sandbox> strict_, none_;
    static inline std::unique_ptr<World> world_;
};

// Escapes: each must succeed unconfined, and be blocked or fatal under strict.
const char* const escapes[] = {
    "open_absolute", "open_relative", "open_directory", "create_file", "socket_inet", "socket_unix",
    "connect_loopback", "connect_unix", "exec", "fork", "signal_process", "ptrace_process", "mount",
    "bpf", "io_uring_setup", "userfaultfd", "keyctl", "unshare", "wx_memory", "make_executable",
    "read_proc", "memory", "capabilities",
};

TEST_P(EscapeTest, StrictBlocksOrKills)
{
    std::string what = GetParam();
    auto out = run_once(*blob_, strict_.get(), world_->request(what));
    keep_report(what, out.stderr_text);
    ASSERT_TRUE(out.ended_by_itself) << what << ": " << out.stderr_text;
    EXPECT_EQ(out.reply.rfind("ok", 0), std::string::npos) << what << " escaped: " << out.reply;
    if (out.exit.kind == ExitInfo::Kind::signaled) {
        EXPECT_EQ(out.exit.code, SIGSYS) << what << ": " << explain_exit(out.exit, out.stderr_text);
        EXPECT_EQ(exit_errc(out.exit), Errc::sandbox_violation);
        // The violation is named: the SIGSYS reporter's line resolves to a real system call.
        auto nr = reported_syscall(out.stderr_text);
        ASSERT_TRUE(nr.has_value()) << what << ": stderr was " << out.stderr_text;
        EXPECT_EQ(syscall_name(*nr).rfind("syscall ", 0), std::string::npos);
        EXPECT_NE(explain_exit(out.exit, out.stderr_text).find(syscall_name(*nr)), std::string::npos);
    } else {
        EXPECT_EQ(out.exit.code, 0) << what;
        EXPECT_EQ(out.reply.rfind("blocked", 0), 0u) << what << ": " << out.reply;
    }
    EXPECT_TRUE(testing::left_behind(out.pid, out.pid_namespace).empty()) << what << " left processes behind";
}

TEST_P(EscapeTest, NoneLetsItThrough)
{
    std::string what = GetParam();
    auto out = run_once(*blob_, none_.get(), world_->request(what));
    ASSERT_TRUE(out.ended_by_itself) << what << ": " << out.stderr_text;
    EXPECT_EQ(out.exit.kind, ExitInfo::Kind::exited) << what << ": " << explain_exit(out.exit, out.stderr_text);
    EXPECT_EQ(out.exit.code, 0) << what;
    if (what == "exec") {
        EXPECT_EQ(out.reply, "") << "a successful exec replaces the handler with /bin/true";
    } else {
        EXPECT_EQ(out.reply.rfind("ok", 0), 0u) << what << ": " << out.reply;
    }
}

INSTANTIATE_TEST_SUITE_P(Attempts, EscapeTest, ::testing::ValuesIn(escapes),
                         [](const auto& info) { return std::string(info.param); });

// The first forbidden call is the last: a handler that blocks, ignores or catches SIGSYS
// to go on probing is still killed by SIGSYS (the lockdown filter answers any change of
// SIGSYS with SECCOMP_RET_KILL_PROCESS; a trapped call with SIGSYS blocked is delivered
// anyway). Unconfined, the same code runs to its end, so the test can fail.
TEST_F(EscapeTest, NoHandlerSurvivesAViolation)
{
    for (const char* what : {"survive_blocked_sigsys", "survive_ignored_sigsys", "survive_own_sigsys_handler"}) {
        auto out = run_once(*blob_, strict_.get(), what);
        keep_report(what, out.stderr_text);
        ASSERT_TRUE(out.ended_by_itself) << what;
        EXPECT_EQ(out.reply, "") << what << " replied: " << out.reply;
        EXPECT_EQ(out.exit.kind, ExitInfo::Kind::signaled) << what << ": " << explain_exit(out.exit, out.stderr_text);
        EXPECT_EQ(out.exit.code, SIGSYS) << what << ": " << explain_exit(out.exit, out.stderr_text);
        EXPECT_EQ(exit_errc(out.exit), Errc::sandbox_violation) << what;

        auto unconfined = run_once(*blob_, none_.get(), what);
        EXPECT_EQ(unconfined.reply, "ok survived\n") << what;
    }
}

// Calls the handlers need only in a narrow form (issue 12): the seccomp filter itself
// refuses the wide one, whatever other layer (a pid namespace, Landlock's scoping, the
// empty root) would also stand in the way where the kernel offers it. So the handler
// must die by SIGSYS with the call named, not merely see ESRCH or ENOENT; unconfined,
// each attempt succeeds, so the test can fail.
TEST_F(EscapeTest, NarrowedCallsAreRefusedByTheFilterItself)
{
    const struct {
        const char* what;
        const char* syscall;
    } attempts[] = {
        {"tgkill_other", "tgkill"},        // tgkill only towards its own thread group
        {"getppid", "getppid"},            // no business with its parent
        {"stat_path", "newfstatat"},       // newfstatat only as fstat: AT_EMPTY_PATH ...
        {"stat_relative", "newfstatat"},   // ... on a descriptor, not AT_FDCWD
        {"prlimit_other", "prlimit64"},    // its own limits only (pid 0)
    };
    for (const auto& a : attempts) {
        auto out = run_once(*blob_, strict_.get(), world_->request(a.what));
        keep_report(a.what, out.stderr_text);
        ASSERT_TRUE(out.ended_by_itself) << a.what << ": " << out.stderr_text;
        EXPECT_EQ(out.reply, "") << a.what << " was not refused by the filter: " << out.reply;
        ASSERT_EQ(out.exit.kind, ExitInfo::Kind::signaled) << a.what << ": " << explain_exit(out.exit, out.stderr_text);
        EXPECT_EQ(out.exit.code, SIGSYS) << a.what << ": " << explain_exit(out.exit, out.stderr_text);
        auto nr = reported_syscall(out.stderr_text);
        ASSERT_TRUE(nr.has_value()) << a.what << ": stderr was " << out.stderr_text;
        EXPECT_EQ(syscall_name(*nr), a.syscall) << a.what;

        auto unconfined = run_once(*blob_, none_.get(), world_->request(a.what));
        EXPECT_EQ(unconfined.reply.rfind("ok", 0), 0u) << a.what << " fails even unconfined: " << unconfined.reply;
    }
}

// The narrow forms still work under strict: fstat (newfstatat with AT_EMPTY_PATH),
// reading its own limits, and abort(), whose tgkill names the handler's own pid, patched
// into the filter by the child (own_pid_placeholder): never SIGSYS. In a pid namespace
// the handler is its init, which the kernel spares signals it has no handler for, its
// own SIGABRT included: glibc's abort() then ends on its fallback instruction (hlt,
// SIGSEGV). Without the namespace it is SIGABRT.
TEST_F(EscapeTest, WhatHandlersNeedStillWorks)
{
    for (const char* what : {"fstat_own", "getrlimit_own"}) {
        auto out = run_once(*blob_, strict_.get(), what);
        EXPECT_EQ(out.reply.rfind("ok", 0), 0u) << what << ": " << out.reply << explain_exit(out.exit, out.stderr_text);
    }
    auto log = SandboxPolicy::log().build();
    ASSERT_TRUE(log) << log.error().message;
    for (const auto& sandbox : {strict_, *log}) {
        auto aborted = run_once(*blob_, sandbox.get(), "abort");
        ASSERT_TRUE(aborted.ended_by_itself);
        ASSERT_EQ(aborted.exit.kind, ExitInfo::Kind::signaled) << explain_exit(aborted.exit, aborted.stderr_text);
        int expected = kernel_support().other_namespaces ? SIGSEGV : SIGABRT;
        EXPECT_EQ(aborted.exit.code, expected) << profile_name(sandbox->profile()) << ": " << explain_exit(aborted.exit, aborted.stderr_text);
        EXPECT_FALSE(reported_syscall(aborted.stderr_text).has_value()) << aborted.stderr_text;
    }
}

// Leaks the core already closes under every profile: no descriptor, no environment.
TEST_F(EscapeTest, NothingInheritedUnderAnyProfile)
{
    for (const auto& sandbox : {strict_, none_}) {
        for (const char* what : {"inherited_fds", "environment"}) {
            auto out = run_once(*blob_, sandbox.get(), what);
            EXPECT_EQ(out.reply, "blocked none\n") << what << " under " << profile_name(sandbox->profile());
        }
    }
}

TEST_F(EscapeTest, EndlessCpuEndsByTheCpuLimit)
{
    auto out = run_once(*blob_, strict_.get(), "cpu");
    ASSERT_TRUE(out.ended_by_itself) << "the CPU limit did not stop it";
    ASSERT_EQ(out.exit.kind, ExitInfo::Kind::signaled);
    // SIGXCPU at the soft limit, or SIGKILL at the hard one (pid 1 of a pid namespace ignores SIGXCPU).
    EXPECT_TRUE(out.exit.code == SIGXCPU || out.exit.code == SIGKILL) << explain_exit(out.exit);
    EXPECT_NE(explain_exit(out.exit).find("CPU"), std::string::npos) << explain_exit(out.exit);
}

TEST_F(EscapeTest, ChildrenDoNotOutliveTheHandler)
{
    auto strict = run_once(*blob_, strict_.get(), "children");
    EXPECT_EQ(strict.reply.rfind("ok", 0), std::string::npos) << strict.reply;
    EXPECT_TRUE(testing::left_behind(strict.pid, strict.pid_namespace).empty());

    // Under the log profile fork is allowed (and logged); the pid namespace still takes
    // every child down with the handler.
    auto log = SandboxPolicy::log().build();
    ASSERT_TRUE(log);
    auto logged = run_once(*blob_, log->get(), "children");
    EXPECT_TRUE(logged.ended_by_itself);
    if (kernel_support().other_namespaces) {
        EXPECT_TRUE(testing::left_behind(logged.pid, logged.pid_namespace).empty()) << logged.reply;
    }

    // Unconfined, the census must see the 64 orphans (then we clean them up).
    auto none = run_once(*blob_, none_.get(), "children");
    EXPECT_EQ(none.reply, "ok 64 children\n");
    auto left = testing::session_members(none.pid);
    EXPECT_EQ(left.size(), 64u);
    testing::kill_all(left);
}

TEST_F(EscapeTest, LogProfileLogsInsteadOfKilling)
{
    auto log = SandboxPolicy::log().build();
    ASSERT_TRUE(log) << log.error().message;
    auto out = run_once(*blob_, log->get(), "socket_unix");
    EXPECT_EQ(out.exit.kind, ExitInfo::Kind::exited) << explain_exit(out.exit, out.stderr_text);
    // The system call ran (and the kernel logged it); the other layers still apply.
    EXPECT_EQ(out.reply.rfind("ok", 0), 0u) << out.reply;
    auto open = run_once(*blob_, log->get(), "open_absolute");
    EXPECT_EQ(open.reply.rfind("blocked", 0), 0u) << "Landlock still denies files: " << open.reply;
}

// A driver that widens the strict allowlist with socket calls gets its own network
// namespace back (with Landlock's TCP rule: two layers): the test's loopback listener is out of reach.
TEST_F(EscapeTest, WidenedAllowlistStillHasNoNetwork)
{
    if (!kernel_support().other_namespaces) GTEST_SKIP() << "no namespaces on this kernel";
    auto widened = SandboxPolicy::strict().cpu_time(std::chrono::seconds(1)).allow_syscall("socket").allow_syscall("connect").build();
    ASSERT_TRUE(widened) << widened.error().message;
    auto out = run_once(*blob_, widened->get(), world_->request("connect_loopback"));
    ASSERT_TRUE(out.ended_by_itself) << out.stderr_text;
    EXPECT_EQ(out.reply.rfind("blocked", 0), 0u) << "reached the host's loopback: " << out.reply;
}

// A configured user: the parent writes the id maps after clone (after_clone), so this
// handler is started with a fork-like clone3, not the memory-sharing start the others get.
TEST_F(EscapeTest, AHandlerRunAsAnotherUserIsConfinedToo)
{
    if (::geteuid() != 0) GTEST_SKIP() << "run_as needs a Manager running as root";
    if (!kernel_support().user_namespace) GTEST_SKIP() << "no user namespaces on this kernel";
    auto as_nobody = SandboxPolicy::strict().cpu_time(std::chrono::seconds(1)).run_as(65534, 65534).build();
    ASSERT_TRUE(as_nobody) << as_nobody.error().message;
    ASSERT_TRUE((*as_nobody)->has_after_clone());
    for (const char* what : {"open_absolute", "capabilities", "signal_process"}) {
        auto out = run_once(*blob_, as_nobody->get(), world_->request(what));
        ASSERT_TRUE(out.ended_by_itself) << what << ": " << out.stderr_text;
        EXPECT_EQ(out.reply.rfind("ok", 0), std::string::npos) << what << " escaped: " << out.reply;
        EXPECT_TRUE(testing::left_behind(out.pid, out.pid_namespace).empty()) << what << " left processes behind";
    }
}

TEST_F(EscapeTest, EndlessReplyIsCutByTheDriver)
{
    DriverOptions options;
    options.max_reply = 1 << 20;
    options.deadline = std::chrono::seconds(20);
    options.isolation = Isolation::with(strict_);
    Driver driver("escape", options);
    std::ifstream file(UMD_ESCAPE_HANDLER, std::ios::binary);
    std::vector<std::uint8_t> image((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    ASSERT_TRUE(driver.load(image));
    auto reply = driver.send_recv_raw(as_bytes("endless_reply"));
    ASSERT_FALSE(reply);
    EXPECT_NE(reply.error().code, Errc::timeout) << reply.error().message;

    auto violation = driver.send_recv_raw(as_bytes("socket_inet"));
    ASSERT_FALSE(violation) << as_chars(*violation);
    EXPECT_EQ(violation.error().code, Errc::sandbox_violation) << violation.error().message;
}

}  // namespace
}  // namespace umd::sandbox
