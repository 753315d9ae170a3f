// apps/umd-gpgv/gpgv_status.h — a verdict as gpgv reports it (trusted side).
//
// gpgv's machine-readable report is its status lines ("[GNUPG:] KEYWORD args",
// GnuPG's doc/DETAILS) on --status-fd, and its exit status. apt reads exactly these
// (methods/gpgv.cc): GOODSIG and VALIDSIG make a signer good (VALIDSIG's hash
// algorithm field is checked against apt's weak digests, its last field maps a
// subkey to its primary for Signed-By), BADSIG, ERRSIG, NO_PUBKEY and NODATA make
// the file fail.
#pragma once

#include <string>
#include <vector>

#include "drivers/pgp/trusted/verifier.h"

namespace umd::gpgv {

/// The status lines for the signatures of the verdict, each ending in a line feed,
/// in gpgv's order: NEWSIG, then GOODSIG + VALIDSIG, or BADSIG, or ERRSIG (+ NO_PUBKEY).
/// As gpgv, it stops at the first bad signature.
std::string status_lines(const pgp::Verdict& verdict);

/// gpgv's exit status for the verdict: 0 when every signature is good; 2 when one
/// could not be checked (no key, refused before any key was tried) before the first
/// bad one, if any; else 1 (a bad signature). gpgv counts the first kind as errors
/// (exit 2), the second as a bad verdict (exit 1), and stops at a bad signature.
int exit_status(const pgp::Verdict& verdict);

/// One line per signature for a person (stderr), like gpgv's "Good signature from".
std::vector<std::string> human_lines(const pgp::Verdict& verdict);

/// The 16 hex digits of the key ID a report names: the last 8 octets of a v4
/// fingerprint, the first 8 of a v6 one, a key ID as it is, zeros when none is known.
std::string key_id_of(const std::string& key);

}  // namespace umd::gpgv
