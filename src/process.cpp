// src/process.cpp — start a handler from a sealed memfd and own it until reaped
// (trusted side; fork_usermode_driver and umd_cleanup_helper).
#include <umd/process.h>

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <limits>

#include "handler_watch.h"
#include "spawn_thread.h"

namespace umd {
namespace {

struct Pipe {
    UniqueFd read, write;
};

/// A close-on-exec pipe whose ends are both >= 3, so the child can dup2 them onto
/// 0, 1 and 2 without clobbering one another even if the parent had closed its stdio.
Result<Pipe> make_pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail_errno(errno, "pipe2");
    UniqueFd r(fds[0]), w(fds[1]);
    for (UniqueFd* end : {&r, &w}) {
        if (end->get() < 3) {
            int moved = ::fcntl(end->get(), F_DUPFD_CLOEXEC, 3);
            if (moved < 0) return fail_errno(errno, "fcntl(F_DUPFD_CLOEXEC)");
            end->reset(moved);
        }
    }
    return Pipe{std::move(r), std::move(w)};
}

Status set_nonblocking(int fd)
{
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return fail_errno(errno, "fcntl(O_NONBLOCK)");
    return {};
}

/// What the child reports through the status pipe when it fails before exec.
struct ChildFailure {
    int error;
    char step[60];
};

/// Everything the child needs, prepared in the parent (the child may not allocate).
struct ChildPlan {
    int request_read, reply_write, stderr_write, status_write, go_read, memfd;
    const ChildSetup* setup;
    pid_t parent;
    char* const* argv;
    char* const* envp;
};

// The child uses raw syscall() only: in a child of a multi-threaded (and maybe
// sanitizer-instrumented) process, libc wrappers that interceptors hook could
// touch locks held by threads that no longer exist.
long sys_write(int fd, const void* buf, std::size_t n) { return ::syscall(SYS_write, fd, buf, n); }

[[noreturn]] void child_fail(int status_fd, int error, const char* step)
{
    ChildFailure f{};
    f.error = error;
    std::size_t i = 0;
    for (; step[i] && i + 1 < sizeof f.step; ++i) f.step[i] = step[i];
    f.step[i] = '\0';
    sys_write(status_fd, &f, sizeof f);
    ::syscall(SYS_exit_group, 127);
    __builtin_unreachable();
}

/// The kernel's struct sigaction for rt_sigaction (not glibc's).
struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    std::uint64_t mask;
};

/// Runs in the child between clone and exec: async-signal-safe raw system calls only
/// (the child may share the Manager's memory, see clone_sharing_memory()).
[[noreturn]] void child_main(const ChildPlan& p)
{
    // Default signal dispositions and an empty mask: nothing of the parent's signal state leaks in.
    KernelSigaction dfl{SIG_DFL, 0, nullptr, 0};
    for (int sig = 1; sig < 65; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) ::syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof dfl.mask);
    }
    std::uint64_t no_signals = 0;
    ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, nullptr, sizeof no_signals);

    if (::syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) child_fail(p.status_write, errno, "PR_SET_PDEATHSIG");
    // In a new pid namespace getppid() is 0; otherwise it must still be the parent.
    long ppid = ::syscall(SYS_getppid);
    if (ppid != p.parent && ppid != 0) child_fail(p.status_write, ESRCH, "parent exited during start");
    if (p.go_read >= 0) {
        char go;
        long n;
        do n = ::syscall(SYS_read, p.go_read, &go, 1); while (n < 0 && errno == EINTR);
        if (n != 1) child_fail(p.status_write, ECANCELED, "parent set-up after clone");
    }
    if (::syscall(SYS_dup3, p.request_read, 0, 0) < 0 || ::syscall(SYS_dup3, p.reply_write, 1, 0) < 0 ||
        ::syscall(SYS_dup3, p.stderr_write, 2, 0) < 0)
        child_fail(p.status_write, errno, "dup3 of the channel pipes");
    // Every other descriptor is closed by exec (the memfd and status pipe already are CLOEXEC).
    if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) child_fail(p.status_write, errno, "close_range");
    if (!p.setup || p.setup->new_session()) {
        if (::syscall(SYS_setsid) < 0) child_fail(p.status_write, errno, "setsid");
    } else if (::syscall(SYS_setpgid, 0, 0) != 0) {
        child_fail(p.status_write, errno, "setpgid");
    }
    if (::syscall(SYS_chdir, "/") != 0) child_fail(p.status_write, errno, "chdir /");
    if (p.setup) {
        const char* step = "sandbox";
        if (int err = p.setup->apply_in_child(&step); err != 0) child_fail(p.status_write, err, step);
    }
    ::syscall(SYS_execveat, p.memfd, "", p.argv, p.envp, AT_EMPTY_PATH);
    child_fail(p.status_write, errno, "execveat of the handler memfd");
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// The child's code is instrumented: it may not run in the Manager's memory, where
// the sanitizer's per-thread state belongs to the thread that made the child.
constexpr bool can_share_memory = false;
#else
constexpr bool can_share_memory = true;
#endif

