// tests/sandbox/policy_test.cpp — the policy builder, its description, and the
// reading of a handler's (untrusted) violation report. Trusted side test.
#include <gtest/gtest.h>
#include <thread>

#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>

#include <umd/sandbox.h>

#include "src/sandbox/seccomp_program.h"

namespace umd::sandbox {
namespace {

// First in this file, so the probe has not run yet: the background probe and callers
// racing with it all get the one result (TSan checks the hand-over).
TEST(KernelSupport, BackgroundProbeIsTheOneEveryCallerGets)
{
    probe_kernel_support_in_background();
    const KernelSupport* seen[3] = {};
    std::thread a([&] { seen[0] = &kernel_support(); });
    std::thread b([&] { probe_kernel_support_in_background(), seen[1] = &kernel_support(); });
    seen[2] = &kernel_support();
    a.join();
    b.join();
    EXPECT_EQ(seen[0], seen[2]);
    EXPECT_EQ(seen[1], seen[2]);
    EXPECT_TRUE(seen[2]->seccomp);
}

TEST(SeccompProgram, PrecompiledIsWhatLibseccompCompiles)
{
    // The programs compiled at build time must be byte for byte what libseccomp
    // compiles now: a handler gets the same filter either way.
    for (ViolationAction action : {ViolationAction::trap, ViolationAction::log}) {
        auto compiled = compile_seccomp_program(action, {});
        ASSERT_TRUE(compiled) << compiled.error().message;
        auto precompiled = precompiled_seccomp_program(action);
        ASSERT_FALSE(precompiled.empty()) << "a native build compiles the built-in programs at build time";
        ASSERT_EQ(precompiled.size(), compiled->size());
        for (std::size_t i = 0; i < compiled->size(); ++i) {
            const sock_filter& a = precompiled[i];
            const sock_filter& b = (*compiled)[i];
            EXPECT_TRUE(a.code == b.code && a.jt == b.jt && a.jf == b.jf && a.k == b.k) << "instruction " << i;
        }
        auto built = build_seccomp_program(action, {});
        ASSERT_TRUE(built);
        EXPECT_EQ(built->size(), compiled->size());
    }
    // Extra system calls are compiled at run time, and make a longer program.
    auto widened = build_seccomp_program(ViolationAction::trap, {"socket"});
    ASSERT_TRUE(widened) << widened.error().message;
    EXPECT_GT(widened->size(), precompiled_seccomp_program(ViolationAction::trap).size());
    EXPECT_FALSE(build_seccomp_program(ViolationAction::trap, {"no_such_call"}));
}

TEST(SandboxPolicy, StrictBuildsAndDescribesEveryLayer)
{
    auto sandbox = SandboxPolicy::strict().allow_syscall("getcpu").address_space(512u << 20).build();
    ASSERT_TRUE(sandbox) << sandbox.error().message;
    const std::string& d = (*sandbox)->describe();
    for (const char* layer : {"profile strict", "namespaces:", "landlock", "seccomp", "limits: address space 512 MiB", "no_new_privs"})
        EXPECT_NE(d.find(layer), std::string::npos) << layer << " missing in:\n" << d;
    EXPECT_EQ((*sandbox)->profile(), Profile::strict);
}

TEST(SandboxPolicy, NoneIsLoud)
{
    auto sandbox = SandboxPolicy::none().build();
    ASSERT_TRUE(sandbox);
    EXPECT_NE((*sandbox)->describe().find("NO SANDBOX"), std::string::npos);
    EXPECT_EQ((*sandbox)->clone_flags(), 0u);
    const char* step = nullptr;
    EXPECT_EQ((*sandbox)->apply_in_child(&step), 0);
}

// A network namespace is made only where a socket can be (docs/decisions/0006): under
// strict the seccomp filter kills every socket-making call, so the namespace (the
// dearest step of a spawn) would isolate nothing; it stays for the log profile and for
// an allowlist widened with a socket-making call.
TEST(SandboxPolicy, NetworkNamespaceOnlyWhereASocketCanBeMade)
{
    if (!kernel_support().other_namespaces) GTEST_SKIP() << "no namespaces on this kernel";
    auto net = [](const Result<std::shared_ptr<const Sandbox>>& sandbox) {
        EXPECT_TRUE(sandbox) << sandbox.error().message;
        return sandbox && ((*sandbox)->clone_flags() & CLONE_NEWNET) != 0;
    };
    EXPECT_FALSE(net(SandboxPolicy::strict().build()));
    EXPECT_FALSE(net(SandboxPolicy::strict().allow_syscall("getcpu").build()));
    for (const char* maker : {"socket", "socketpair", "io_uring_setup"})
        EXPECT_TRUE(net(SandboxPolicy::strict().allow_syscall(maker).build())) << maker;
    EXPECT_TRUE(net(SandboxPolicy::log().build()));
    auto strict = SandboxPolicy::strict().build();
    ASSERT_TRUE(strict);
    EXPECT_NE((*strict)->describe().find("no socket can be made"), std::string::npos) << (*strict)->describe();
    for (auto flag : {CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNS})
        EXPECT_NE((*strict)->clone_flags() & static_cast<std::uint64_t>(flag), 0u) << flag;
}

TEST(SandboxPolicy, RejectsWhatCannotBeRight)
{
    auto unknown = SandboxPolicy::strict().allow_syscall("no_such_call").build();
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, Errc::invalid_argument);
    EXPECT_NE(unknown.error().message.find("no_such_call"), std::string::npos);
    EXPECT_FALSE(SandboxPolicy::strict().address_space(0).build());
    EXPECT_FALSE(SandboxPolicy::strict().open_files(2).build());
    EXPECT_FALSE(SandboxPolicy::strict().run_as(0, 0).build());
}

TEST(SandboxPolicy, ProfilesByName)
{
    EXPECT_EQ(parse_profile("strict").value(), Profile::strict);
    EXPECT_EQ(parse_profile("log").value(), Profile::log);
    EXPECT_EQ(parse_profile("none").value(), Profile::none);
    EXPECT_EQ(parse_profile("Strict").error().code, Errc::invalid_argument);
    EXPECT_EQ(profile_name(Profile::log), "log");
}

TEST(KernelSupport, ProbedOnceAndConsistent)
{
    const KernelSupport& a = kernel_support();
    const KernelSupport& b = kernel_support();
    EXPECT_EQ(&a, &b);
    EXPECT_TRUE(a.seccomp);
    if (!a.other_namespaces) {
        EXPECT_FALSE(a.empty_root);
    }
}

// When the settings say the namespaces work, a real trial must agree.
TEST(KernelSupport, SettingsAgreeWithATrial)
{
#if defined(__SANITIZE_THREAD__)
    // The trial forks from a forked child; ThreadSanitizer's runtime does not survive that.
    GTEST_SKIP() << "the trial's double fork is not supported under ThreadSanitizer";
#endif
    const KernelSupport& judged = kernel_support();
    KernelSupport tried = probe_by_trial();
    EXPECT_TRUE(tried.namespaces_tried);
    EXPECT_EQ(judged.root, tried.root);
    EXPECT_EQ(judged.landlock_abi, tried.landlock_abi);
    if (judged.namespaces_tried) GTEST_SKIP() << "this machine's settings sent kernel_support() to a trial";
    EXPECT_EQ(judged.user_namespace, tried.user_namespace) << tried.notes;
    EXPECT_EQ(judged.other_namespaces, tried.other_namespaces) << tried.notes;
    EXPECT_EQ(judged.empty_root, tried.empty_root) << tried.notes;
}

TEST(ViolationReport, ReadsTheLastWellFormedLine)
{
    EXPECT_EQ(reported_syscall("umd-sandbox: syscall 41\n"), 41);
    EXPECT_EQ(reported_syscall("noise\numd-sandbox: syscall 1\numd-sandbox: syscall 257"), 257);
    EXPECT_EQ(reported_syscall("umd-sandbox: syscall 41\ngarbage umd-sandbox: syscall 59\n"), 41);
}

TEST(ViolationReport, IgnoresMalformedReports)
{
    for (const char* bad : {"", "umd-sandbox: syscall ", "umd-sandbox: syscall -1", "umd-sandbox: syscall 4096",
                            "umd-sandbox: syscall 99999999999999999999", "umd-sandbox: syscall 12x", "xumd-sandbox: syscall 3",
                            "umd-sandbox: syscall 0041 trailing"})
        EXPECT_FALSE(reported_syscall(bad).has_value()) << bad;
    std::string huge(1 << 20, '9');
    EXPECT_FALSE(reported_syscall("umd-sandbox: syscall " + huge).has_value());
}

TEST(ExplainExit, NamesTheSignalAndTheSystemCall)
{
    EXPECT_EQ(syscall_name(SYS_openat), "openat");
    EXPECT_EQ(syscall_name(100000), "syscall 100000");
    ExitInfo sigsys{ExitInfo::Kind::signaled, SIGSYS};
    EXPECT_EQ(exit_errc(sigsys), Errc::sandbox_violation);
    EXPECT_NE(explain_exit(sigsys, "umd-sandbox: syscall 41\n").find("socket"), std::string::npos);
    EXPECT_NE(explain_exit(sigsys).find("sandbox"), std::string::npos);
    ExitInfo certain{ExitInfo::Kind::signaled, SIGSYS, SYS_execve};
    EXPECT_NE(explain_exit(certain, "umd-sandbox: syscall 41\n").find("execve"), std::string::npos);
    ExitInfo segv{ExitInfo::Kind::signaled, SIGSEGV};
    EXPECT_EQ(exit_errc(segv), Errc::handler_crashed);
    EXPECT_NE(explain_exit(segv).find("SIGSEGV"), std::string::npos);
    EXPECT_NE(explain_exit(ExitInfo{ExitInfo::Kind::signaled, SIGXCPU}).find("CPU time"), std::string::npos);
    EXPECT_EQ(explain_exit(ExitInfo{ExitInfo::Kind::exited, 3}), "exited with status 3");
}

}  // namespace
}  // namespace umd::sandbox
