// bench/synthetic_package.h — packages that vouch for given digests, made without keys (trusted side).
//
// The trust database accepts only VerifiedPackages, so a bench's digests enter the
// way real ones do: a package file built with the RPM tests' header builder, parsed
// by the RPM parser library and passed through verify_parsed with a signature check
// that accepts everything (no keys are involved); every other check runs.
#pragma once

#include <string>
#include <vector>

#include <umd/error.h>

#include "drivers/rpm/trusted/package_verifier.h"

namespace umd::bench {

/// A package `name`-1-1.noarch whose regular files are `paths`, with the lower-case hex
/// SHA-256 `digests` (one per path).
Result<rpm::VerifiedPackage> synthetic_package(const std::string& name, const std::vector<std::string>& paths,
                                               const std::vector<std::string>& digests);

}  // namespace umd::bench
