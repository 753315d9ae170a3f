// apps/umd/context.cpp — the CLI's shared state: registry, Manager, error reporting.
#include "commands.h"

#include <cstdio>

#include <umd/text.h>

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
    if (configured_) return manager_.get();
    if (!plugin_dir.empty()) registry->set_plugin_dir(plugin_dir);
    if (!manager_) manager_ = std::make_unique<Manager>(registry);
    // Copying a handler image into its memfd (~0.7 ms) does not depend on the sandbox
    // profile (~0.4 ms to build: kernel probes, the seccomp filter): one runs on
    // another CPU while the other is built here.
    for (const auto& name : preload) manager_->preload(name);
    auto options = driver_options(profile);
    if (!options) return std::unexpected(options.error());
    manager_->set_default_options(std::move(*options));
    configured_ = true;
    return manager_.get();
}

void Context::shut_down()
{
    manager_.reset();
    configured_ = false;
}

void Context::preload_for(int argc, char** argv)
{
    // The one list of which commands use which drivers (commands that ask for a single
    // driver through driver(name) also get it preloaded there, beside the profile).
    // The first two words that are not options (nor the values of the global ones).
    std::vector<std::string_view> words;
    for (int i = 1; i < argc && words.size() < 2; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--plugin-dir" || arg == "--profile") ++i;
        else if (!arg.starts_with('-')) words.push_back(arg);
    }
    auto is = [&](std::size_t i, std::string_view word) { return words.size() > i && words[i] == word; };
    std::vector<std::string> drivers;
#if defined(UMD_HAVE_PGP)
    if (is(0, "pgp")) drivers = {"pgp"};
#endif
#if defined(UMD_HAVE_RPM)
    if (is(0, "rpm") && (is(1, "verify") || is(1, "digests"))) drivers = {"rpm", "pgp"};
    if (is(0, "rpm") && is(1, "show")) drivers = {"rpm"};
    if (is(0, "trust") && is(1, "add")) drivers = {"rpm", "pgp"};
#endif
    if (is(0, "sample")) drivers = {"sample"};
    if (drivers.empty()) return;
    if (!manager_) manager_ = std::make_unique<Manager>(registry);
    for (const auto& name : drivers) manager_->preload(name);
}

Result<Driver*> Context::driver(const std::string& name)
{
    auto m = manager({name});
    if (!m) return std::unexpected(m.error());
    return (*m)->driver(name);
}

int Context::report(const Error& error)
{
    // Messages may quote input (a path, a handler's words): stderr gets no control
    // character and no invalid UTF-8 (libumd already cleans what a handler says).
    std::fprintf(stderr, "umd: %s\n", printable_text(error.message).c_str());
    return umd::exit_code(error.code);
}

}  // namespace umd::cli
