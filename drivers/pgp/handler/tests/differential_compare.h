// drivers/pgp/handler/tests/differential_compare.h — field-by-field comparison of FileFacts.
//
// Test-only. A mismatch is a GoogleTest failure naming the corpus file, the
// packet (key 2, signature 0, ...), the field and both values. A field either
// side does not show is skipped; the counters say how many fields were really
// compared, so a run that compares nothing is visible.
#pragma once

#include <string>

#include "differential_facts.h"

namespace umd::pgp::differential {

struct Tally {
    std::size_t fields = 0;   ///< fields both sides showed and compared
    std::size_t files = 0;
};

/// umd's two views of one file made into one: the parser's records with the
/// fingerprints, key IDs and key sizes the Manager computed. Where both views
/// show a field they must agree (checked here, as "show --json vs parser").
FileFacts merge_umd(const FileFacts& parser, const FileFacts& json, const std::string& file, Tally& tally);

/// Compares umd's facts with a peer's. With `partial` (the peer could not decode
/// some packets) only the packets both list are compared, not their counts.
void compare(const FileFacts& umd, const FileFacts& peer, const std::string& peer_name, const std::string& file,
             bool partial, Tally& tally);

}  // namespace umd::pgp::differential
