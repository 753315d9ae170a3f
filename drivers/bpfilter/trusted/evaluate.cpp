// drivers/bpfilter/trusted/evaluate.cpp — see evaluate.h. TRUSTED side.
//
// Each match follows its kernel module's match function (xt_tcpudp.c, ip_tables.c's
// icmp_match, xt_multiport.c, xt_iprange.c, xt_mark.c, xt_state.c, xt_conntrack.c) and
// the IP header match ip_tables.c's ip_packet_match().
#include "drivers/bpfilter/trusted/evaluate.h"

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "drivers/bpfilter/trusted/table_claims.h"

namespace umd::bpfilter {
namespace {

bool inverted(std::uint8_t invflags, std::uint8_t bit) { return (invflags & bit) != 0; }

/// ifname_compare_aligned(): every byte of the name the mask covers is equal.
bool iface_matches(const std::string& dev, const std::array<std::uint8_t, 16>& name, const std::array<std::uint8_t, 16>& mask)
{
    std::array<std::uint8_t, 16> padded{};
    std::memcpy(padded.data(), dev.data(), std::min(dev.size(), padded.size()));
    std::uint8_t differ = 0;
    for (std::size_t i = 0; i < padded.size(); ++i) differ |= static_cast<std::uint8_t>((padded[i] ^ name[i]) & mask[i]);
    return differ == 0;
}

/// ip_packet_match() for a packet that is not a fragment.
bool ip_matches(const IpRecord& ip, const Packet& p)
{
    if (((p.src & ip.src_mask) != ip.src) != inverted(ip.invflags, IPT_INV_SRCIP)) return false;
    if (((p.dst & ip.dst_mask) != ip.dst) != inverted(ip.invflags, IPT_INV_DSTIP)) return false;
    if (!iface_matches(p.in, ip.in_iface, ip.in_mask) != inverted(ip.invflags, IPT_INV_VIA_IN)) return false;
    if (!iface_matches(p.out, ip.out_iface, ip.out_mask) != inverted(ip.invflags, IPT_INV_VIA_OUT)) return false;
    if (ip.proto && ((p.proto != ip.proto) != inverted(ip.invflags, IPT_INV_PROTO))) return false;
    if (((ip.flags & IPT_F_FRAG) != 0) != inverted(ip.invflags, IPT_INV_FRAG)) return false;   // never a fragment
    return true;
}

bool in_range(std::uint16_t port, const std::array<std::uint16_t, 2>& range, bool invert)
{
    return (port >= range[0] && port <= range[1]) != invert;
}

/// xt_multiport's ports_match_v1(). A range at the last slot reads the port after it, as
/// the kernel does (within the structure: the first two pflags bytes).
bool multiport_matches(const MatchRecord& m, const Packet& p)
{
    const auto port_at = [&](unsigned i) -> std::uint16_t {
        if (i < m.multiport_ports.size()) return m.multiport_ports[i];
        return static_cast<std::uint16_t>(m.multiport_pflags[0] | (m.multiport_pflags[1] << 8));
    };
    const bool invert = m.invflags != 0;
    for (unsigned i = 0; i < m.multiport_count && i < m.multiport_ports.size(); ++i) {
        const std::uint16_t s = port_at(i);
        const bool range = m.multiport_pflags[i] != 0;
        const std::uint16_t e = range ? port_at(++i) : s;
        const bool src = p.sport >= s && p.sport <= e, dst = p.dport >= s && p.dport <= e;
        switch (m.multiport_flags) {
        case XT_MULTIPORT_SOURCE: if (src) return !invert; break;
        case XT_MULTIPORT_DESTINATION: if (dst) return !invert; break;
        case XT_MULTIPORT_EITHER: if (src || dst) return !invert; break;
        default: break;
        }
    }
    return invert;
}

bool iprange_matches(const MatchRecord& m, const Packet& p)
{
    if (m.iprange_flags & IPRANGE_SRC) {
        const std::uint32_t a = ntohl(p.src);
        if ((a < ntohl(m.src_min) || a > ntohl(m.src_max)) != ((m.iprange_flags & IPRANGE_SRC_INV) != 0)) return false;
    }
    if (m.iprange_flags & IPRANGE_DST) {
        const std::uint32_t a = ntohl(p.dst);
        if ((a < ntohl(m.dst_min) || a > ntohl(m.dst_max)) != ((m.iprange_flags & IPRANGE_DST_INV) != 0)) return false;
    }
    return true;
}

bool tracked(ConnState s) { return s != ConnState::invalid && s != ConnState::untracked; }

unsigned ctinfo_of(ConnState s)
{
    switch (s) {
    case ConnState::established: return IP_CT_ESTABLISHED;
    case ConnState::related: return IP_CT_RELATED;
    default: return IP_CT_NEW;
    }
}

/// xt_state's state_mt().
bool state_matches(const MatchRecord& m, const Packet& p)
{
    unsigned bit = XT_STATE_INVALID;
    if (tracked(p.state)) bit = XT_STATE_BIT(ctinfo_of(p.state));
    else if (p.state == ConnState::untracked) bit = XT_STATE_UNTRACKED;
    return (m.state_mask & bit) != 0;
}

/// xt_conntrack's conntrack_mt(), for the state only: with any other test on a tracked
/// connection the description does not say enough.
Result<bool> conntrack_matches(const MatchRecord& m, const Packet& p)
{
    unsigned bit = XT_CONNTRACK_STATE_INVALID;
    if (tracked(p.state)) bit = XT_CONNTRACK_STATE_BIT(ctinfo_of(p.state));
    else if (p.state == ConnState::untracked) bit = XT_CONNTRACK_STATE_UNTRACKED;
    if (m.ct_match_flags & XT_CONNTRACK_STATE)
        if (((m.state_mask & bit) != 0) != ((m.ct_invert_flags & XT_CONNTRACK_STATE) != 0)) return false;
    if (!tracked(p.state)) return (m.ct_match_flags & XT_CONNTRACK_STATE) != 0;
    if (m.ct_match_flags & ~(XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS))
        return fail(Errc::invalid_argument, "a conntrack match tests more than the state (flags {:#x}): a described packet does not say", m.ct_match_flags);
    return true;
}

Result<bool> match_holds(const MatchRecord& m, const Packet& p)
{
    switch (m.kind) {
    case MatchKind::tcp:
        if (m.tcp_option != 0) return fail(Errc::invalid_argument, "a tcp match on a TCP option: a described packet has no options");
        return in_range(p.sport, m.sports, inverted(m.invflags, XT_TCP_INV_SRCPT)) && in_range(p.dport, m.dports, inverted(m.invflags, XT_TCP_INV_DSTPT)) &&
               (((p.tcp_flags & m.tcp_flag_mask) == m.tcp_flag_cmp) != inverted(m.invflags, XT_TCP_INV_FLAGS));
    case MatchKind::udp:
        return in_range(p.sport, m.sports, inverted(m.invflags, XT_UDP_INV_SRCPT)) && in_range(p.dport, m.dports, inverted(m.invflags, XT_UDP_INV_DSTPT));
    case MatchKind::icmp: {
        const bool hit = m.icmp_type == 0xFF || (p.icmp_type == m.icmp_type && p.icmp_code >= m.icmp_code[0] && p.icmp_code <= m.icmp_code[1]);
        return hit != inverted(m.invflags, IPT_ICMP_INV);
    }
    case MatchKind::multiport: return multiport_matches(m, p);
    case MatchKind::iprange: return iprange_matches(m, p);
    case MatchKind::mark: return ((p.mark & m.mark_mask) == m.mark) != (m.invflags != 0);
    case MatchKind::state: return state_matches(m, p);
    case MatchKind::conntrack: return conntrack_matches(m, p);
    case MatchKind::comment: return true;
    case MatchKind::limit: return true;   // a packet within the rate: a description has no history
    }
    return fail(Errc::internal, "an unknown match kind");
}

Result<bool> entry_holds(const EntryRecord& e, const Packet& p)
{
    if (!ip_matches(e.ip, p)) return false;
    for (const MatchRecord& m : e.matches)
        if (!UMD_TRY(match_holds(m, p))) return false;
    return true;
}

constexpr std::array<const char*, hook_count> hook_names = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};

}  // namespace

