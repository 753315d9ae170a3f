// src/sandbox/syscall_allowlist.h — the system calls a static handler may make
// (trusted side: compiled into the Manager's seccomp filter).
//
// Found by running the real handlers under strace and under the log profile:
// static glibc start-up, the channel (read/write on fds 0-2), memory management,
// time, and a clean exit. Calls with a dangerous argument (mmap/mprotect with
// PROT_EXEC, execveat of anything but the memfd, tgkill of another process,
// prlimit64 of another process, newfstatat of a path) get argument rules in
// seccomp_program.cpp instead of a plain entry here. getppid is not allowed: a
// handler has no business with its parent (in a pid namespace it reads 0 anyway).
#pragma once

namespace umd::sandbox {

inline constexpr const char* baseline_syscalls[] = {
    // the channel
    "read", "write", "readv", "writev", "close", "lseek", "fstat", "fcntl",
    "poll", "ppoll",
    // memory
    "brk", "munmap", "mremap", "madvise",
    // signals (for abort(), and the SIGSYS reporter)
    "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
    // time and identity, all read-only
    "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
    "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "sched_yield",
    "getrandom", "futex", "uname",
    // static glibc start-up
    "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
    // leaving
    "exit", "exit_group",
};

}  // namespace umd::sandbox
