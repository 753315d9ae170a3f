// apps/umd/trust_command.cpp — `umd trust add|remove|list|check` (trusted side; through umdd when one answers).
//
// The trust database maps file digests to the verified packages vouching for
// them. Only packages that verified (header signature, claims, payload digest:
// the one verify path) and whose file digests are not MD5 or SHA-1 (unless
// --allow-weak-digests, which warns) are added; the rest are refused with why.
//
// With a umdd answering, the commands go to it (files as descriptors this process
// opened), and the daemon's database is the one used — unless --db names another
// one, which this process then opens itself. Output and exit codes are the same
// either way. Standalone, `trust add` writes the whole batch in one transaction;
// through umdd, each request's packages (up to daemon::max_trust_add) are one.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "standard_input.h"

#include <umd/text.h>
#include "drivers/rpm/trusted/claim_check.h"
#include "drivers/rpm/trusted/describe.h"
#include "drivers/rpm/trusted/pgp_signature_check.h"
#include "drivers/rpm/trusted/rpm_session.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::cli {
namespace {

constexpr std::size_t progress_threshold = 20;   // packages before a progress bar is worth drawing
const char* const weak_help = "Let MD5 and SHA-1 file digests vouch for files (old packages; weak: collisions are practical)";
const char* const weak_warning = "umd: WARNING: --allow-weak-digests: MD5 and SHA-1 file digests are trusted; "
                                 "a file colliding with one of them would be trusted too\n";

void draw_progress(std::size_t done, std::size_t total)
{
    constexpr int width = 40;
    int filled = static_cast<int>(done * width / (total ? total : 1));
    std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu", filled, "########################################", width - filled, "", done, total);
    if (done == total) std::fputc('\n', stderr);
}

/// The database a command names: --db (before or after the subcommand), or the default.
struct DbChoice {
    std::string path = rpm::default_trust_db;
    bool given = false;
};

/// The umdd to send a trust command to, or null to open the database here: when no
/// umdd answers, or when --db names another database than the one umdd serves.
Result<DaemonClient*> daemon_for(Context& ctx, const DbChoice& db)
{
    auto daemon = UMD_TRY(ctx.daemon());
    if (!daemon || !db.given) return daemon;
    auto fields = UMD_TRY(daemon->call(daemon::Operation::status, {}, {}));
    ByteReader in(fields, "umdd status reply");
    auto status = UMD_TRY(daemon::decode_status(in));
    std::error_code ec;
    const auto named = std::filesystem::weakly_canonical(db.path, ec);
    return named == std::filesystem::path(status.trust_db) ? daemon : nullptr;
}

/// The packages' verdicts, as both paths count them.
struct Tally {
    std::size_t added = 0, refused = 0;
    int worst = 0;
};

/// One package's verdict on stdout: "NAME: added NEVRA" or "NAME: FAILED (KIND)" (or
/// its entry in the document), counted. Why a package was refused is told on stderr
/// by the caller, when it happens.
void print_add_verdict(Context& ctx, Tally& tally, const std::string& name, const Result<std::string>& nevra)
{
    if (!nevra) {
        ++tally.refused;
        tally.worst = std::max(tally.worst, exit_code(nevra.error().code));
        ctx.print_failed(name, nevra.error());
    } else if (++tally.added; ctx.json) {
        ctx.json->add_yes(name, {{"nevra", utf8_text(*nevra)}});
    } else {
        std::printf("%s: added %s\n", printable_text(name).c_str(), printable_text(*nevra).c_str());
    }
}

/// Why a package was refused, on stderr (below the progress bar when one is drawn).
void tell_refusal(Context& ctx, const Error& error, bool bar)
{
    if (bar) std::fputc('\n', stderr);
    ctx.diagnose(with_context(error, "refused"));
}

int print_summary(Context& ctx, const Tally& tally)
{
    if (ctx.json) {
        ctx.json->set("added", tally.added);
        ctx.json->set("refused", tally.refused);
    } else {
        std::printf("trust: added %zu package%s, refused %zu\n", tally.added, tally.added == 1 ? "" : "s", tally.refused);
    }
    return tally.worst;
}

struct AddArgs {
    std::vector<std::string> keyrings;
    std::vector<std::string> packages;   ///< as given: the names verdicts use
    std::vector<std::string> sources;    ///< what is opened for each package (`-`: the copy of standard input)
    bool allow_weak = false;
    StandardInput standard_input;
};


int add_here(Context& ctx, const AddArgs& args, const std::string& db_path, bool bar)
{
    auto manager = ctx.manager();
    if (!manager) return ctx.report(manager.error());
    auto session = rpm::RpmSession::open(**manager, args.keyrings);
    if (!session) return ctx.report(session.error());
    auto db = rpm::TrustDb::open(db_path, {.allow_weak_digests = args.allow_weak});
    if (!db) return ctx.report(db.error());
    std::vector<rpm::VerifiedPackage> verified;
    std::vector<Result<std::string>> verdicts;   // one per package, in order: its NEVRA or why it was refused
    for (std::size_t i = 0; i < args.packages.size(); ++i) {
        auto v = (*session)->verify(args.sources[i]);
        if (v) {
            if (auto ok = rpm::check_admissible(*v, args.packages[i], args.allow_weak); !ok) v = std::unexpected(ok.error());
        }
        if (v) {
            verdicts.emplace_back(v->info().nevra());
            verified.push_back(std::move(*v));
        } else {
            tell_refusal(ctx, v.error(), bar);
            verdicts.emplace_back(std::unexpected(v.error()));
        }
        if (bar) draw_progress(i + 1, args.packages.size());
    }
    std::vector<const rpm::VerifiedPackage*> batch;
    for (const auto& v : verified) batch.push_back(&v);
    // One transaction: when it fails, no package was added, and each says why.
    const Status committed = db->add_batch(batch);
    Tally tally;
    for (std::size_t i = 0; i < args.packages.size(); ++i)
        print_add_verdict(ctx, tally, args.packages[i],
                          committed || !verdicts[i] ? verdicts[i] : Result<std::string>(std::unexpected(committed.error())));
    if (!committed) return std::max(print_summary(ctx, tally), ctx.report(committed.error()));
    return print_summary(ctx, tally);
}

/// `trust add` through umdd: the keyrings and up to max_trust_add packages a request.
/// Nothing when the keyrings leave no room for a package (the caller adds standalone).
std::optional<int> add_through(Context& ctx, DaemonClient& daemon, const AddArgs& args, bool bar)
{
    auto chosen = rpm::keyrings_to_use(args.keyrings, rpm::default_keyring_dir);
    if (!chosen) return ctx.report(chosen.error());
    const std::vector<std::string>& keyrings = *chosen;
    if (keyrings.size() >= daemon::max_fds) return std::nullopt;
    std::vector<UniqueFd> keyring_fds;
    for (const auto& path : keyrings) {
        auto fd = open_for_daemon(path);
        if (!fd) return ctx.report(fd.error());
        keyring_fds.push_back(std::move(*fd));
    }
    const std::size_t per_request = std::min(daemon::max_trust_add, daemon::max_fds - keyrings.size());
    Tally tally;
    std::size_t done = 0;
    const auto refuse = [&](const std::string& name, const Error& e) {
        tell_refusal(ctx, e, bar);
        print_add_verdict(ctx, tally, name, std::unexpected(e));
    };
    for (std::size_t next = 0; next < args.packages.size();) {
        daemon::TrustAddRequest request;
        request.keyrings = static_cast<std::uint32_t>(keyrings.size());
        request.allow_weak_digests = args.allow_weak;
        request.names = keyrings;
        std::vector<int> fds;
        for (const auto& fd : keyring_fds) fds.push_back(fd.get());
        std::vector<UniqueFd> package_fds;
        for (; next < args.packages.size() && package_fds.size() < per_request; ++next) {
            auto fd = open_for_daemon(args.sources[next], Errc::io);   // as PackageSource::open reports it
            if (!fd) {
                if (!package_fds.empty()) break;   // reported after the packages before it, in order
                refuse(args.packages[next], fd.error());
                continue;
            }
            request.names.push_back(args.packages[next]);
            fds.push_back(fd->get());
            package_fds.push_back(std::move(*fd));
        }
        if (package_fds.empty()) continue;
        auto fields = daemon.call(daemon::Operation::trust_add, daemon::encode_fields(request), fds);
        // The keyring, a refusal of who asks, a failed commit or umdd gone: the batch stops here.
        // What was added before stays added, and is counted.
        const auto stop = [&](const Error& e) { return std::max(print_summary(ctx, tally), ctx.report(e)); };
        if (!fields) return stop(fields.error());
        ByteReader in(*fields, "umdd trust add reply");
        auto reply = daemon::decode_trust_add_reply(in);
        if (!reply) return stop(reply.error());
        if (reply->packages.size() != package_fds.size())
            return stop(Error{Errc::protocol, fmt::format("umdd answered for {} of {} packages", reply->packages.size(), package_fds.size())});
        for (std::size_t i = 0; i < reply->packages.size(); ++i) {
            const std::string& name = request.names[keyrings.size() + i];
            if (reply->packages[i]) print_add_verdict(ctx, tally, name, reply->packages[i]);
            else refuse(name, reply->packages[i].error());
        }
        done = next;
        if (bar) draw_progress(done, args.packages.size());
    }
    return print_summary(ctx, tally);
}

int remove_package(Context& ctx, const DbChoice& db, const std::string& nevra)
{
    auto daemon = daemon_for(ctx, db);
    if (!daemon) return ctx.report(daemon.error());
    if (*daemon) {
        auto done = (*daemon)->call(daemon::Operation::trust_remove, daemon::encode_fields(daemon::TrustRemoveRequest{nevra}), {});
        if (!done) return ctx.report_only_input(nevra, done.error());
    } else {
        auto opened = rpm::TrustDb::open(db.path, {.create = false});
        if (!opened) return ctx.report(opened.error());
        if (auto s = opened->remove(nevra); !s) return ctx.report_only_input(nevra, s.error());
    }
    if (ctx.json) ctx.json->add_yes(nevra);
    else std::printf("trust: removed %s\n", printable_text(nevra).c_str());
    return 0;
}

/// `trust list`'s document (rpm::describe_trusted), from umdd or made here.
Result<nlohmann::json> list_packages(Context& ctx, const DbChoice& db)
{
    auto daemon = UMD_TRY(daemon_for(ctx, db));
    if (daemon) return daemon->call_for_document(daemon::Operation::trust_list, {}, {});
    auto opened = UMD_TRY(rpm::TrustDb::open(db.path, {.read_only = true}));
    auto packages = UMD_TRY(opened.list());
    return rpm::describe_trusted(packages);
}

/// Prints one file's answer (or its entry in the document); returns its exit code (0 trusted, 1 not).
int print_check(Context& ctx, const std::string& file, const daemon::TrustCheckAnswer& answer)
{
    if (ctx.json) {
        nlohmann::ordered_json fields = {{"digest", answer.digest}, {"vouchers", answer.vouchers}};
        if (answer.vouchers == 0) {
            ctx.json->add_failure(file, Error{Errc::rejected, fmt::format("no trusted package vouches for {}", answer.digest)},
                                  std::move(fields));
            return 1;
        }
        fields["nevra"] = utf8_text(answer.nevra);
        fields["path"] = utf8_text(answer.path);
        ctx.json->add_yes(file, std::move(fields));
        return 0;
    }
    // One line per file, whatever its name holds (a line feed would forge another file's verdict).
    const std::string name = printable_text(file);
    if (answer.vouchers == 0) {
        std::printf("%s: NOT TRUSTED (%s)\n", name.c_str(), answer.digest.c_str());
        return 1;
    }
    std::printf("%s: trusted, %s as %s\n", name.c_str(), printable_text(answer.nevra).c_str(), printable_text(answer.path).c_str());
    return 0;
}

int check_here(Context& ctx, const std::string& db_path, const std::vector<std::string>& files, bool allow_weak)
{
    auto db = rpm::TrustDb::open(db_path, {.read_only = true, .allow_weak_digests = allow_weak});
    if (!db) return ctx.report(db.error());
    int worst = 0;
    for (const auto& f : files) {
        auto r = db->check_file(f);
        if (!r) {
            worst = std::max(worst, ctx.report_verdict(f, r.error()));
            continue;
        }
        daemon::TrustCheckAnswer answer{r->digest, static_cast<std::uint32_t>(r->vouchers.size()), {}, {}};
        if (!r->vouchers.empty()) {
            answer.nevra = r->vouchers[0].nevra;
            answer.path = r->vouchers[0].path;
        }
        worst = std::max(worst, print_check(ctx, f, answer));
    }
    return worst;
}

/// `trust check` through umdd: up to max_trust_check files a request, answered in order.
int check_through(Context& ctx, DaemonClient& daemon, const std::vector<std::string>& files, bool allow_weak)
{
    int worst = 0;
    for (std::size_t next = 0; next < files.size();) {
        daemon::TrustCheckRequest request;
        request.allow_weak_digests = allow_weak;
        std::vector<UniqueFd> opened;
        std::vector<std::string> names;
        std::vector<int> fds;
        // Files that cannot be opened are reported in their place in the order.
        for (; next < files.size() && opened.size() < daemon::max_trust_check; ++next) {
            auto fd = open_for_daemon(files[next], Errc::io);
            if (!fd) {
                if (!opened.empty()) break;   // report it after the files before it
                worst = std::max(worst, ctx.report_verdict(files[next], fd.error()));
                continue;
            }
            request.names.push_back(files[next]);
            fds.push_back(fd->get());
            opened.push_back(std::move(*fd));
        }
        if (opened.empty()) continue;
        auto fields = daemon.call(daemon::Operation::trust_check, daemon::encode_fields(request), fds);
        if (!fields) return std::max(worst, ctx.report(fields.error()));
        ByteReader in(*fields, "umdd trust check reply");
        auto reply = daemon::decode_trust_check_reply(in);
        if (!reply) return std::max(worst, ctx.report(reply.error()));
        if (reply->files.size() != opened.size())
            return std::max(worst, ctx.report(Error{Errc::protocol, fmt::format("umdd answered for {} of {} files",
                                                                               reply->files.size(), opened.size())}));
        for (std::size_t i = 0; i < opened.size(); ++i) {
            if (!reply->files[i]) worst = std::max(worst, ctx.report_verdict(request.names[i], reply->files[i].error()));
            else worst = std::max(worst, print_check(ctx, request.names[i], *reply->files[i]));
        }
    }
    return worst;
}

}  // namespace

