// bench/umdd_process.cpp — starting and stopping a umdd for a bench case (trusted side).
#include "umdd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>
#include <fstream>

namespace umd::bench {

Result<std::unique_ptr<UmddProcess>> UmddProcess::start_detached(const std::string& umdd, const std::string& dir,
                                                                const std::vector<std::string>& extra)
{
    auto d = std::make_unique<UmddProcess>();
    d->socket = dir + "/umdd.sock";
    d->program = umdd;
    const std::string config = dir + "/umdd.toml";
    if (FILE* f = std::fopen(config.c_str(), "w")) std::fclose(f);
    std::vector<std::string> args = {umdd, "--foreground", "--config", config, "--socket", d->socket};
    // A trust database in `dir`, unless the caller names one.
    if (std::find(extra.begin(), extra.end(), "--db") == extra.end()) {
        args.push_back("--db");
        args.push_back(dir + "/trust.mdb");
    }
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    d->pid = ::fork();
    if (d->pid < 0) return fail_errno(errno, "fork");
    if (d->pid == 0) {
        // Its log beside its socket (appended: a restarted umdd adds to it).
        int log = ::open((dir + "/umdd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        ::dup2(log, 2);
        ::execv(umdd.c_str(), argv.data());
        ::_exit(127);
    }
    return d;
}

Status UmddProcess::wait_ready() const
{
    for (int i = 0; i < 500 && ::access(socket.c_str(), F_OK) != 0; ++i) ::usleep(10000);
    if (::access(socket.c_str(), F_OK) != 0) return fail(Errc::system, "{} did not start", program);
    return {};
}

Result<std::unique_ptr<UmddProcess>> UmddProcess::start(const std::string& umdd, const std::string& dir,
                                                       const std::vector<std::string>& extra)
{
    auto d = UMD_TRY(start_detached(umdd, dir, extra));
    UMD_TRY(d->wait_ready());
    return d;
}

void UmddProcess::kill_now()
{
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
}

UmddProcess::~UmddProcess()
{
    if (pid > 0) {
        ::kill(pid, SIGTERM);
        ::waitpid(pid, nullptr, 0);
    }
}

long UmddProcess::rss_kib() const
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

}  // namespace umd::bench
