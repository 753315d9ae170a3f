// bench/bpfilter.cpp — case `bpfilter`: an unmodified iptables-legacy served by umdd
// through libumd-bpfilter-preload.so, against the same command into the kernel's own
// ip_tables (trusted side; root only).
//
// Every command runs in a network namespace of the bench's own (made by a child with
// unshare(CLONE_NEWNET), kept by its nsfs descriptor, entered with setns() by the
// command's child before exec): the machine's own tables are never touched, and
// XTABLES_LOCKFILE is a path in the bench's temporary directory. The umd side has the
// preload library and a umdd the bench starts; the kernel side has neither. Rows, the
// rounds interleaved (alternating which side goes first):
//   1. `iptables-legacy-restore` of a generated file of N rules (default 10 000) into a
//      new namespace's table: fork + setns + exec + restore, each round in a fresh
//      namespace on each side (bar: ≤ 2 ×);
//   2. `iptables-legacy -A` of one rule into a table already holding the N rules: a full
//      GET_INFO + GET_ENTRIES + SET_REPLACE round (bar: ≤ 2 ×).
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <umd/unique_fd.h>

#include "cases.h"
#include "temp_dir.h"
#include "umdd_process.h"

extern char** environ;

namespace umd::bench {
namespace {

/// A network namespace of the bench's own, held by its nsfs descriptor (it goes when
/// the descriptor is closed and no command runs in it any more).
Result<UniqueFd> new_namespace()
{
    int ready[2], release[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return fail_errno(errno, "pipe");
    UniqueFd ready_read(ready[0]), ready_write(ready[1]);
    if (::pipe2(release, O_CLOEXEC) != 0) return fail_errno(errno, "pipe");
    UniqueFd release_read(release[0]), release_write(release[1]);
    const pid_t child = ::fork();
    if (child < 0) return fail_errno(errno, "fork");
    if (child == 0) {
        release_write.reset();   // so that the parent's close is seen
        const char ok = ::unshare(CLONE_NEWNET) == 0 ? 1 : 0;
        (void)!::write(ready_write.get(), &ok, 1);
        char byte;
        (void)!::read(release_read.get(), &byte, 1);   // until the parent has opened our namespace
        ::_exit(0);
    }
    ready_write.reset();
    release_read.reset();
    char ok = 0;
    const bool said = ::read(ready_read.get(), &ok, 1) == 1 && ok == 1;
    UniqueFd ns(said ? ::open(fmt::format("/proc/{}/ns/net", child).c_str(), O_RDONLY | O_CLOEXEC) : -1);
    const int open_error = errno;
    release_write.reset();
    ::waitpid(child, nullptr, 0);
    if (!said) return fail(Errc::not_permitted, "unshare(CLONE_NEWNET) failed: the bpfilter case needs root");
    if (!ns) return fail_errno(open_error, "opening the new network namespace");
    return ns;
}

/// What a command runs with: its environment and the file on its standard input.
struct Command {
    std::vector<std::string> argv;
    std::vector<std::string> env;   ///< the whole environment
    std::string input = "/dev/null";
    std::string log;                ///< standard error is appended here
};

/// fork, setns into `ns`, exec; an error unless it exits 0.
Status run_in(int ns, const Command& c)
{
    std::vector<char*> argv, envp;
    for (const auto& a : c.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : c.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const pid_t child = ::fork();
    if (child < 0) return fail_errno(errno, "fork");
    if (child == 0) {
        const int in = ::open(c.input.c_str(), O_RDONLY);
        const int out = ::open("/dev/null", O_WRONLY);
        const int err = ::open(c.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (in < 0 || out < 0 || err < 0 || ::setns(ns, CLONE_NEWNET) != 0) ::_exit(126);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) return fail_errno(errno, "waitpid {}", c.argv[0]);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail(Errc::system, "{} exited with status {} (its stderr: {})", fmt::join(c.argv, " "), WIFEXITED(status) ? WEXITSTATUS(status) : -1, c.log);
    return {};
}

/// An iptables-legacy-restore file of `rules` rules in INPUT, as an administrator's
/// ruleset looks: one host and port each, most TCP, some UDP, some with a comment.
Status write_rules(const std::string& path, unsigned rules)
{
    std::ofstream out(path);
    out << "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n";
    for (unsigned i = 0; i < rules; ++i) {
        const char* proto = i % 4 == 3 ? "udp" : "tcp";
        out << fmt::format("-A INPUT -s 10.{}.{}.{}/32 -p {} --dport {}", i >> 16, (i >> 8) & 0xFF, i & 0xFF, proto, 1024 + i % 60000);
        if (i % 10 == 0) out << fmt::format(" -m comment --comment \"rule {}\"", i);
        out << (i % 3 == 0 ? " -j DROP\n" : " -j ACCEPT\n");
    }
    out << "COMMIT\n";
    out.close();
    if (!out) return fail(Errc::io, "writing {}", path);
    return {};
}

/// The first of `candidates` (relative to umd-bench's directory) that exists.
std::string beside_bench(const Settings& settings, std::initializer_list<const char*> candidates)
{
    for (const char* rel : candidates) {
        auto path = std::filesystem::path(settings.self_dir) / rel;
        if (::access(path.c_str(), R_OK) == 0) return std::filesystem::weakly_canonical(path);
    }
    return {};
}

std::string find_program(const char* name)
{
    for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin"}) {
        std::string path = std::string(dir) + "/" + name;
        if (::access(path.c_str(), X_OK) == 0) return path;
    }
    return {};
}

/// A row of this case: through umdd against the kernel, bar ≤ 2 ×.
Row row_of(std::string name, std::string baseline, Pair times, std::string unit, unsigned rules, std::string notes)
{
    Row row = pair_row("bpfilter", std::move(name), std::move(baseline), times, 2.0, std::move(unit));
    row.extra["rules"] = rules;
    row.notes = std::move(notes);
    return row;
}

}  // namespace

Result<std::vector<Row>> run_bpfilter(const Settings& settings)
{
    if (::geteuid() != 0) return fail(Errc::not_permitted, "the bpfilter case needs root (network namespaces of its own)");
    if (settings.umdd_path.empty()) return fail(Errc::not_found, "umdd was not found next to umd-bench: give --umdd PATH");
    std::string preload = settings.preload_path;
    if (preload.empty())
        preload = beside_bench(settings, {"../apps/bpfilter-preload/libumd-bpfilter-preload.so", "../" UMD_INSTALL_LIBDIR "/umd/libumd-bpfilter-preload.so"});
    if (preload.empty()) return fail(Errc::not_found, "libumd-bpfilter-preload.so was not found: give --preload PATH");
    const std::string iptables = find_program("iptables-legacy"), restore = find_program("iptables-legacy-restore");
    if (iptables.empty() || restore.empty()) return fail(Errc::not_found, "iptables-legacy is not installed (Debian's iptables package)");

    auto dir = UMD_TRY(TempDir::make("umd-bench-bpfilter."));
    auto daemon = UMD_TRY(UmddProcess::start(settings.umdd_path, dir.path()));
    const unsigned rules = settings.rules;
    const std::string rules_file = dir.path() + "/rules";
    UMD_TRY(write_rules(rules_file, rules));

    std::vector<std::string> kernel_env;
    for (char** e = environ; *e; ++e) {
        const std::string_view v(*e);
        if (!v.starts_with("LD_PRELOAD=") && !v.starts_with("UMD_SOCKET=") && !v.starts_with("XTABLES_LOCKFILE=")) kernel_env.emplace_back(v);
    }
    kernel_env.push_back("XTABLES_LOCKFILE=" + dir.path() + "/xtables.lock");   // not the machine's /run/xtables.lock
    std::vector<std::string> umd_env = kernel_env;
    umd_env.push_back("LD_PRELOAD=" + preload);
    umd_env.push_back("UMD_SOCKET=" + daemon->socket);
    const std::string log = dir.path() + "/iptables.log";
    const Command kernel_restore{{restore}, kernel_env, rules_file, log}, umd_restore{{restore}, umd_env, rules_file, log};

    std::vector<Row> rows;
    {
        // Each round restores into a new namespace on each side, made before the clock starts.
        const unsigned rounds = settings.iterations ? settings.iterations : 5;
        std::vector<double> measured, baseline;
        for (unsigned i = 0; i < rounds; ++i) {
            auto kernel_ns = UMD_TRY(new_namespace());
            auto umd_ns = UMD_TRY(new_namespace());
            const bool umd_first = i % 2 == 0;
            for (int side = 0; side < 2; ++side) {
                const bool umd = (side == 0) == umd_first;
                const int ns = umd ? umd_ns.get() : kernel_ns.get();
                auto took = time_once([&] { return run_in(ns, umd ? umd_restore : kernel_restore); });
                if (!took) return std::unexpected(with_context(took.error(), umd ? "restore through umdd" : "restore into the kernel"));
                (umd ? measured : baseline).push_back(*took);
            }
        }
        rows.push_back(row_of(fmt::format("iptables-legacy-restore, {} rules, through umdd", rules), "the same restore into the kernel's ip_tables",
                              Pair{median(measured), median(baseline)}, "ns/restore", rules,
                              "each round in a new network namespace on each side; fork + setns + exec included on both"));
    }
    {
        // One namespace a side, holding the N rules; then one rule appended per round.
        auto kernel_ns = UMD_TRY(new_namespace());
        auto umd_ns = UMD_TRY(new_namespace());
        UMD_TRY(run_in(kernel_ns.get(), kernel_restore));
        UMD_TRY(run_in(umd_ns.get(), umd_restore));
        // umdd, not the kernel, holds the umd side's rules: the rule is there with the
        // preload library and absent from the kernel's table in the same namespace.
        const std::vector<std::string> first_rule = {iptables, "-C", "INPUT", "-s", "10.0.0.0/32", "-p", "tcp", "--dport", "1024",
                                                     "-m", "comment", "--comment", "rule 0", "-j", "DROP"};
        UMD_TRY(run_in(umd_ns.get(), Command{first_rule, umd_env, "/dev/null", log}));
        UMD_TRY(run_in(kernel_ns.get(), Command{first_rule, kernel_env, "/dev/null", log}));
        if (run_in(umd_ns.get(), Command{first_rule, kernel_env, "/dev/null", log}))
            return fail(Errc::internal, "the kernel's own table holds the rules restored through umdd: the preload library was not used");
        const std::vector<std::string> append = {iptables, "-A", "INPUT", "-s", "192.0.2.1/32", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"};
        const Command kernel_append{append, kernel_env, "/dev/null", log}, umd_append{append, umd_env, "/dev/null", log};
        const unsigned rounds = settings.iterations ? settings.iterations : 11;
        auto pair = UMD_TRY(interleave(rounds, [&] { return run_in(umd_ns.get(), umd_append); }, [&] { return run_in(kernel_ns.get(), kernel_append); }));
        rows.push_back(row_of(fmt::format("iptables-legacy -A into {} rules, through umdd", rules), "the same append in the kernel's ip_tables", pair,
                              "ns/command", rules, "GET_INFO + GET_ENTRIES of the whole table, then SET_REPLACE of it with one rule more"));
    }
    rows.front().extra["umdd_rss_kib"] = daemon->rss_kib();
    return rows;
}

}  // namespace umd::bench
