// drivers/bpfilter/rule_fields.cpp — see rule_fields.h. Shared by both sides.
#include "drivers/bpfilter/rule_fields.h"

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter/xt_LOG.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>

#include <algorithm>
#include <cstring>

namespace umd::bpfilter {
namespace {

constexpr std::size_t ext_header = sizeof(xt_entry_match);
static_assert(sizeof(xt_entry_target) == ext_header);

template <typename T>
T field(ByteView bytes, std::size_t at)
{
    T value{};
    if (at <= bytes.size() && sizeof(T) <= bytes.size() - at) std::memcpy(&value, bytes.data() + at, sizeof(T));
    return value;
}

template <std::size_t N>
std::array<std::uint8_t, N> array_at(ByteView bytes, std::size_t at)
{
    std::array<std::uint8_t, N> out{};
    if (at <= bytes.size() && N <= bytes.size() - at) std::memcpy(out.data(), bytes.data() + at, N);
    return out;
}

constexpr std::uint16_t aligned(std::size_t data) { return static_cast<std::uint16_t>((ext_header + data + 7) & ~std::size_t{7}); }

struct KnownMatch {
    MatchKind kind;
    std::string_view name;
    std::uint8_t revision;
    std::size_t data;
};

constexpr KnownMatch known_matches[] = {
    {MatchKind::tcp, "tcp", 0, sizeof(xt_tcp)},
    {MatchKind::udp, "udp", 0, sizeof(xt_udp)},
    {MatchKind::icmp, "icmp", 0, sizeof(ipt_icmp)},
    {MatchKind::multiport, "multiport", 1, sizeof(xt_multiport_v1)},
    {MatchKind::iprange, "iprange", 1, sizeof(xt_iprange_mtinfo)},
    {MatchKind::mark, "mark", 1, sizeof(xt_mark_mtinfo1)},
    {MatchKind::state, "state", 0, sizeof(xt_state_info)},
    {MatchKind::conntrack, "conntrack", 1, sizeof(xt_conntrack_mtinfo1)},
    {MatchKind::conntrack, "conntrack", 2, sizeof(xt_conntrack_mtinfo2)},
    {MatchKind::conntrack, "conntrack", 3, sizeof(xt_conntrack_mtinfo3)},
    {MatchKind::comment, "comment", 0, sizeof(xt_comment_info)},
    {MatchKind::limit, "limit", 0, sizeof(xt_rateinfo)},
};

/// The conntrack fields evaluation reads, from the revision's layout.
template <typename Info>
void read_conntrack(ByteView b, std::size_t data, MatchRecord& m)
{
    m.ct_match_flags = field<std::uint16_t>(b, data + offsetof(Info, match_flags));
    m.ct_invert_flags = field<std::uint16_t>(b, data + offsetof(Info, invert_flags));
    m.state_mask = field<decltype(Info::state_mask)>(b, data + offsetof(Info, state_mask));
}

/// The source and destination port ranges of xt_tcp or xt_udp (the same layout).
template <typename Info>
void read_ports(ByteView b, std::size_t data, MatchRecord& m)
{
    for (unsigned i = 0; i < 2; ++i) {
        m.sports[i] = field<std::uint16_t>(b, data + offsetof(Info, spts) + 2 * i);
        m.dports[i] = field<std::uint16_t>(b, data + offsetof(Info, dpts) + 2 * i);
    }
}

}  // namespace

IpRecord read_ip(ByteView b, std::size_t entry)
{
    const std::size_t ip = entry + offsetof(ipt_entry, ip);
    IpRecord r;
    r.src = field<std::uint32_t>(b, ip + offsetof(ipt_ip, src));
    r.dst = field<std::uint32_t>(b, ip + offsetof(ipt_ip, dst));
    r.src_mask = field<std::uint32_t>(b, ip + offsetof(ipt_ip, smsk));
    r.dst_mask = field<std::uint32_t>(b, ip + offsetof(ipt_ip, dmsk));
    r.in_iface = array_at<IFNAMSIZ>(b, ip + offsetof(ipt_ip, iniface));
    r.out_iface = array_at<IFNAMSIZ>(b, ip + offsetof(ipt_ip, outiface));
    r.in_mask = array_at<IFNAMSIZ>(b, ip + offsetof(ipt_ip, iniface_mask));
    r.out_mask = array_at<IFNAMSIZ>(b, ip + offsetof(ipt_ip, outiface_mask));
    r.proto = field<std::uint16_t>(b, ip + offsetof(ipt_ip, proto));
    r.flags = field<std::uint8_t>(b, ip + offsetof(ipt_ip, flags));
    r.invflags = field<std::uint8_t>(b, ip + offsetof(ipt_ip, invflags));
    return r;
}

std::optional<MatchKind> match_kind(std::string_view name, std::uint8_t revision)
{
    for (const KnownMatch& k : known_matches)
        if (k.name == name && k.revision == revision) return k.kind;
    return std::nullopt;
}

std::string_view match_name(MatchKind kind)
{
    for (const KnownMatch& k : known_matches)
        if (k.kind == kind) return k.name;
    return {};
}

std::uint16_t match_size(MatchKind kind, std::uint8_t revision)
{
    for (const KnownMatch& k : known_matches)
        if (k.kind == kind && k.revision == revision) return aligned(k.data);
    return 0;
}

MatchRecord read_match(ByteView b, std::size_t at, std::uint16_t offset, MatchKind kind, std::uint8_t revision)
{
    MatchRecord m;
    m.offset = offset;
    m.kind = kind;
    m.revision = revision;
    const std::size_t d = at + ext_header;
    switch (kind) {
    case MatchKind::tcp:
        read_ports<xt_tcp>(b, d, m);
        m.tcp_option = field<std::uint8_t>(b, d + offsetof(xt_tcp, option));
        m.tcp_flag_mask = field<std::uint8_t>(b, d + offsetof(xt_tcp, flg_mask));
        m.tcp_flag_cmp = field<std::uint8_t>(b, d + offsetof(xt_tcp, flg_cmp));
        m.invflags = field<std::uint8_t>(b, d + offsetof(xt_tcp, invflags));
        break;
    case MatchKind::udp:
        read_ports<xt_udp>(b, d, m);
        m.invflags = field<std::uint8_t>(b, d + offsetof(xt_udp, invflags));
        break;
    case MatchKind::icmp:
        m.icmp_type = field<std::uint8_t>(b, d + offsetof(ipt_icmp, type));
        m.icmp_code = array_at<2>(b, d + offsetof(ipt_icmp, code));
        m.invflags = field<std::uint8_t>(b, d + offsetof(ipt_icmp, invflags));
        break;
    case MatchKind::multiport:
        m.multiport_flags = field<std::uint8_t>(b, d + offsetof(xt_multiport_v1, flags));
        m.multiport_count = field<std::uint8_t>(b, d + offsetof(xt_multiport_v1, count));
        for (unsigned i = 0; i < XT_MULTI_PORTS; ++i) m.multiport_ports[i] = field<std::uint16_t>(b, d + offsetof(xt_multiport_v1, ports) + 2 * i);
        m.multiport_pflags = array_at<XT_MULTI_PORTS>(b, d + offsetof(xt_multiport_v1, pflags));
        m.invflags = field<std::uint8_t>(b, d + offsetof(xt_multiport_v1, invert));
        break;
    case MatchKind::iprange:
        m.iprange_flags = field<std::uint8_t>(b, d + offsetof(xt_iprange_mtinfo, flags));
        m.src_min = field<std::uint32_t>(b, d + offsetof(xt_iprange_mtinfo, src_min));
        m.src_max = field<std::uint32_t>(b, d + offsetof(xt_iprange_mtinfo, src_max));
        m.dst_min = field<std::uint32_t>(b, d + offsetof(xt_iprange_mtinfo, dst_min));
        m.dst_max = field<std::uint32_t>(b, d + offsetof(xt_iprange_mtinfo, dst_max));
        break;
    case MatchKind::mark:
        m.mark = field<std::uint32_t>(b, d + offsetof(xt_mark_mtinfo1, mark));
        m.mark_mask = field<std::uint32_t>(b, d + offsetof(xt_mark_mtinfo1, mask));
        m.invflags = field<std::uint8_t>(b, d + offsetof(xt_mark_mtinfo1, invert));
        break;
    case MatchKind::state: m.state_mask = static_cast<std::uint16_t>(field<std::uint32_t>(b, d + offsetof(xt_state_info, statemask))); break;
    case MatchKind::conntrack:
        if (revision == 1) read_conntrack<xt_conntrack_mtinfo1>(b, d, m);
        else if (revision == 2) read_conntrack<xt_conntrack_mtinfo2>(b, d, m);
        else read_conntrack<xt_conntrack_mtinfo3>(b, d, m);
        break;
    case MatchKind::comment: break;
    case MatchKind::limit:
        // Only what the caller owns: the kernel writes prev, credit, credit_cap, cost and
        // master in its own copy and hands back zeros for them (limit_mt's usersize).
        m.limit_avg = field<std::uint32_t>(b, d + offsetof(xt_rateinfo, avg));
        m.limit_burst = field<std::uint32_t>(b, d + offsetof(xt_rateinfo, burst));
        break;
    }
    return m;
}

KernelOwned kernel_owned(MatchKind kind)
{
    if (kind == MatchKind::limit) return {offsetof(xt_rateinfo, prev), aligned(sizeof(xt_rateinfo)) - ext_header};
    return {};
}

TargetExtension target_extension(std::string_view name, std::uint8_t revision)
{
    if (name == "REJECT" && revision == 0) return TargetExtension::reject;
    if (name == "LOG" && revision == 0) return TargetExtension::log;
    if (name == "MARK" && revision == 2) return TargetExtension::mark;
    return TargetExtension::none;
}

std::uint16_t target_size(TargetExtension extension)
{
    switch (extension) {
    case TargetExtension::reject: return aligned(sizeof(ipt_reject_info));
    case TargetExtension::log: return aligned(sizeof(xt_log_info));
    case TargetExtension::mark: return aligned(sizeof(xt_mark_tginfo2));
    case TargetExtension::none: break;
    }
    return 0;
}

TargetData read_target(ByteView b, std::size_t at, TargetKind kind)
{
    TargetData t;
    const std::size_t d = at + ext_header;
    if (kind == TargetKind::error) {
        const auto name = array_at<XT_FUNCTION_MAXNAMELEN>(b, d);
        t.chain.assign(name.begin(), std::find(name.begin(), name.end(), std::uint8_t{0}));
        return t;
    }
    if (kind != TargetKind::extension) return t;
    const auto name = array_at<XT_EXTENSION_MAXNAMELEN>(b, at + offsetof(xt_entry_target, u.user.name));
    const std::string_view view(reinterpret_cast<const char*>(name.data()), std::ranges::find(name, std::uint8_t{0}) - name.begin());
    t.extension = target_extension(view, field<std::uint8_t>(b, at + offsetof(xt_entry_target, u.user.revision)));
    switch (t.extension) {
    case TargetExtension::reject: t.reject_with = field<std::uint32_t>(b, d); break;
    case TargetExtension::log:
        t.log_level = field<std::uint8_t>(b, d + offsetof(xt_log_info, level));
        t.log_flags = field<std::uint8_t>(b, d + offsetof(xt_log_info, logflags));
        break;
    case TargetExtension::mark:
        t.mark = field<std::uint32_t>(b, d + offsetof(xt_mark_tginfo2, mark));
        t.mark_mask = field<std::uint32_t>(b, d + offsetof(xt_mark_tginfo2, mask));
        break;
    case TargetExtension::none: break;
    }
    return t;
}

}  // namespace umd::bpfilter
