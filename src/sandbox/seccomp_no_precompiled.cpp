// src/sandbox/seccomp_no_precompiled.cpp — for a cross-compiled build, where the
// build host cannot compile the target's programs: every program is compiled at run
// time (seccomp_program.h). Trusted side.
#include "seccomp_program.h"

namespace umd::sandbox {

std::span<const sock_filter> precompiled_seccomp_program(ViolationAction) noexcept { return {}; }

}  // namespace umd::sandbox
