// src/sandbox/seccomp_program.h — compile a handler's seccomp policy to BPF with
// libseccomp (trusted side, in the parent: the child only loads the bytes).
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include <umd/error.h>

namespace umd::sandbox {

/// What a forbidden system call does.
enum class ViolationAction { trap, log };

/// Builds the pre-exec filter: the baseline allowlist plus `extra` names, argument
/// rules for memory protection, exec and prctl, and `action` for everything else.
/// invalid_argument for a name this architecture does not know.
Result<std::vector<sock_filter>> build_seccomp_program(ViolationAction action, const std::vector<std::string>& extra);

}  // namespace umd::sandbox
