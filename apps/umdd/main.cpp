// apps/umdd/main.cpp — umdd, the resident Manager (trusted side, privileged).
//
// Keeps the built-in drivers' handlers running, sandboxed, and serves verifications
// on an AF_UNIX socket (docs/umdd.md). Started by systemd through umdd.socket, or by
// hand. Exit status: 0 after SIGTERM/SIGINT, 2 a bad configuration or usage, 3 or
// more a failure to start.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "apps/umd/cli11.h"
#include "apps/umdd/config.h"
#include "apps/umdd/listener.h"
#include "apps/umdd/log.h"
#include "apps/umdd/server.h"
#include "apps/umdd/services.h"
#include "src/libcrypto/libcrypto.h"

namespace {

using namespace umd::daemon;

struct Flags {
    std::string config = default_config_path;
    bool config_given = false;
    std::string socket, db, log_level;
    std::vector<std::string> keyrings;
    std::vector<std::string> guard_paths;
    std::string guard_mode;
    bool foreground = false;
};

/// The configuration file, then every flag given over it.
umd::Result<Config> configure(const Flags& flags)
{
    auto config = UMD_TRY(load_config(flags.config, flags.config_given));
    if (!flags.socket.empty()) config.socket = flags.socket;
    if (!flags.db.empty()) config.db = flags.db;
    if (!flags.keyrings.empty()) config.keyrings = flags.keyrings;
    if (!flags.log_level.empty()) config.log_level = UMD_TRY(parse_log_level(flags.log_level));
    if (!flags.guard_paths.empty()) config.guard.paths = flags.guard_paths;
    if (!flags.guard_mode.empty()) config.guard.mode = flags.guard_mode;
    return config;
}

/// Without --foreground and outside systemd: the classic double duty of a daemon. The
/// parent waits until the child serves (or fails) and exits with its outcome.
int detach_unless(bool foreground, int& ready_fd)
{
    if (foreground || std::getenv("NOTIFY_SOCKET") || std::getenv("LISTEN_FDS")) return -1;
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return 3;
    pid_t pid = ::fork();
    if (pid < 0) return 3;
    if (pid > 0) {
        ::close(pipe_fds[1]);
        char status = 3;
        if (::read(pipe_fds[0], &status, 1) != 1) status = 3;
        return status;
    }
    ::close(pipe_fds[0]);
    ::setsid();
    ready_fd = pipe_fds[1];
    return -1;
}

void tell_parent(int& ready_fd, char status)
{
    if (ready_fd < 0) return;
    (void)!::write(ready_fd, &status, 1);
    ::close(ready_fd);
    ready_fd = -1;
}

}  // namespace

int main(int argc, char** argv)
{
    Flags flags;
    CLI::App app{"umdd — the resident umd Manager: sandboxed drivers kept running, verifications served on a socket"};
    app.set_version_flag("--version", std::string("umdd ") + UMD_VERSION);
    app.add_option("--config", flags.config, "Configuration file (default /etc/umd/umdd.toml)");
    app.add_option("--socket", flags.socket, "Listen here when not socket-activated (default /run/umd/umdd.sock)");
    app.add_option("--db", flags.db, "Trust database directory (default /var/lib/umd/trust.mdb)");
    app.add_option("--keyring", flags.keyrings, "OpenPGP keyring to keep parsed (repeatable; replaces the configured list)");
    app.add_option("--guard", flags.guard_paths, "Guard execution on the filesystem holding PATH (repeatable; replaces [guard] paths)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--guard-mode", flags.guard_mode, "The exec guard's mode at start: enforcing or permissive")
        ->check(CLI::IsMember({"enforcing", "permissive"}));
    app.add_flag("--foreground", flags.foreground, "Do not detach (the default under systemd)");
    app.add_option("--log-level", flags.log_level, "error, warning, notice, info (default) or debug");
    app.footer("Exit status: 0 stopped by SIGTERM or SIGINT, 2 bad configuration or usage, 3 or more a failure to start.\n"
               "SIGHUP reloads the configuration. See umdd(8) and /usr/share/doc/umd/umdd.md.");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        std::ostringstream out, err;
        int code = app.exit(e, out, err);
        std::fputs(out.str().c_str(), stdout);
        std::fputs(err.str().c_str(), stderr);
        return code == 0 ? 0 : 2;
    }
    flags.config_given = app.count("--config") > 0;

    auto config = configure(flags);
    if (!config) {
        std::fprintf(stderr, "umdd: %s\n", config.error().message.c_str());
        return umd::exit_code(config.error().code);
    }
    int ready_fd = -1;
    if (int parent = detach_unless(flags.foreground, ready_fd); parent >= 0) return parent;

    // Before any thread: the signals the server takes through its signalfd, and SIGPIPE
    // (a client or handler that went away is an error of one write, not of umdd).
    sigset_t mask;
    sigemptyset(&mask);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&mask, sig);
    ::pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    // Every connection is a descriptor: allow as many as the hard limit.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    umd::libcrypto::set_init_options(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
                                     OPENSSL_INIT_NO_ADD_ALL_DIGESTS);
    start_log(config->log_level);

    auto services = Services::start(*config);
    if (!services) {
        log(LogLevel::error, "umdd: starting the drivers: {}", services.error().message);
        stop_log();
        tell_parent(ready_fd, 3);
        return 3;
    }
    (*services)->warm_keyrings(config->keyrings);
    (*services)->open_trust_db(config->db);
    // Enforcement is in place before umdd says it is ready, and before a socket of its
    // own appears (which is how anyone without systemd sees that umdd is up).
    if (auto guarded = (*services)->start_guard(*config); !guarded) {
        log(LogLevel::error, "umdd: the exec guard: {}", guarded.error().message);
        stop_log();
        tell_parent(ready_fd, 3);
        return 3;
    }
    auto listener = open_listener(config->socket);
    if (!listener) {
        log(LogLevel::error, "umdd: {}", listener.error().message);
        stop_log();
        tell_parent(ready_fd, static_cast<char>(umd::exit_code(listener.error().code)));
        return umd::exit_code(listener.error().code);
    }
    log(LogLevel::info, "listening on {}{}", listener->activated ? "the socket systemd passed" : listener->path,
        listener->activated ? "" : " (made by umdd)");

    Config current = *config;
    auto reload = [&]() -> umd::Result<Config> {
        auto fresh = configure(flags);
        if (!fresh) {
            log(LogLevel::warning, "reload refused: {}; the configuration in force stays", fresh.error().message);
            return std::unexpected(umd::with_context(fresh.error(), "reload refused, the configuration in force stays"));
        }
        if (fresh->socket != current.socket) log(LogLevel::notice, "reload: a new socket path takes effect at the next start");
        if (fresh->guard != current.guard)
            log(LogLevel::notice, "reload: the [guard] settings take effect at the next start (`umd guard mode` switches now)");
        (*services)->warm_keyrings(fresh->keyrings);
        (*services)->open_trust_db(fresh->db);
        log(LogLevel::info, "reloaded {}", flags.config);
        current = *fresh;
        return current;
    };
    Server server(std::move(listener->fd), *config, **services, reload);
    tell_parent(ready_fd, 0);
    auto served = server.run();
    if (!listener->path.empty()) ::unlink(listener->path.c_str());
    if (!served) log(LogLevel::error, "umdd: {}", served.error().message);
    stop_log();
    return served ? 0 : 3;
}
