// apps/umdd/guard/verdict.h — what the exec guard knows about a file's content, and the answer it gives.
//
// Trusted side, privileged (umdd's exec guard). Knowledge is per content (the
// cache keeps it per file identity); the answer depends on the event too:
//   exec (FAN_OPEN_EXEC_PERM): allowed iff the file's digest is trusted;
//   open (FAN_OPEN_PERM):      allowed iff the file is not ELF, or it is trusted.
// Anything the guard could not establish (a read error, a decider error, a file
// that changed while it was hashed) is a deny: the guard fails closed.
#pragma once

#include <cstdint>
#include <string_view>

#include "apps/umdd/guard/file_hasher.h"

namespace umd::guard {

enum class Content : std::uint8_t { unknown, not_elf, elf };
enum class Trust : std::uint8_t { unknown, trusted, untrusted };

/// Why a verdict is what it is (audit records and tests).
enum class Reason : std::uint8_t {
    trusted,            ///< a digest of the file is in the trust database
    untrusted,          ///< no digest of the file is
    not_elf,            ///< opened, not executed, and not an ELF file
    not_regular,        ///< not a regular file: nothing to hash (the kernel refuses to exec it)
    own_process,        ///< the guard's own process: never waits on itself
    read_failed,        ///< the file could not be read: deny
    decider_failed,     ///< the decider returned an error: deny
    changed_while_hashed,  ///< size, mtime or ctime moved during the hash, or a modification was reported twice: deny
};

std::string_view reason_name(Reason reason) noexcept;

struct Knowledge {
    Content content = Content::unknown;
    Trust trust = Trust::unknown;
    Reason reason = Reason::untrusted;   ///< meaningful once content or trust is known, or on a failure
    bool failed = false;                 ///< a failure reason: final, never cached
    Digest digest;                       ///< the matching digest, or the first algorithm's; size 0 when not hashed
};

/// Whether `k` answers an exec (needs trust) or an open (needs "not ELF", or trust).
bool sufficient(const Knowledge& k, bool exec) noexcept;

struct Verdict {
    bool allow = false;
    Reason reason = Reason::untrusted;
};

/// The answer for an event from sufficient (or failed) knowledge.
Verdict verdict_for(const Knowledge& k, bool exec) noexcept;

}  // namespace umd::guard
