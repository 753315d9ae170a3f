// apps/umd/pgp_command.cpp — `umd pgp verify` and `umd pgp show` (trusted side).
//
// Every OpenPGP input (keyrings, signatures, signed messages) is parsed by the
// sandboxed OpenPGP handler; this side decodes the bounded records, hashes the
// signed data itself and verifies with OpenSSL (drivers/pgp/trusted/).
// verify exit status: 0 valid (each good signer's primary fingerprint on its
// own line), 1 not valid, 2 malformed input, usage or I/O, 3+ handler failure.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "pgp_verify.h"
#include "standard_input.h"
#include "drivers/pgp/trusted/client.h"
#include "drivers/pgp/trusted/describe.h"
#include "drivers/pgp/trusted/key_material.h"
#include "drivers/pgp/trusted/subpackets.h"
#include "drivers/pgp/trusted/verifier.h"
#include "drivers/pgp/trusted/verify_files.h"
#include <umd/text.h>

namespace umd::cli {
namespace {

struct VerifyArgs {
    std::vector<std::string> keyrings;
    std::string signature;
    std::string output;
    std::string not_before, not_after;
    unsigned signatures = 1;
    std::string file;
};

Status write_output(const std::string& path, ByteView bytes)
{
    int fd = path == "-" ? STDOUT_FILENO : ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(Errc::io, "{}: {}", path, std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            if (fd != STDOUT_FILENO) ::close(fd);
            return fail(Errc::io, "{}: {}", path, std::strerror(e));
        }
        done += static_cast<std::size_t>(n);
    }
    if (fd != STDOUT_FILENO && ::close(fd) != 0) return fail(Errc::io, "{}: {}", path, std::strerror(errno));
    return {};
}

/// The command's arguments as the library's request: parse → verify_files() → print,
/// through umdd when one serves. The library checks the request (a keyring, a
/// signature count, content only of a message).
Result<pgp::VerifiedFiles> run_verify(Context& ctx, const VerifyArgs& args)
{
    pgp::FilesToVerify files{.keyrings = {}, .signature = {}, .file = {}, .policy = {}, .keep_content = !args.output.empty()};
    files.policy.signatures = args.signatures;
    if (!args.not_before.empty()) files.policy.not_before = UMD_TRY(parse_time(args.not_before, false));
    if (!args.not_after.empty()) files.policy.not_after = UMD_TRY(parse_time(args.not_after, true));
    // `-` (standard input) for one keyring, the signature or the signed file: one of them.
    const std::vector<std::string> named{args.signature, args.file};
    UMD_TRY(StandardInput::at_most_once({&args.keyrings, &named}));
    std::vector<UniqueFd> keep;
    for (const auto& keyring : args.keyrings) files.keyrings.push_back(UMD_TRY(input_file(keyring, keep)));
    if (!args.signature.empty()) files.signature = UMD_TRY(input_file(args.signature, keep));
    files.file = UMD_TRY(input_file(args.file, keep));
    return verify(ctx, files);
}

/// The verdict's fields in the document: the good signers' primary fingerprints, how
/// many were required, and every signature that did not count, with why.
nlohmann::ordered_json verdict_json(const pgp::Verdict& v)
{
    nlohmann::ordered_json bad = nlohmann::ordered_json::array();
    for (const auto& b : v.bad) bad.push_back({{"issuer", utf8_text(b.issuer)}, {"reason", utf8_text(b.reason)}});
    return {{"good_signers", v.good_signers}, {"required", v.required}, {"bad", bad}};
}

void register_verify(CLI::App& pgp, Context& ctx)
{
    auto args = std::make_shared<VerifyArgs>();
    auto* verify = pgp.add_subcommand("verify", "Verify a detached signature, a cleartext-signed or an inline-signed message");
    verify->add_option("--keyring", args->keyrings, "OpenPGP certificates to trust (repeatable; '-': standard input)")
        ->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    verify->add_option("--signature", args->signature, "Detached signature over FILE ('-': standard input)");
    verify->add_option("--output", args->output, "Write the verified message content here ('-': stdout), only when valid");
    verify->add_option("--not-before", args->not_before, "Ignore signatures made before this time (Unix seconds, or ISO 8601 with an optional zone: 2026-02-28T12:00+02:00)");
    verify->add_option("--not-after", args->not_after, "Ignore signatures made after this time (default: now)");
    verify->add_option("--signatures", args->signatures, "Good signatures from distinct certificates required (default 1)");
    ctx.add_json_flag(*verify);
    verify->add_option("FILE", args->file, "The signed data (with --signature) or the signed message ('-': standard input)")->required();
    verify->footer("Exit status: 0 valid, 1 not valid, 2 malformed input, usage or I/O error, 3 or more a handler failure.");
    verify->callback([&ctx, args] {
        // stdout carries one thing: the JSON verdict or the content (docs/output.md).
        // A usage error: no document, as for the parser's own.
        if (ctx.json && args->output == "-") {
            ctx.json.reset();
            ctx.exit_code = ctx.report(Error{Errc::invalid_argument,
                                             "--json prints the verdict on stdout, where --output - would write the "
                                             "content: give --output a file"});
            return;
        }
        auto verified = run_verify(ctx, *args);
        if (!verified) {
            ctx.exit_code = ctx.report_only_input(args->file, verified.error());
            return;
        }
        const pgp::Verdict& verdict = verified->verdict;
        const Status status = verdict.status();
        if (ctx.json) {
            if (status) ctx.json->add_yes(args->file, verdict_json(verdict));
            else ctx.json->add_failure(args->file, status.error(), verdict_json(verdict));
        }
        if (verdict.valid() && !args->output.empty()) {
            if (auto ok = write_output(args->output, verified->content); !ok) {
                ctx.exit_code = ctx.report(ok.error());
                return;
            }
        }
        if (!ctx.json && verdict.valid() && args->output != "-")
            for (const auto& signer : verdict.good_signers) std::printf("%s\n", signer.c_str());
        if (!status) {
            ctx.exit_code = ctx.diagnose(status.error());
            return;
        }
        // With the content on stdout, the signers go to stderr so the two do not mix.
        if (args->output == "-")
            for (const auto& signer : verdict.good_signers) std::fprintf(stderr, "%s\n", signer.c_str());
        ctx.exit_code = 0;
    });
}

/// `umd pgp show`'s document (pgp::describe), from umdd or made here.
Result<nlohmann::json> describe_file(Context& ctx, const std::string& path)
{
    std::vector<UniqueFd> keep;
    const pgp::FileRef input = UMD_TRY(input_file(path, keep));   // `-`: standard input
    auto daemon = UMD_TRY(ctx.daemon());
    if (daemon) {
        if (input.fd < 0) keep.push_back(UMD_TRY(open_for_daemon(path)));
        const int fds[] = {keep.back().get()};
        return daemon->call_for_document(daemon::Operation::pgp_show, daemon::encode_fields(daemon::ShowRequest{input.name}), fds);
    }
    auto driver = UMD_TRY(ctx.driver("pgp"));
    auto parsed = UMD_TRY(pgp::parse_file(*driver, input));
    return pgp::describe(parsed);
}

/// For a terminal: a string of describe()'s JSON with no control character, no
/// invalid UTF-8 and nothing that reorders the display (user IDs are the input's bytes).
std::string shown(const nlohmann::json& text)
{
    return printable_text(text.get<std::string>());
}

void print_human(const nlohmann::json& j)
{
    std::printf("kind: %s%s\n", shown(j["kind"]).c_str(), j["armored"].get<bool>() ? " (armored)" : "");
    auto print_key = [](const char* what, const nlohmann::json& k) {
        std::printf("  %s %s v%d algorithm %d created %lld%s\n", what, shown(k["fingerprint"]).c_str(),
                    k["version"].get<int>(), k["algorithm"].get<int>(), k["created"].get<long long>(),
                    k.contains("unusable") ? (" — unusable: " + shown(k["unusable"])).c_str() : "");
    };
    if (j.contains("certificates"))
        for (const auto& c : j["certificates"]) {
            std::printf("certificate %s\n", shown(c["primary"]["fingerprint"]).c_str());
            print_key("primary", c["primary"]);
            for (const auto& uid : c["verified_user_ids"]) std::printf("  user ID %s\n", shown(uid).c_str());
            for (const auto& s : c["subkeys"]) print_key("subkey ", s);
            for (const auto& r : c["rejected_signatures"]) std::printf("  rejected: %s\n", shown(r).c_str());
        }
    if (j.contains("signatures"))
        for (const auto& s : j["signatures"]) {
            std::printf("signature v%d type 0x%02X algorithm %d hash %d", s["version"].get<int>(), s["type"].get<int>(),
                        s["pk_algorithm"].get<int>(), s["hash_algorithm"].get<int>());
            if (s.contains("created")) std::printf(" created %lld", s["created"].get<long long>());
            if (s.contains("issuers"))
                for (const auto& i : s["issuers"]) std::printf(" issuer %s", shown(i).c_str());
            std::printf("\n");
        }
    if (j.contains("text_bytes")) std::printf("signed text: %zu bytes\n", j["text_bytes"].get<std::size_t>());
}

void register_show(CLI::App& pgp, Context& ctx)
{
    auto file = std::make_shared<std::string>();
    auto* show = pgp.add_subcommand("show", "Describe an OpenPGP file (keys with computed fingerprints, signatures)");
    show->add_option("FILE", *file, "Keyring, signature or signed message ('-': standard input)")->required();
    ctx.add_json_flag(*show);
    show->footer("Exit status: 0 described, 2 malformed input or I/O error, 3 or more a handler failure.");
    show->callback([&ctx, file] {
        auto j = describe_file(ctx, *file);
        if (!j) {
            ctx.exit_code = ctx.report_only_input(*file, j.error());
            return;
        }
        if (ctx.json) ctx.json->add_yes(*file, {{"description", *j}});
        else print_human(*j);
        ctx.exit_code = 0;
    });
}

}  // namespace

void register_pgp(CLI::App& app, Context& ctx)
{
    auto* pgp = app.add_subcommand("pgp", "Verify OpenPGP signatures; the parsing runs in a sandboxed handler");
    pgp->require_subcommand(1);
    register_verify(*pgp, ctx);
    register_show(*pgp, ctx);
}

}  // namespace umd::cli
