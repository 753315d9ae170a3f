// apps/umd/status_command.cpp — `umd status`: loader modules, their drivers and isolation.
#include <nlohmann/json.hpp>

#include "commands.h"

#include <umd/text.h>

namespace umd::cli {
namespace {

/// One driver in the document's "drivers", the same fields standalone and through umdd.
nlohmann::ordered_json driver_json(const std::string& name, std::string_view state, long long pid, std::uint64_t starts,
                                   std::uint64_t restarts, std::uint64_t requests, std::uint64_t failures,
                                   const std::string& sandbox, const std::string& error)
{
    return {{"driver", utf8_text(name)}, {"state", state}, {"pid", pid}, {"starts", starts}, {"restarts", restarts},
            {"requests", requests}, {"failures", failures}, {"sandbox", utf8_text(sandbox)},
            {"error", error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(utf8_text(error))}};
}

/// `umd status` of a running umdd: its drivers, the same fields as standalone.
int print_daemon_status(Context& ctx, DaemonClient& daemon)
{
    auto fields = daemon.call(daemon::Operation::status, {}, {});
    if (!fields) return ctx.report(fields.error());
    ByteReader in(*fields, "umdd status reply");
    auto status = daemon::decode_status(in);
    if (!status) return ctx.report(status.error());
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& d : status->drivers) {
        if (ctx.json)
            out.push_back(driver_json(d.name, d.state, d.pid, d.starts, d.restarts, d.requests, d.failures, d.sandbox, d.error));
        else
            std::printf("%-8s %-8s pid %-7d sandbox: %s\n", d.name.c_str(), d.state.c_str(), d.pid, d.sandbox.c_str());
    }
    if (ctx.json) ctx.json->set("drivers", std::move(out));
    return 0;
}

}  // namespace

void register_status(CLI::App& app, Context& ctx)
{
    auto* status = app.add_subcommand("status", "Start each built-in driver once and show its state and isolation");
    ctx.add_json_flag(*status);
    status->callback([&ctx] {
        auto daemon = ctx.daemon();
        if (!daemon) {
            ctx.exit_code = ctx.report(daemon.error());
            return;
        }
        if (*daemon) {
            ctx.exit_code = print_daemon_status(ctx, **daemon);
            return;
        }
        auto manager = ctx.manager();
        if (!manager) {
            ctx.exit_code = ctx.report(manager.error());
            return;
        }
        int worst = 0;
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
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
            if (ctx.json) {
                out.push_back(driver_json(st.name, state_name(st.state), st.pid, st.starts, st.restarts, st.requests,
                                          st.failures, st.sandbox, start_error));
            } else {
                std::printf("%-8s %-8s pid %-7d sandbox: %s\n", st.name.c_str(), std::string(state_name(st.state)).c_str(),
                            static_cast<int>(st.pid), st.sandbox.c_str());
                if (!start_error.empty()) std::printf("         error: %s\n", start_error.c_str());
            }
        }
        if (ctx.json) ctx.json->set("drivers", std::move(out));
        ctx.exit_code = worst;
    });
}

}  // namespace umd::cli
