// apps/umd/rpm_command.cpp — `umd rpm verify|digests|show` (trusted side; through umdd when one answers).
//
// verify and digests: each package is parsed by the sandboxed RPM handler, the
// header it returns is tied to the file's bytes, its header signature verified
// by the OpenPGP driver against the keyring, its claims checked against the
// signed header and its payload hashed against the signed payload digest
// (RpmSession::verify); only then is anything printed from it. Exit: 0 all valid, 1 any not valid, 2 any malformed or unreadable,
// 3 or more a handler or internal failure (the worst one wins).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "standard_input.h"

#include <umd/text.h>
#include "drivers/rpm/trusted/claim_check.h"
#include "drivers/rpm/trusted/describe.h"
#include "drivers/rpm/trusted/header_digest.h"
#include "drivers/rpm/trusted/pgp_signature_check.h"
#include "drivers/rpm/trusted/rpm_session.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::cli {
namespace {

struct RpmArgs {
    std::vector<std::string> keyrings;
    std::vector<std::string> packages;   ///< as given: the names verdicts use
    std::vector<std::string> sources;    ///< what is opened for each package (`-`: the copy of standard input)
    StandardInput standard_input;
};


/// What a package that fails prints besides the reason on stderr: `verify` gives every
/// package a verdict line on stdout (docs/output.md); `digests` prints digests only,
/// so that its output stays a list of digests.
enum class Failures { verdict_line, stderr_only };

int report_failure(Context& ctx, Failures failures, const std::string& path, const Error& error)
{
    // A JSON document has every package's entry, `digests`' too.
    return failures == Failures::verdict_line || ctx.json ? ctx.report_verdict(path, error) : ctx.diagnose(error);
}

/// What was verified of one package (here or by umdd), and with `digests` the
/// digests of its regular files.
struct Verified {
    std::string nevra, signer;
    std::uint32_t digest_algo = 0;
    std::vector<daemon::RpmFileDigest> files;
};

Verified verified_here(const rpm::VerifiedPackage& v, bool digests)
{
    Verified out{v.info().nevra(), v.signer(), v.info().digest_algo, {}};
    if (digests)
        for (const auto& f : v.info().files)
            if ((f.mode & 0170000) == 0100000 && !f.digest.empty()) out.files.push_back({f.digest, f.path});
    return out;
}

/// Runs `each` on every verified package (with `digests`, its files' digests too);
/// returns the exit code (worst wins).
template <class Each>
int for_each_verified(Context& ctx, const RpmArgs& args, bool digests, Each each)
{
    const Failures failures = digests ? Failures::stderr_only : Failures::verdict_line;
    auto manager = ctx.manager();
    if (!manager) return ctx.report(manager.error());
    auto session = rpm::RpmSession::open(**manager, args.keyrings);
    if (!session) return ctx.report(session.error());
    int worst = 0;
    for (std::size_t i = 0; i < args.packages.size(); ++i) {
        const std::string& path = args.packages[i];
        auto v = (*session)->verify(args.sources[i]);
        if (!v) {
            worst = std::max(worst, report_failure(ctx, failures, path, v.error()));
            continue;
        }
        each(path, verified_here(*v, digests));
    }
    return worst;
}

/// Reads the digest list umdd wrote into the memfd (bounded by what the reply says).
Result<std::vector<daemon::RpmFileDigest>> read_digest_list(int fd, std::uint64_t size)
{
    auto list = UMD_TRY(read_reply_file(fd, size, 256u << 20));
    return daemon::decode_rpm_digest_list(list);
}

/// `umd rpm verify|digests` through umdd: the keyrings and each package passed as
/// descriptors, one package a request; `each` prints as standalone does. Nothing when
/// the keyrings do not fit in one request (the caller verifies standalone).
template <class Each>
std::optional<int> verify_through(Context& ctx, DaemonClient& daemon, const RpmArgs& args, bool digests, Each each)
{
    const Failures failures = digests ? Failures::stderr_only : Failures::verdict_line;
    auto chosen = rpm::keyrings_to_use(args.keyrings, rpm::default_keyring_dir);
    if (!chosen) return ctx.report(chosen.error());
    const std::vector<std::string>& keyrings = *chosen;
    if (keyrings.size() + 2 > daemon::max_fds) return std::nullopt;
    std::vector<UniqueFd> keyring_fds;
    for (const auto& path : keyrings) {
        auto fd = open_for_daemon(path);
        if (!fd) return ctx.report(fd.error());
        keyring_fds.push_back(std::move(*fd));
    }
    int worst = 0;
    for (std::size_t i = 0; i < args.packages.size(); ++i) {
        const std::string& path = args.packages[i];
        auto package = open_for_daemon(args.sources[i], Errc::io);   // as PackageSource::open reports it
        if (!package) {
            worst = std::max(worst, report_failure(ctx, failures, path, package.error()));
            continue;
        }
        daemon::RpmVerifyRequest request;
        request.keyrings = static_cast<std::uint32_t>(keyrings.size());
        request.digests = digests;
        request.names = keyrings;
        request.names.push_back(path);
        std::vector<int> fds;
        for (const auto& fd : keyring_fds) fds.push_back(fd.get());
        fds.push_back(package->get());
        UniqueFd list;
        if (digests) {
            auto made = reply_file("umd-digests");
            if (!made) return std::max(worst, ctx.report(made.error()));
            list = std::move(*made);
            fds.push_back(list.get());
        }
        auto fields = daemon.call(daemon::Operation::rpm_verify, daemon::encode_fields(request), fds);
        if (!fields) return std::max(worst, ctx.report(fields.error()));   // the keyring, or umdd itself
        ByteReader in(*fields, "umdd rpm verify reply");
        auto reply = daemon::decode_rpm_verify_reply(in);
        if (!reply) return std::max(worst, ctx.report(reply.error()));
        if (!reply->verified) {
            worst = std::max(worst, report_failure(ctx, failures, path, reply->verified.error()));
            continue;
        }
        Verified v{reply->verified->nevra, reply->verified->signer, reply->verified->digest_algo, {}};
        if (digests) {
            auto files = read_digest_list(list.get(), reply->verified->list_size);
            if (!files) return std::max(worst, ctx.report(files.error()));
            v.files = std::move(*files);
        }
        each(path, v);
    }
    return worst;
}

/// `umd rpm verify|digests`: through umdd when one answers (and the keyrings fit in
/// one request), else here; `each` prints one verified package either way.
template <class Each>
int verify_packages(Context& ctx, RpmArgs& args, bool digests, Each each)
{
    if (auto ready = args.standard_input.resolve(args.keyrings, args.packages, args.sources); !ready) return ctx.report(ready.error());
    auto daemon = ctx.daemon();
    if (!daemon) return ctx.report(daemon.error());
    if (*daemon)
        if (auto code = verify_through(ctx, **daemon, args, digests, each)) return *code;
    return for_each_verified(ctx, args, digests, each);
}

/// `umd rpm show`'s document (rpm::describe_package), from umdd or made here.
Result<nlohmann::json> describe_package(Context& ctx, const std::string& name)
{
    StandardInput standard_input;
    const std::string path = UMD_TRY(standard_input.path_for(name));   // `-`: standard input
    auto daemon = UMD_TRY(ctx.daemon());
    if (daemon) {
        auto file = UMD_TRY(open_for_daemon(path, Errc::io));   // as PackageSource::open reports it
        const int fds[] = {file.get()};
        return daemon->call_for_document(daemon::Operation::rpm_show, daemon::encode_fields(daemon::ShowRequest{name}), fds);
    }
    auto manager = UMD_TRY(ctx.manager());
    auto inspected = UMD_TRY(rpm::RpmSession::inspect(*manager, path));
    return rpm::describe_package(inspected.first, inspected.second);
}

/// For a terminal: a string of the document with no control character.
std::string shown(const nlohmann::json& text)
{
    return text.is_string() ? printable_text(text.get<std::string>()) : std::string("?");
}

void print_package(const nlohmann::json& j)
{
    std::printf("package:     %s\n", shown(j["package"]).c_str());
    const auto& signatures = j["signature"]["header_signatures"];
    std::printf("signature:   NOT VERIFIED (%zu header signature%s:", signatures.size(), signatures.size() == 1 ? "" : "s");
    for (const auto& s : signatures) std::printf(" tag %u, %zu bytes;", s["tag"].get<unsigned>(), s["bytes"].get<std::size_t>());
    std::printf(")\n");
    const auto& header = j["header"];
    const std::string tag_273 = header.contains("tag_273") ? header["tag_273"].get<std::string>() : "";
    std::printf("header:      %zu bytes at offset %llu, sha256 %s%s\n", header["bytes"].get<std::size_t>(),
                header["offset"].get<unsigned long long>(), shown(header["sha256"]).c_str(),
                tag_273.empty() ? "" : (tag_273 == "matches" ? " (matches tag 273)" : " (tag 273 DIFFERS)"));
    std::printf("files:       %zu, digests %s\n", j["files"].size(), shown(j["digest_algorithm"]).c_str());
    for (const auto& f : j["files"]) {
        const std::string digest = shown(f["digest"]);
        std::printf("  %06o %s%s%s\n", f["mode"].get<unsigned>(), shown(f["path"]).c_str(), digest.empty() ? "" : "  ", digest.c_str());
    }
}

}  // namespace