/// The stack a child that shares the Manager's memory runs on until it execs.
class ChildStack {
public:
    static constexpr std::size_t size = 128 * 1024;
    ChildStack()
        : base_(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0))
    {
        // A guard page below: an overflow faults instead of writing into other memory.
        if (base_ != MAP_FAILED && ::mprotect(base_, page_size(), PROT_NONE) != 0) {
            ::munmap(base_, size);
            base_ = MAP_FAILED;
        }
    }
    ~ChildStack()
    {
        if (base_ != MAP_FAILED) ::munmap(base_, size);
    }
    ChildStack(const ChildStack&) = delete;
    ChildStack& operator=(const ChildStack&) = delete;
    explicit operator bool() const noexcept { return base_ != MAP_FAILED; }
    void* top() const noexcept { return static_cast<char*>(base_) + size; }

private:
    static std::size_t page_size() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }
    void* base_;
};

int child_entry(void* plan) { child_main(*static_cast<const ChildPlan*>(plan)); }

/// posix_spawn's way: CLONE_VM | CLONE_VFORK. The child runs on its own stack in the
/// Manager's memory, and this thread is suspended until it has exec'd (or died).
/// A fork-like clone instead copies the page tables of the whole Manager and
/// write-protects its memory (docs/decisions/0009), and afterwards
/// every first write to a page of the Manager faults, each fault flushing the TLBs
/// of the Manager's threads on other CPUs by interrupt. Every signal stays blocked
/// across the clone, so no handler of the Manager's can run on the child's stack
/// before child_main() resets the dispositions.
Result<std::pair<pid_t, UniqueFd>> clone_sharing_memory(const ChildPlan& plan, int extra_flags)
{
    ChildStack stack;
    if (!stack) return fail_errno(errno, "a stack for the handler's start");
    sigset_t all, before;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &before);
    int pidfd = -1;
    int flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | extra_flags | SIGCHLD;
    int pid = ::clone(child_entry, stack.top(), flags, const_cast<ChildPlan*>(&plan), &pidfd);
    int error = errno;
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    if (pid < 0) return fail_errno(error, "clone (flags {:#x})", static_cast<unsigned>(flags));
    return std::pair{static_cast<pid_t>(pid), UniqueFd(pidfd)};
}

/// Starts the child; returns the pid in the parent and never returns in the child.
/// A child that waits for the parent's after_clone() cannot share its memory (the
/// parent is suspended until exec): it gets a fork-like clone3.
Result<std::pair<pid_t, UniqueFd>> clone_child(const ChildPlan& plan, std::uint64_t extra_flags)
{
    if (can_share_memory && plan.go_read < 0 && extra_flags <= 0x7fffffffu)
        return clone_sharing_memory(plan, static_cast<int>(extra_flags));
    int pidfd = -1;
    clone_args args{};
    args.flags = CLONE_PIDFD | extra_flags;
    args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) return fail_errno(errno, "clone3 (flags {:#x})", args.flags);
    if (pid == 0) child_main(plan);
    return std::pair{static_cast<pid_t>(pid), UniqueFd(pidfd)};
}

