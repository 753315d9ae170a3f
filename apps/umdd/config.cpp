// apps/umdd/config.cpp — reading umdd.toml with toml++ (trusted side; the file is root's).
#include "apps/umdd/config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <toml++/toml.h>

namespace umd::daemon {
namespace {

Status check_keys(const toml::table& table, const std::set<std::string_view>& known, std::string_view where)
{
    for (const auto& [key, value] : table)
        if (!known.contains(key.str())) return fail(Errc::bad_input, "{}: unknown key '{}'", where, key.str());
    return {};
}

Status read_string(const toml::table& t, std::string_view key, std::string& out, std::string_view where)
{
    const toml::node* node = t.get(key);
    if (!node) return {};
    auto value = node->value<std::string>();
    if (!value || !node->is_string()) return fail(Errc::bad_input, "{}: '{}' must be a string", where, key);
    out = *value;
    return {};
}

Status read_count(const toml::table& t, std::string_view key, unsigned& out, unsigned max, std::string_view where)
{
    const toml::node* node = t.get(key);
    if (!node) return {};
    auto value = node->value<std::int64_t>();
    if (!node->is_integer() || !value || *value < 0 || *value > max)
        return fail(Errc::bad_input, "{}: '{}' must be an integer from 0 to {}", where, key, max);
    out = static_cast<unsigned>(*value);
    return {};
}

Result<std::vector<std::string>> read_paths(const toml::table& t, std::string_view key, std::string_view where)
{
    std::vector<std::string> out;
    const toml::node* node = t.get(key);
    if (!node) return out;
    const toml::array* list = node->as_array();
    if (!list) return fail(Errc::bad_input, "{}: '{}' must be a list of paths", where, key);
    for (const toml::node& item : *list) {
        auto value = item.value<std::string>();
        if (!item.is_string() || !value) return fail(Errc::bad_input, "{}: '{}' must be a list of paths", where, key);
        out.push_back(*value);
    }
    return out;
}

Status read_flag(const toml::table& t, std::string_view key, bool& out, std::string_view where)
{
    const toml::node* node = t.get(key);
    if (!node) return {};
    auto value = node->value<bool>();
    if (!node->is_boolean() || !value) return fail(Errc::bad_input, "{}: '{}' must be true or false", where, key);
    out = *value;
    return {};
}

}  // namespace

Result<Config> load_config(const std::string& path, bool required)
{
    Config config;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT && !required) return config;
        return fail(errno == ENOENT ? Errc::not_found : Errc::io, "{}: {}", path, std::strerror(errno));
    }
    toml::table file;
    try {
        file = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        return fail(Errc::bad_input, "{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description());
    }
    UMD_TRY(check_keys(file, {"socket", "db", "keyrings", "admin_group", "log_level", "profile", "limits", "drivers", "guard"}, path));
    UMD_TRY(read_string(file, "socket", config.socket, path));
    UMD_TRY(read_string(file, "db", config.db, path));
    UMD_TRY(read_string(file, "admin_group", config.admin_group, path));
    UMD_TRY(read_string(file, "profile", config.profile, path));
    std::string level;
    UMD_TRY(read_string(file, "log_level", level, path));
    if (!level.empty()) config.log_level = UMD_TRY(parse_log_level(level));
    config.keyrings = UMD_TRY(read_paths(file, "keyrings", path));
    if (const toml::node* node = file.get("guard")) {
        const toml::table* guard = node->as_table();
        const std::string where = path + " [guard]";
        if (!guard) return fail(Errc::bad_input, "{}: 'guard' must be a table", path);
        UMD_TRY(check_keys(*guard, {"paths", "mode", "workers", "kernel_audit"}, where));
        config.guard.paths = UMD_TRY(read_paths(*guard, "paths", where));
        UMD_TRY(read_string(*guard, "mode", config.guard.mode, where));
        if (config.guard.mode != "enforcing" && config.guard.mode != "permissive")
            return fail(Errc::bad_input, "{}: 'mode' must be \"enforcing\" or \"permissive\", not \"{}\"", where, config.guard.mode);
        UMD_TRY(read_count(*guard, "workers", config.guard.workers, 64, where));
        if (config.guard.workers == 0) return fail(Errc::bad_input, "{}: 'workers' must be at least 1", where);
        UMD_TRY(read_flag(*guard, "kernel_audit", config.guard.kernel_audit, where));
    }
    if (const toml::node* node = file.get("limits")) {
        const toml::table* limits = node->as_table();
        const std::string where = path + " [limits]";
        if (!limits) return fail(Errc::bad_input, "{}: 'limits' must be a table", path);
        UMD_TRY(check_keys(*limits, {"workers", "max_in_flight", "max_clients"}, where));
        UMD_TRY(read_count(*limits, "workers", config.workers, 256, where));
        UMD_TRY(read_count(*limits, "max_in_flight", config.max_in_flight, 256, where));
        UMD_TRY(read_count(*limits, "max_clients", config.max_clients, 65536, where));
    }
    if (const toml::node* node = file.get("drivers")) {
        const toml::table* drivers = node->as_table();
        if (!drivers) return fail(Errc::bad_input, "{}: 'drivers' must be a table", path);
        UMD_TRY(check_keys(*drivers, {"pgp"}, path + " [drivers]"));
        if (const toml::node* pgp = drivers->get("pgp")) {
            const toml::table* t = pgp->as_table();
            const std::string where = path + " [drivers.pgp]";
            if (!t) return fail(Errc::bad_input, "{}: must be a table", where);
            UMD_TRY(check_keys(*t, {"instances"}, where));
            UMD_TRY(read_count(*t, "instances", config.pgp_instances, 64, where));
        }
    }
    if (config.max_in_flight == 0) return fail(Errc::bad_input, "{}: max_in_flight must be at least 1", path);
    if (config.pgp_instances == 0) return fail(Errc::bad_input, "{}: drivers.pgp.instances must be at least 1", path);
    return config;
}

}  // namespace umd::daemon
