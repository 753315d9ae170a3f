// tests/core/loader_registry_test.cpp — built-in modules and plugins loaded by name.
#include <gtest/gtest.h>

#include <umd/loader.h>
#include <umd/manager.h>

#include "drivers/sample/trusted/sample.h"

namespace umd {
namespace {

TEST(LoaderRegistry, FindsBuiltins)
{
    LoaderRegistry registry;
    registry.add_builtin(sample::loader_module());
    auto found = registry.find("sample");
    ASSERT_TRUE(found);
    EXPECT_STREQ((*found)->name, "sample");
    EXPECT_GT((*found)->blob().size(), 1000u);
    EXPECT_EQ(registry.names(), std::vector<std::string>{"sample"});
}

TEST(LoaderRegistry, LoadsAPluginByNameOnFirstUse)
{
    auto registry = std::make_shared<LoaderRegistry>();
    registry->set_plugin_dir(UMD_TEST_PLUGIN_DIR);
    Manager manager(registry);
    auto driver = manager.driver("plugintest");
    ASSERT_TRUE(driver) << driver.error().message;
    // The plugin carries the sample handler: it must answer like one.
    EXPECT_TRUE(sample::write(**driver, 77));
    EXPECT_EQ(registry->names(), std::vector<std::string>{"plugintest"});
}

TEST(LoaderRegistry, RefusesNamesThatCouldEscapeThePluginDirectory)
{
    LoaderRegistry registry;
    registry.set_plugin_dir(UMD_TEST_PLUGIN_DIR);
    for (const char* name : {"../plugintest", "a/b", "", ".", "x y"}) {
        auto found = registry.find(name);
        ASSERT_FALSE(found) << name;
        EXPECT_EQ(found.error().code, Errc::invalid_argument) << name;
    }
    auto missing = registry.find("absent");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(LoaderRegistry, WithoutAPluginDirectoryOnlyBuiltinsExist)
{
    LoaderRegistry registry;
    auto found = registry.find("plugintest");
    ASSERT_FALSE(found);
    EXPECT_EQ(found.error().code, Errc::not_found);
}

}  // namespace
}  // namespace umd
