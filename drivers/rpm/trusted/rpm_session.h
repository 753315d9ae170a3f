// drivers/rpm/trusted/rpm_session.h — what a front end needs to verify packages: both drivers and a keyring.
//
// Trusted side (Manager). Gets the "rpm" and "pgp" drivers from the Manager (its
// registry must have both: register_builtin_drivers()), loads the keyring through
// the OpenPGP driver, and verifies package files (package_reader + package_verifier).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/manager.h>

#include "drivers/rpm/trusted/package_verifier.h"
#include "drivers/rpm/trusted/pgp_signature_check.h"

namespace umd::rpm {

class RpmSession {
public:
    /// `keyring_files` empty: the *.gpg and *.asc files of `keyring_dir` (keyring_files()).
    static Result<std::unique_ptr<RpmSession>> open(Manager& manager, const std::vector<std::string>& keyring_files,
                                                    const std::string& keyring_dir = default_keyring_dir_path());
    /// Parses, ties the header to the file, verifies the header signature, checks
    /// the claims and the payload digest (verify_parsed: the one verify path).
    Result<VerifiedPackage> verify(const std::string& path);
    /// Parses, ties the header to the file and checks the claims only (no
    /// signature or payload check): for display.
    Result<std::pair<Parsed, PackageInfo>> inspect(const std::string& path);
    static Result<std::pair<Parsed, PackageInfo>> inspect(Manager& manager, const std::string& path);

    static std::string default_keyring_dir_path();

private:
    RpmSession(Driver& rpm, Driver& pgp, pgp::Keyring keyring) : rpm_(rpm), pgp_(pgp), keyring_(std::move(keyring)) {}
    Driver& rpm_;
    Driver& pgp_;
    pgp::Keyring keyring_;
};

}  // namespace umd::rpm
