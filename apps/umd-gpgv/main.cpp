// apps/umd-gpgv/main.cpp — umd-gpgv: gpgv's command line and report, umd's verifier
// (trusted side).
//
// apt (through apt-key, APT::Key::gpgvcommand) runs
//   gpgv --homedir D --keyring K --ignore-time-conflict --status-fd 3 SIG DATA
// and reads the status lines and the exit status (docs/apt.md). umd-gpgv takes the
// options gpgv takes and answers the same way; the OpenPGP parsing runs in the
// sandboxed handler (through umdd when one serves), the judgement in umd's verifier.
// Exit status as gpgv's: 0 every signature good, 1 a bad signature, 2 a signature
// that could not be checked, or an error (bad usage, unreadable or malformed input,
// a handler failure).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <umd/text.h>

#include "apps/umd-gpgv/gpgv_status.h"
#include "apps/umd/one_shot_main.h"
#include "apps/umd/pgp_verify.h"

namespace {

constexpr int usage_error = 2;

struct Options {
    int status_fd = -1;
    int logger_fd = STDERR_FILENO;
    std::vector<std::string> keyrings;
    std::string homedir;
    std::string output;
    std::vector<std::string> weak_digests;
    bool quiet = false;
    std::vector<std::string> files;
};

const char* const usage_text =
    "Usage: umd-gpgv [options] [SIGNATURE] [DATA]\n"
    "Check OpenPGP signatures as gpgv does, the parsing in a sandboxed handler.\n"
    "  --keyring FILE        take the keys from FILE (repeatable; a name without '/' is in the home directory)\n"
    "  --status-fd N         write gpgv's status lines to descriptor N\n"
    "  --logger-fd N         write diagnostics to descriptor N\n"
    "  --homedir DIR         the home directory (default $GNUPGHOME, else ~/.gnupg)\n"
    "  -o, --output FILE     write the signed content of a message to FILE ('-': stdout)\n"
    "  --weak-digest ALGO    reject signatures made with ALGO (SHA1, MD5, RIPEMD160, ...)\n"
    "  --ignore-time-conflict, --batch, -q, --quiet, -v, --verbose  accepted\n"
    "One file: a cleartext- or inline-signed message. Two: a detached signature and its data.\n"
    "'-' is standard input. Exit status: 0 good, 1 a bad signature, 2 not checked or an error.\n"
    "See umd-gpgv(1) and docs/apt.md.\n";

void say(const Options& o, const std::string& line)
{
    const std::string text = "umd-gpgv: " + umd::printable_text(line) + "\n";
    (void)!::write(o.logger_fd, text.data(), text.size());
}

/// A descriptor number as gpgv takes it.
bool parse_fd(std::string_view text, int& fd)
{
    if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string_view::npos) return false;
    fd = std::atoi(std::string(text).c_str());
    return true;
}

/// gpgv's options: `--name value` or `--name=value`, `--` ends them. Returns the exit
/// status to leave with, or -1 to go on.
int parse(int argc, char** argv, Options& o)
{
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (options_done || arg == "-" || !arg.starts_with('-')) {
            o.files.emplace_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        std::string_view name = arg, inline_value;
        bool has_inline = false;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
            has_inline = true;
        }
        auto value = [&](std::string& out) {
            if (has_inline) out = inline_value;
            else if (i + 1 < argc) out = argv[++i];
            else return false;
            return true;
        };
        std::string v;
        if (name == "--help" || name == "-h") {
            std::fputs(usage_text, stdout);
            return 0;
        }
        if (name == "--version") {
            std::printf("umd-gpgv (umd) %s\n", UMD_VERSION);
            return 0;
        }
        if (name == "--ignore-time-conflict" || name == "--batch" || name == "--no-tty" || name == "-v" ||
            name == "--verbose" || name == "--no-default-keyring" || name == "--enable-special-filenames")
            continue;
        if (name == "-q" || name == "--quiet") {
            o.quiet = true;
            continue;
        }
        bool ok = true;
        if (name == "--keyring") {
            ok = value(v);
            o.keyrings.push_back(v);
        } else if (name == "--weak-digest") {
            ok = value(v);
            o.weak_digests.push_back(v);
        } else if (name == "--homedir") ok = value(o.homedir);
        else if (name == "-o" || name == "--output") ok = value(o.output);
        else if (name == "--status-fd") ok = value(v) && parse_fd(v, o.status_fd);
        else if (name == "--logger-fd") ok = value(v) && parse_fd(v, o.logger_fd);
        else {
            say(o, fmt::format("invalid option \"{}\"", arg));
            return usage_error;
        }
        if (!ok) {
            say(o, fmt::format("option \"{}\" needs a valid value", arg));
            return usage_error;
        }
    }
    if (o.files.empty() || o.files.size() > 2) {
        say(o, "give a signed message, or a detached signature and its data (see --help)");
        return usage_error;
    }
    return -1;
}

/// gpgv's rule: a keyring name without a slash is in the home directory.
std::string keyring_path(const Options& o, const std::string& name)
{
    if (name.find('/') != std::string::npos) return name;
    std::string home = o.homedir;
    if (home.empty()) {
        const char* env = std::getenv("GNUPGHOME");
        const char* user_home = std::getenv("HOME");
        home = env && *env ? env : std::string(user_home ? user_home : "") + "/.gnupg";
    }
    return home + "/" + name;
}

