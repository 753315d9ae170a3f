// src/sandbox/seccomp_program.h — a handler's seccomp policy as BPF (trusted side, in
// the parent: the child only loads the bytes).
//
// libseccomp compiles the policy (seccomp_program.cpp). Compiling it delays a one-shot
// command's handler (docs/benchmarks.md), and the program depends only on the
// architecture, the violation action and the list of system calls, so the build also
// compiles the two built-in programs (strict and log, no extra calls) once, with the
// same libseccomp that is linked into umd (umd-seccomp-gen, seccomp_precompiled_gen.cpp),
// and build_seccomp_program() hands those out.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <umd/error.h>

namespace umd::sandbox {

/// tgkill is allowed only towards the handler's own thread group, whose pid is not
/// known when the program is compiled (at build time, or in the parent before the
/// clone; in a pid namespace it is 1, outside it the real pid). The program compares
/// tgkill's first argument with this placeholder, which is no pid (pids stay below
/// 2^22); the child, between clone and exec, loads a copy of the program with each
/// placeholder replaced by its own getpid() (Sandbox::apply_in_child). An unpatched
/// program fails closed: tgkill then reaches nobody.
inline constexpr std::uint32_t own_pid_placeholder = 0x7ead5e1fu;

/// The positions of the instructions of `program` that compare with own_pid_placeholder.
std::vector<std::uint16_t> own_pid_slots(std::span<const sock_filter> program);

/// What a forbidden system call does.
enum class ViolationAction { trap, log };

/// Compiles the pre-exec filter with libseccomp: the baseline allowlist plus `extra`
/// names, argument rules for memory protection, exec and prctl, and `action` for
/// everything else. invalid_argument for a name this architecture does not know.
Result<std::vector<sock_filter>> compile_seccomp_program(ViolationAction action, const std::vector<std::string>& extra);

/// The program compiled at build time for `action` with no extra system calls; empty
/// when the build did not compile one (a cross-compiled build).
std::span<const sock_filter> precompiled_seccomp_program(ViolationAction action) noexcept;

/// The pre-exec filter: precompiled_seccomp_program() when `extra` is empty and
/// there is one, otherwise compile_seccomp_program(). Both give the same bytes
/// (test SeccompProgram.PrecompiledIsWhatLibseccompCompiles).
Result<std::vector<sock_filter>> build_seccomp_program(ViolationAction action, const std::vector<std::string>& extra);

}  // namespace umd::sandbox
