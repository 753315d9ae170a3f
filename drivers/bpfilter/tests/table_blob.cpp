// drivers/bpfilter/tests/table_blob.cpp — see table_blob.h.
#include "drivers/bpfilter/tests/table_blob.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <random>

namespace umd::bpfilter::test {
namespace {

constexpr std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

template <typename T>
void put(Blob& b, std::size_t at, const T& value)
{
    std::memcpy(b.data() + at, &value, sizeof value);
}

void put_name(Blob& b, std::size_t at, const std::string& name, std::size_t room)
{
    std::copy_n(name.begin(), std::min(name.size(), room), b.begin() + static_cast<std::ptrdiff_t>(at));
}

/// Appends an entry with `ip`, `matches` and a target header + data; returns its offset.
std::uint32_t append(Entries& e, const ipt_ip& ip, const Blob& matches, const std::string& target, std::uint8_t revision, const Blob& data)
{
    const std::size_t at = e.bytes.size();
    const std::size_t target_offset = sizeof(ipt_entry) + matches.size();
    const std::size_t target_size = sizeof(xt_entry_target) + data.size();
    const std::size_t next_offset = align8(target_offset + target_size);
    e.bytes.resize(at + next_offset, 0);
    put(e.bytes, at + offsetof(ipt_entry, ip), ip);
    put(e.bytes, at + offsetof(ipt_entry, target_offset), static_cast<std::uint16_t>(target_offset));
    put(e.bytes, at + offsetof(ipt_entry, next_offset), static_cast<std::uint16_t>(next_offset));
    std::copy(matches.begin(), matches.end(), e.bytes.begin() + static_cast<std::ptrdiff_t>(at + sizeof(ipt_entry)));
    const std::size_t t = at + target_offset;
    put(e.bytes, t, static_cast<std::uint16_t>(target_size));
    put_name(e.bytes, t + 2, target, XT_EXTENSION_MAXNAMELEN - 1);
    put(e.bytes, t + offsetof(xt_entry_target, u.user.revision), revision);
    std::copy(data.begin(), data.end(), e.bytes.begin() + static_cast<std::ptrdiff_t>(t + sizeof(xt_entry_target)));
    ++e.count;
    return static_cast<std::uint32_t>(at);
}

}  // namespace

std::uint32_t Entries::standard(std::int32_t verdict, const ipt_ip& ip, const Blob& matches)
{
    Blob data(align8(sizeof verdict), 0);
    std::memcpy(data.data(), &verdict, sizeof verdict);
    return append(*this, ip, matches, XT_STANDARD_TARGET, 0, data);
}

std::uint32_t Entries::error(const std::string& name)
{
    Blob data(align8(XT_FUNCTION_MAXNAMELEN), 0);
    std::copy_n(name.begin(), std::min<std::size_t>(name.size(), XT_FUNCTION_MAXNAMELEN - 1), data.begin());
    return append(*this, {}, {}, XT_ERROR_TARGET, 0, data);
}

std::uint32_t Entries::target(const std::string& name, const Blob& data, std::uint8_t revision, const ipt_ip& ip)
{
    Blob padded = data;
    padded.resize(align8(data.size()), 0);
    return append(*this, ip, {}, name, revision, padded);
}

Blob match(const std::string& name, const Blob& data, std::uint8_t revision)
{
    Blob m(align8(sizeof(xt_entry_match) + data.size()), 0);
    put(m, 0, static_cast<std::uint16_t>(m.size()));
    put_name(m, 2, name, XT_EXTENSION_MAXNAMELEN - 1);
    put(m, offsetof(xt_entry_match, u.user.revision), revision);
    std::copy(data.begin(), data.end(), m.begin() + sizeof(xt_entry_match));
    return m;
}

Blob Replace::build() const
{
    Blob out(sizeof(ipt_replace) + entries.bytes.size(), 0);
    put_name(out, offsetof(ipt_replace, name), name, XT_TABLE_MAXNAMELEN - 1);
    put(out, offsetof(ipt_replace, valid_hooks), valid_hooks);
    put(out, offsetof(ipt_replace, num_entries), entries.count);
    put(out, offsetof(ipt_replace, size), static_cast<std::uint32_t>(entries.bytes.size()));
    put(out, offsetof(ipt_replace, hook_entry), hook_entry);
    put(out, offsetof(ipt_replace, underflow), underflow);
    put(out, offsetof(ipt_replace, num_counters), num_counters);
    if (!entries.bytes.empty()) std::memcpy(out.data() + sizeof(ipt_replace), entries.bytes.data(), entries.bytes.size());
    return out;
}

Replace empty_filter()
{
    Replace r;
    r.valid_hooks = (1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT);
    for (unsigned hook : {NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT}) {
        const std::uint32_t at = r.entries.standard(accept_verdict);
        r.hook_entry[hook] = at;
        r.underflow[hook] = at;
    }
    r.entries.error("ERROR");
    return r;
}

Replace filter_with_user_chain()
{
    Replace r;
    r.valid_hooks = (1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT);
    // Layout: INPUT: jump custom, policy; FORWARD: policy; OUTPUT: policy;
    // custom: head, drop 10/8, return; end. The jump's offset is known once laid out:
    // the jump (152) + INPUT policy (152) + FORWARD (152) + OUTPUT (152) = 608.
    constexpr std::int32_t custom_head = 608;
    r.hook_entry[NF_INET_LOCAL_IN] = r.entries.standard(custom_head + 176);   // jump to the chain's first rule
    r.underflow[NF_INET_LOCAL_IN] = r.entries.standard(accept_verdict);
    r.hook_entry[NF_INET_FORWARD] = r.underflow[NF_INET_FORWARD] = r.entries.standard(accept_verdict);
    r.hook_entry[NF_INET_LOCAL_OUT] = r.underflow[NF_INET_LOCAL_OUT] = r.entries.standard(accept_verdict);
    r.entries.error("custom");
    ipt_ip ten{};
    ten.src.s_addr = htonl(0x0a000000);
    ten.smsk.s_addr = htonl(0xff000000);
    r.entries.standard(drop_verdict, ten);
    r.entries.standard(XT_RETURN);
    r.entries.error("ERROR");
    return r;
}

Replace filter_with_protocol_rules()
{
    Replace r;
    r.valid_hooks = (1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT);
    xt_tcp tcp{};
    tcp.spts[1] = tcp.dpts[1] = 0xFFFF;
    tcp.dpts[0] = tcp.dpts[1] = 22;
    xt_udp udp{};
    udp.spts[1] = 0xFFFF;
    udp.dpts[0] = udp.dpts[1] = 53;
    ipt_icmp icmp{};
    icmp.type = 8;
    icmp.code[1] = 0xFF;
    ipt_ip ip{};
    ip.proto = IPPROTO_TCP;
    r.hook_entry[NF_INET_LOCAL_IN] = r.entries.standard(accept_verdict, ip, match("tcp", bytes_of(tcp)));
    ip.proto = IPPROTO_UDP;
    r.entries.standard(accept_verdict, ip, match("udp", bytes_of(udp)));
    ip.proto = IPPROTO_ICMP;
    r.entries.standard(drop_verdict, ip, match("icmp", bytes_of(icmp)));
    r.underflow[NF_INET_LOCAL_IN] = r.entries.standard(accept_verdict);
    r.hook_entry[NF_INET_FORWARD] = r.underflow[NF_INET_FORWARD] = r.entries.standard(accept_verdict);
    r.hook_entry[NF_INET_LOCAL_OUT] = r.underflow[NF_INET_LOCAL_OUT] = r.entries.standard(accept_verdict);
    r.entries.error("ERROR");
    return r;
}

/// INPUT holds `first` then the policy; FORWARD and OUTPUT hold their policies.
template <typename AddRule>
Replace filter_with(AddRule first)
{
    Replace r;
    r.valid_hooks = (1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT);
    r.hook_entry[NF_INET_LOCAL_IN] = first(r.entries);
    r.underflow[NF_INET_LOCAL_IN] = r.entries.standard(accept_verdict);
    r.hook_entry[NF_INET_FORWARD] = r.underflow[NF_INET_FORWARD] = r.entries.standard(accept_verdict);
    r.hook_entry[NF_INET_LOCAL_OUT] = r.underflow[NF_INET_LOCAL_OUT] = r.entries.standard(accept_verdict);
    r.entries.error("ERROR");
    return r;
}

Replace filter_with_target(std::uint16_t proto, const std::string& name, const Blob& data, std::uint8_t revision)
{
    ipt_ip ip{};
    ip.proto = proto;
    return filter_with([&](Entries& e) { return e.target(name, data, revision, ip); });
}

Replace filter_with_rule(std::uint16_t proto, const Blob& match_blob, std::uint8_t invflags)
{
    ipt_ip ip{};
    ip.proto = proto;
    ip.invflags = invflags;
    return filter_with([&](Entries& e) { return e.standard(drop_verdict, ip, match_blob); });
}

std::vector<Blob> truncations_and_mutations(const Blob& good, unsigned mutations)
{
    std::vector<Blob> out;
    for (std::size_t len = 0; len < good.size(); ++len) {
        out.emplace_back(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
        if (len >= header_size) {
            Blob cut = out.back();
            const auto size = static_cast<std::uint32_t>(len - header_size);
            std::memcpy(cut.data() + offsetof(ipt_replace, size), &size, sizeof size);
            out.push_back(std::move(cut));
        }
    }
    std::mt19937 random(18);
    for (unsigned i = 0; i < mutations; ++i) {
        Blob b = good;
        std::size_t at = 0;
        do at = random() % b.size();
        while (at < offsetof(ipt_replace, num_entries) || (at >= offsetof(ipt_replace, num_counters) && at < header_size));
        b[at] = static_cast<std::uint8_t>(b[at] ^ (1u + random() % 255));   // never the byte it was
        out.push_back(std::move(b));
    }
    return out;
}

}  // namespace umd::bpfilter::test
