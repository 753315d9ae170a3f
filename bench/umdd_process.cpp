// bench/umdd_process.cpp — starting and stopping a umdd for a bench case (trusted side).
#include "umdd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

namespace umd::bench {

Result<std::unique_ptr<UmddProcess>> UmddProcess::start(const std::string& umdd, const std::string& dir)
{
    auto d = std::make_unique<UmddProcess>();
    d->socket = dir + "/umdd.sock";
    const std::string config = dir + "/umdd.toml";
    const std::string db = dir + "/trust.mdb";
    if (FILE* f = std::fopen(config.c_str(), "w")) std::fclose(f);
    d->pid = ::fork();
    if (d->pid < 0) return fail_errno(errno, "fork");
    if (d->pid == 0) {
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 2);
        ::execl(umdd.c_str(), umdd.c_str(), "--foreground", "--config", config.c_str(), "--socket", d->socket.c_str(),
                "--db", db.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int i = 0; i < 200 && ::access(d->socket.c_str(), F_OK) != 0; ++i) ::usleep(20000);
    if (::access(d->socket.c_str(), F_OK) != 0) return fail(Errc::system, "{} did not start", umdd);
    return d;
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
