// apps/umd/context.cpp — the CLI's shared state: registry, Manager, error reporting.
#include "commands.h"

#include <cstdio>

#if defined(UMD_HAVE_SANDBOX)
#include <umd/sandbox.h>
#endif

namespace umd::cli {

Result<DriverOptions> Context::driver_options(const std::string& profile_name) const
{
#if defined(UMD_HAVE_SANDBOX)
    return sandbox::driver_options(profile_name);
#else
    if (profile_name != "none")
        return fail(Errc::invalid_argument, "this build of umd has no sandbox; only --profile none is available");
    return DriverOptions{};
#endif
}

Result<Manager*> Context::manager(const std::vector<std::string>& preload)
{
    if (manager_) return manager_.get();
    if (!plugin_dir.empty()) registry->set_plugin_dir(plugin_dir);
    auto manager = std::make_unique<Manager>(registry);
    // Copying a handler image into its memfd (~0.7 ms) does not depend on the sandbox
    // profile (~0.4 ms to build: kernel probes, the seccomp filter): one runs on
    // another thread while the other is built here.
    for (const auto& name : preload) manager->preload(name);
    auto options = driver_options(profile);
    if (!options) return std::unexpected(options.error());
    manager->set_default_options(std::move(*options));
    manager_ = std::move(manager);
    return manager_.get();
}

Result<Driver*> Context::driver(const std::string& name)
{
    auto m = manager({name});
    if (!m) return std::unexpected(m.error());
    return (*m)->driver(name);
}

int Context::report(const Error& error)
{
    std::fprintf(stderr, "umd: %s\n", error.message.c_str());
    return umd::exit_code(error.code);
}

}  // namespace umd::cli
