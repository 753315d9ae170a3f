// apps/umd/status_command.cpp — `umd status`: loader modules, their drivers and isolation.
#include <nlohmann/json.hpp>

#include "commands.h"

namespace umd::cli {
namespace {

/// `umd status` of a running umdd: its drivers, the same fields as standalone.
int print_daemon_status(DaemonClient& daemon, bool json)
{
    auto fields = daemon.call(daemon::Operation::status, {}, {});
    if (!fields) {
        std::fprintf(stderr, "umd: %s\n", fields.error().message.c_str());
        return exit_code(fields.error().code);
    }
    ByteReader in(*fields, "umdd status reply");
    auto status = daemon::decode_status(in);
    if (!status) {
        std::fprintf(stderr, "umd: %s\n", status.error().message.c_str());
        return exit_code(status.error().code);
    }
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : status->drivers) {
        if (json) {
            out.push_back({{"driver", d.name}, {"state", d.state}, {"pid", d.pid}, {"starts", d.starts},
                           {"restarts", d.restarts}, {"requests", d.requests}, {"failures", d.failures},
                           {"sandbox", d.sandbox}, {"error", d.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.error)}});
        } else {
            std::printf("%-8s %-8s pid %-7d sandbox: %s\n", d.name.c_str(), d.state.c_str(), d.pid, d.sandbox.c_str());
        }
    }
    if (json) std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
}

}  // namespace

void register_status(CLI::App& app, Context& ctx)
{
    auto* status = app.add_subcommand("status", "Start each built-in driver once and show its state and isolation");
    auto json = std::make_shared<bool>(false);
    status->add_flag("--json", *json, "Machine-readable output");
    status->callback([&ctx, json] {
        auto daemon = ctx.daemon();
        if (!daemon) {
            ctx.exit_code = ctx.report(daemon.error());
            return;
        }
        if (*daemon) {
            ctx.exit_code = print_daemon_status(**daemon, *json);
            return;
        }
        auto manager = ctx.manager();
        if (!manager) {
            ctx.exit_code = ctx.report(manager.error());
            return;
        }
        int worst = 0;
        nlohmann::json out = nlohmann::json::array();
        for (const auto& name : ctx.registry->names()) {
            auto driver = (*manager)->driver(name);
            DriverStatus st;
            std::string start_error;
            if (!driver) {
                st.name = name;
                start_error = driver.error().message;
                worst = std::max(worst, umd::exit_code(driver.error().code));
            } else {
                                // Any answer, even "I do not know that request", proves the handler is up;
                // only a failure of the handler itself (crash, sandbox, timeout, protocol) counts.
                auto probe = (*driver)->send_recv(0xFF, {});
                bool answered = probe || probe.error().code == Errc::internal || probe.error().code == Errc::bad_input;
                if (!answered) {
                    start_error = probe.error().message;
                    worst = std::max(worst, umd::exit_code(probe.error().code));
                }
                st = (*driver)->status();
            }
            if (*json) {
                out.push_back({{"driver", st.name}, {"state", state_name(st.state)}, {"pid", st.pid},
                               {"starts", st.starts}, {"restarts", st.restarts}, {"requests", st.requests},
                               {"failures", st.failures}, {"sandbox", st.sandbox},
                               {"error", start_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(start_error)}});
            } else {
                std::printf("%-8s %-8s pid %-7d sandbox: %s\n", st.name.c_str(), std::string(state_name(st.state)).c_str(),
                            static_cast<int>(st.pid), st.sandbox.c_str());
                if (!start_error.empty()) std::printf("         error: %s\n", start_error.c_str());
            }
        }
        if (*json) std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        ctx.exit_code = worst;
    });
}

}  // namespace umd::cli