void register_rpm(CLI::App& app, Context& ctx)
{
    auto* rpm = app.add_subcommand("rpm", "Verify RPM package headers and read their signed file digests");
    rpm->require_subcommand(1);
    const char* footer = "Keys: every --keyring file, or else the *.gpg and *.asc files in /etc/umd/keys.d.\n"
                         "A package must have a signed payload digest (rpm >= 4.14), which must match its payload.\n"
                         "Exit status: 0 all valid, 1 any not valid, 2 any malformed or unreadable, 3 or more a handler failure.";

    auto args = std::make_shared<RpmArgs>();
    auto* verify = rpm->add_subcommand("verify", "Verify each package: header signature, signed header, payload digest");
    verify->add_option("--keyring", args->keyrings, "OpenPGP certificate file (repeatable; '-': standard input)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    verify->add_option("PKG", args->packages, "Package files ('-': standard input, for one of them or one keyring)")->required();
    verify->footer(footer);
    ctx.add_json_flag(*verify);
    verify->callback([&ctx, args] {
        ctx.exit_code = verify_packages(ctx, *args, false, [&ctx](const std::string& path, const Verified& v) {
            if (ctx.json) ctx.json->add_yes(path, {{"nevra", utf8_text(v.nevra)}, {"signer", v.signer}});
            else std::printf("%s: OK %s signed by %s\n", printable_text(path).c_str(), printable_text(v.nevra).c_str(), v.signer.c_str());
        });
    });

    auto dargs = std::make_shared<RpmArgs>();
    auto* digests = rpm->add_subcommand("digests", "Print the signed digest of each regular file of verified packages");
    digests->add_option("--keyring", dargs->keyrings, "OpenPGP certificate file (repeatable; '-': standard input)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    digests->add_option("PKG", dargs->packages, "Package files ('-': standard input, for one of them or one keyring)")->required();
    digests->footer(std::string("Prints '<algorithm>:<hex>  <path>' per file, e.g. sha256:...  /usr/bin/x.\n") + footer);
    ctx.add_json_flag(*digests);
    digests->callback([&ctx, dargs] {
        ctx.exit_code = verify_packages(ctx, *dargs, true, [&ctx](const std::string& path, const Verified& v) {
            // A package whose file digests have no known algorithm has no regular file with a digest.
            const char* known = rpm::digest_algo_name(v.digest_algo);
            const std::string algo = known ? known : "unknown";
            if (!ctx.json) {
                for (const auto& f : v.files) std::printf("%s:%s  %s\n", algo.c_str(), f.digest.c_str(), printable_text(f.path).c_str());
                return;
            }
            nlohmann::ordered_json files = nlohmann::ordered_json::array();
            for (const auto& f : v.files) files.push_back({{"path", utf8_text(f.path)}, {"digest", algo + ":" + utf8_text(f.digest)}});
            ctx.json->add_yes(path, {{"nevra", utf8_text(v.nevra)}, {"signer", v.signer}, {"files", std::move(files)}});
        });
    });

    auto path = std::make_shared<std::string>();
    auto* show = rpm->add_subcommand("show", "Show what a package's header says (no signature check)");
    show->add_option("PKG", *path, "Package file ('-': standard input)")->required();
    ctx.add_json_flag(*show);
    show->footer("The fields are read from the header through checked claims, but nothing is verified: use `umd rpm verify`.\n"
                 "Exit status: 0 shown, 2 malformed or unreadable, 3 or more a handler failure.");
    show->callback([&ctx, path] {
        auto described = describe_package(ctx, *path);
        if (!described) {
            ctx.exit_code = ctx.report_only_input(*path, described.error());
            return;
        }
        if (ctx.json) ctx.json->add_yes(*path, {{"description", *described}});
        else print_package(*described);
        ctx.exit_code = 0;
    });
}

}  // namespace umd::cli
