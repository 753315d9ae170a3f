// src/sandbox/lockdown_protocol.h — constants shared by the Manager's seccomp filter
// (trusted side) and the handler's lockdown (untrusted side), so both agree on them.
#pragma once

#include <cstdint>

namespace umd::sandbox::protocol {

/// The handler asks "which umd profile confines me?" with prctl(PR_GET_SECCOMP, query_magic).
/// The kernel ignores the second argument of PR_GET_SECCOMP; umd's pre-exec filter
/// answers such a call with one of these errno values instead.
inline constexpr std::uint32_t query_magic = 0x756d6471;  // "umdq"
inline constexpr std::uint16_t strict_errno = 3001;
inline constexpr std::uint16_t log_errno = 3002;

/// What the SIGSYS reporter writes to stderr before the process is killed: the prefix,
/// the decimal system call number, a newline.
inline constexpr char report_prefix[] = "umd-sandbox: syscall ";

}  // namespace umd::sandbox::protocol
