// drivers/bpfilter/trusted/rule_text.cpp — see rule_text.h. TRUSTED side.
#include "drivers/bpfilter/trusted/rule_text.h"

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <arpa/inet.h>

#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "drivers/bpfilter/trusted/evaluate.h"

namespace umd::bpfilter {
namespace {

std::string dotted(std::uint32_t network_order)
{
    char text[INET_ADDRSTRLEN] = {};
    in_addr a{network_order};
    inet_ntop(AF_INET, &a, text, sizeof text);
    return text;
}

std::string not_if(bool invert) { return invert ? "! " : ""; }

void address(std::string& out, const char* flag, std::uint32_t addr, std::uint32_t mask, bool invert)
{
    if (mask == 0 && !invert) return;
    out += fmt::format(" {}{} {}/{}", not_if(invert), flag, dotted(addr), std::popcount(mask));
}

/// An interface as iptables prints it: the name, '+' when the mask stops at its end.
void iface(std::string& out, const char* flag, const std::array<std::uint8_t, 16>& name, const std::array<std::uint8_t, 16>& mask, bool invert)
{
    if (mask[0] == 0) return;
    std::string n(name.begin(), std::find(name.begin(), name.end(), std::uint8_t{0}));
    // iptables keeps the '+' of "eth+" in the name, the mask stopping before it.
    if (n.size() < mask.size() && mask[n.size()] == 0 && (n.empty() || n.back() != '+')) n += '+';
    out += fmt::format(" {}{} {}", not_if(invert), flag, n);
}

std::string proto_name(std::uint16_t p)
{
    switch (p) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_ICMP: return "icmp";
    default: return std::to_string(p);
    }
}

void ports(std::string& out, const char* flag, const std::array<std::uint16_t, 2>& r, bool invert)
{
    if (r[0] == 0 && r[1] == 0xFFFF && !invert) return;
    out += fmt::format(" {}{} {}", not_if(invert), flag, r[0] == r[1] ? std::to_string(r[0]) : fmt::format("{}:{}", r[0], r[1]));
}

std::string tcp_flag_names(std::uint8_t flags)
{
    static constexpr std::pair<std::uint8_t, const char*> names[] = {{0x01, "FIN"}, {0x02, "SYN"}, {0x04, "RST"}, {0x08, "PSH"},
                                                                     {0x10, "ACK"}, {0x20, "URG"}};
    std::string out;
    for (auto [bit, name] : names)
        if (flags & bit) out += (out.empty() ? "" : ",") + std::string(name);
    return out.empty() ? "NONE" : out;
}

std::string states(std::uint16_t mask, bool conntrack)
{
    const std::pair<unsigned, const char*> names[] = {
        {conntrack ? XT_CONNTRACK_STATE_INVALID : XT_STATE_INVALID, "INVALID"},
        {XT_STATE_BIT(IP_CT_NEW), "NEW"},
        {XT_STATE_BIT(IP_CT_RELATED), "RELATED"},
        {XT_STATE_BIT(IP_CT_ESTABLISHED), "ESTABLISHED"},
        {conntrack ? XT_CONNTRACK_STATE_UNTRACKED : XT_STATE_UNTRACKED, "UNTRACKED"},
    };
    std::string out;
    for (auto [bit, name] : names)
        if (mask & bit) out += (out.empty() ? "" : ",") + std::string(name);
    return out;
}

/// libxt_limit's print_rate(): the largest unit the period divides without losing much.
std::string limit_rate(std::uint32_t period)
{
    static constexpr std::pair<const char*, std::uint32_t> rates[] = {
        {"day", 10000u * 24 * 60 * 60}, {"hour", 10000u * 60 * 60}, {"min", 10000u * 60}, {"sec", 10000u}};
    if (period == 0) return "inf";
    std::size_t i = 1;
    for (; i < std::size(rates); ++i)
        if (period > rates[i].second || rates[i].second / period < rates[i].second % period) break;
    return fmt::format("{}/{}", rates[i - 1].second / period, rates[i - 1].first);
}

void match(std::string& out, const MatchRecord& m)
{
    out += fmt::format(" -m {}", m.kind == MatchKind::tcp ? "tcp" : m.kind == MatchKind::udp ? "udp" : m.kind == MatchKind::icmp ? "icmp"
                                 : m.kind == MatchKind::multiport ? "multiport" : m.kind == MatchKind::iprange ? "iprange"
                                 : m.kind == MatchKind::mark ? "mark" : m.kind == MatchKind::state ? "state"
                                 : m.kind == MatchKind::conntrack ? "conntrack" : m.kind == MatchKind::limit ? "limit" : "comment");
    switch (m.kind) {
    case MatchKind::tcp:
        ports(out, "--sport", m.sports, m.invflags & XT_TCP_INV_SRCPT);
        ports(out, "--dport", m.dports, m.invflags & XT_TCP_INV_DSTPT);
        if (m.tcp_flag_mask)
            out += fmt::format(" {}--tcp-flags {} {}", not_if(m.invflags & XT_TCP_INV_FLAGS), tcp_flag_names(m.tcp_flag_mask), tcp_flag_names(m.tcp_flag_cmp));
        if (m.tcp_option) out += fmt::format(" {}--tcp-option {}", not_if(m.invflags & XT_TCP_INV_OPTION), m.tcp_option);
        break;
    case MatchKind::udp:
        ports(out, "--sport", m.sports, m.invflags & XT_UDP_INV_SRCPT);
        ports(out, "--dport", m.dports, m.invflags & XT_UDP_INV_DSTPT);
        break;
    case MatchKind::icmp:
        if (m.icmp_type == 0xFF) out += fmt::format(" {}--icmp-type any", not_if(m.invflags));
        else if (m.icmp_code[0] == 0 && m.icmp_code[1] == 0xFF) out += fmt::format(" {}--icmp-type {}", not_if(m.invflags), m.icmp_type);
        else out += fmt::format(" {}--icmp-type {}/{}", not_if(m.invflags), m.icmp_type, m.icmp_code[0]);
        break;
    case MatchKind::multiport: {
        const char* flag = m.multiport_flags == XT_MULTIPORT_SOURCE ? "--sports" : m.multiport_flags == XT_MULTIPORT_DESTINATION ? "--dports" : "--ports";
        std::string list;
        for (unsigned i = 0; i < m.multiport_count && i < m.multiport_ports.size(); ++i) {
            list += (list.empty() ? "" : ",") + std::to_string(m.multiport_ports[i]);
            if (m.multiport_pflags[i] && i + 1 < m.multiport_ports.size()) list += ":" + std::to_string(m.multiport_ports[++i]);
        }
        out += fmt::format(" {}{} {}", not_if(m.invflags), flag, list);
        break;
    }
    case MatchKind::iprange:
        if (m.iprange_flags & IPRANGE_SRC)
            out += fmt::format(" {}--src-range {}-{}", not_if(m.iprange_flags & IPRANGE_SRC_INV), dotted(m.src_min), dotted(m.src_max));
        if (m.iprange_flags & IPRANGE_DST)
            out += fmt::format(" {}--dst-range {}-{}", not_if(m.iprange_flags & IPRANGE_DST_INV), dotted(m.dst_min), dotted(m.dst_max));
        break;
    case MatchKind::mark:
        out += fmt::format(" {}--mark {:#x}", not_if(m.invflags), m.mark);
        if (m.mark_mask != 0xFFFFFFFF) out += fmt::format("/{:#x}", m.mark_mask);
        break;
    case MatchKind::state: out += " --state " + states(m.state_mask, false); break;
    case MatchKind::conntrack:
        if (m.ct_match_flags & XT_CONNTRACK_STATE)
            out += fmt::format(" {}--ctstate {}", not_if(m.ct_invert_flags & XT_CONNTRACK_STATE), states(m.state_mask, true));
        break;
    case MatchKind::comment: break;
    case MatchKind::limit: out += fmt::format(" --limit {} --limit-burst {}", limit_rate(m.limit_avg), m.limit_burst); break;
    }
}

std::string reject_name(std::uint32_t with)
{
    switch (with) {
    case IPT_ICMP_NET_UNREACHABLE: return "icmp-net-unreachable";
    case IPT_ICMP_HOST_UNREACHABLE: return "icmp-host-unreachable";
    case IPT_ICMP_PROT_UNREACHABLE: return "icmp-proto-unreachable";
    case IPT_ICMP_PORT_UNREACHABLE: return "icmp-port-unreachable";
    case IPT_ICMP_NET_PROHIBITED: return "icmp-net-prohibited";
    case IPT_ICMP_HOST_PROHIBITED: return "icmp-host-prohibited";
    case IPT_TCP_RESET: return "tcp-reset";
    case IPT_ICMP_ADMIN_PROHIBITED: return "icmp-admin-prohibited";
    default: return std::to_string(with);
    }
}

std::string standard_verdict(std::int32_t v)
{
    if (v == XT_RETURN) return "RETURN";
    const auto nf = static_cast<unsigned>(-static_cast<std::int64_t>(v) - 1);
    return nf == NF_ACCEPT ? "ACCEPT" : nf == NF_DROP ? "DROP" : nf == NF_QUEUE ? "QUEUE" : std::to_string(v);
}

}  // namespace

