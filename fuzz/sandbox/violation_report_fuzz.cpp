// fuzz/sandbox/violation_report_fuzz.cpp — the Manager reads a handler's stderr to
// name a forbidden system call; that text is hostile (trusted-side parser).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <umd/sandbox.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto nr = umd::sandbox::reported_syscall(text);
    if (nr && (*nr < 0 || *nr >= 4096)) __builtin_trap();
    umd::ExitInfo exit{umd::ExitInfo::Kind::signaled, 31};
    (void)umd::sandbox::explain_exit(exit, text);
    return 0;
}
