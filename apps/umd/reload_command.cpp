// apps/umd/reload_command.cpp — `umd reload`: umdd re-reads its configuration and keyrings (trusted side).
#include "commands.h"

namespace umd::cli {

void register_reload(CLI::App& app, Context& ctx)
{
    auto* reload = app.add_subcommand("reload", "Ask umdd to re-read its configuration, keyrings and trust database");
    reload->footer("As SIGHUP does; a broken configuration is refused and the one in force stays.\n"
                   "Only root or umdd's admin group may reload.\n"
                   "Exit status: 0 reloaded, 2 no umdd or a broken configuration, 3 or more a failure, 4 not permitted.");
    ctx.add_json_flag(*reload);
    reload->callback([&ctx] {
        auto daemon = ctx.daemon();
        if (!daemon) {
            ctx.exit_code = ctx.report(daemon.error());
            return;
        }
        if (!*daemon) {
            ctx.exit_code = ctx.report(Error{Errc::not_found, "no umdd answers: there is nothing to reload"});
            return;
        }
        auto done = (*daemon)->call(daemon::Operation::reload, {}, {});
        ctx.exit_code = done ? 0 : ctx.report(done.error());
    });
}

}  // namespace umd::cli
