// apps/umd-sqv/main.cpp — umd-sqv: sqv's command line and output, umd's verifier
// (trusted side).
//
//   umd-sqv --keyring K... [--not-before T] [--not-after T] [-n N] SIG DATA
// prints the primary fingerprint of each certificate with a good signature over DATA,
// one a line, sorted (as sqv 1.1 does, even when they are fewer than N), and exits 0
// when at least N certificates signed; 1 otherwise, and for any error, as sqv does (2 for a count of 0). The
// OpenPGP parsing runs in the sandboxed handler, through umdd when one serves.
// Times are taken as sqv takes them (umd::cli::parse_time).
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <umd/text.h>

#include "apps/umd/cli11.h"
#include "apps/umd/one_shot_main.h"
#include "apps/umd/pgp_verify.h"

namespace {

struct Args {
    std::vector<std::string> keyrings;
    std::string not_before, not_after;
    unsigned signatures = 1;
    bool verbose = false;
    std::string signature, file;
};

void report(const std::string& message)
{
    std::fprintf(stderr, "umd-sqv: %s\n", umd::printable_text(message).c_str());
}

/// sqv's verdict: 0 enough good signers (printed on stdout), 1 otherwise.
int run(umd::cli::Context& ctx, const Args& args)
{
    std::vector<umd::UniqueFd> keep;
    umd::pgp::FilesToVerify files;
    for (const auto& k : args.keyrings) files.keyrings.emplace_back(k);
    files.policy.signatures = args.signatures;
    for (auto [text, end_of_day, into] : {std::tuple{&args.not_before, false, &files.policy.not_before},
                                          std::tuple{&args.not_after, true, &files.policy.not_after}}) {
        if (text->empty()) continue;
        auto t = umd::cli::parse_time(*text, end_of_day);
        if (!t) {
            report(t.error().message);
            return 1;
        }
        *into = *t;
    }
    for (auto [arg, into] : {std::pair{&args.signature, &files.signature}, std::pair{&args.file, &files.file}}) {
        auto file = umd::cli::input_file(*arg, keep);
        if (!file) {
            report(file.error().message);
            return 1;
        }
        *into = std::move(*file);
    }
    auto verified = umd::cli::verify(ctx, files);
    if (!verified) {
        report(verified.error().message);
        return 1;
    }
    const auto& verdict = verified->verdict;
    if (args.verbose)
        for (const auto& bad : verdict.bad) report(bad.issuer.empty() ? bad.reason : bad.issuer + ": " + bad.reason);
    // As sqv: the good signers are printed even when they are too few.
    std::vector<std::string> signers = verdict.good_signers;
    std::ranges::sort(signers);
    for (const auto& signer : signers) std::printf("%s\n", signer.c_str());
    if (!verdict.valid()) {
        report(verdict.status().error().message);
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    umd::cli::Context ctx;
    umd::cli::start_verifier(ctx);
    Args args;
    CLI::App app{"umd-sqv — check detached OpenPGP signatures as sqv does, the parsing in a sandboxed handler"};
    app.set_version_flag("-V,--version", std::string("umd-sqv (umd) ") + UMD_VERSION);
    app.add_option("--keyring", args.keyrings, "A keyring (repeatable)")
        ->required()->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--not-before", args.not_before, "Signatures made before this time are not valid");
    app.add_option("--not-after", args.not_after, "Signatures made after this time are not valid (default: now)");
    app.add_option("-n,--signatures", args.signatures, "Good signatures from distinct certificates required (default 1)");
    app.add_flag("-v,--verbose", args.verbose, "Say why each signature that is not good is not");
    app.add_option("SIG-FILE", args.signature, "The detached signature ('-': standard input)")->required();
    app.add_option("FILE", args.file, "The signed data ('-': standard input)")->required();
    app.footer("Exit status: 0 enough good signatures (their certificates' fingerprints printed), 1 otherwise.\n"
               "See umd-sqv(1).");
    int status = 0;
    try {
        app.parse(argc, argv);
        if (args.signatures == 0) {
            report("the value of --signatures must be at least 1");
            status = 2;
        } else {
            status = run(ctx, args);
        }
    } catch (const CLI::ParseError& e) {
        std::ostringstream out, err;
        int code = app.exit(e, out, err);
        std::fputs(out.str().c_str(), stdout);
        std::fputs(err.str().c_str(), stderr);
        status = code == 0 ? 0 : 1;
    }
    ctx.shut_down();
    umd::cli::leave(status);
}
