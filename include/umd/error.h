// umd/error.h — the one error type of libumd and every driver.
//
// Every fallible function returns umd::Result<T> (std::expected<T, umd::Error>).
// An Error says *what kind* of failure happened (Errc, which the CLI maps to an
// exit code) and *what and where* in a human sentence (message). Errors travel up
// with UMD_TRY.
#pragma once

#include <cstring>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace umd {

/// What kind of failure. The CLI maps these to exit codes (see exit_code()).
/// The order is part of umdd's protocol (docs/umdd.md): add new kinds at the end.
enum class Errc {
    invalid_argument,   ///< the caller asked for something impossible (usage)       → 2
    bad_input,          ///< untrusted input is malformed or out of bounds            → 2
    io,                 ///< reading or writing a file or descriptor failed           → 2
    not_found,          ///< a named driver, loader, key or file does not exist       → 2
    rejected,           ///< a negative verdict: not valid, not trusted, refused      → 1
    protocol,           ///< the handler's reply broke the wire protocol              → 3
    timeout,            ///< a deadline passed                                        → 3
    handler_crashed,    ///< the handler exited or was killed by a signal             → 3
    sandbox_violation,  ///< the handler was killed by its sandbox                    → 3
    driver_failed,      ///< the driver is marked failed (crash loop) until reset     → 3
    system,             ///< a system call failed in the trusted side                 → 3
    internal,           ///< a bug: an invariant of umd itself did not hold           → 3
    not_permitted,      ///< the caller may not ask for this (umdd's authorization)    → 4
};

/// Human name of an error kind ("protocol", "timeout", ...), stable for JSON output.
std::string_view errc_name(Errc code) noexcept;

/// A failure: its kind and a message saying what happened and where.
struct Error {
    Errc code;
    std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

/// Result of an operation that returns nothing on success.
using Status = Result<void>;

/// Builds an unexpected Error with a fmt-formatted message:
///   return fail(Errc::bad_input, "offset {} is out of range", off);
template <class... Args>
[[nodiscard]] std::unexpected<Error> fail(Errc code, fmt::format_string<Args...> format, Args&&... args)
{
    return std::unexpected(Error{code, fmt::format(format, std::forward<Args>(args)...)});
}

/// Like fail(), for a failed system call: appends strerror(errno_value).
template <class... Args>
[[nodiscard]] std::unexpected<Error> fail_errno(int errno_value, fmt::format_string<Args...> format, Args&&... args)
{
    std::string text = fmt::format(format, std::forward<Args>(args)...);
    return std::unexpected(Error{Errc::system, text + ": " + std::string(std::strerror(errno_value))});
}

/// Adds context in front of an error's message, keeping its kind.
[[nodiscard]] inline Error with_context(Error error, std::string_view context)
{
    error.message = std::string(context) + ": " + error.message;
    return error;
}

/// Passes an error on: evaluates `expr` (a Result or a Status); on an error, returns
/// that error from the enclosing function, else yields the value (nothing for a Status).
///   Driver* driver = UMD_TRY(manager.driver("pgp"));
///   UMD_TRY(check_framing(parsed, input));
/// The one way errors travel up unchanged; add context with with_context() instead
/// where the caller knows more than the callee. (A statement expression, which g++
/// and clang compile; the enclosing function returns a Result or a Status.)
#define UMD_TRY(...)                                                                   \
    ({                                                                                 \
        auto umd_try_result_ = (__VA_ARGS__);                                          \
        if (!umd_try_result_) return std::unexpected(std::move(umd_try_result_).error()); \
        *std::move(umd_try_result_);                                                   \
    })

/// The process exit code for an error kind: 1 verdict, 2 input/usage, 3 internal/handler failure,
/// 4 not permitted.
int exit_code(Errc code) noexcept;

}  // namespace umd
