// drivers/bpfilter/trusted/table_claims.h — the Manager's check of what the bpfilter
// handler says about a table. TRUSTED side.
//
// The handler parses the blob; the Manager does not. It takes the handler's records only
// after checking each one against the request's bytes at fixed places: the header's
// fields, each entry's target_offset and next_offset at the offset the record names, the
// entries tiling the table exactly, each hook's entry and underflow at an entry's start,
// each target's kind by its name's bytes, each standard verdict by its bytes. What the
// Manager then holds (where each entry starts, which entries the hooks reach) is what the
// bytes say, whatever the handler claimed. The claims ledger: docs/trust-boundary.md.
#pragma once

#include <string>

#include <umd/error.h>
#include <umd/wire.h>

#include "drivers/bpfilter/protocol.h"

namespace umd::bpfilter {

/// A table the Manager may store: the caller's entries, byte for byte, and their layout.
struct AcceptedTable {
    std::string name;           ///< the header's name, up to its NUL (at most 31 bytes)
    Bytes entries;              ///< the request's entries, as the caller sent them
    TableRecord layout;         ///< the handler's records, each checked against `entries`
};

/// Checks the records of a handler that accepted `request` (an IPT_SO_SET_REPLACE option
/// value). Errc::bad_input names the first record the bytes contradict.
Result<AcceptedTable> accept_table(ByteView request, const TableRecord& claimed);

}  // namespace umd::bpfilter
