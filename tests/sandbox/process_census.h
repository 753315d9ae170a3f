// tests/sandbox/process_census.h — count (and clean up) the processes a handler left
// behind: every process of the session or process group the handler led (trusted
// side test helper).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace umd::sandbox::testing {

/// Pids of live processes whose session id or process group id is `leader` (the core
/// makes each handler the leader of a session, or under a pid namespace of a process group).
inline std::vector<pid_t> session_members(pid_t leader)
{
    std::vector<pid_t> pids;
    DIR* dir = ::opendir("/proc");
    if (!dir) return pids;
    while (dirent* e = ::readdir(dir)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (!end || *end || pid <= 0) continue;
        // Plain read(): the process may exit while we look (ESRCH), which a
        // std::ifstream would turn into an exception.
        std::string text(512, '\0');
        std::string path = "/proc/" + std::string(e->d_name) + "/stat";
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = ::read(fd, text.data(), text.size());
        ::close(fd);
        if (n <= 0) continue;
        text.resize(static_cast<std::size_t>(n));
        auto close = text.rfind(')');
        if (close == std::string::npos) continue;
        char state = 0;
        long ppid = 0, pgrp = 0, sid = 0;
        if (std::sscanf(text.c_str() + close + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &sid) != 4) continue;
        if ((sid == leader || pgrp == leader) && state != 'Z' && state != 'X') pids.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(dir);
    return pids;
}

/// Pids of live processes in the pid namespace `pid_ns` ("pid:[inode]"); none when it is
/// empty or this process's own namespace (an unconfined handler has no namespace of its own).
inline std::vector<pid_t> namespace_members(const std::string& pid_ns)
{
    std::vector<pid_t> pids;
    char own[64] = {};
    if (pid_ns.empty() || (::readlink("/proc/self/ns/pid", own, sizeof own - 1) > 0 && pid_ns == own)) return pids;
    DIR* dir = ::opendir("/proc");
    if (!dir) return pids;
    while (dirent* e = ::readdir(dir)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (!end || *end || pid <= 0) continue;
        char link[64] = {};
        std::string path = "/proc/" + std::string(e->d_name) + "/ns/pid";
        if (::readlink(path.c_str(), link, sizeof link - 1) > 0 && pid_ns == link) pids.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(dir);
    return pids;
}

/// Everything a handler may have left behind: its session or process group, and its pid namespace.
inline std::vector<pid_t> left_behind(pid_t leader, const std::string& pid_ns)
{
    auto pids = session_members(leader);
    for (pid_t pid : namespace_members(pid_ns)) pids.push_back(pid);
    return pids;
}

inline void kill_all(const std::vector<pid_t>& pids)
{
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
}

}  // namespace umd::sandbox::testing
