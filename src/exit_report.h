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

/// A handler-supplied message (a bad_input reply, its stderr) made safe for any
/// output, a terminal or JSON: printable_text() of at most 512 bytes, line feeds
/// escaped too, so it stays one line of valid UTF-8 without control characters.
std::string printable_message(std::string_view text);

}  // namespace umd
