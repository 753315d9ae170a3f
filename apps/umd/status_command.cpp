// apps/umd/status_command.cpp — `umd status`: loader modules, their drivers and isolation.
#include <nlohmann/json.hpp>

#include "commands.h"

namespace umd::cli {

void register_status(CLI::App& app, Context& ctx)
{
    auto* status = app.add_subcommand("status", "Start each built-in driver once and show its state and isolation");
    auto json = std::make_shared<bool>(false);
    status->add_flag("--json", *json, "Machine-readable output");
    status->callback([&ctx, json] {
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
