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
    /// payload: u32 the kernel's HZ (little-endian), then the option value; reply: CheckReply.
    /// The `limit` match's checks depend on HZ; without it (check_replace) limit is ENOENT.
    check_replace_hz = 2,
};

inline constexpr unsigned hook_count = 5;   ///< NF_INET_NUMHOOKS: PRE_ROUTING .. POST_ROUTING

/// Bounds both sides respect; the decoder enforces them on every reply.
struct Limits {
    static constexpr std::size_t max_request = 32u << 20;   ///< a 10 000-rule table is ~2 MiB
    static constexpr std::size_t min_entry = 152;           ///< an entry header and a standard target
    static constexpr std::size_t max_reason = 512;
    static constexpr std::size_t entry_record = 17;         ///< bytes of an entry record's layout part
    static constexpr std::size_t min_match = 32;            ///< a match takes at least its header
    static constexpr std::size_t max_chain_name = 29;       ///< XT_FUNCTION_MAXNAMELEN - 1, as iptables limits it
};

/// What a standard target or another target is, as the handler saw it.
enum class TargetKind : std::uint8_t {
    standard = 0,    ///< "": a verdict (< 0) or a jump to an entry's offset (> 0)
    error = 1,       ///< "ERROR": a user chain's head, or the table's end
    extension = 2,   ///< a named target (REJECT, LOG, ...)
};

/// An entry's `struct ipt_ip`: what ip_packet_match() compares a packet with. Addresses
/// and masks as the blob holds them (network byte order in memory: in_addr.s_addr).
struct IpRecord {
    std::uint32_t src = 0, dst = 0, src_mask = 0, dst_mask = 0;
    std::array<std::uint8_t, 16> in_iface{}, in_mask{}, out_iface{}, out_mask{};   ///< IFNAMSIZ
    std::uint16_t proto = 0;
    std::uint8_t flags = 0, invflags = 0;
    bool operator==(const IpRecord&) const = default;
};

/// The matches whose data the records carry decoded (rule_fields.h reads them).
enum class MatchKind : std::uint8_t {
    tcp = 1, udp = 2, icmp = 3, multiport = 4, iprange = 5, mark = 6, state = 7, conntrack = 8, comment = 9, limit = 10,
};
inline constexpr std::uint8_t last_match_kind = 10;

/// One match of an entry: where it is, which it is, and its data's fields. One flat
/// record for every kind (what a kind does not have stays 0, and the Manager checks that
/// too), so that a compiler of the rules reads plain fields. Ports in host order, as the
/// modules keep them; iprange's addresses as the blob holds them (network order).
struct MatchRecord {
    std::uint16_t offset = 0;          ///< from the entry's start
    MatchKind kind = MatchKind::comment;
    std::uint8_t revision = 0;
    std::array<std::uint16_t, 2> sports{}, dports{};   ///< tcp, udp: inclusive ranges
    std::uint8_t tcp_option = 0, tcp_flag_mask = 0, tcp_flag_cmp = 0;
    std::uint8_t invflags = 0;         ///< tcp, udp, icmp: their invflags; multiport, mark: invert
    std::uint8_t icmp_type = 0;
    std::array<std::uint8_t, 2> icmp_code{};
    std::uint8_t multiport_flags = 0, multiport_count = 0;
    std::array<std::uint16_t, 15> multiport_ports{};   ///< XT_MULTI_PORTS
    std::array<std::uint8_t, 15> multiport_pflags{};   ///< 1: ports[i]..ports[i+1] is a range
    std::uint8_t iprange_flags = 0;
    std::uint32_t src_min = 0, src_max = 0, dst_min = 0, dst_max = 0;
    std::uint32_t mark = 0, mark_mask = 0;
    std::uint16_t state_mask = 0;      ///< state: statemask; conntrack: state_mask
    std::uint16_t ct_match_flags = 0, ct_invert_flags = 0;
    std::uint32_t limit_avg = 0, limit_burst = 0;   ///< limit: xt_rateinfo's avg and burst (the caller's part)
    bool operator==(const MatchRecord&) const = default;
};

/// The named targets whose data the records carry.
enum class TargetExtension : std::uint8_t { none = 0, reject = 1, log = 2, mark = 3 };
inline constexpr std::uint8_t last_target_extension = 3;

/// A target's data beyond the standard verdict: an ERROR target's name (a user chain's
/// head, or "ERROR" closing the table), or an extension target's fields.
struct TargetData {
    TargetExtension extension = TargetExtension::none;
    std::string chain;                 ///< ERROR: its name, at most 29 bytes
    std::uint32_t reject_with = 0;     ///< REJECT: ipt_reject_with
    std::uint8_t log_level = 0, log_flags = 0;
    std::uint32_t mark = 0, mark_mask = 0;   ///< MARK revision 2
    bool operator==(const TargetData&) const = default;
};

struct EntryRecord {
    std::uint32_t offset = 0;         ///< from the first entry
    std::uint16_t target_offset = 0;
    std::uint16_t next_offset = 0;
    std::uint32_t hook_mask = 0;      ///< hooks the entry is reached from
    TargetKind target = TargetKind::standard;
    std::int32_t verdict = 0;         ///< standard targets; 0 otherwise
    IpRecord ip;                      ///< the entry's IP header match
    TargetData target_data;
    std::vector<MatchRecord> matches; ///< in the entry's order
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