std::string_view verdict_name(Verdict v)
{
    switch (v) {
    case Verdict::accept: return "ACCEPT";
    case Verdict::drop: return "DROP";
    case Verdict::reject: return "REJECT";
    case Verdict::queue: return "QUEUE";
    }
    return "?";
}

std::vector<RulePlace> rule_places(const TableRecord& t)
{
    std::vector<RulePlace> out(t.entries.size());
    std::string chain;
    unsigned number = 0;
    bool builtin = false;
    for (std::size_t i = 0; i < t.entries.size(); ++i) {
        const EntryRecord& e = t.entries[i];
        if (e.target == TargetKind::error) {
            chain = e.target_data.chain;
            number = 0;
            builtin = false;
            out[i] = {chain, 0, false};
            continue;
        }
        for (unsigned h = 0; h < hook_count; ++h)
            if ((t.valid_hooks & (1u << h)) && t.hook_entry[h] == e.offset) chain = hook_names[h], number = 0, builtin = true;
        bool end = false;
        for (unsigned h = 0; h < hook_count; ++h)
            if ((t.valid_hooks & (1u << h)) && t.underflow[h] == e.offset) end = true;
        if (!builtin && i + 1 < t.entries.size() && t.entries[i + 1].target == TargetKind::error) end = true;
        out[i] = {chain, end ? 0 : ++number, end};
    }
    return out;
}

