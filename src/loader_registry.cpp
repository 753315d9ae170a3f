// src/loader_registry.cpp — built-in and plugin loader modules (trusted side;
// the user-space counterpart of request_module()).
#include <umd/loader.h>

#include <dlfcn.h>

#include <algorithm>
#include <cctype>

namespace umd {

/// A dlopen()ed plugin, closed when the registry goes away.
struct LoaderRegistry::Plugin {
    struct Close {
        void operator()(void* handle) const noexcept { ::dlclose(handle); }
    };
    std::unique_ptr<void, Close> handle;
};

LoaderRegistry::LoaderRegistry() = default;
LoaderRegistry::~LoaderRegistry() = default;

void LoaderRegistry::add_builtin(const LoaderModule& module)
{
    std::lock_guard guard(lock_);
    modules_[module.name] = &module;
}

void LoaderRegistry::set_plugin_dir(std::string dir)
{
    std::lock_guard guard(lock_);
    plugin_dir_ = std::move(dir);
}

std::vector<std::string> LoaderRegistry::names() const
{
    std::lock_guard guard(lock_);
    std::vector<std::string> out;
    for (const auto& [name, module] : modules_) out.push_back(name);
    return out;
}

Result<const LoaderModule*> LoaderRegistry::find(const std::string& name)
{
    std::lock_guard guard(lock_);
    if (auto it = modules_.find(name); it != modules_.end()) return it->second;
    // Only plain names: a driver name must never walk out of the plugin directory.
    bool plain = !name.empty() && name.size() <= 64 &&
                 std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
    if (!plain) return fail(Errc::invalid_argument, "'{}' is not a valid driver name", name);
    if (plugin_dir_.empty()) return fail(Errc::not_found, "no loader module for driver '{}' (not built in, no plugin directory)", name);
    std::string path = plugin_dir_ + "/umd-loader-" + name + ".so";
    void* raw = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!raw) {
        const char* why = ::dlerror();
        return fail(Errc::not_found, "no loader module for driver '{}': {}", name, why ? why : path.c_str());
    }
    Plugin plugin{std::unique_ptr<void, Plugin::Close>(raw)};
    auto* module = static_cast<const LoaderModule*>(::dlsym(raw, loader_plugin_symbol));
    if (!module) return fail(Errc::not_found, "plugin '{}' does not export {}", path, loader_plugin_symbol);
    if (!module->name || name != module->name || module->blob_end <= module->blob_start)
        return fail(Errc::invalid_argument, "plugin '{}' describes driver '{}', not '{}', or has no handler", path,
                    module->name ? module->name : "", name);
    plugins_.push_back(std::make_unique<Plugin>(std::move(plugin)));
    modules_[name] = module;
    return module;
}

}  // namespace umd
