// apps/umdd/config.h — umdd's configuration: /etc/umd/umdd.toml, then the flags that override it.
//
// Trusted side. The file is TOML (parsed by toml++); docs/umdd.md and umdd.toml(5)
// list every key. An unknown key or a value of the wrong type is an error that names
// it: a typo must not silently leave a default in place.
#pragma once

#include <string>
#include <vector>

#include <umd/error.h>

#include "apps/umdd/log.h"
#include "apps/umdd/protocol/protocol.h"

namespace umd::daemon {

inline constexpr const char* default_config_path = "/etc/umd/umdd.toml";

/// The exec guard ([guard]), read at start only (a reload says when it changed).
struct GuardConfig {
    std::vector<std::string> paths;              ///< the filesystems holding these are guarded; none: no guard
    std::string mode = "enforcing";              ///< "enforcing" or "permissive", at start
    unsigned workers = 2;                        ///< threads hashing files for decisions
    bool kernel_audit = false;                   ///< FAN_AUDIT on denies (the kernel's audit log)

    bool operator==(const GuardConfig&) const = default;
};

struct Config {
    std::string socket = default_socket_path;   ///< where to listen when not socket-activated
    std::string db = "/var/lib/umd/trust.mdb";  ///< the trust database
    std::vector<std::string> keyrings;           ///< OpenPGP keyrings kept parsed (warm)
    std::string admin_group;                     ///< besides root, who may change state (reload)
    LogLevel log_level = LogLevel::info;
    std::string profile = "strict";              ///< the handlers' sandbox profile
    unsigned workers = 0;                        ///< request threads; 0: one per CPU, at least 2
    unsigned pgp_instances = 2;                  ///< OpenPGP handlers kept running
    unsigned max_in_flight = 8;                  ///< requests one connection may have outstanding
    unsigned max_clients = 1024;                 ///< connections at once

    GuardConfig guard;                           ///< [guard]
};

/// Reads the configuration file at `path` over the defaults. A missing file is an
/// error only when `required` (the path was given with --config).
Result<Config> load_config(const std::string& path, bool required);

}  // namespace umd::daemon