Result<Decision> evaluate(const AcceptedTable& table, Hook hook, const Packet& packet)
{
    const TableRecord& t = table.layout;
    const unsigned h = static_cast<unsigned>(hook);
    if (h >= hook_count || !(t.valid_hooks & (1u << h))) return fail(Errc::bad_input, "the table has no {} chain", hook_names[h % hook_count]);
    const auto index_of = [&](std::uint32_t offset) -> Result<std::size_t> {
        const auto it = std::ranges::lower_bound(t.entries, offset, {}, &EntryRecord::offset);
        if (it == t.entries.end() || it->offset != offset) return fail(Errc::internal, "bpfilter eval: no entry starts at {}", offset);
        return static_cast<std::size_t>(it - t.entries.begin());
    };
    const auto next = [&](std::size_t i) -> Result<std::size_t> {
        if (i + 1 >= t.entries.size()) return fail(Errc::internal, "bpfilter eval: the walk fell off the table's end");
        return i + 1;
    };
    // The kernel's jump stack holds one entry per user chain (translate_table's stacksize).
    const std::size_t stack_size = static_cast<std::size_t>(std::ranges::count(t.entries, TargetKind::error, &EntryRecord::target));
    const std::size_t max_steps = std::max<std::size_t>(4096, 64 * t.entries.size());
    Packet p = packet;
    std::vector<std::size_t> stack;
    Decision d;
    const auto decide = [&](Verdict v, std::size_t at) {
        d.verdict = v;
        d.entry = at;
        d.mark = p.mark;
        d.place = rule_places(t)[at];
        return d;
    };
    std::size_t i = UMD_TRY(index_of(t.hook_entry[h]));
    for (d.steps = 1; d.steps <= max_steps; ++d.steps) {
        const EntryRecord& e = t.entries[i];
        if (!UMD_TRY(entry_holds(e, p))) {
            i = UMD_TRY(next(i));
            continue;
        }
        switch (e.target) {
        case TargetKind::standard: {
            const std::int32_t v = e.verdict;
            if (v < 0 && v != XT_RETURN) {
                const auto nf = static_cast<unsigned>(-static_cast<std::int64_t>(v) - 1);
                return decide(nf == NF_ACCEPT ? Verdict::accept : nf == NF_QUEUE ? Verdict::queue : Verdict::drop, i);
            }
            if (v == XT_RETURN) {
                if (stack.empty()) {
                    i = UMD_TRY(index_of(t.underflow[h]));
                } else {
                    i = UMD_TRY(next(stack.back()));
                    stack.pop_back();
                }
                continue;
            }
            const std::size_t to = UMD_TRY(index_of(static_cast<std::uint32_t>(v)));
            if (to != i + 1 && !(e.ip.flags & IPT_F_GOTO)) {
                if (stack.size() >= stack_size) return decide(Verdict::drop, i);   // the kernel's answer to a full stack
                stack.push_back(i);
            }
            i = to;
            continue;
        }
        case TargetKind::error: return decide(Verdict::drop, i);   // xt_error_target: NF_DROP
        case TargetKind::extension:
            switch (e.target_data.extension) {
            case TargetExtension::reject:
                d.reject_with = e.target_data.reject_with;
                return decide(Verdict::reject, i);
            case TargetExtension::mark: p.mark = (p.mark & ~e.target_data.mark_mask) ^ e.target_data.mark; break;
            case TargetExtension::log: break;
            case TargetExtension::none: return fail(Errc::invalid_argument, "entry {}: a target the evaluator does not know", i);
            }
            i = UMD_TRY(next(i));
            continue;
        }
    }
    return fail(Errc::timeout, "bpfilter eval: more than {} steps through a table of {} entries", max_steps, t.entries.size());
}

}  // namespace umd::bpfilter
