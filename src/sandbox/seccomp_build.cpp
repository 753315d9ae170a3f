// src/sandbox/seccomp_build.cpp — the precompiled program when it fits, libseccomp
// otherwise (seccomp_program.h). Trusted side.
#include "seccomp_program.h"

namespace umd::sandbox {

Result<std::vector<sock_filter>> build_seccomp_program(ViolationAction action, const std::vector<std::string>& extra)
{
    if (extra.empty())
        if (auto program = precompiled_seccomp_program(action); !program.empty())
            return std::vector<sock_filter>(program.begin(), program.end());
    return compile_seccomp_program(action, extra);
}

}  // namespace umd::sandbox