/// fs.pipe-max-size, or 0 if it cannot be read.
int system_pipe_max()
{
    UniqueFd fd(::open("/proc/sys/fs/pipe-max-size", O_RDONLY | O_CLOEXEC));
    if (!fd) return 0;
    char text[32] = {};
    ssize_t n = ::read(fd.get(), text, sizeof text - 1);
    if (n <= 0) return 0;
    long value = std::strtol(text, nullptr, 10);
    return value > 0 && value <= std::numeric_limits<int>::max() ? static_cast<int>(value) : 0;
}

}  // namespace

int set_pipe_capacity(int fd, int wanted) noexcept
{
    if (::fcntl(fd, F_SETPIPE_SZ, wanted) < 0 && errno == EPERM) {
        // Over fs.pipe-max-size without CAP_SYS_RESOURCE (or over the user's pipe
        // pages): the largest an unprivileged pipe may be is the next best.
        static const int allowed = system_pipe_max();   // read once: every spawn of an unprivileged Manager comes here
        if (allowed > 0 && allowed < wanted) ::fcntl(fd, F_SETPIPE_SZ, allowed);
    }
    return ::fcntl(fd, F_GETPIPE_SZ);
}

std::string ExitInfo::describe() const
{
    if (kind == Kind::exited) return fmt::format("exited with status {}", code);
    const char* name = sigabbrev_np(code);
    return fmt::format("killed by signal SIG{}", name ? name : std::to_string(code).c_str());
}

Result<std::unique_ptr<HandlerProcess>> HandlerProcess::spawn(const Blob& blob, const SpawnOptions& options)
{
    // PR_SET_PDEATHSIG fires when the *thread* that created the child exits, so
    // children are created by one long-lived thread: a handler then lives as long
    // as the Manager's process, whichever thread first asked for it.
    return detail::run_on_spawn_thread([&] { return start(blob, options); });
}

Result<std::unique_ptr<HandlerProcess>> HandlerProcess::start(const Blob& blob, const SpawnOptions& options)
{
    auto request = make_pipe();
    auto reply = make_pipe();
    auto errors = make_pipe();
    auto status = make_pipe();
    for (auto* p : {&request, &reply, &errors, &status})
        if (!*p) return std::unexpected(p->error());
    std::optional<Pipe> go;
    // after_clone() runs before the child continues; without one the child need not wait.
    bool needs_go = options.setup != nullptr && options.setup->has_after_clone();
    if (needs_go) {
        auto g = UMD_TRY(make_pipe());
        go = std::move(g);
    }
    if (options.pipe_size > 0) {
        // Best effort: larger pipes cut the number of context switches for big messages.
        set_pipe_capacity(request->write.get(), options.pipe_size);
        set_pipe_capacity(reply->write.get(), options.pipe_size);
    }

    std::string argv0 = options.argv0;
    std::array<char*, 2> argv{argv0.data(), nullptr};
    std::array<char*, 1> envp{nullptr};
    ChildPlan plan{request->read.get(), reply->write.get(), errors->write.get(), status->write.get(),
                   go ? go->read.get() : -1, blob.fd(), options.setup, ::getpid(), argv.data(), envp.data()};

    auto cloned = UMD_TRY(clone_child(plan, options.setup ? options.setup->clone_flags() : 0));

    auto proc = std::make_unique<HandlerProcess>(Key{});
    proc->pid_ = cloned.first;
    proc->pidfd_ = std::move(cloned.second);
    proc->request_ = std::move(request->write);
    proc->reply_ = std::move(reply->read);
    proc->stderr_ = std::move(errors->read);
    proc->stderr_limit_ = options.stderr_limit;
    // The child's ends are closed here; from now on `proc` owns (and reaps) the child.
    request->read.reset();
    reply->write.reset();
    errors->write.reset();
    status->write.reset();

    if (go) {
        go->read.reset();
        if (auto s = options.setup->after_clone(proc->pid_); !s) return std::unexpected(with_context(s.error(), "sandbox set-up"));
        char byte = 1;
        if (::write(go->write.get(), &byte, 1) != 1) return fail_errno(errno, "releasing the handler after set-up");
    }

    // End of file on the status pipe means exec succeeded; a record means it failed.
    ChildFailure failure{};
    ssize_t n;
    do n = ::read(status->read.get(), &failure, sizeof failure); while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof failure)) {
        failure.step[sizeof failure.step - 1] = '\0';
        return fail(Errc::system, "starting handler '{}': {} failed: {}", blob.name(), failure.step, std::strerror(failure.error));
    }
    if (n != 0) return fail(Errc::system, "starting handler '{}': the child died before exec", blob.name());

    // The reply pipe stays blocking: the watch bounds its reads (see arm()). Writes of
    // requests and reads of stderr never block, so no full pipe can stall the Manager.
    for (int fd : {proc->request_.get(), proc->stderr_.get()})
        UMD_TRY(set_nonblocking(fd));
    detail::watch_handler(*proc);
    proc->watched_ = true;
    return proc;
}

