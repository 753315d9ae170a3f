// drivers/bpfilter/trusted/evaluate.h — what the stored filter table decides for a
// described packet, walked as the kernel's ipt_do_table() walks it. TRUSTED side.
//
// The walk reads only the Manager's checked records (table_claims.h): each entry's IP
// header match, its matches' fields and its target. From the hook's first entry, in rule
// order: an entry whose IP match and every match hold runs its target — a verdict ends
// the walk, a jump pushes the entry (not for a goto, nor for a jump to the next entry)
// and goes on at the target, RETURN pops (or, with nothing pushed, goes to the hook's
// underflow: the policy), LOG continues, MARK sets the packet's mark and continues,
// REJECT decides "reject" (a drop with a reply). Counters are not touched.
//
// What a description cannot decide is an error (Errc::invalid_argument: exit 2), never a guess: a tcp
// match on TCP options, a conntrack match on anything but the state. The walk is bounded:
// a checked table has no loop, but a chain called from many places is walked once per
// call, so at most 64 steps per entry (and 4096) are taken before Errc::timeout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <umd/error.h>

#include "drivers/bpfilter/protocol.h"

namespace umd::bpfilter {

struct AcceptedTable;

/// The connection tracking state a packet is in, as the state and conntrack matches see it.
enum class ConnState : std::uint8_t { new_connection, established, related, invalid, untracked };

/// A packet as an administrator describes it. Addresses in network byte order
/// (in_addr.s_addr), ports in host order. Never a fragment.
struct Packet {
    std::uint8_t proto = 6;              ///< IPPROTO_TCP
    std::uint32_t src = 0, dst = 0;
    std::uint16_t sport = 0, dport = 0;
    std::uint8_t icmp_type = 8, icmp_code = 0;   ///< echo request
    std::uint8_t tcp_flags = 0x02;       ///< SYN
    std::string in, out;                 ///< interface names; empty: none
    ConnState state = ConnState::new_connection;
    std::uint32_t mark = 0;
};

/// The hooks of the filter table (NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT).
enum class Hook : std::uint8_t { input = 1, forward = 2, output = 3 };

enum class Verdict : std::uint8_t { accept, drop, reject, queue };
std::string_view verdict_name(Verdict v);

/// Where an entry is, as `iptables -L --line-numbers` shows it.
struct RulePlace {
    std::string chain;
    unsigned number = 0;                 ///< 1-based; 0 for a chain's end (policy or RETURN) or head
    bool chain_end = false;              ///< a built-in chain's policy or a user chain's closing RETURN
};

/// Each entry's place: built-in chains from their hooks, user chains after their ERROR heads.
std::vector<RulePlace> rule_places(const TableRecord& table);

struct Decision {
    Verdict verdict = Verdict::drop;
    std::size_t entry = 0;               ///< the deciding entry's index
    RulePlace place;                     ///< its chain and number (chain_end: the policy)
    std::uint32_t reject_with = 0;       ///< REJECT: ipt_reject_with
    std::uint32_t mark = 0;              ///< the packet's mark when decided (after MARK targets)
    std::size_t steps = 0;               ///< entries looked at
};

Result<Decision> evaluate(const AcceptedTable& table, Hook hook, const Packet& packet);

}  // namespace umd::bpfilter
