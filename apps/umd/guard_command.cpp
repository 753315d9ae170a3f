// apps/umd/guard_command.cpp — `umd guard status|mode|check` (trusted side; the guard runs in umdd).
//
// The exec guard lives in umdd (it needs the resident, privileged process and its
// trust database): these commands only ask it. Without a umdd they fail with exit 2.
#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "commands.h"

#include <umd/text.h>

namespace umd::cli {
namespace {

Result<DaemonClient*> guard_daemon(Context& ctx)
{
    auto daemon = UMD_TRY(ctx.daemon());
    if (!daemon) return fail(Errc::not_found, "no umdd answers: the exec guard runs in umdd (see umdd(8))");
    return daemon;
}

std::uint64_t number(const nlohmann::json& j, const char* a, const char* b)
{
    return j.at(a).at(b).get<std::uint64_t>();
}

void print_status(const nlohmann::json& j)
{
    const auto us = [&](const char* key) { return static_cast<double>(number(j, "latency", key)) / 1000.0; };
    std::printf("mode:        %s%s\n", printable_text(j.at("mode").get<std::string>()).c_str(),
                j.at("running").get<bool>() ? "" : " (not running)");
    std::printf("guarding:    %zu filesystem%s:", j.at("marks").get<std::size_t>(), j.at("marks").get<std::size_t>() == 1 ? "" : "s");
    for (const auto& p : j.at("paths")) std::printf(" %s", printable_text(p.get<std::string>()).c_str());
    std::printf("\n");
    std::printf("events:      %lu (exec %lu, open %lu, modified %lu, umdd's own %lu, overflows %lu)\n",
                number(j, "events", "total"), number(j, "events", "exec"), number(j, "events", "open"),
                number(j, "events", "modifications"), number(j, "events", "own_process"), number(j, "events", "overflows"));
    std::printf("verdicts:    allowed %lu, denied %lu (of which allowed by permissive mode %lu, failures %lu)\n",
                number(j, "verdicts", "allows"), number(j, "verdicts", "denies"), number(j, "verdicts", "permissive_allows"),
                number(j, "verdicts", "failures"));
    std::printf("cache:       hits %lu, joined %lu, misses %lu, %lu of %lu entries, %lu evicted\n", number(j, "cache", "hits"),
                number(j, "cache", "joins"), number(j, "cache", "misses"), number(j, "cache", "entries"),
                number(j, "cache", "capacity"), number(j, "cache", "evictions"));
    std::printf("hashing:     %lu files, %lu bytes, %.1f ms\n", number(j, "hashing", "files"), number(j, "hashing", "bytes"),
                static_cast<double>(number(j, "hashing", "ns")) / 1e6);
    std::printf("latency:     p50 %.1f us, p99 %.1f us, max %.1f us (%lu decisions)\n", us("p50_ns"), us("p99_ns"), us("max_ns"),
                number(j, "latency", "count"));
    std::printf("queue:       %lu of %lu, workers busy %lu of %lu, reader waited %lu times\n", number(j, "queue", "depth"),
                number(j, "queue", "capacity"), number(j, "workers", "busy"), number(j, "workers", "total"),
                number(j, "queue", "saturation_waits"));
    std::printf("audit:       %lu lines, %lu suppressed by the rate limit, %lu dropped\n", number(j, "audit", "records"),
                number(j, "audit", "suppressed"), number(j, "audit", "dropped"));
}

/// Prints one file's answer (or its entry in the document); its exit code: 0 allowed to run, 1 not.
int print_check(Context& ctx, const std::string& file, const daemon::GuardCheckReply& r)
{
    if (ctx.json) {
        nlohmann::ordered_json fields = {{"exec_allowed", r.exec_allowed}, {"open_allowed", r.open_allowed},
                                         {"reason", utf8_text(r.reason)}, {"digest", utf8_text(r.digest)},
                                         {"nevra", utf8_text(r.nevra)}, {"path", utf8_text(r.path)}, {"elf", r.elf},
                                         {"guarded", r.guarded}, {"permissive", r.permissive}};
        if (r.exec_allowed) ctx.json->add_yes(file, std::move(fields));
        else ctx.json->add_failure(file, Error{Errc::rejected, fmt::format("exec denied: {}", r.reason)}, std::move(fields));
        return r.exec_allowed ? 0 : 1;
    }
    std::string why = r.reason;
    if (!r.digest.empty()) why += ", " + r.digest;
    if (!r.nevra.empty()) why += fmt::format(", {} as {}", printable_text(r.nevra), printable_text(r.path));
    std::printf("%s: exec %s, open %s (%s)%s%s\n", printable_text(file).c_str(), r.exec_allowed ? "allowed" : "DENIED",
                r.open_allowed ? "allowed" : "DENIED", why.c_str(), r.elf ? "" : " [not ELF]",
                !r.guarded ? " [not on a guarded filesystem: the guard does not decide]"
                           : (r.permissive ? " [permissive mode: denies are logged, not enforced]" : ""));
    return r.exec_allowed ? 0 : 1;
}

/// The guard refused this command's own open of `file`: that refusal is its verdict.
int print_refused_open(Context& ctx, const std::string& file)
{
    constexpr const char* why = "the guard refused this command's own open: an untrusted ELF file";
    if (ctx.json)
        ctx.json->add_failure(file, Error{Errc::rejected, why}, {{"exec_allowed", false}, {"open_allowed", false}});
    else
        std::printf("%s: exec DENIED, open DENIED (%s)\n", printable_text(file).c_str(), why);
    return 1;
}

}  // namespace

void register_guard(CLI::App& app, Context& ctx)
{
    auto* guard = app.add_subcommand("guard", "The exec guard in umdd: code runs only when a trusted package vouches for it");
    guard->require_subcommand(1);

    auto* status = guard->add_subcommand("status", "The guard's mode, marks and counters");
    ctx.add_json_flag(*status);
    status->footer("Exit status: 0 shown, 2 no umdd, 3 or more a failure.");
    status->callback([&ctx] {
        auto daemon = guard_daemon(ctx);
        auto document = daemon ? (*daemon)->call_for_document(daemon::Operation::guard_status, {}, {})
                               : Result<nlohmann::json>(std::unexpected(daemon.error()));
        if (!document) {
            ctx.exit_code = ctx.report(document.error());
            return;
        }
        if (ctx.json) ctx.json->set("guard", *document);
        else print_status(*document);
        ctx.exit_code = 0;
    });

    auto mode = std::make_shared<std::string>();
    auto* set_mode = guard->add_subcommand("mode", "Switch the guard to enforcing or permissive (until umdd restarts)");
    set_mode->add_option("MODE", *mode, "enforcing or permissive")->required()->check(CLI::IsMember({"enforcing", "permissive"}));
    ctx.add_json_flag(*set_mode);
    set_mode->footer("Only root or umdd's admin group may switch. The mode configured in umdd.toml (or --guard-mode)\n"
                     "is the one a restart of umdd starts in.\n"
                     "Exit status: 0 switched, 2 no umdd or no guard, 3 or more a failure, 4 not permitted.");
    set_mode->callback([&ctx, mode] {
        auto daemon = guard_daemon(ctx);
        auto done = daemon ? (*daemon)->call(daemon::Operation::guard_mode,
                                             daemon::encode_fields(daemon::GuardModeRequest{*mode == "permissive"}), {})
                           : Result<Bytes>(std::unexpected(daemon.error()));
        if (!done) {
            ctx.exit_code = ctx.report(done.error());
            return;
        }
        if (ctx.json) ctx.json->set("mode", *mode);
        else std::printf("guard: %s\n", mode->c_str());
        ctx.exit_code = 0;
    });

    auto files = std::make_shared<std::vector<std::string>>();
    auto* check = guard->add_subcommand("check", "What the guard decides for each file, and why");
    check->add_option("FILE", *files, "Files to check")->required();
    ctx.add_json_flag(*check);
    check->footer("Exit status: 0 every file may run, 1 any may not, 2 any unreadable (or no umdd).");
    check->callback([&ctx, files] {
        auto daemon = guard_daemon(ctx);
        if (!daemon) {
            ctx.exit_code = ctx.report(daemon.error());
            return;
        }
        int worst = 0;
        for (const auto& f : *files) {
            UniqueFd opened(::open(f.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
            const int open_error = errno;
            if (!opened && open_error == EPERM) {
                // On a guarded filesystem the guard refuses any open of an untrusted ELF
                // file (ld.so maps libraries after a plain open), this command's too:
                // that refusal is the guard's verdict.
                worst = std::max(worst, print_refused_open(ctx, f));
                continue;
            }
            if (!opened) {
                worst = std::max(worst, ctx.report_verdict(f, Error{open_error == ENOENT ? Errc::not_found : Errc::io,
                                                                    fmt::format("{}: {}", f, std::strerror(open_error))}));
                continue;
            }
            const int fds[] = {opened.get()};
            auto fields = (*daemon)->call(daemon::Operation::guard_check, daemon::encode_fields(daemon::GuardCheckRequest{f}), fds);
            if (!fields) {
                // A file umdd could not read is this file's verdict; anything else ends the command.
                if (fields.error().code != Errc::io && fields.error().code != Errc::bad_input) {
                    worst = std::max(worst, ctx.report(fields.error()));
                    break;
                }
                worst = std::max(worst, ctx.report_verdict(f, fields.error()));
                continue;
            }
            ByteReader in(*fields, "umdd guard check reply");
            auto reply = daemon::decode_guard_check_reply(in);
            if (!reply) {
                worst = std::max(worst, ctx.report(reply.error()));
                break;
            }
            worst = std::max(worst, print_check(ctx, f, *reply));
        }
        ctx.exit_code = worst;
    });
}

}  // namespace umd::cli
