// src/error.cpp — names and exit codes of error kinds (trusted side).
#include <umd/error.h>

namespace umd {

std::string_view errc_name(Errc code) noexcept
{
    switch (code) {
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::bad_input: return "bad_input";
    case Errc::io: return "io";
    case Errc::not_found: return "not_found";
    case Errc::rejected: return "rejected";
    case Errc::protocol: return "protocol";
    case Errc::timeout: return "timeout";
    case Errc::handler_crashed: return "handler_crashed";
    case Errc::sandbox_violation: return "sandbox_violation";
    case Errc::driver_failed: return "driver_failed";
    case Errc::system: return "system";
    case Errc::internal: return "internal";
    case Errc::not_permitted: return "not_permitted";
    }
    return "unknown";
}

int exit_code(Errc code) noexcept
{
    switch (code) {
    case Errc::rejected: return 1;
    case Errc::invalid_argument:
    case Errc::bad_input:
    case Errc::io:
    case Errc::not_found: return 2;
    case Errc::not_permitted: return 4;
    default: return 3;
    }
}

}  // namespace umd
