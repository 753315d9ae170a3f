// drivers/bpfilter/handler/extensions.cpp — see extensions.h. UNTRUSTED side.
#include "drivers/bpfilter/handler/extensions.h"

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
#include <array>
#include <cerrno>
#include <cstring>

namespace umd::bpfilter {
namespace {

constexpr std::size_t xt_align(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

template <typename T>
T read(const ExtensionUse& use)
{
    T value{};
    std::memcpy(&value, use.data.data(), sizeof value);   // the size was checked before check()
    return value;
}

int tcp_check(const ExtensionUse& use) { return (read<xt_tcp>(use).invflags & ~XT_TCP_INV_MASK) ? -EINVAL : 0; }
int udp_check(const ExtensionUse& use) { return (read<xt_udp>(use).invflags & ~XT_UDP_INV_MASK) ? -EINVAL : 0; }
int icmp_check(const ExtensionUse& use) { return (read<ipt_icmp>(use).invflags & ~IPT_ICMP_INV) ? -EINVAL : 0; }

/// xt_multiport's check(): a protocol with ports, not inverted; a known comparison; at
/// most 15 ports.
int multiport_check(const ExtensionUse& use)
{
    const auto m = read<xt_multiport_v1>(use);
    const bool ported = use.proto == IPPROTO_TCP || use.proto == IPPROTO_UDP || use.proto == IPPROTO_UDPLITE ||
                        use.proto == IPPROTO_SCTP || use.proto == IPPROTO_DCCP;
    const bool known = m.flags == XT_MULTIPORT_SOURCE || m.flags == XT_MULTIPORT_DESTINATION || m.flags == XT_MULTIPORT_EITHER;
    return ported && !use.inv_proto && known && m.count <= XT_MULTI_PORTS ? 0 : -EINVAL;
}

/// ipt_REJECT's reject_tg_check(): no echo reply; a TCP reset only for TCP. Any other
/// value is taken, as the kernel takes it. Read as the integer it is on the wire: the
/// field's type is an enum, and a value outside it is the caller's to send (the fuzz
/// campaign sent 784; reading it as the enum was undefined behaviour).
int reject_check(const ExtensionUse& use)
{
    static_assert(sizeof(ipt_reject_info) == sizeof(std::uint32_t));
    const auto with = read<std::uint32_t>(use);
    if (with == IPT_ICMP_ECHOREPLY) return -EINVAL;
    if (with == IPT_TCP_RESET && (use.proto != IPPROTO_TCP || use.inv_proto)) return -EINVAL;
    return 0;
}

/// xt_LOG's log_tg_check(): a syslog level, a terminated prefix.
int log_check(const ExtensionUse& use)
{
    const auto l = read<xt_log_info>(use);
    return l.level < 8 && l.prefix[sizeof l.prefix - 1] == '\0' ? 0 : -EINVAL;
}

/// xt_limit's user2credits() for a kernel of `hz`: u32 arithmetic as the kernel's, whose
/// CREDITS_PER_JIFFY is the power of two at or below 2^32 / (HZ · one day).
std::uint32_t user2credits(std::uint32_t user, std::uint32_t hz)
{
    const std::uint32_t max_cpj = 0xFFFFFFFFu / (hz * 60u * 60u * 24u);
    const std::uint32_t cpj = max_cpj == 0 ? 0 : std::uint32_t{1} << (31 - __builtin_clz(max_cpj));
    const std::uint32_t per_second = hz * cpj;
    if (per_second == 0) return 0;
    if (user > 0xFFFFFFFFu / per_second) return (user / XT_LIMIT_SCALE) * per_second;
    return (user * per_second) / XT_LIMIT_SCALE;
}

/// xt_limit's limit_mt_check(): a burst, and avg × burst (u32, wrapping) not overflowing the
/// credits. Without the kernel's HZ the Manager did not give, the match is not offered.
int limit_check(const ExtensionUse& use)
{
    if (use.hz == 0 || use.hz > 10000) return -ENOENT;
    const auto r = read<xt_rateinfo>(use);
    if (r.burst == 0 || user2credits(r.avg * r.burst, use.hz) < user2credits(r.avg, use.hz)) return -ERANGE;
    return 0;
}

constexpr std::uint32_t filter_hooks = (1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT);

constexpr std::array matches = {
    Extension{"tcp", 0, sizeof(xt_tcp), {}, 0, IPPROTO_TCP, tcp_check},
    Extension{"udp", 0, sizeof(xt_udp), {}, 0, IPPROTO_UDP, udp_check},
    Extension{"icmp", 0, sizeof(ipt_icmp), {}, 0, IPPROTO_ICMP, icmp_check},
    Extension{"multiport", 1, sizeof(xt_multiport_v1), {}, 0, 0, multiport_check},
    Extension{"comment", 0, sizeof(xt_comment_info), {}, 0, 0, nullptr},
    Extension{"mark", 1, sizeof(xt_mark_mtinfo1), {}, 0, 0, nullptr},
    Extension{"state", 0, sizeof(xt_state_info), {}, 0, 0, nullptr},
    Extension{"conntrack", 1, sizeof(xt_conntrack_mtinfo1), {}, 0, 0, nullptr},
    Extension{"conntrack", 2, sizeof(xt_conntrack_mtinfo2), {}, 0, 0, nullptr},
    Extension{"conntrack", 3, sizeof(xt_conntrack_mtinfo3), {}, 0, 0, nullptr},
    Extension{"iprange", 1, sizeof(xt_iprange_mtinfo), {}, 0, 0, nullptr},
    Extension{"limit", 0, sizeof(xt_rateinfo), {}, 0, 0, limit_check},
};

constexpr std::array targets = {
    Extension{XT_STANDARD_TARGET, 0, sizeof(int), {}, 0, 0, nullptr},
    Extension{XT_ERROR_TARGET, 0, XT_FUNCTION_MAXNAMELEN, {}, 0, 0, nullptr},
    Extension{"REJECT", 0, sizeof(ipt_reject_info), "filter", filter_hooks, 0, reject_check},
    Extension{"LOG", 0, sizeof(xt_log_info), {}, 0, 0, log_check},
    Extension{"MARK", 2, sizeof(xt_mark_tginfo2), {}, 0, 0, nullptr},
};

}  // namespace

const Extension* find_extension(ExtensionKind kind, std::string_view name, bool name_terminated, std::uint8_t revision, int& error)
{
    // xt_find_match/xt_find_target: an unterminated name is EINVAL; a known name at another
    // revision is ENOENT too, because the kernel's last look (the family-independent list)
    // overwrites the EPROTOTYPE of the first.
    if (!name_terminated) {
        error = EINVAL;
        return nullptr;
    }
    for (const Extension& e : kind == ExtensionKind::match ? std::span<const Extension>(matches) : std::span<const Extension>(targets))
        if (e.name == name && e.revision == revision) return &e;
    error = ENOENT;
    return nullptr;
}

int best_revision(ExtensionKind kind, std::string_view name, std::uint8_t wanted)
{
    int best = -1;
    bool have = false;
    for (const Extension& e : kind == ExtensionKind::match ? std::span<const Extension>(matches) : std::span<const Extension>(targets)) {
        if (e.name != name) continue;
        best = std::max(best, int{e.revision});
        have = have || e.revision == wanted;
    }
    if (best < 0) return -ENOENT;
    return have ? best : -EPROTONOSUPPORT;
}

int check_extension_use(const Extension& ext, const ExtensionUse& use)
{
    if (xt_align(ext.size) != use.data.size()) return EINVAL;
    if (!ext.table.empty() && ext.table != use.table) return EINVAL;
    if (ext.hooks && (use.hook_mask & ~ext.hooks) != 0) return EINVAL;
    if (ext.proto && (ext.proto != use.proto || use.inv_proto)) return EINVAL;
    if (ext.check) {
        const int r = ext.check(use);
        if (r < 0) return -r;
        if (r > 0) return EIO;
    }
    return 0;
}

}  // namespace umd::bpfilter
