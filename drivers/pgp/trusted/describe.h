// drivers/pgp/trusted/describe.h — what `umd pgp show` says about an OpenPGP file, as JSON.
//
// Trusted side. Built from a parse result the Manager decoded and checked:
// fingerprints it computed, self-signatures it verified. Every string that came
// from the input (user IDs, reasons) is made valid UTF-8 here, so the JSON can
// always be written. The CLI prints it (or its text form); umdd sends the same
// document to its clients (docs/umdd.md), so both print the same thing.
#pragma once

#include <nlohmann/json.hpp>

#include <umd/error.h>

#include "drivers/pgp/trusted/client.h"

namespace umd::pgp {

/// The description of one parsed file (`umd pgp show --json`).
Result<nlohmann::json> describe(const Parsed& parsed);

}  // namespace umd::pgp
