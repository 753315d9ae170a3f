// apps/umd/main.cpp — the `umd` command line (trusted side): parses arguments,
// registers the built-in loader modules and dispatches to a subcommand.
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "commands.h"
#include "one_shot_main.h"

int main(int argc, char** argv)
{
    umd::cli::Context ctx;
    umd::cli::start_one_shot(ctx);
    // First of all: the handler images this command will use are copied on another
    // CPU while everything below runs here.
    ctx.preload_for(argc, argv);

    CLI::App app{"umd — run risky work, above all the parsing of hostile data, in sandboxed user mode drivers"};
    app.set_version_flag("--version", std::string("umd ") + UMD_VERSION);
    app.require_subcommand(1);
    app.add_option("--plugin-dir", ctx.plugin_dir, "Directory with loader plugins (umd-loader-<driver>.so)");
    app.add_option("--profile", ctx.profile, "Sandbox profile for handlers: strict (default), log, none")
        ->check(CLI::IsMember({"strict", "log", "none"}));
    app.add_flag("-q,--quiet", ctx.quiet, "No progress output");
    app.add_option("--socket", ctx.socket_path, "The umdd to use (default: $UMD_SOCKET, else /run/umd/umdd.sock if it answers)");
    app.add_flag("--standalone", ctx.standalone, "Never use a umdd: start the drivers in this process");
    app.footer("Exit status: 0 success, 1 a negative verdict, 2 bad input or usage, 3 or more an internal or handler failure.\n"
               "See umd(1) and the documentation in /usr/share/doc/umd.");

    umd::cli::register_sample(app, ctx);
    umd::cli::register_status(app, ctx);
    umd::cli::register_run(app, ctx);
    umd::cli::register_pgp(app, ctx);
    umd::cli::register_rpm(app, ctx);
    umd::cli::register_trust(app, ctx);
    umd::cli::register_reload(app, ctx);
    umd::cli::register_guard(app, ctx);
    umd::cli::register_bpfilter(app, ctx);

    try {
        app.parse(argc, argv);
    } catch (const nlohmann::json::exception& e) {
        // A document from umdd without a field this CLI prints: a umdd of another
        // version, or one that breaks the protocol. Never an abort.
        ctx.exit_code = ctx.report(umd::Error{umd::Errc::protocol, std::string("umdd's answer does not have the expected shape: ") + e.what()});
        ctx.finish();
        ctx.shut_down();
        umd::cli::leave(ctx.exit_code);
    } catch (const CLI::ParseError& e) {
        // For a word that names no command (or an unknown option) where a command is
        // expected, CLI11 only says that a subcommand is required: name the word.
        const CLI::App* at = &app;
        std::string path = "umd";
        while (!at->get_subcommands().empty()) {
            at = at->get_subcommands().front();
            path += " " + at->get_name();
        }
        if (auto left = at->remaining(); dynamic_cast<const CLI::RequiredError*>(&e) && !left.empty()) {
            const char* what = left.front().starts_with('-') ? "an option of" : "a command of";
            std::fprintf(stderr, "umd: '%s' is not %s '%s'; see %s --help\n", left.front().c_str(), what,
                         path.c_str(), path.c_str());
            ctx.shut_down();
            umd::cli::leave(2);
        }
        // Help, the version and CLI11's own messages are collected and written with
        // stdio: umd never constructs the standard streams (apps/umd/cli11.h).
        std::ostringstream out, err;
        int code = app.exit(e, out, err);
        std::fputs(out.str().c_str(), stdout);
        std::fputs(err.str().c_str(), stderr);
        ctx.shut_down();
        // CLI11 uses 0 for --help/--version and 1..n for usage errors; usage errors are exit 2 here.
        umd::cli::leave(code == 0 ? 0 : 2);
    }
    ctx.finish();
    ctx.shut_down();
    umd::cli::leave(ctx.exit_code);
}
