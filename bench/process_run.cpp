// bench/process_run.cpp — posix_spawn + wait4 for the process-per-file baselines (trusted side).
#include "process_run.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <memory>

extern char** environ;

namespace umd::bench {
namespace {

struct FileActions {
    posix_spawn_file_actions_t actions;
    FileActions() { ::posix_spawn_file_actions_init(&actions); }
    ~FileActions() { ::posix_spawn_file_actions_destroy(&actions); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
};

}  // namespace

Result<ProcessResult> run_process(const std::vector<std::string>& argv)
{
    if (argv.empty()) return fail(Errc::invalid_argument, "run_process: empty argv");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    FileActions fa;
    for (int fd : {0, 1, 2}) ::posix_spawn_file_actions_addopen(&fa.actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
    pid_t pid = -1;
    if (int e = ::posix_spawn(&pid, args[0], &fa.actions, nullptr, args.data(), environ); e != 0)
        return fail_errno(e, "posix_spawn {}", argv[0]);
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0)
        if (errno != EINTR) return fail_errno(errno, "wait4 {}", argv[0]);
    ProcessResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.max_rss_kib = usage.ru_maxrss;
    return result;
}

Status run_ok(const std::vector<std::string>& argv)
{
    auto r = UMD_TRY(run_process(argv));
    if (r.exit_code != 0) return fail(Errc::system, "{} exited with status {}", argv[0], r.exit_code);
    return {};
}

}  // namespace umd::bench
