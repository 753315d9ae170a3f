// src/sandbox/seccomp_precompiled_gen.cpp — umd-seccomp-gen, run at build time: compiles
// the built-in seccomp programs (strict and log, no extra system calls) with the
// libseccomp that umd links, and prints them as a C++ source for umd_sandbox
// (seccomp_program.h says why). Trusted side, build host only.
#include <cstdio>

#include "seccomp_program.h"

namespace {

bool print_program(const char* name, umd::sandbox::ViolationAction action)
{
    auto program = umd::sandbox::compile_seccomp_program(action, {});
    if (!program) {
        std::fprintf(stderr, "umd-seccomp-gen: %s: %s\n", name, program.error().message.c_str());
        return false;
    }
    std::printf("constexpr sock_filter %s[] = {\n", name);
    for (const sock_filter& f : *program) std::printf("    {0x%04x, %u, %u, 0x%08x},\n", f.code, f.jt, f.jf, f.k);
    std::printf("};\n");
    return true;
}

}  // namespace

int main()
{
    std::printf("// Generated at build time by umd-seccomp-gen (src/sandbox/seccomp_precompiled_gen.cpp). Do not edit.\n"
                "#include \"seccomp_program.h\"\n\n"
                "namespace umd::sandbox {\nnamespace {\n\n");
    if (!print_program("strict_program", umd::sandbox::ViolationAction::trap) ||
        !print_program("log_program", umd::sandbox::ViolationAction::log))
        return 1;
    std::printf("\n}  // namespace\n\n"
                "std::span<const sock_filter> precompiled_seccomp_program(ViolationAction action) noexcept\n"
                "{\n"
                "    if (action == ViolationAction::trap) return strict_program;\n"
                "    return log_program;\n"
                "}\n\n"
                "}  // namespace umd::sandbox\n");
    return std::fflush(stdout) == 0 ? 0 : 1;
}
