// drivers/pgp/trusted/batch.h — verifying many signed messages through one driver, parse and verify overlapped.
//
// Trusted side (Manager). A daemon or a repository tool that checks many files
// wants throughput: while this thread hashes and verifies file i, a second thread
// has the sandboxed handler parse file i + 1 (two processes, two cores). Each
// file still takes the one-file path exactly — parse_file() and then
// verify_message() on the decoded, checked records — so a batch can never accept
// what a single verification would refuse.
#pragma once

#include <functional>
#include <span>
#include <string>

#include <umd/manager.h>

#include "drivers/pgp/trusted/keyring.h"
#include "drivers/pgp/trusted/verifier.h"

namespace umd::pgp {

/// Called once per file, in the order of the paths, on the calling thread: the
/// verdict, or the file's own error (unreadable, malformed, not a signed message,
/// handler failure). Return false to stop the batch (files not yet delivered are skipped).
using BatchResult = std::function<bool(std::size_t index, Result<Verdict> verdict)>;

/// Verifies each cleartext-signed or inline-signed file in `paths` against
/// `keyring`. At most one file is parsed ahead of the one being verified, so at
/// most three inputs are held at once. One file's failure does not stop the
/// others; a handler that crashes is restarted by the driver for the next file.
void verify_messages(Driver& driver, const Keyring& keyring, std::span<const std::string> paths, const Policy& policy,
                     const BatchResult& on_result);

}  // namespace umd::pgp
