// src/exit_report.h — turn how a handler ended into a clear error (trusted side).
#pragma once

#include <string>
#include <string_view>

#include <umd/error.h>
#include <umd/process.h>

namespace umd {

/// Attaches the handler's fate to `error`: a SIGSYS death becomes a sandbox
/// violation, any other signal a crash; the tail of its stderr is appended.
Error explain_handler_end(Error error, const ExitInfo& exit, std::string_view stderr_text, std::string_view driver);

/// A handler-supplied message made safe to print: control bytes escaped, at most 512 bytes.
std::string printable_message(std::string_view text);

}  // namespace umd
