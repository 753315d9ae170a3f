// bench/fapolicyd_side.cpp — see fapolicyd_side.h (trusted side; root).
#include "fapolicyd_side.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace umd::bench {
namespace {

int run_status(const std::string& program)
{
    pid_t pid = ::fork();
    if (pid == 0) {
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execl(program.c_str(), program.c_str(), static_cast<char*>(nullptr));
        ::_exit(errno == EPERM || errno == EACCES ? 126 : 127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

Result<std::unique_ptr<FapolicydSide>> FapolicydSide::start(const std::string& root, const std::string& dir,
                                                           const std::vector<std::vector<std::string>>& files,
                                                           const std::string& unknown)
{
    const std::string daemon = root + "/usr/sbin/fapolicyd";
    if (::access(daemon.c_str(), X_OK) != 0) return fail(Errc::not_found, "no fapolicyd at {}", daemon);
    std::unique_ptr<FapolicydSide> side(new FapolicydSide);
    // Its fixed paths, on overlays only this mount namespace sees.
    for (const char* d : {"etc", "var/lib", "run", "usr/share"}) {
        const std::string base = dir + "/overlay/" + d;
        std::filesystem::create_directories(base + "/upper");
        std::filesystem::create_directories(base + "/work");
        const std::string options = fmt::format("lowerdir=/{},upperdir={}/upper,workdir={}/work", d, base, base);
        if (::mount("overlay", (std::string("/") + d).c_str(), "overlay", 0, options.c_str()) != 0)
            return fail_errno(errno, "overlay on /{}", d);
        side->overlays_.push_back(std::string("/") + d);
    }
    for (const char* d : {"/etc/fapolicyd/rules.d", "/etc/fapolicyd/trust.d", "/var/lib/fapolicyd", "/run/fapolicyd", "/usr/share/fapolicyd"})
        std::filesystem::create_directories(d);
    std::error_code ec;
    std::filesystem::copy_file(root + "/usr/share/fapolicyd/fapolicyd-magic.mgc", "/usr/share/fapolicyd/fapolicyd-magic.mgc",
                               std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) return fail(Errc::io, "fapolicyd's magic file: {}", ec.message());
    std::ofstream("/etc/fapolicyd/fapolicyd.conf") << "permissive = 0\nnice_val = 0\nq_size = 640\nuid = root\ngid = root\n"
                                                      "do_stat_report = 0\ndetailed_report = 0\ndb_max_size = 50\n"
                                                      "subj_cache_size = 1549\nobj_cache_size = 8191\nwatch_fs = ext2\n"
                                                      "trust = file\nintegrity = sha256\n"
                                                      "syslog_format = rule,dec,perm,auid,pid,exe,:,path,ftype,trust\n"
                                                      "rpm_sha256_only = 0\nallow_filesystem_mark = 0\n";
    const char* rules = "allow perm=any all : trust=1\ndeny_log perm=execute all : all\nallow perm=open all : all\n";
    std::ofstream("/etc/fapolicyd/fapolicyd.rules") << rules;
    std::ofstream("/etc/fapolicyd/compiled.rules") << rules;
    {
        std::ofstream trust("/etc/fapolicyd/fapolicyd.trust");
        for (const auto& f : files) trust << f[0] << ' ' << f[1] << ' ' << f[2] << '\n';
    }
    side->version = "fapolicyd (dpkg -x of " + root + ")";
    side->pid_ = ::fork();
    if (side->pid_ < 0) return fail_errno(errno, "fork");
    if (side->pid_ == 0) {
        int log = ::open((dir + "/fapolicyd.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ::dup2(log, 2);
        ::execl(daemon.c_str(), daemon.c_str(), "--debug-deny", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Ready when it refuses what it does not trust.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (run_status(unknown) != 126) {
        if (std::chrono::steady_clock::now() > deadline) return fail(Errc::timeout, "fapolicyd did not start enforcing within 30 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return side;
}

FapolicydSide::~FapolicydSide()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    for (auto it = overlays_.rbegin(); it != overlays_.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
}

}  // namespace umd::bench
