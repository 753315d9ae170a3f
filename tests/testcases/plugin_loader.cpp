// tests/testcases/plugin_loader.cpp — a loader plugin (shared object) for the registry tests.
#include <umd/loader.h>

extern "C" const std::uint8_t umd_blob_plugintest_start[];
extern "C" const std::uint8_t umd_blob_plugintest_end[];

extern "C" const umd::LoaderModule umd_loader_module{"plugintest", umd_blob_plugintest_start, umd_blob_plugintest_end, 5000, 1u << 20};
