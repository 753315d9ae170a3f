// apps/umd/trust_command.cpp — `umd trust add|remove|list|check` (trusted side).
//
// The trust database maps file digests to the verified packages vouching for
// them. Only packages that verified (header signature, claims, payload digest:
// RpmSession::verify, the one verify path) and whose file digests are not MD5
// or SHA-1 (unless --allow-weak-digests, which warns) are added, in one
// transaction for the batch; the rest are refused with why.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "commands.h"

#include <umd/text.h>
#include "drivers/rpm/trusted/claim_check.h"
#include "drivers/rpm/trusted/rpm_session.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::cli {
namespace {

constexpr std::size_t progress_threshold = 20;   // packages before a progress bar is worth drawing

void draw_progress(std::size_t done, std::size_t total)
{
    constexpr int width = 40;
    int filled = static_cast<int>(done * width / (total ? total : 1));
    std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu", filled, "########################################", width - filled, "", done, total);
    if (done == total) std::fputc('\n', stderr);
}

}  // namespace

void register_trust(CLI::App& app, Context& ctx)
{
    auto* trust = app.add_subcommand("trust", "The trust database: file digests vouched for by verified packages");
    trust->require_subcommand(1);
    auto db_path = std::make_shared<std::string>(rpm::default_trust_db);
    // --db is accepted before the subcommand (`umd trust --db D add`) and, as
    // users write it, after it (`umd trust add --db D`): both set the same path.
    const auto add_db_option = [db_path](CLI::App* cmd) {
        cmd->add_option("--db", *db_path, "Trust database directory (default /var/lib/umd/trust.mdb)");
    };
    add_db_option(trust);

    auto keyrings = std::make_shared<std::vector<std::string>>();
    auto packages = std::make_shared<std::vector<std::string>>();
    auto allow_weak = std::make_shared<bool>(false);
    const char* weak_help = "Let MD5 and SHA-1 file digests vouch for files (old packages; weak: collisions are practical)";
    const char* weak_warning = "umd: WARNING: --allow-weak-digests: MD5 and SHA-1 file digests are trusted; "
                               "a file colliding with one of them would be trusted too\n";
    auto* add = trust->add_subcommand("add", "Verify packages and add the digests of their files");
    add_db_option(add);
    add->add_option("--keyring", *keyrings, "OpenPGP certificate file (repeatable; default: /etc/umd/keys.d)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    add->add_flag("--allow-weak-digests", *allow_weak, weak_help);
    add->add_option("PKG", *packages, "Package files")->required();
    add->footer("A package whose file digests are MD5 or SHA-1 is refused unless --allow-weak-digests.\n"
                "Exit status: 0 all added, 1 any refused (not valid, or weak digests), 2 any malformed or unreadable, 3 or more a failure.");
    add->callback([&ctx, db_path, keyrings, packages, allow_weak, weak_warning] {
        if (*allow_weak) std::fputs(weak_warning, stderr);
        auto manager = ctx.manager();
        if (!manager) {
            ctx.exit_code = ctx.report(manager.error());
            return;
        }
        auto session = rpm::RpmSession::open(**manager, *keyrings);
        if (!session) {
            ctx.exit_code = ctx.report(session.error());
            return;
        }
        auto db = rpm::TrustDb::open(*db_path, {.allow_weak_digests = *allow_weak});
        if (!db) {
            ctx.exit_code = ctx.report(db.error());
            return;
        }
        const bool bar = !ctx.quiet && packages->size() >= progress_threshold && isatty(STDERR_FILENO);
        std::vector<rpm::VerifiedPackage> verified;
        int worst = 0;
        std::size_t refused = 0;
        for (std::size_t i = 0; i < packages->size(); ++i) {
            auto v = (*session)->verify((*packages)[i]);
            if (v && !*allow_weak && rpm::weak_digest_algo(v->info().digest_algo) &&
                std::any_of(v->info().files.begin(), v->info().files.end(), [](const rpm::PackageFile& f) { return (f.mode & 0170000) == 0100000 && !f.digest.empty(); }))
                v = std::unexpected(Error{Errc::rejected, fmt::format("{}: {} file digests are too weak to vouch for files "
                                                                      "(--allow-weak-digests allows them, for old packages)",
                                                                      (*packages)[i], rpm::digest_algo_name(v->info().digest_algo))});
            if (v) {
                verified.push_back(std::move(*v));
            } else {
                if (bar) std::fputc('\n', stderr);
                worst = std::max(worst, ctx.report(with_context(v.error(), "refused")));
                ++refused;
            }
            if (bar) draw_progress(i + 1, packages->size());
        }
        std::vector<const rpm::VerifiedPackage*> batch;
        for (const auto& v : verified) batch.push_back(&v);
        if (auto s = db->add_batch(batch); !s) {
            ctx.exit_code = ctx.report(s.error());
            return;
        }
        std::printf("trust: added %zu package%s, refused %zu\n", verified.size(), verified.size() == 1 ? "" : "s", refused);
        ctx.exit_code = worst;
    });

    auto nevra = std::make_shared<std::string>();
    auto* remove = trust->add_subcommand("remove", "Remove a package and every digest it added");
    add_db_option(remove);
    remove->add_option("NEVRA", *nevra, "name-[epoch:]version-release.arch, as `umd trust list` shows it")->required();
    remove->callback([&ctx, db_path, nevra] {
        auto db = rpm::TrustDb::open(*db_path, {.create = false});
        if (!db) {
            ctx.exit_code = ctx.report(db.error());
            return;
        }
        if (auto s = db->remove(*nevra); !s) {
            ctx.exit_code = ctx.report(s.error());
            return;
        }
        std::printf("trust: removed %s\n", nevra->c_str());
        ctx.exit_code = 0;
    });

    auto json = std::make_shared<bool>(false);
    auto* list = trust->add_subcommand("list", "List the packages in the database");
    add_db_option(list);
    list->add_flag("--json", *json, "JSON output");
    list->callback([&ctx, db_path, json] {
        auto db = rpm::TrustDb::open(*db_path, {.read_only = true});
        if (!db) {
            ctx.exit_code = ctx.report(db.error());
            return;
        }
        auto packages = db->list();
        if (!packages) {
            ctx.exit_code = ctx.report(packages.error());
            return;
        }
        if (*json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& p : *packages)
                out.push_back({{"nevra", p.nevra}, {"signer", p.signer}, {"header_sha256", p.header_sha256},
                               {"added", p.added}, {"digest_algorithm", p.digest_algo}, {"files", p.files}});
            std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        } else {
            for (const auto& p : *packages)
                std::printf("%s  files=%u  signer=%s\n", printable_text(p.nevra).c_str(), p.files, p.signer.c_str());
        }
        ctx.exit_code = 0;
    });

    auto files = std::make_shared<std::vector<std::string>>();
    auto* check = trust->add_subcommand("check", "Say whether each file's digest is vouched for by a trusted package");
    add_db_option(check);
    auto check_weak = std::make_shared<bool>(false);
    check->add_flag("--allow-weak-digests", *check_weak, weak_help);
    check->add_option("FILE", *files, "Files to check")->required();
    check->footer("MD5 and SHA-1 digests in the database do not make a file trusted unless --allow-weak-digests.\n"
                  "Exit status: 0 all trusted, 1 any not trusted, 2 any unreadable.");
    check->callback([&ctx, db_path, files, check_weak, weak_warning] {
        if (*check_weak) std::fputs(weak_warning, stderr);
        auto db = rpm::TrustDb::open(*db_path, {.read_only = true, .allow_weak_digests = *check_weak});
        if (!db) {
            ctx.exit_code = ctx.report(db.error());
            return;
        }
        int worst = 0;
        for (const auto& f : *files) {
            auto r = db->check_file(f);
            if (!r) {
                worst = std::max(worst, ctx.report(r.error()));
                continue;
            }
            if (r->vouchers.empty()) {
                std::printf("%s: NOT TRUSTED (%s)\n", f.c_str(), r->digest.c_str());
                worst = std::max(worst, 1);
            } else {
                std::printf("%s: trusted, %s as %s\n", f.c_str(), printable_text(r->vouchers[0].nevra).c_str(),
                            printable_text(r->vouchers[0].path).c_str());
            }
        }
        ctx.exit_code = worst;
    });
}

}  // namespace umd::cli