/// Hash algorithm IDs (RFC 9580 §9.5) of the names --weak-digest takes.
int hash_id(std::string name)
{
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static constexpr std::pair<std::string_view, int> ids[] = {
        {"MD5", 1}, {"SHA1", 2}, {"RIPEMD160", 3}, {"SHA256", 8}, {"SHA384", 9}, {"SHA512", 10}, {"SHA224", 11}};
    for (const auto& [n, id] : ids)
        if (n == name) return id;
    return -1;
}

/// A good signature made with a digest the caller calls weak is not good here: it
/// leaves the good signers (if its certificate has no other good one) and is reported
/// as not checked, as gpgv rejects it.
void reject_weak(const Options& o, umd::pgp::Verdict& verdict)
{
    std::vector<int> weak;
    for (const auto& name : o.weak_digests) weak.push_back(hash_id(name));
    if (weak.empty()) return;
    using Outcome = umd::pgp::SignatureReport::Outcome;
    std::vector<umd::pgp::Verdict::Bad> bad;
    std::size_t next_bad = 0;
    for (auto& s : verdict.signatures) {
        if (s.outcome != Outcome::good) {
            if (next_bad < verdict.bad.size()) bad.push_back(verdict.bad[next_bad++]);
            continue;
        }
        if (std::ranges::find(weak, s.hash_algorithm) == weak.end()) continue;
        s.outcome = Outcome::unchecked;
        bad.push_back({s.key, fmt::format("hash algorithm {} rejected by --weak-digest", s.hash_algorithm)});
    }
    verdict.bad = std::move(bad);
    verdict.good_signers.clear();
    for (const auto& s : verdict.signatures)
        if (s.outcome == Outcome::good && std::ranges::find(verdict.good_signers, s.primary) == verdict.good_signers.end())
            verdict.good_signers.push_back(s.primary);
}

bool write_all(int fd, std::string_view text)
{
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

int run(umd::cli::Context& ctx, const Options& o)
{
    std::vector<umd::UniqueFd> keep;
    umd::pgp::FilesToVerify files;
    if (o.keyrings.empty()) {
        // gpgv's default keyring; umd reads the OpenPGP form (trustedkeys.gpg).
        files.keyrings.emplace_back(keyring_path(o, "trustedkeys.gpg"));
    }
    for (const auto& k : o.keyrings) files.keyrings.emplace_back(keyring_path(o, k));
    std::string failure;
    auto named = [&](const std::string& arg) -> umd::Result<umd::pgp::FileRef> {
        return umd::cli::input_file(arg, keep);
    };
    auto first = named(o.files[0]);
    if (!first) {
        say(o, first.error().message);
        return 2;
    }
    if (o.files.size() == 2) {
        auto data = named(o.files[1]);
        if (!data) {
            say(o, data.error().message);
            return 2;
        }
        files.signature = std::move(*first);
        files.file = std::move(*data);
    } else {
        files.file = std::move(*first);
        files.keep_content = !o.output.empty();
    }
    // gpgv has no notion of a count of signers: each signature is judged, one is enough
    // for the verdict's valid(); exit_status() looks at every one.
    files.policy.signatures = 1;
    auto verified = umd::cli::verify(ctx, files);
    if (!verified) {
        // Input that is not OpenPGP: gpgv's NODATA lines, 1 no armored data, 2 no expected
        // packet (apt: "Signed file isn't valid").
        if (verified.error().code == umd::Errc::bad_input && o.status_fd >= 0)
            (void)write_all(o.status_fd, "[GNUPG:] NODATA 1\n[GNUPG:] NODATA 2\n");
        say(o, verified.error().message);
        return 2;
    }
    reject_weak(o, verified->verdict);
    if (o.status_fd >= 0 && !write_all(o.status_fd, umd::gpgv::status_lines(verified->verdict))) {
        say(o, fmt::format("cannot write to the status descriptor {}: {}", o.status_fd, std::strerror(errno)));
        return 2;
    }
    if (!o.quiet)
        for (const auto& line : umd::gpgv::human_lines(verified->verdict)) say(o, line);
    const int status = umd::gpgv::exit_status(verified->verdict);
    if (status == 0 && files.keep_content) {
        umd::UniqueFd out_fd;
        int fd = STDOUT_FILENO;
        if (o.output != "-") {
            out_fd = umd::UniqueFd(::open(o.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
            fd = out_fd.get();
        }
        const auto& c = verified->content;
        if (fd < 0 || !write_all(fd, std::string_view(reinterpret_cast<const char*>(c.data()), c.size()))) {
            say(o, fmt::format("{}: {}", o.output, std::strerror(errno)));
            return 2;
        }
    }
    return status;
}

}  // namespace

int main(int argc, char** argv)
{
    umd::cli::Context ctx;
    umd::cli::start_verifier(ctx);
    Options options;
    int status = parse(argc, argv, options);
    if (status < 0) status = run(ctx, options);
    ctx.shut_down();
    umd::cli::leave(status);
}
