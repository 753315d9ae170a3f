// tests/core/test_util.cpp — helpers shared by the core tests.
#include "core/test_util.h"

#include "src/handler_watch.h"

#include <dirent.h>

#include <cstdlib>

#include <fstream>
#include <iterator>
#include <sstream>

namespace umd::test {

int count_fds()
{
    // The handler watch's wake-up descriptor is the library's for the life of the
    // process, made with the first handler: it is not a test's to leak.
    const int watch = detail::handler_watch_wake_fd();
    int n = 0;
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return -1;
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        n += watch < 0 || std::atoi(e->d_name) != watch;
    }
    ::closedir(dir);
    return n - 1;  // the directory stream itself
}

int count_children()
{
    int n = 0;
    DIR* dir = ::opendir("/proc/self/task");
    if (!dir) return -1;
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        std::ifstream in(std::string("/proc/self/task/") + e->d_name + "/children");
        std::string pid;
        while (in >> pid) ++n;
    }
    ::closedir(dir);
    return n;
}

const Bytes& hostile_image()
{
    static const Bytes image = [] {
        std::ifstream in(UMD_TEST_HOSTILE_HANDLER, std::ios::binary);
        return Bytes(std::istreambuf_iterator<char>(in), {});
    }();
    return image;
}

std::unique_ptr<Driver> hostile_driver(const std::string& mode, std::chrono::milliseconds deadline)
{
    DriverOptions options;
    // The core's own handling of each misbehaviour, as the handler means it: under the
    // sandbox a never-answering handler's sleep or a crash's abort would be other deaths
    // (the sandbox's tests run hostile handlers confined).
    options.isolation = Isolation::unconfined();
    options.deadline = deadline;
    options.spawn.argv0 = mode;
    options.restart.initial_backoff = std::chrono::milliseconds(1);
    auto driver = std::make_unique<Driver>(mode, options);
    if (!driver->load(hostile_image())) return nullptr;
    return driver;
}

}  // namespace umd::test
