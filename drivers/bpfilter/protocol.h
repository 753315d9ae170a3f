// drivers/bpfilter/protocol.h — the records the bpfilter handler sends to the Manager.
//
// Shared by both sides of the trust boundary. Request `check_replace`: the option value
// of IPT_SO_SET_REPLACE as the caller passed it. The handler (untrusted) makes the
// kernel's checks (handler/replace_check.h) and answers with either a refusal (the errno
// the kernel gives, and why) or the table as small fixed-size records: the header's
// fields and, per entry, where it is, how it is laid out, from which hooks it is reached
// and, for a standard target, its verdict.
//
// The Manager (trusted) decodes the reply with every count bounded by the request's own
// size (decode_check_reply), then checks every record against the request's bytes at
// fixed places (trusted/table_claims.h): a lying handler can make the Manager refuse a
// table, never store one whose layout differs from the bytes it holds. Wire layout:
// docs/bpfilter.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

namespace umd::bpfilter {

/// Request types of the bpfilter driver (frame header `type`).
enum class Request : std::uint8_t {
    check_replace = 1,   ///< payload: an IPT_SO_SET_REPLACE option value; reply: CheckReply
};

inline constexpr unsigned hook_count = 5;   ///< NF_INET_NUMHOOKS: PRE_ROUTING .. POST_ROUTING

/// Bounds both sides respect; the decoder enforces them on every reply.
struct Limits {
    static constexpr std::size_t max_request = 32u << 20;   ///< a 10 000-rule table is ~2 MiB
    static constexpr std::size_t min_entry = 152;           ///< an entry header and a standard target
    static constexpr std::size_t max_reason = 512;
    static constexpr std::size_t entry_record = 17;         ///< bytes of one encoded entry record
};

/// What a standard target or another target is, as the handler saw it.
enum class TargetKind : std::uint8_t {
    standard = 0,    ///< "": a verdict (< 0) or a jump to an entry's offset (> 0)
    error = 1,       ///< "ERROR": a user chain's head, or the table's end
    extension = 2,   ///< a named target (REJECT, LOG, ...)
};

struct EntryRecord {
    std::uint32_t offset = 0;         ///< from the first entry
    std::uint16_t target_offset = 0;
    std::uint16_t next_offset = 0;
    std::uint32_t hook_mask = 0;      ///< hooks the entry is reached from
    TargetKind target = TargetKind::standard;
    std::int32_t verdict = 0;         ///< standard targets; 0 otherwise
    bool operator==(const EntryRecord&) const = default;
};

struct TableRecord {
    std::uint32_t valid_hooks = 0;
    std::uint32_t size = 0;           ///< bytes of entries
    std::uint32_t num_counters = 0;
    std::array<std::uint32_t, hook_count> hook_entry{};
    std::array<std::uint32_t, hook_count> underflow{};
    std::vector<EntryRecord> entries;
    bool operator==(const TableRecord&) const = default;
};

/// The handler's answer to check_replace.
struct CheckReply {
    bool accepted = false;
    std::int32_t error = 0;           ///< refused: the errno (one of allowed_errors)
    std::string reason;               ///< refused: why, printable ASCII
    TableRecord table;                ///< accepted: the table
};

/// The errnos a refusal may carry: those the kernel's checks give.
bool is_refusal_errno(std::int32_t error);

Bytes encode_check_reply(const CheckReply& reply);

/// Decodes a reply to a check_replace request of `request_size` bytes: every count and
/// length is bounded by that size (an entry takes at least Limits::min_entry bytes of it),
/// never by what the reply claims.
Result<CheckReply> decode_check_reply(ByteView reply, std::size_t request_size);

}  // namespace umd::bpfilter