HandlerProcess::~HandlerProcess()
{
    if (pid_ > 0 && !exit_) terminate();
    if (watched_) detail::unwatch_handler(*this);   // before the descriptors close
}

namespace {

ExitInfo exit_info_of(const siginfo_t& info)
{
    ExitInfo e;
    e.kind = info.si_code == CLD_EXITED ? ExitInfo::Kind::exited : ExitInfo::Kind::signaled;
    e.code = info.si_status;
    return e;
}

}  // namespace

std::optional<ExitInfo> HandlerProcess::reap(bool wait)
{
    if (exit_) return exit_;
    if (!pidfd_) return std::nullopt;
    siginfo_t info{};
    int flags = WEXITED | WNOWAIT | (wait ? 0 : WNOHANG);
    int rc;
    do rc = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, flags);
    while (rc < 0 && errno == EINTR);
    if (rc != 0 || info.si_pid == 0) return std::nullopt;
    // While the handler is an unreaped zombie its pid, and so its process group
    // (it leads a session or a process group), cannot be reused: kill whatever it left behind, then reap.
    ::kill(-pid_, SIGKILL);
    // The watch kills by the same process group: it lets go of the handler before the pid can be reused.
    if (watched_) {
        detail::unwatch_handler(*this);
        watched_ = false;
    }
    do rc = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info, WEXITED);
    while (rc < 0 && errno == EINTR);
    exit_ = exit_info_of(info);
    return exit_;
}

std::optional<ExitInfo> HandlerProcess::poll_exit() { return reap(false); }

void HandlerProcess::kill() noexcept
{
    if (pidfd_ && !exit_) ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
}

ExitInfo HandlerProcess::terminate(std::chrono::milliseconds timeout)
{
    if (auto e = reap(false)) return *e;
    if (timeout.count() > 0) {
        close_request();
        pollfd p{pidfd_.get(), POLLIN, 0};
        int rc;
        do rc = ::poll(&p, 1, static_cast<int>(timeout.count())); while (rc < 0 && errno == EINTR);
        if (auto e = reap(false)) return *e;
    }
    ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
    if (auto e = reap(true)) return *e;
    return ExitInfo{ExitInfo::Kind::signaled, SIGKILL};
}

void HandlerProcess::drain_stderr()
{
    // Bounded, so a handler that writes as fast as this reads cannot keep the caller
    // here: what is past the kept part is discarded anyway, and the caller polls again.
    drain_stderr_at_most(std::max<std::size_t>(stderr_limit_, 1 << 20));
}

void HandlerProcess::drain_stderr_at_most(std::size_t bytes)
{
    std::lock_guard guard(stderr_lock_);
    if (!stderr_ || stderr_eof_.load()) return;
    char buf[4096];
    for (std::size_t taken = 0; taken < bytes;) {
        ssize_t n = ::read(stderr_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            // Closed by the handler: no longer watched. The descriptor stays open until the
            // process object goes, so no thread can poll a number reused meanwhile.
            if (n == 0) stderr_eof_.store(true);
            return;
        }
        taken += static_cast<std::size_t>(n);
        std::size_t room = stderr_limit_ > stderr_buf_.size() ? stderr_limit_ - stderr_buf_.size() : 0;
        stderr_buf_.append(buf, std::min(room, static_cast<std::size_t>(n)));
        if (static_cast<std::size_t>(n) > room && !stderr_truncated_) {
            stderr_truncated_ = true;
            stderr_buf_ += "\n[umd: further stderr output discarded]";
        }
    }
}

std::string HandlerProcess::stderr_text()
{
    drain_stderr();
    std::lock_guard guard(stderr_lock_);
    return stderr_buf_;
}

}  // namespace umd
