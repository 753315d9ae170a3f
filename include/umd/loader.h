// umd/loader.h — loader modules: where a driver's handler blob comes from.
//
// A loader module carries one handler executable, embedded at build time, and
// the driver's defaults. Modules are either built in (registered by the program
// that links them) or plugins: shared objects named `umd-loader-<driver>.so` in
// a configured directory, exporting `umd_loader_module`, which the registry
// dlopen()s on first use — the user-space counterpart of request_module().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <umd/error.h>

namespace umd {

class Driver;

/// Static description of one driver's loader module.
struct LoaderModule {
    const char* name;                               ///< driver name, e.g. "sample", "pgp"
    const std::uint8_t* blob_start;                 ///< the embedded handler executable
    const std::uint8_t* blob_end;
    std::uint32_t default_deadline_ms = 5000;       ///< per-request deadline
    std::uint64_t max_reply = 64ull << 20;          ///< largest reply payload accepted
    std::span<const std::uint8_t> blob() const { return {blob_start, static_cast<std::size_t>(blob_end - blob_start)}; }
};

/// The symbol a plugin exports: `extern "C" const umd::LoaderModule umd_loader_module;`
inline constexpr const char* loader_plugin_symbol = "umd_loader_module";

/// Finds loader modules by driver name: built-ins first, then plugins.
class LoaderRegistry {
public:
    /// Registers a built-in module (the program links it).
    void add_builtin(const LoaderModule& module);
    /// Directory searched for `umd-loader-<name>.so` plugins (none by default).
    void set_plugin_dir(std::string dir);
    /// The module for `name`, loading its plugin on first use. not_found if none.
    Result<const LoaderModule*> find(const std::string& name);
    /// Names of the built-in and already loaded modules.
    std::vector<std::string> names() const;

    LoaderRegistry();
    ~LoaderRegistry();

private:
    struct Plugin;
    mutable std::mutex lock_;
    std::map<std::string, const LoaderModule*, std::less<>> modules_;
    std::vector<std::unique_ptr<Plugin>> plugins_;
    std::string plugin_dir_;
};

}  // namespace umd
