// apps/umd/one_shot_main.h — the start and the end of a one-shot program of the CLI
// family (`umd`, umd-gpgv, umd-sqv; trusted side).
#pragma once

#include "commands.h"

namespace umd::cli {

/// First thing in main(), before any thread starts: faults in the heap the command
/// will use with one system call (umd/one_shot/warm_heap.h), registers the built-in
/// drivers, and sets how libcrypto is initialised when first needed (no configuration
/// file, no legacy name tables, no clean-up at exit: docs/decisions/0005, 0010).
void start_one_shot(Context& ctx);

/// start_one_shot() for a program that verifies OpenPGP signatures only (umd-gpgv,
/// umd-sqv): the pgp handler's image is copied meanwhile unless a umdd will serve the
/// request, and no progress is printed.
void start_verifier(Context& ctx);

/// Ends the process without the destructors that are left (the command-line parser's
/// tree, static objects, the spawn thread's join): the kernel releases memory,
/// descriptors and threads faster (docs/decisions/0009). The handlers must be ended
/// first (Context::shut_down); output is flushed here. Sanitizer builds return
/// normally, so their leak check still runs.
[[noreturn]] void leave(int code);

}  // namespace umd::cli
