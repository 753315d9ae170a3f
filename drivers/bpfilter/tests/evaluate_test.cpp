// drivers/bpfilter/tests/evaluate_test.cpp — the rule records (each entry's IP match,
// matches and target data) as the handler decodes them and the Manager checks them, a
// lie at a time; and the evaluator's walk of a checked table (jumps, gotos, returns,
// policies, each supported match) on described packets. The same verdicts are compared
// with the kernel's treatment of real packets by tests/bpfilter/eval_veth_test.sh.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>

#include <cstring>

#include "drivers/bpfilter/handler/replace_check.h"
#include "drivers/bpfilter/protocol.h"
#include "drivers/bpfilter/tests/table_blob.h"
#include "drivers/bpfilter/trusted/evaluate.h"
#include "drivers/bpfilter/trusted/table_claims.h"

namespace umd::bpfilter::test {
namespace {

std::uint32_t addr(const char* dotted)
{
    in_addr a{};
    inet_pton(AF_INET, dotted, &a);
    return a.s_addr;
}

/// Points the standard target of the entry at `at` to `to` (a jump laid out before its target).
void patch_jump(Entries& e, std::uint32_t at, std::uint32_t to)
{
    std::uint16_t target_offset = 0;
    std::memcpy(&target_offset, e.bytes.data() + at + offsetof(ipt_entry, target_offset), 2);
    const auto verdict = static_cast<std::int32_t>(to);
    std::memcpy(e.bytes.data() + at + target_offset + sizeof(xt_entry_target), &verdict, 4);
}

xt_tcp tcp_ports(std::uint16_t dlo, std::uint16_t dhi, std::uint8_t inv = 0)
{
    xt_tcp t{};
    t.spts[1] = 0xFFFF;
    t.dpts[0] = dlo;
    t.dpts[1] = dhi;
    t.invflags = inv;
    return t;
}

ipt_ip proto_ip(std::uint16_t proto)
{
    ipt_ip ip{};
    ip.proto = proto;
    return ip;
}

/// INPUT (policy DROP):
///  1 -s 10.0.0.0/8 -p tcp --dport 22 ACCEPT
///  2 -i eth+ -j custom
///  3 -p udp --dport 53 -j REJECT --reject-with icmp-port-unreachable
///  4 -m state --state ESTABLISHED,RELATED -j ACCEPT
///  5 -p tcp -m multiport --dports 80,443:444 -g web
///  6 -j MARK --set-xmark 0x5/0xff
///  7 -m mark --mark 0x5/0xff -m iprange --src-range 192.168.1.10-192.168.1.20 -j ACCEPT
/// FORWARD, OUTPUT: policy ACCEPT.
/// custom: 1 -p icmp --icmp-type 8 -j DROP; 2 ! -s 172.16.0.0/12 -j RETURN; 3 -j ACCEPT; RETURN
/// web: 1 -p tcp --dport 443 -j ACCEPT; RETURN (to INPUT's caller: the policy)
Replace eval_table()
{
    Replace r;
    r.valid_hooks = (1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT);
    Entries& e = r.entries;
    ipt_ip ten = proto_ip(IPPROTO_TCP);
    ten.src.s_addr = addr("10.0.0.0");
    ten.smsk.s_addr = addr("255.0.0.0");
    r.hook_entry[NF_INET_LOCAL_IN] = e.standard(accept_verdict, ten, match("tcp", bytes_of(tcp_ports(22, 22))));
    ipt_ip eth{};
    std::memcpy(eth.iniface, "eth", 3);
    std::memset(eth.iniface_mask, 0xFF, 3);
    const std::uint32_t jump = e.standard(0, eth);
    ipt_reject_info reject{};
    reject.with = IPT_ICMP_PORT_UNREACHABLE;
    xt_udp udp{};
    udp.spts[1] = 0xFFFF;
    udp.dpts[0] = udp.dpts[1] = 53;
    ipt_ip udp_ip = proto_ip(IPPROTO_UDP);
    {
        // REJECT with a udp match: the target helper takes no match, so lay it out here.
        Blob m = match("udp", bytes_of(udp));
        const std::uint32_t at = e.target("REJECT", bytes_of(reject), 0, udp_ip);
        // Rebuild the entry with the match in front of the target.
        Blob entry(e.bytes.begin() + at, e.bytes.end());
        e.bytes.resize(at);
        std::uint16_t target_offset = 0, next_offset = 0;
        std::memcpy(&target_offset, entry.data() + offsetof(ipt_entry, target_offset), 2);
        std::memcpy(&next_offset, entry.data() + offsetof(ipt_entry, next_offset), 2);
        entry.insert(entry.begin() + target_offset, m.begin(), m.end());
        target_offset = static_cast<std::uint16_t>(target_offset + m.size());
        next_offset = static_cast<std::uint16_t>(next_offset + m.size());
        std::memcpy(entry.data() + offsetof(ipt_entry, target_offset), &target_offset, 2);
        std::memcpy(entry.data() + offsetof(ipt_entry, next_offset), &next_offset, 2);
        e.bytes.insert(e.bytes.end(), entry.begin(), entry.end());
    }
    xt_state_info state{};
    state.statemask = XT_STATE_BIT(IP_CT_ESTABLISHED) | XT_STATE_BIT(IP_CT_RELATED);
    e.standard(accept_verdict, {}, match("state", bytes_of(state)));
    xt_multiport_v1 mp{};
    mp.flags = XT_MULTIPORT_DESTINATION;
    mp.count = 3;
    mp.ports[0] = 80;
    mp.ports[1] = 443;
    mp.ports[2] = 444;
    mp.pflags[1] = 1;
    ipt_ip go = proto_ip(IPPROTO_TCP);
    go.flags = IPT_F_GOTO;
    const std::uint32_t goto_web = e.standard(0, go, match("multiport", bytes_of(mp), 1));
    xt_mark_tginfo2 set_mark{5, 0xff};
    e.target("MARK", bytes_of(set_mark), 2);
    xt_mark_mtinfo1 mark{5, 0xff, 0};
    xt_iprange_mtinfo range{};
    range.src_min.ip = addr("192.168.1.10");
    range.src_max.ip = addr("192.168.1.20");
    range.flags = IPRANGE_SRC;
    Blob both = match("mark", bytes_of(mark), 1);
    const Blob second = match("iprange", bytes_of(range), 1);
    both.insert(both.end(), second.begin(), second.end());
    e.standard(accept_verdict, {}, both);
    r.underflow[NF_INET_LOCAL_IN] = e.standard(drop_verdict);
    r.hook_entry[NF_INET_FORWARD] = r.underflow[NF_INET_FORWARD] = e.standard(accept_verdict);
    r.hook_entry[NF_INET_LOCAL_OUT] = r.underflow[NF_INET_LOCAL_OUT] = e.standard(accept_verdict);
    e.error("custom");
    ipt_icmp echo{};
    echo.type = 8;
    echo.code[1] = 0xFF;
    patch_jump(e, jump, e.standard(drop_verdict, proto_ip(IPPROTO_ICMP), match("icmp", bytes_of(echo))));
    ipt_ip private_net{};
    private_net.src.s_addr = addr("172.16.0.0");
    private_net.smsk.s_addr = addr("255.240.0.0");
    private_net.invflags = IPT_INV_SRCIP;
    e.standard(XT_RETURN, private_net);
    e.standard(accept_verdict);
    e.standard(XT_RETURN);
    e.error("web");
    patch_jump(e, goto_web, e.standard(accept_verdict, proto_ip(IPPROTO_TCP), match("tcp", bytes_of(tcp_ports(443, 443)))));
    e.standard(XT_RETURN);
    e.error("ERROR");
    return r;
}

/// The table through the real handler code and the Manager's checks.
AcceptedTable checked_table(const Blob& blob, TableRecord* records = nullptr)
{
    auto checked = check_replace(blob);
    EXPECT_TRUE(checked) << (checked ? "" : checked.error().reason);
    CheckReply reply{true, 0, {}, records_of(*checked)};
    auto decoded = decode_check_reply(encode_check_reply(reply), blob.size());
    EXPECT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->table, reply.table);
    if (records) *records = decoded->table;
    auto accepted = accept_table(blob, decoded->table);
    EXPECT_TRUE(accepted) << accepted.error().message;
    return *accepted;
}

TEST(RuleRecords, TheHandlerDecodesEachRulesFields)
{
    TableRecord t;
    checked_table(eval_table().build(), &t);
    const EntryRecord& ssh = t.entries[0];
    EXPECT_EQ(ssh.ip.src, addr("10.0.0.0"));
    EXPECT_EQ(ssh.ip.src_mask, addr("255.0.0.0"));
    EXPECT_EQ(ssh.ip.proto, IPPROTO_TCP);
    ASSERT_EQ(ssh.matches.size(), 1u);
    EXPECT_EQ(ssh.matches[0].kind, MatchKind::tcp);
    EXPECT_EQ(ssh.matches[0].offset, sizeof(ipt_entry));
    EXPECT_EQ(ssh.matches[0].dports, (std::array<std::uint16_t, 2>{22, 22}));
    const EntryRecord& reject = t.entries[2];
    EXPECT_EQ(reject.target_data.extension, TargetExtension::reject);
    EXPECT_EQ(reject.target_data.reject_with, IPT_ICMP_PORT_UNREACHABLE);
    EXPECT_EQ(t.entries[4].matches[0].multiport_count, 3);
    EXPECT_EQ(t.entries[5].target_data.mark, 5u);
    ASSERT_EQ(t.entries[6].matches.size(), 2u);
    EXPECT_EQ(t.entries[6].matches[1].src_max, addr("192.168.1.20"));
    EXPECT_EQ(t.entries[10].target_data.chain, "custom");
}

TEST(RuleRecords, EachLieAboutARuleIsRefused)
{
    const Blob blob = eval_table().build();
    TableRecord honest;
    checked_table(blob, &honest);
    struct Lie {
        const char* what;
        void (*tell)(TableRecord&);
    };
    const Lie lies[] = {
        {"a port range", [](TableRecord& t) { t.entries[0].matches[0].dports[1] = 23; }},
        {"an address", [](TableRecord& t) { t.entries[0].ip.src = addr("11.0.0.0"); }},
        {"a mask", [](TableRecord& t) { t.entries[0].ip.src_mask = 0; }},
        {"an inversion flag", [](TableRecord& t) { t.entries[0].matches[0].invflags = XT_TCP_INV_DSTPT; }},
        {"the IP inversion flags", [](TableRecord& t) { t.entries[12].ip.invflags = 0; }},
        {"an interface", [](TableRecord& t) { t.entries[1].ip.in_mask[3] = 0xFF; }},
        {"a protocol", [](TableRecord& t) { t.entries[2].ip.proto = IPPROTO_TCP; }},
        {"a match's kind", [](TableRecord& t) { t.entries[0].matches[0].kind = MatchKind::udp; }},
        {"a match's revision", [](TableRecord& t) { t.entries[4].matches[0].revision = 0; }},
        {"a match left out", [](TableRecord& t) { t.entries[6].matches.pop_back(); }},
        {"a match made up", [](TableRecord& t) { t.entries[3].matches.push_back(t.entries[3].matches[0]); }},
        {"a match's offset", [](TableRecord& t) { t.entries[6].matches[1].offset += 8; }},
        {"a field of another kind", [](TableRecord& t) { t.entries[0].matches[0].mark = 1; }},
        {"a multiport range", [](TableRecord& t) { t.entries[4].matches[0].multiport_pflags[1] = 0; }},
        {"an iprange bound", [](TableRecord& t) { t.entries[6].matches[1].src_min = addr("192.168.1.1"); }},
        {"a state mask", [](TableRecord& t) { t.entries[3].matches[0].state_mask |= XT_STATE_BIT(IP_CT_NEW); }},
        {"REJECT's reply", [](TableRecord& t) { t.entries[2].target_data.reject_with = IPT_TCP_RESET; }},
        {"a target called LOG", [](TableRecord& t) { t.entries[2].target_data.extension = TargetExtension::log; }},
        {"MARK's value", [](TableRecord& t) { t.entries[5].target_data.mark = 6; }},
        {"a chain's name", [](TableRecord& t) { t.entries[10].target_data.chain = "other"; }},
        {"target data on a standard target", [](TableRecord& t) { t.entries[0].target_data.reject_with = 1; }},
    };
    for (const Lie& l : lies) {
        TableRecord told = honest;
        l.tell(told);
        EXPECT_FALSE(accept_table(blob, told)) << "the lie about " << l.what << " was believed";
    }
    EXPECT_TRUE(accept_table(blob, honest));
}

struct Case {
    const char* what;
    Packet packet;
    Verdict verdict;
    const char* chain;
    unsigned number;   ///< 0: the chain's policy
};

Packet tcp_packet(const char* src, std::uint16_t dport, const char* in = "lo")
{
    Packet p;
    p.proto = IPPROTO_TCP;
    p.src = addr(src);
    p.dst = addr("192.0.2.1");
    p.sport = 40000;
    p.dport = dport;
    p.in = in;
    return p;
}

TEST(Evaluate, TheWalkFollowsRuleOrderJumpsGotosReturnsAndPolicies)
{
    const AcceptedTable table = checked_table(eval_table().build());
    Packet udp = tcp_packet("192.0.2.9", 53);
    udp.proto = IPPROTO_UDP;
    Packet echo = tcp_packet("192.0.2.9", 0, "eth0");
    echo.proto = IPPROTO_ICMP;
    Packet established = tcp_packet("192.0.2.9", 9999);
    established.state = ConnState::established;
    Packet marked = tcp_packet("192.168.1.15", 9999);
    const Case cases[] = {
        {"ssh from 10/8", tcp_packet("10.1.2.3", 22), Verdict::accept, "INPUT", 1},
        {"ssh from elsewhere: the policy", tcp_packet("11.1.2.3", 22), Verdict::drop, "INPUT", 0},
        {"eth0 from 172.16/12: the user chain accepts", tcp_packet("172.17.0.1", 9999, "eth0"), Verdict::accept, "custom", 3},
        {"eth0 from elsewhere: RETURN, then the policy", tcp_packet("192.0.2.9", 9999, "eth0"), Verdict::drop, "INPUT", 0},
        {"eth0 echo request: the user chain drops", echo, Verdict::drop, "custom", 1},
        {"udp 53: REJECT", udp, Verdict::reject, "INPUT", 3},
        {"established", established, Verdict::accept, "INPUT", 4},
        {"https: the goto's chain accepts", tcp_packet("192.0.2.9", 443), Verdict::accept, "web", 1},
        {"http: the goto's chain returns past INPUT to the policy", tcp_packet("192.0.2.9", 80), Verdict::drop, "INPUT", 0},
        {"marked by MARK, then the mark and iprange match", marked, Verdict::accept, "INPUT", 7},
    };
    for (const Case& c : cases) {
        auto d = evaluate(table, Hook::input, c.packet);
        ASSERT_TRUE(d) << c.what << ": " << d.error().message;
        EXPECT_EQ(d->verdict, c.verdict) << c.what;
        EXPECT_EQ(d->place.chain, c.chain) << c.what;
        EXPECT_EQ(d->place.number, c.number) << c.what;
        EXPECT_EQ(d->place.chain_end, c.number == 0) << c.what;
    }
    EXPECT_EQ(evaluate(table, Hook::input, marked)->mark, 5u);
    auto out = evaluate(table, Hook::output, tcp_packet("10.1.2.3", 22));
    ASSERT_TRUE(out);
    EXPECT_EQ(out->verdict, Verdict::accept);
    EXPECT_EQ(out->place.chain, "OUTPUT");
    EXPECT_FALSE(evaluate(table, Hook{0}, tcp_packet("10.1.2.3", 22)));   // PREROUTING: no such chain in filter
}

TEST(Evaluate, WhatADescriptionCannotDecideIsAnErrorNotAGuess)
{
    xt_tcp with_option = tcp_ports(22, 22);
    with_option.option = 2;   // --tcp-option 2: the packet's options are not described
    const AcceptedTable table = checked_table(filter_with_rule(IPPROTO_TCP, match("tcp", bytes_of(with_option))).build());
    auto d = evaluate(table, Hook::input, tcp_packet("10.0.0.1", 22));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::invalid_argument);
    // A packet the rule's protocol excludes never reaches the match: decided.
    Packet udp = tcp_packet("10.0.0.1", 22);
    udp.proto = IPPROTO_UDP;
    EXPECT_TRUE(evaluate(table, Hook::input, udp));
}

TEST(Evaluate, TheNewNamespacesTableAcceptsByPolicy)
{
    const AcceptedTable table = checked_table(empty_filter().build());
    for (Hook h : {Hook::input, Hook::forward, Hook::output}) {
        auto d = evaluate(table, h, tcp_packet("10.0.0.1", 22));
        ASSERT_TRUE(d);
        EXPECT_EQ(d->verdict, Verdict::accept);
        EXPECT_TRUE(d->place.chain_end);
    }
}

}  // namespace
}  // namespace umd::bpfilter::test
