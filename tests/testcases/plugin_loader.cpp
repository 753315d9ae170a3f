// tests/testcases/plugin_loader.cpp — a loader plugin (shared object) for the registry tests.
#include <umd/loader.h>
#include <umd_generated/plugintest_blob.h>

extern "C" const umd::LoaderModule umd_loader_module{
    .name = "plugintest",
    .blob_start = umd_blob_plugintest_start,
    .blob_end = umd_blob_plugintest_end,
    .default_deadline_ms = 5000,
    .max_reply = 1u << 20,
};
