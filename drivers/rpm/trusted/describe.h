// drivers/rpm/trusted/describe.h — what `umd rpm show` and `umd trust list` say, as JSON.
//
// Trusted side. Built only from bytes the Manager checked: the header located by
// the Manager itself, its SHA-256 computed here, and the fields read through
// checked claims. Every string that came from a package is made valid UTF-8 here,
// so the JSON can always be written. The CLI prints these documents (or their text
// form); umdd sends the same documents to its clients (docs/umdd.md), so a command
// prints the same thing standalone and through the daemon.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "drivers/rpm/protocol.h"
#include "drivers/rpm/trusted/claim_check.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::rpm {

/// `umd rpm show --json`: the package's header as read through checked claims
/// (nothing verified: "signature": {"verified": false, ...}).
nlohmann::json describe_package(const Parsed& parsed, const PackageInfo& info);

/// `umd trust list --json`: one object per package in the database.
nlohmann::json describe_trusted(const std::vector<TrustedPackage>& packages);

}  // namespace umd::rpm
