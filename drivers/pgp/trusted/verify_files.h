// drivers/pgp/trusted/verify_files.h — one verification of files, the way `umd pgp verify` asks for it.
//
// Trusted side (Manager). The one call a front end makes — the CLI now, the daemon
// next — so that every verification takes the same steps in the same order:
// the keyrings (trust anchors) are parsed first, by a handler that has seen nothing
// else; then the signature or signed message is parsed while the keyring is built;
// then the data is hashed and the signatures judged. A front end only parses its
// arguments, calls verify_files() and prints.
#pragma once

#include <string>
#include <vector>

#include <umd/manager.h>

#include "drivers/pgp/trusted/client.h"
#include "drivers/pgp/trusted/policy.h"
#include "drivers/pgp/trusted/verifier.h"

namespace umd::pgp {

/// Files by path (the CLI) or as descriptors a client passed (umdd); see FileRef.
struct FilesToVerify {
    std::vector<FileRef> keyrings;   ///< certificate files to trust (at least one)
    /// A detached signature over `file`; not given: `file` is a cleartext- or inline-signed message.
    FileRef signature;
    FileRef file;   ///< a regular file
    Policy policy;
    /// Return a message's verified content (VerifiedFiles::content), as gpgv --output
    /// writes it. Not with a detached signature: the data is `file` itself.
    bool keep_content = false;
};

struct VerifiedFiles {
    Verdict verdict;
    Bytes content;   ///< only when asked for and the verdict is valid
};

/// How much of the machine one verification may use to end sooner. `one_shot` is for a
/// short-lived program that verifies once: the handler starts and libcrypto loads on
/// other CPUs while the files are read, the message is parsed on another CPU while the
/// keyring is built, the driver is unloaded as soon as the last parse is in (its handler
/// killed, its image dropped: it needs load() before another request), and the signatures
/// are judged on two CPUs. `shared` (a daemon, a batch) does all of it on the calling
/// thread and leaves the handler running for the next request.
enum class Urgency { shared, one_shot };

/// Errc::invalid_argument for a request that cannot be made (no keyring when
/// `keyrings_needed`, signatures required 0, content asked of a detached signature);
/// verify_files() checks this first, a front end that splits the work calls it first too.
Status check_request(const FilesToVerify& files, bool keyrings_needed = true);

/// Errc::invalid_argument for a request that cannot be made (no keyring, signatures
/// required 0, content asked of a detached signature), bad_input for files of the wrong
/// kind, io/not_found for unreadable ones, protocol or a handler failure from the driver.
/// A Verdict says whether the signatures are valid.
Result<VerifiedFiles> verify_files(Driver& driver, const FilesToVerify& files, Urgency urgency = Urgency::shared);

/// The second half of verify_files() at Urgency::shared, for a caller that holds the
/// keyring already (umdd's KeyringCache): the signature or message is parsed, then the
/// signatures judged against `keyring`. `files.keyrings` is not read.
/// `checking`: also_on_another_cpu shortens one verification of several signatures when
/// a CPU is idle (with fewer than two signatures it is not used).
Result<VerifiedFiles> verify_with_keyring(Driver& driver, const Keyring& keyring, const FilesToVerify& files,
                                          Checking checking = Checking::on_this_thread);

}  // namespace umd::pgp