void register_trust(CLI::App& app, Context& ctx)
{
    auto* trust = app.add_subcommand("trust", "The trust database: file digests vouched for by verified packages");
    trust->require_subcommand(1);
    auto db = std::make_shared<DbChoice>();
    // --db is accepted before the subcommand (`umd trust --db D add`) and, as
    // users write it, after it (`umd trust add --db D`): both set the same path.
    const auto add_db_option = [db](CLI::App* cmd) {
        cmd->add_option_function<std::string>("--db", [db](const std::string& path) {
            db->path = path;
            db->given = true;
        }, "Trust database directory (default: the one umdd serves, else /var/lib/umd/trust.mdb)");
    };
    add_db_option(trust);

    auto add_args = std::make_shared<AddArgs>();
    auto* add = trust->add_subcommand("add", "Verify packages and add the digests of their files");
    add_db_option(add);
    add->add_option("--keyring", add_args->keyrings, "OpenPGP certificate file (repeatable; default: /etc/umd/keys.d; '-': standard input)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    add->add_flag("--allow-weak-digests", add_args->allow_weak, weak_help);
    add->add_option("PKG", add_args->packages, "Package files ('-': standard input, for one of them or one keyring)")->required();
    ctx.add_json_flag(*add);
    add->footer("A package whose file digests are MD5 or SHA-1 is refused unless --allow-weak-digests.\n"
                "Through umdd, only root or umdd's admin group may add.\n"
                "Exit status: 0 all added, 1 any refused (not valid, or weak digests), 2 any malformed or unreadable,\n"
                "3 or more a failure (also: umdd stopped mid-request: what it committed stays, the rest was not added),\n"
                "4 not permitted.");
    add->callback([&ctx, db, add_args] {
        if (add_args->allow_weak) std::fputs(weak_warning, stderr);
        const bool bar = !ctx.quiet && add_args->packages.size() >= progress_threshold && isatty(STDERR_FILENO);
        if (auto ready = add_args->standard_input.resolve(add_args->keyrings, add_args->packages, add_args->sources); !ready) {
            ctx.exit_code = ctx.report(ready.error());
            return;
        }
        auto daemon = daemon_for(ctx, *db);
        if (!daemon) {
            ctx.exit_code = ctx.report(daemon.error());
            return;
        }
        if (*daemon) {
            if (auto code = add_through(ctx, **daemon, *add_args, bar)) {
                ctx.exit_code = *code;
                return;
            }
        }
        ctx.exit_code = add_here(ctx, *add_args, db->path, bar);
    });

    auto nevra = std::make_shared<std::string>();
    auto* remove = trust->add_subcommand("remove", "Remove a package and every digest it added");
    add_db_option(remove);
    remove->add_option("NEVRA", *nevra, "name-[epoch:]version-release.arch, as `umd trust list` shows it")->required();
    ctx.add_json_flag(*remove);
    remove->footer("Through umdd, only root or umdd's admin group may remove.\n"
                   "Exit status: 0 removed, 2 no such package or no database, 3 or more a failure, 4 not permitted.");
    remove->callback([&ctx, db, nevra] { ctx.exit_code = remove_package(ctx, *db, *nevra); });

    auto* list = trust->add_subcommand("list", "List the packages in the database");
    add_db_option(list);
    ctx.add_json_flag(*list);
    list->callback([&ctx, db] {
        auto packages = list_packages(ctx, *db);
        if (!packages) {
            ctx.exit_code = ctx.report(packages.error());
            return;
        }
        if (ctx.json) {
            ctx.json->set("packages", *packages);
        } else {
            for (const auto& p : *packages)
                std::printf("%s  files=%u  signer=%s\n", printable_text(p["nevra"].get<std::string>()).c_str(),
                            p["files"].get<unsigned>(), printable_text(p["signer"].get<std::string>()).c_str());
        }
        ctx.exit_code = 0;
    });

    auto files = std::make_shared<std::vector<std::string>>();
    auto* check = trust->add_subcommand("check", "Say whether each file's digest is vouched for by a trusted package");
    add_db_option(check);
    auto check_weak = std::make_shared<bool>(false);
    check->add_flag("--allow-weak-digests", *check_weak, weak_help);
    check->add_option("FILE", *files, "Files to check")->required();
    ctx.add_json_flag(*check);
    check->footer("MD5 and SHA-1 digests in the database do not make a file trusted unless --allow-weak-digests.\n"
                  "Exit status: 0 all trusted, 1 any not trusted, 2 any unreadable.");
    check->callback([&ctx, db, files, check_weak] {
        if (*check_weak) std::fputs(weak_warning, stderr);
        auto daemon = daemon_for(ctx, *db);
        if (!daemon) {
            ctx.exit_code = ctx.report(daemon.error());
            return;
        }
        ctx.exit_code = *daemon ? check_through(ctx, **daemon, *files, *check_weak) : check_here(ctx, db->path, *files, *check_weak);
    });
}

}  // namespace umd::cli
