// drivers/rpm/trusted/pgp_signature_check.h — header signatures verified by the OpenPGP driver.
//
// Trusted side (Manager). The signature packets from the signature header are
// parsed by the OpenPGP handler (through its Driver), and the decoded records
// go to the OpenPGP trusted verifier, which hashes the main-header blob itself
// and verifies with a key of the keyring. Keyrings are parsed the same way.
#pragma once

#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/manager.h>

#include "drivers/pgp/trusted/keyring.h"
#include "drivers/pgp/trusted/policy.h"
#include "drivers/rpm/trusted/package_verifier.h"

namespace umd::rpm {

/// The keyring files of a directory (e.g. /etc/umd/keys.d), as apt reads
/// trusted.gpg.d: only regular files (or links to them) named *.gpg or *.asc, in
/// sorted order; anything else (a README, key.asc.revoked-do-not-use, an
/// editor's backup) is ignored. not_found when the directory does not exist.
Result<std::vector<std::string>> keyring_files(const std::string& dir);

/// The keyrings a command uses: `given` (its --keyring files), or when there are none
/// the keyring files of `dir`; not_found when that leaves none.
Result<std::vector<std::string>> keyrings_to_use(const std::vector<std::string>& given, const std::string& dir);


/// A SignatureCheck that verifies through `pgp_driver` with `keyring` (both must outlive it).
SignatureCheck pgp_signature_check(Driver& pgp_driver, const pgp::Keyring& keyring, pgp::Policy policy = {});

}  // namespace umd::rpm