std::string save_rule(const TableRecord& t, std::size_t i)
{
    if (i >= t.entries.size()) return {};
    const std::vector<RulePlace> places = rule_places(t);
    const EntryRecord& e = t.entries[i];
    const RulePlace& place = places[i];
    const bool builtin = place.chain == "INPUT" || place.chain == "FORWARD" || place.chain == "OUTPUT";
    if (e.target == TargetKind::error) return fmt::format(":{} - (the chain's head)", place.chain);
    if (place.chain_end && builtin && e.target == TargetKind::standard) return fmt::format("-P {} {}", place.chain, standard_verdict(e.verdict));
    std::string out = "-A " + place.chain;
    const IpRecord& ip = e.ip;
    address(out, "-s", ip.src, ip.src_mask, ip.invflags & IPT_INV_SRCIP);
    address(out, "-d", ip.dst, ip.dst_mask, ip.invflags & IPT_INV_DSTIP);
    iface(out, "-i", ip.in_iface, ip.in_mask, ip.invflags & IPT_INV_VIA_IN);
    iface(out, "-o", ip.out_iface, ip.out_mask, ip.invflags & IPT_INV_VIA_OUT);
    if (ip.proto) out += fmt::format(" {}-p {}", not_if(ip.invflags & IPT_INV_PROTO), proto_name(ip.proto));
    if (ip.flags & IPT_F_FRAG) out += fmt::format(" {}-f", not_if(ip.invflags & IPT_INV_FRAG));
    for (const MatchRecord& m : e.matches) match(out, m);
    switch (e.target) {
    case TargetKind::standard:
        if (e.verdict >= 0) {
            const auto to = std::ranges::lower_bound(t.entries, static_cast<std::uint32_t>(e.verdict), {}, &EntryRecord::offset);
            const std::string chain = to != t.entries.end() ? places[static_cast<std::size_t>(to - t.entries.begin())].chain : "?";
            out += fmt::format(" -{} {}", (ip.flags & IPT_F_GOTO) ? 'g' : 'j', chain);
        } else {
            out += " -j " + standard_verdict(e.verdict);
        }
        break;
    case TargetKind::extension:
        switch (e.target_data.extension) {
        case TargetExtension::reject: out += " -j REJECT --reject-with " + reject_name(e.target_data.reject_with); break;
        case TargetExtension::log: out += fmt::format(" -j LOG --log-level {}", e.target_data.log_level); break;
        case TargetExtension::mark: out += fmt::format(" -j MARK --set-xmark {:#x}/{:#x}", e.target_data.mark, e.target_data.mark_mask); break;
        case TargetExtension::none: out += " -j ?"; break;
        }
        break;
    case TargetKind::error: break;
    }
    if (place.chain_end) out += " (the chain's end)";
    return out;
}

}  // namespace umd::bpfilter
