// tests/sandbox/testcases/escape_handler.cpp — a hostile handler for the sandbox
// tests (UNTRUSTED side, static, run from a memfd like any handler).
//
// Raw mode: the request is one line "<attempt> [argument]"; the handler locks
// itself down as the runtime would, makes that one attempt, and replies
// "ok <detail>" when the attempt succeeded or "blocked <errno name>" when the
// kernel refused it. Under the strict profile many attempts end in SIGSYS instead.
#include <umd/handler.h>
#include <umd/sandbox_handler.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::string result(long rc, const std::string& detail = {})
{
    if (rc < 0) return std::string("blocked ") + strerrorname_np(errno);
    return "ok " + detail;
}

std::string attempt(const std::string& what, const std::string& arg)
{
    if (what == "open_absolute") return result(::open("/etc/passwd", O_RDONLY));
    if (what == "open_relative") return result(::open("etc/passwd", O_RDONLY));
    if (what == "open_directory") return result(::open("/", O_RDONLY | O_DIRECTORY));
    if (what == "create_file") {
        std::string path = arg + "/created-by-handler";
        return result(::open(path.c_str(), O_CREAT | O_WRONLY, 0600));
    }
    if (what == "socket_inet") return result(::socket(AF_INET, SOCK_STREAM, 0));
    if (what == "socket_unix") return result(::socket(AF_UNIX, SOCK_STREAM, 0));
    if (what == "connect_loopback") {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return result(fd);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(arg.c_str())));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return result(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    }
    if (what == "connect_unix") {
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0) return result(fd);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, arg.c_str(), sizeof addr.sun_path - 1);
        return result(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    }
    if (what == "exec") {
        char* argv[] = {const_cast<char*>("true"), nullptr};
        char* envp[] = {nullptr};
        return result(::execve("/bin/true", argv, envp));
    }
    if (what == "fork") {
        pid_t pid = ::fork();
        if (pid == 0) ::_exit(0);
        if (pid > 0) ::waitpid(pid, nullptr, 0);
        return result(pid);
    }
    if (what == "signal_process") return result(::kill(std::atoi(arg.c_str()), 0));
    if (what == "ptrace_process") {
        long rc = ::ptrace(PTRACE_SEIZE, std::atoi(arg.c_str()), nullptr, nullptr);
        if (rc == 0) ::ptrace(PTRACE_DETACH, std::atoi(arg.c_str()), nullptr, nullptr);
        return result(rc);
    }
    if (what == "mount") {
        long rc = ::mount("umd-escape", arg.c_str(), "tmpfs", 0, nullptr);
        if (rc == 0) ::umount2(arg.c_str(), MNT_DETACH);
        return result(rc);
    }
    if (what == "bpf") {
        bpf_attr attr{};
        attr.map_type = BPF_MAP_TYPE_ARRAY;
        attr.key_size = 4;
        attr.value_size = 4;
        attr.max_entries = 1;
        return result(::syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
    }
    if (what == "io_uring_setup") {
        io_uring_params params{};
        return result(::syscall(SYS_io_uring_setup, 1, &params));
    }
    if (what == "userfaultfd") return result(::syscall(SYS_userfaultfd, O_CLOEXEC));
    if (what == "keyctl") return result(::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0));
    if (what == "unshare") return result(::unshare(CLONE_NEWUTS));
    if (what == "wx_memory") {
        void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return result(p == MAP_FAILED ? -1 : 0);
    }
    if (what == "make_executable") {
        void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return result(-1);
        return result(::mprotect(p, 4096, PROT_READ | PROT_EXEC));
    }
    if (what == "read_proc") {
        std::string path = "/proc/" + arg + "/cmdline";
        return result(::open(path.c_str(), O_RDONLY));
    }
    if (what == "inherited_fds") {
        int open_fds = 0;
        for (int fd = 3; fd < 1024; ++fd)
            if (::fcntl(fd, F_GETFD) >= 0) ++open_fds;
        return open_fds ? "ok " + std::to_string(open_fds) + " descriptors" : std::string("blocked none");
    }
    if (what == "capabilities") {
        // Effective capabilities through capget (the file system may be out of reach).
        struct { std::uint32_t version; int pid; } header{0x20080522, 0};
        struct { std::uint32_t effective, permitted, inheritable; } data[2]{};
        if (::syscall(SYS_capget, &header, data) != 0) return result(-1);
        bool any = data[0].effective || data[1].effective || data[0].permitted || data[1].permitted;
        return any ? std::string("ok capabilities") : std::string("blocked none");
    }
    if (what == "environment") return environ && environ[0] ? "ok " + std::string(environ[0]) : std::string("blocked none");
    if (what == "memory") {
        // 4 GiB, touching only its ends.
        std::size_t size = 4ull << 30;
        auto* p = static_cast<char*>(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
        if (p == MAP_FAILED) return result(-1);
        p[0] = p[size - 1] = 1;
        return "ok 4 GiB";
    }
    if (what == "cpu") {
        volatile unsigned long spins = 0;
        for (;;) spins = spins + 1;
    }
    if (what == "endless_reply") {
        static char chunk[65536];
        std::memset(chunk, 'x', sizeof chunk);
        for (;;)
            if (::write(1, chunk, sizeof chunk) < 0) return result(-1);
    }
    if (what == "children") {
        // 64 children that outlive their parent.
        int made = 0;
        for (int i = 0; i < 64; ++i) {
            pid_t pid = ::fork();
            if (pid == 0) {
                // Let go of the channel, and leave the handler's process group, which the
                // Manager kills when it reaps the handler: only a pid namespace catches these.
                ::close(0), ::close(1), ::close(2);
                ::setpgid(0, 0);
                ::sleep(600);
                ::_exit(0);
            }
            if (pid < 0) return made ? "ok " + std::to_string(made) + " children" : result(-1);
            ::setpgid(pid, pid);  // both sides set it: the group is left before the reply is written
            ++made;
        }
        return "ok " + std::to_string(made) + " children";
    }
    // A compromised handler that tries to survive its first forbidden call and go on probing.
    if (what == "survive_blocked_sigsys") {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSYS);
        if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return result(-1);
        ::socket(AF_INET, SOCK_STREAM, 0);
        return result(::socket(AF_INET, SOCK_DGRAM, 0), "survived");
    }
    if (what == "survive_ignored_sigsys") {
        if (::signal(SIGSYS, SIG_IGN) == SIG_ERR) return result(-1);
        ::socket(AF_INET, SOCK_STREAM, 0);
        return result(::socket(AF_INET, SOCK_DGRAM, 0), "survived");
    }
    if (what == "survive_own_sigsys_handler") {
        struct sigaction action {};
        action.sa_handler = [](int) {};
        if (::sigaction(SIGSYS, &action, nullptr) != 0) return result(-1);
        ::socket(AF_INET, SOCK_STREAM, 0);
        return result(::socket(AF_INET, SOCK_DGRAM, 0), "survived");
    }
    // Calls the handlers need only in a narrow form (issue 12): the wide forms.
    if (what == "tgkill_other") {
        pid_t pid = std::atoi(arg.c_str());
        return result(::syscall(SYS_tgkill, pid, pid, SIGABRT));
    }
    if (what == "getppid") return result(::syscall(SYS_getppid), "parent");
    if (what == "stat_path") {
        struct stat st {};
        return result(::syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &st, 0));
    }
    if (what == "stat_relative") {
        struct stat st {};
        return result(::syscall(SYS_newfstatat, AT_FDCWD, "etc/passwd", &st, AT_EMPTY_PATH));
    }
    if (what == "prlimit_other") {
        struct rlimit64 old {};
        return result(::syscall(SYS_prlimit64, std::atoi(arg.c_str()), RLIMIT_NOFILE, nullptr, &old));
    }
    // ... and the narrow forms, which must still work.
    if (what == "fstat_own") {
        struct stat st {};
        return result(::fstat(0, &st), "fstat");
    }
    if (what == "getrlimit_own") {
        struct rlimit limit {};
        return result(::getrlimit(RLIMIT_STACK, &limit), "getrlimit");
    }
    if (what == "abort") ::abort();
    if (what == "noop") return "ok noop";
    return "unknown attempt";
}

}  // namespace

int main()
{
    if (!umd::sandbox::enter_handler_lockdown()) return 4;
    auto request = umd::handler::read_all_stdin(4096);
    if (!request) return 2;
    std::string line(request->begin(), request->end());
    while (!line.empty() && line.back() == '\n') line.pop_back();
    auto space = line.find(' ');
    std::string what = line.substr(0, space);
    std::string arg = space == std::string::npos ? std::string() : line.substr(space + 1);
    std::string reply = attempt(what, arg) + "\n";
    auto written = umd::handler::write_all_stdout(umd::ByteView(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()));
    return written ? 0 : 3;
}
