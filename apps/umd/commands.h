// apps/umd/commands.h — how the `umd` CLI's subcommands are registered (trusted side).
//
// Each command family lives in its own file and exposes one register_* function.
// A command's callback stores its exit code in Context::exit_code; errors are
// printed with Context::report(), which maps the error kind to the exit code
// (0 yes, 1 a negative verdict, 2 bad input or usage, 3+ internal or handler failure).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "apps/umd/daemon_client.h"
#include "apps/umd/json_document.h"
#include "cli11.h"

#include <umd/error.h>
#include <umd/loader.h>
#include <umd/manager.h>

namespace umd::cli {

struct Context {
    std::shared_ptr<LoaderRegistry> registry = std::make_shared<LoaderRegistry>();
    std::string plugin_dir;          ///< --plugin-dir
    std::string profile = "strict";  ///< --profile for drivers started by this process
    bool quiet = false;              ///< --quiet: no progress output
    std::string socket_path;         ///< --socket: the umdd to use (else $UMD_SOCKET, else the default)
    bool standalone = false;         ///< --standalone: never use a umdd
    int exit_code = 0;
    /// With --json: the command's one document (docs/json.md), printed on stdout by
    /// finish(). The verdicts and errors reported below go into it instead of the lines.
    std::optional<JsonDocument> json;

    /// Registers the `--json` flag on `cmd`: when given, the command's callback starts
    /// with `json` set up for it, named by its path ("rpm verify").
    void add_json_flag(CLI::App& cmd);

    /// The umdd to send this command's request to, or null to run standalone: when
    /// --standalone is given, or nothing listens at the default socket. A socket named
    /// with --socket or $UMD_SOCKET must answer (Errc::not_found otherwise), and any
    /// umdd must run as root or as this user (Errc::not_permitted otherwise).
    Result<DaemonClient*> daemon();

    /// The Manager, set up on first use with the chosen sandbox profile. The images of
    /// the drivers in `preload` are copied meanwhile (Manager::preload).
    Result<Manager*> manager(const std::vector<std::string>& preload = {});
    /// Before the command line is parsed: starts copying the images of the built-in
    /// drivers that the command named in argv will use (a guess from the first words;
    /// a wrong guess costs only the copy, on another CPU). For a one-shot command the
    /// copy then overlaps the parsing and the sandbox set-up instead of following them.
    void preload_for(int argc, char** argv);
    /// The same for a program that knows its drivers (umd-gpgv, umd-sqv): starts copying
    /// their images unless a umdd will serve the request (at `socket_asked`, else the
    /// socket daemon() would try).
    void preload_unless_served(const std::vector<std::string>& names, bool standalone_asked = false,
                               const std::string& socket_asked = {});
    /// Ends every handler this process started and reaps it (the Manager goes).
    void shut_down();
    /// The driver `name` from the Manager (loaded on first use).
    Result<Driver*> driver(const std::string& name);
    /// A failure of the command as a whole: "umd: <message>" on stderr (and the
    /// document's "error" with --json). Returns the exit code for the error's kind.
    int report(const Error& error);
    /// The verdict on one input that could not be judged good (unreadable, malformed,
    /// refused): "<name>: FAILED (<kind>)" on stdout, where every input's verdict goes
    /// (the name escaped: one line whatever it holds), or its entry in the document
    /// with --json; diagnose()'s line on stderr. Returns the exit code for the error's kind.
    int report_verdict(const std::string& name, const Error& error);
    /// report_verdict() without the line on stderr (for a reason told before).
    void print_failed(const std::string& name, const Error& error);
    /// The failure of a command's only input (`pgp verify`, `pgp show`, `rpm show`): its
    /// entry in the document with --json (report_verdict), else report()'s line.
    int report_only_input(const std::string& name, const Error& error);
    /// "umd: <message>" on stderr only (why one input failed); the exit code for its kind.
    int diagnose(const Error& error);
    /// With --json, prints the document on stdout with the exit status; else nothing.
    void finish();

private:
    /// The socket path, and whether the user named it (flag or environment).
    std::pair<std::string, bool> daemon_socket() const;
    std::unique_ptr<Manager> manager_;
    std::optional<DaemonClient> daemon_;
    bool configured_ = false;   ///< manager_ has the profile's options
};

void register_sample(CLI::App& app, Context& ctx);
void register_status(CLI::App& app, Context& ctx);
void register_run(CLI::App& app, Context& ctx);
void register_pgp(CLI::App& app, Context& ctx);
void register_rpm(CLI::App& app, Context& ctx);
void register_trust(CLI::App& app, Context& ctx);
void register_reload(CLI::App& app, Context& ctx);
void register_guard(CLI::App& app, Context& ctx);
void register_bpfilter(CLI::App& app, Context& ctx);

}  // namespace umd::cli
