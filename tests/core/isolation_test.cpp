// tests/core/isolation_test.cpp — a driver is confined unless it says otherwise, and says so.
//
// The isolation a handler runs in is read from /proc (its pid, user and mount
// namespaces against the Manager's), not from what the driver reports; the report
// is then checked against the setup that was applied.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <umd/manager.h>
#include <umd/sandbox.h>

#include "drivers/sample/protocol.h"
#include "drivers/sample/trusted/sample.h"

namespace umd {
namespace {

std::string ns_of(pid_t pid, const char* ns)
{
    std::error_code ec;
    auto target = std::filesystem::read_symlink(fmt::format("/proc/{}/ns/{}", pid, ns), ec);
    return ec ? "unreadable: " + ec.message() : target.string();
}

/// Whether the running handler of `driver` shares each of the Manager's namespaces.
struct Namespaces {
    bool same_pid, same_user, same_mnt;
};
Namespaces handler_namespaces(Driver& driver)
{
    EXPECT_TRUE(sample::write(driver, 1));   // a running handler
    const pid_t pid = driver.status().pid;
    EXPECT_GT(pid, 0);
    const pid_t self = ::getpid();
    for (const char* ns : {"pid", "user", "mnt"})   // read, not assumed: an unreadable link would look "different"
        EXPECT_EQ(ns_of(pid, ns).rfind(std::string(ns) + ":[", 0), 0u) << ns_of(pid, ns);
    return {ns_of(pid, "pid") == ns_of(self, "pid"), ns_of(pid, "user") == ns_of(self, "user"),
            ns_of(pid, "mnt") == ns_of(self, "mnt")};
}

void expect_confined(Driver& driver)
{
    Namespaces ns = handler_namespaces(driver);
    EXPECT_FALSE(ns.same_pid) << "the handler runs in the Manager's pid namespace";
    EXPECT_FALSE(ns.same_user) << "the handler runs in the Manager's user namespace";
    EXPECT_FALSE(ns.same_mnt) << "the handler runs in the Manager's mount namespace";
}

Status report(const Error&) { return {}; }

// The usage example at the top of include/umd/sandbox.h, line for line.
Status public_example(std::unique_ptr<Driver>& out, std::string& description)
{
    auto sandbox = umd::sandbox::SandboxPolicy::strict()
                       .allow_syscall("getrandom")
                       .address_space(512u << 20)
                       .build();
    if (!sandbox) return report(sandbox.error());
    umd::DriverOptions options;
    options.isolation = umd::Isolation::with(*sandbox);
    umd::Driver driver("mine", options);   // status().sandbox: (*sandbox)->describe()

    description = (*sandbox)->describe();
    out = std::make_unique<Driver>("mine", options);
    EXPECT_EQ(driver.status().sandbox, description);
    return {};
}

TEST(Isolation, ThePublicExampleIsConfined)
{
    std::unique_ptr<Driver> driver;
    std::string description;
    ASSERT_TRUE(public_example(driver, description));
    ASSERT_TRUE(driver);
    ASSERT_TRUE(driver->load(sample::loader_module().blob()));
    expect_confined(*driver);
    EXPECT_EQ(driver->status().sandbox, description);
}

TEST(Isolation, ADefaultDriverOptionsIsConfinedByTheStrictProfile)
{
    Driver driver("sample", DriverOptions{});
    ASSERT_TRUE(driver.load(sample::loader_module().blob()));
    expect_confined(driver);
    auto strict = sandbox::strict_default();
    ASSERT_TRUE(strict);
    EXPECT_EQ(driver.status().sandbox, (*strict)->describe());
    EXPECT_EQ((*strict)->profile(), sandbox::Profile::strict);
}

TEST(Isolation, AManagerWithoutDefaultOptionsConfinesItsDrivers)
{
    auto registry = std::make_shared<LoaderRegistry>();
    registry->add_builtin(sample::loader_module());
    Manager manager(registry);
    auto driver = manager.driver("sample");
    ASSERT_TRUE(driver) << driver.error().message;
    expect_confined(**driver);
}

TEST(Isolation, UnconfinedIsANamedChoiceThatStatusReportsLoudly)
{
    DriverOptions options;
    options.isolation = Isolation::unconfined();
    Driver driver("sample", options);
    ASSERT_TRUE(driver.load(sample::loader_module().blob()));
    EXPECT_EQ(driver.status().sandbox.rfind("NONE: UNCONFINED", 0), 0u) << driver.status().sandbox;
    Namespaces ns = handler_namespaces(driver);
    EXPECT_TRUE(ns.same_pid && ns.same_user && ns.same_mnt) << "what status says is what was applied";
}

TEST(Isolation, ASetupGivenBesideTheIsolationIsRefused)
{
    // The mistake the old example taught: a setup in spawn options, which the driver
    // would have replaced. Now no handler starts, and status says why.
    auto strict = sandbox::strict_default();
    ASSERT_TRUE(strict);
    DriverOptions options;
    options.spawn.setup = strict->get();
    Driver driver("sample", options);
    ASSERT_TRUE(driver.load(sample::loader_module().blob()));
    auto refused = sample::write(driver, 1);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, Errc::invalid_argument);
    EXPECT_NE(refused.error().message.find("DriverOptions::isolation"), std::string::npos) << refused.error().message;
    EXPECT_NE(driver.status().sandbox.find("no handler will start"), std::string::npos) << driver.status().sandbox;
    EXPECT_EQ(driver.status().starts, 0u);

    DriverOptions empty;
    empty.isolation = Isolation::with(nullptr);
    Driver nothing("sample", empty);
    ASSERT_TRUE(nothing.load(sample::loader_module().blob()));
    EXPECT_FALSE(sample::write(nothing, 1));
    EXPECT_EQ(nothing.status().starts, 0u);
}

TEST(Isolation, ADriverRequestedAgainWithOtherOptionsIsAnError)
{
    // Its first options stay; a caller asking for others (here: unconfined) is told so
    // instead of silently getting the confined driver, or the reverse.
    auto registry = std::make_shared<LoaderRegistry>();
    registry->add_builtin(sample::loader_module());
    Manager manager(registry);
    ASSERT_TRUE(manager.driver("sample"));
    DriverOptions other;
    other.isolation = Isolation::unconfined();
    auto again = manager.driver("sample", &other);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::invalid_argument);
    EXPECT_TRUE(manager.driver("sample")) << "without options it is the same driver";
    expect_confined(**manager.driver("sample"));
}

}  // namespace
}  // namespace umd
