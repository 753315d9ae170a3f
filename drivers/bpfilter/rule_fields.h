// drivers/bpfilter/rule_fields.h — a rule's fields read at fixed places of an entry whose
// layout is known: its ipt_ip, a match's data of a known kind, a target's data. Shared by
// both sides of the trust boundary.
//
// The handler (untrusted) walks the blob, checks it and calls these to fill its records.
// The Manager (trusted) calls them only at places the handler named and it confirmed
// (an entry's start; a match whose size field and name bytes say it is a match of that
// kind and size; a target of a known name and size), and compares what they read with
// what the handler claimed: a fixed-layout read of known struct fields, not a walk of the
// blob (docs/trust-boundary.md, "bpfilter driver"). Every read is bounds-checked: a place
// outside the bytes reads 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <umd/wire.h>

#include "drivers/bpfilter/protocol.h"

namespace umd::bpfilter {

/// The entry at `entry`'s struct ipt_ip.
IpRecord read_ip(ByteView entries, std::size_t entry);

/// The kind of the match `name` at `revision`, if the records decode it.
std::optional<MatchKind> match_kind(std::string_view name, std::uint8_t revision);
/// The match's name as its header holds it.
std::string_view match_name(MatchKind kind);
/// The match's size field (header and data, aligned to 8) for its kind and revision.
std::uint16_t match_size(MatchKind kind, std::uint8_t revision);
/// The match of that kind at `at` (its header's start); `offset` is `at` from the entry's start.
MatchRecord read_match(ByteView entries, std::size_t at, std::uint16_t offset, MatchKind kind, std::uint8_t revision);

/// The named target `name` at `revision`, if the records decode it (none otherwise).
TargetExtension target_extension(std::string_view name, std::uint8_t revision);
/// Its target_size (header and data, aligned to 8).
std::uint16_t target_size(TargetExtension extension);
/// The bytes of a match's data that the kernel owns (written by its checkentry, read back
/// as zeros by GET_ENTRIES): [first, size) from the data's start; first == size when none.
struct KernelOwned {
    std::size_t first = 0, size = 0;
};
KernelOwned kernel_owned(MatchKind kind);

/// The data of the target at `at` (its header's start), of that kind.
TargetData read_target(ByteView entries, std::size_t at, TargetKind kind);

}  // namespace umd::bpfilter
