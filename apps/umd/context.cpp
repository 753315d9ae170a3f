// apps/umd/context.cpp — the CLI's shared state: registry, Manager, error reporting.
#include "commands.h"

#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include <umd/sandbox.h>
#include <umd/text.h>

namespace umd::cli {

Result<Manager*> Context::manager(const std::vector<std::string>& preload)
{
    if (configured_) return manager_.get();
    if (!plugin_dir.empty()) registry->set_plugin_dir(plugin_dir);
    if (!manager_) manager_ = std::make_unique<Manager>(registry);
    // Copying a handler image into its memfd does not depend on the sandbox profile
    // (kernel probes, the seccomp filter; docs/decisions/0009): one runs on
    // another CPU while the other is built here.
    for (const auto& name : preload) manager_->preload(name);
    auto options = UMD_TRY(sandbox::driver_options(profile));
    manager_->set_default_options(std::move(options));
    configured_ = true;
    return manager_.get();
}

void Context::shut_down()
{
    manager_.reset();
    configured_ = false;
}

namespace {

/// The one list of which commands use which built-in drivers, by the command's first
/// two words ("" matches any second word).
struct CommandDrivers {
    std::string_view command;
    std::string_view subcommand;
    std::array<const char*, 2> drivers;   ///< unused places are null
};

constexpr CommandDrivers command_drivers[] = {
    {"pgp", "", {"pgp"}},
    {"rpm", "verify", {"rpm", "pgp"}},
    {"rpm", "digests", {"rpm", "pgp"}},
    {"rpm", "show", {"rpm"}},
    {"trust", "add", {"rpm", "pgp"}},
    {"sample", "", {"sample"}},
};

}  // namespace

std::pair<std::string, bool> Context::daemon_socket() const
{
    if (!socket_path.empty()) return {socket_path, true};
    if (const char* env = std::getenv("UMD_SOCKET"); env && *env) return {env, true};
    return {daemon::default_socket_path, false};
}

Result<DaemonClient*> Context::daemon()
{
    if (standalone) return nullptr;
    if (daemon_) return &*daemon_;
    auto [path, named] = daemon_socket();
    auto client = DaemonClient::connect(path);
    if (!client) {
        if (client.error().code == Errc::not_found && !named) return nullptr;
        return std::unexpected(client.error());
    }
    daemon_.emplace(std::move(*client));
    return &*daemon_;
}

void Context::preload_for(int argc, char** argv)
{
    // The first two words that are not options (nor the values of the global ones).
    std::vector<std::string_view> words;
    bool standalone_asked = false;
    std::string socket_asked;
    for (int i = 1; i < argc && words.size() < 2; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--standalone") standalone_asked = true;
        if (arg == "--socket" && i + 1 < argc) socket_asked = argv[i + 1];
        if (arg == "--plugin-dir" || arg == "--profile" || arg == "--socket") ++i;
        else if (!arg.starts_with('-')) words.push_back(arg);
    }
    if (words.empty()) return;
    std::string_view second = words.size() > 1 ? words[1] : std::string_view{};
    for (const auto& use : command_drivers) {
        if (use.command != words[0] || (!use.subcommand.empty() && use.subcommand != second)) continue;
        std::vector<std::string> names;
        for (const char* name : use.drivers)
            if (name) names.emplace_back(name);
        preload_unless_served(names, standalone_asked, socket_asked);
        return;
    }
}

void Context::preload_unless_served(const std::vector<std::string>& names, bool standalone_asked,
                                    const std::string& socket_asked)
{
    // A command a umdd will serve starts no handler here: nothing to copy.
    if (!standalone_asked) {
        std::string path = socket_asked;
        if (path.empty()) path = daemon_socket().first;
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return;
    }
    if (!manager_) manager_ = std::make_unique<Manager>(registry);
    for (const auto& name : names) manager_->preload(name);
}

Result<Driver*> Context::driver(const std::string& name)
{
    auto m = UMD_TRY(manager({name}));
    return m->driver(name);
}

int Context::diagnose(const Error& error)
{
    // Messages may quote input (a path, a handler's words): stderr gets no control
    // character and no invalid UTF-8 (libumd already cleans what a handler says).
    std::fprintf(stderr, "umd: %s\n", printable_text(error.message).c_str());
    return umd::exit_code(error.code);
}

int Context::report(const Error& error)
{
    if (json) json->set_error(error);
    return diagnose(error);
}

void Context::print_failed(const std::string& name, const Error& error)
{
    if (json) json->add_failure(name, error);
    else std::printf("%s: FAILED (%s)\n", printable_text(name).c_str(), std::string(errc_name(error.code)).c_str());
}

int Context::report_verdict(const std::string& name, const Error& error)
{
    print_failed(name, error);
    return diagnose(error);
}

int Context::report_only_input(const std::string& name, const Error& error)
{
    return json ? report_verdict(name, error) : report(error);
}

void Context::add_json_flag(CLI::App& cmd)
{
    // The command's path ("trust check"), from its parents up to the program.
    std::string name = cmd.get_name();
    for (const CLI::App* up = cmd.get_parent(); up && up->get_parent(); up = up->get_parent()) name = up->get_name() + " " + name;
    // A flag's callback runs when the command line is parsed, before the command's.
    cmd.add_flag_callback("--json", [this, name] { json.emplace(name); },
                          "Print one JSON document on stdout (schema umd/1, docs/json.md); diagnostics stay on stderr");
}

void Context::finish()
{
    if (!json) return;
    const std::string text = json->text(exit_code);
    std::fputs(text.c_str(), stdout);
}

}  // namespace umd::cli
