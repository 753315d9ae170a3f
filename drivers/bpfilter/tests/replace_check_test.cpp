// drivers/bpfilter/tests/replace_check_test.cpp — the handler's checks of table blobs,
// each case asked of the kernel too: the same blob, written with IPT_SO_SET_REPLACE in a
// network namespace of the test's own, must get the same answer (0 or the same errno).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <arpa/inet.h>
#include <linux/netfilter/xt_LOG.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>

#include <linux/netfilter/xt_limit.h>

#include "drivers/bpfilter/handler/replace_check.h"
#include "drivers/bpfilter/trusted/kernel_hz.h"
#include "drivers/bpfilter/tests/kernel_replace.h"
#include "drivers/bpfilter/tests/table_blob.h"

namespace umd::bpfilter::test {
namespace {

int handler_answer(std::span<const std::uint8_t> blob)
{
    auto checked = check_replace(blob);
    return checked ? 0 : checked.error().error;
}

/// The handler's answer, checked against the kernel's when the test may ask it.
int checked_like_the_kernel(const Blob& blob, bool keep_num_counters = false)
{
    const int ours = handler_answer(blob);
    if (const auto kernel = kernel_replace(blob, keep_num_counters)) {
        std::string reason;
        if (auto c = check_replace(blob); !c) reason = c.error().reason;
        EXPECT_EQ(ours, *kernel) << "the kernel says " << std::strerror(*kernel) << ", the handler " << (ours ? reason : "accepts");
    }
    return ours;
}

template <typename T>
void poke(Blob& b, std::size_t at, T value)
{
    ASSERT_LE(at + sizeof value, b.size());
    std::memcpy(b.data() + at, &value, sizeof value);
}

constexpr std::size_t entry0 = header_size;   // the first entry's offset in the option value

void mutate_and_compare(const Blob& good);

TEST(ReplaceCheck, AnEmptyFilterTableIsAcceptedWithItsHooksAndChains)
{
    const Blob blob = empty_filter().build();
    if (::geteuid() == 0) {
        ASSERT_TRUE(kernel_replace(blob).has_value()) << "root, yet the kernel could not be asked";
    }
    ASSERT_EQ(checked_like_the_kernel(blob), 0);
    auto table = check_replace(blob);
    ASSERT_TRUE(table);
    EXPECT_EQ(table->name, "filter");
    ASSERT_EQ(table->entries.size(), 4u);
    EXPECT_EQ(table->entries[0].hook_mask, 1u << NF_INET_LOCAL_IN);
    EXPECT_EQ(table->entries[1].hook_mask, 1u << NF_INET_FORWARD);
    EXPECT_EQ(table->entries[2].hook_mask, 1u << NF_INET_LOCAL_OUT);
    EXPECT_EQ(table->entries[0].verdict, accept_verdict);
    EXPECT_EQ(table->entries[3].target, TargetKind::error);
    EXPECT_EQ(table->entries[3].target_name, "ERROR");
}

TEST(ReplaceCheck, AUserChainIsReachedFromItsCallersHook)
{
    const Blob blob = filter_with_user_chain().build();
    ASSERT_EQ(checked_like_the_kernel(blob), 0);
    auto table = check_replace(blob);
    ASSERT_TRUE(table);
    ASSERT_EQ(table->entries.size(), 8u);
    EXPECT_EQ(table->entries[5].hook_mask, 1u << NF_INET_LOCAL_IN);   // the DROP rule in "custom"
    EXPECT_EQ(table->entries[4].target_name, "custom");
}

TEST(ReplaceCheck, HeaderClaimsAreCheckedAgainstTheRequestItself)
{
    const Blob good = empty_filter().build();
    Blob b = good;
    poke<std::uint32_t>(b, offsetof(ipt_replace, num_counters), 0);
    EXPECT_EQ(checked_like_the_kernel(b, true), EINVAL);
    b = good;
    poke<std::uint32_t>(b, offsetof(ipt_replace, num_counters), 0x7fffffff);
    EXPECT_EQ(checked_like_the_kernel(b, true), ENOMEM);
    b = good;
    poke<std::uint32_t>(b, offsetof(ipt_replace, size), 0xfffffff0);   // more than the request holds
    EXPECT_EQ(checked_like_the_kernel(b), EINVAL);
    b = good;
    poke<std::uint32_t>(b, offsetof(ipt_replace, num_entries), 5);
    EXPECT_EQ(checked_like_the_kernel(b), EINVAL);
    b = good;
    poke<std::uint32_t>(b, offsetof(ipt_replace, num_entries), 0xffffffff);   // the kernel cannot allocate that many
    EXPECT_EQ(checked_like_the_kernel(b), ENOMEM);
}

TEST(ReplaceCheck, EntryOffsetsOfTheKnownAttacksAreRefused)
{
    const Blob good = empty_filter().build();
    const std::size_t next = entry0 + offsetof(ipt_entry, next_offset), target = entry0 + offsetof(ipt_entry, target_offset);
    Blob b = good;
    poke<std::uint16_t>(b, next, 0);   // a zero next_offset would never advance
    EXPECT_EQ(checked_like_the_kernel(b), EINVAL);
    b = good;
    poke<std::uint16_t>(b, next, 0xfff8);   // past the end
    EXPECT_EQ(checked_like_the_kernel(b), EINVAL);
    b = good;
    poke<std::uint16_t>(b, target, 40);   // the target inside the entry header (CVE-2016-4997's shape)
    EXPECT_EQ(checked_like_the_kernel(b), EINVAL);
    b = good;
    poke<std::uint16_t>(b, entry0 + sizeof(ipt_entry), 8);   // target_size below a header
    EXPECT_EQ(checked_like_the_kernel(b), EINVAL);
    b = good;
    poke<std::uint16_t>(b, entry0 + sizeof(ipt_entry), 0xff00);   // target_size past the entry
    EXPECT_EQ(checked_like_the_kernel(b), EINVAL);
    b = good;
    poke<std::int32_t>(b, entry0 + sizeof(ipt_entry) + sizeof(xt_entry_target), -10);   // no such verdict
    EXPECT_EQ(checked_like_the_kernel(b), EINVAL);
}

TEST(ReplaceCheck, HooksAndUnderflowsMustBeWellPlaced)
{
    Replace r = empty_filter();
    r.underflow[NF_INET_FORWARD] = 100;   // not an entry's start
    EXPECT_EQ(checked_like_the_kernel(r.build()), EINVAL);
    r = empty_filter();
    std::swap(r.hook_entry[NF_INET_LOCAL_IN], r.hook_entry[NF_INET_FORWARD]);   // unsorted
    EXPECT_EQ(checked_like_the_kernel(r.build()), EINVAL);
    r = empty_filter();
    r.underflow[NF_INET_LOCAL_OUT] = r.underflow[NF_INET_FORWARD];   // shared
    EXPECT_EQ(checked_like_the_kernel(r.build()), EINVAL);
}

TEST(ReplaceCheck, AConditionalUnderflowIsRefused)
{
    Replace r;
    r.valid_hooks = (1u << NF_INET_LOCAL_IN) | (1u << NF_INET_FORWARD) | (1u << NF_INET_LOCAL_OUT);
    ipt_ip cond{};
    cond.proto = IPPROTO_TCP;
    for (unsigned hook : {NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT}) {
        const std::uint32_t at = r.entries.standard(accept_verdict, hook == NF_INET_FORWARD ? cond : ipt_ip{});
        r.hook_entry[hook] = r.underflow[hook] = at;
    }
    r.entries.error("ERROR");
    EXPECT_EQ(checked_like_the_kernel(r.build()), EINVAL);
}

TEST(ReplaceCheck, LoopsAndJumpsIntoEntriesAreRefused)
{
    Replace r = filter_with_user_chain();
    Blob b = r.build();
    // The RETURN at 936 becomes a jump back to the chain's first rule: a loop.
    const std::size_t ret_verdict = entry0 + 936 + sizeof(ipt_entry) + sizeof(xt_entry_target);
    poke<std::int32_t>(b, ret_verdict, 784);
    EXPECT_EQ(checked_like_the_kernel(b), ELOOP);
    b = r.build();
    // INPUT's jump lands in the middle of an entry.
    poke<std::int32_t>(b, entry0 + sizeof(ipt_entry) + sizeof(xt_entry_target), 790);
    EXPECT_EQ(checked_like_the_kernel(b), ELOOP);
    b = r.build();
    // A jump past the end.
    poke<std::int32_t>(b, entry0 + sizeof(ipt_entry) + sizeof(xt_entry_target), 1 << 20);
    EXPECT_EQ(checked_like_the_kernel(b), ELOOP);
}

TEST(ReplaceCheck, AnUnreachableEntryIsNotFollowedAndItsJumpNotChecked)
{
    // The kernel follows jumps only from the hooks: a chain nobody calls may jump into the
    // middle of an entry and the table is still taken. The Manager must not trust such a
    // jump (hook_mask 0 says the entry is never run).
    Replace r = empty_filter();
    Replace t;
    t.valid_hooks = r.valid_hooks;
    for (unsigned hook : {NF_INET_LOCAL_IN, NF_INET_FORWARD, NF_INET_LOCAL_OUT}) t.hook_entry[hook] = t.underflow[hook] = t.entries.standard(accept_verdict);
    t.entries.error("orphan");
    const std::uint32_t orphan_rule = t.entries.standard(12345);   // not an entry's start
    t.entries.error("ERROR");
    const Blob blob = t.build();
    ASSERT_EQ(checked_like_the_kernel(blob), 0);
    auto table = check_replace(blob);
    ASSERT_TRUE(table);
    EXPECT_EQ(table->entries[4].offset, orphan_rule);
    EXPECT_EQ(table->entries[4].hook_mask, 0u);
}

TEST(ReplaceCheck, TcpUdpAndIcmpRulesAreAcceptedWhenTheEntryNamesTheirProtocol)
{
    const Blob blob = filter_with_protocol_rules().build();
    ASSERT_EQ(checked_like_the_kernel(blob), 0);
    auto table = check_replace(blob);
    ASSERT_TRUE(table);
    ASSERT_EQ(table->entries[0].matches, std::vector<std::string>{"tcp"});
    EXPECT_EQ(table->entries[1].matches, std::vector<std::string>{"udp"});
    EXPECT_EQ(table->entries[2].matches, std::vector<std::string>{"icmp"});
}

TEST(ReplaceCheck, TcpUdpAndIcmpChecksAreTheKernelModules)
{
    xt_tcp tcp{};
    tcp.spts[1] = tcp.dpts[1] = 0xFFFF;
    xt_udp udp{};
    ipt_icmp icmp{};
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_TCP, match("tcp", bytes_of(tcp))).build()), 0);
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_UDP, match("tcp", bytes_of(tcp))).build()), EINVAL);   // another protocol
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(0, match("tcp", bytes_of(tcp))).build()), EINVAL);             // any protocol
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_TCP, match("tcp", bytes_of(tcp)), IPT_INV_PROTO).build()), EINVAL);
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_TCP, match("tcp", bytes_of(tcp), 1)).build()), ENOENT);   // no revision 1
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_TCP, match("tcp", Blob(4, 0))).build()), EINVAL);         // too small
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_TCP, match("tcp", Blob(24, 0))).build()), EINVAL);        // too large
    tcp.invflags = 0x10;
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_TCP, match("tcp", bytes_of(tcp))).build()), EINVAL);
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_UDP, match("udp", bytes_of(udp))).build()), 0);
    udp.invflags = 0x04;
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_UDP, match("udp", bytes_of(udp))).build()), EINVAL);
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_ICMP, match("icmp", bytes_of(icmp))).build()), 0);
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_TCP, match("icmp", bytes_of(icmp))).build()), EINVAL);
    icmp.invflags = 0x02;
    EXPECT_EQ(checked_like_the_kernel(filter_with_rule(IPPROTO_ICMP, match("icmp", bytes_of(icmp))).build()), EINVAL);
}

TEST(ReplaceCheck, LimitIsCheckedWithTheKernelsHz)
{
    const std::uint32_t hz = kernel_hz();
    if (hz == 0) GTEST_SKIP() << "the kernel's HZ cannot be measured here (/proc/timer_list needs root)";
    struct Case {
        const char* what;
        std::uint32_t avg, burst;
    } cases[] = {
        {"5/min, burst 7", 10000u * 60 / 5, 7},
        {"10000/sec, burst 5", 1, 5},
        {"1/day, burst 1", 10000u * 86400, 1},
        {"burst 0", 10000, 0},
        {"avg x burst overflowing the credits", 10000u * 86400, 5000},
        {"avg x burst wrapping u32", 0x80000000u, 2},
        {"the largest avg", 0xFFFFFFFFu, 1},
    };
    for (const Case& c : cases) {
        xt_rateinfo r{};
        r.avg = c.avg;
        r.burst = c.burst;
        const Blob blob = filter_with_rule(0, match("limit", bytes_of(r))).build();
        auto checked = check_replace(blob, hz);
        const int ours = checked ? 0 : checked.error().error;
        if (const auto kernel = kernel_replace(blob)) EXPECT_EQ(ours, *kernel) << c.what << " (HZ " << hz << ")";
        else GTEST_SKIP() << "needs root and network namespaces";
    }
    // Without the kernel's HZ the match is not offered.
    xt_rateinfo r{10000, 5};
    EXPECT_EQ(handler_answer(filter_with_rule(0, match("limit", bytes_of(r))).build()), ENOENT);
}

TEST(ReplaceCheck, EachSupportedMatchIsCheckedLikeItsKernelModule)
{
    const auto rule = [](std::uint16_t proto, const std::string& name, const Blob& data, std::uint8_t revision = 0) {
        return checked_like_the_kernel(filter_with_rule(proto, match(name, data, revision)).build());
    };
    xt_multiport_v1 mp{};
    mp.flags = XT_MULTIPORT_DESTINATION;
    mp.count = 2;
    mp.ports[0] = 80;
    mp.ports[1] = 443;
    EXPECT_EQ(rule(IPPROTO_TCP, "multiport", bytes_of(mp), 1), 0);
    EXPECT_EQ(rule(IPPROTO_ICMP, "multiport", bytes_of(mp), 1), EINVAL);   // no ports in ICMP
    EXPECT_EQ(rule(IPPROTO_TCP, "multiport", bytes_of(mp), 0), ENOENT);    // revision 0 is not supported
    mp.count = XT_MULTI_PORTS + 1;
    EXPECT_EQ(rule(IPPROTO_TCP, "multiport", bytes_of(mp), 1), EINVAL);
    mp.count = 2;
    mp.flags = 7;
    EXPECT_EQ(rule(IPPROTO_UDP, "multiport", bytes_of(mp), 1), EINVAL);

    xt_comment_info comment{};
    std::strcpy(comment.comment, "allow web");
    EXPECT_EQ(rule(0, "comment", bytes_of(comment)), 0);
    EXPECT_EQ(rule(0, "comment", Blob(sizeof comment + 8, 0)), EINVAL);
    xt_mark_mtinfo1 mark{};
    mark.mark = 1;
    mark.mask = 0xff;
    EXPECT_EQ(rule(0, "mark", bytes_of(mark), 1), 0);
    xt_state_info state{};
    state.statemask = XT_STATE_BIT(IP_CT_ESTABLISHED);
    EXPECT_EQ(rule(0, "state", bytes_of(state)), 0);
    xt_conntrack_mtinfo3 ct{};
    ct.match_flags = XT_CONNTRACK_STATE;
    ct.state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
    EXPECT_EQ(rule(0, "conntrack", bytes_of(ct), 3), 0);
    EXPECT_EQ(rule(0, "conntrack", bytes_of(ct), 1), EINVAL);   // revision 1 is smaller
    xt_iprange_mtinfo range{};
    range.src_min.ip = htonl(0x0a000001);
    range.src_max.ip = htonl(0x0a0000ff);
    range.flags = IPRANGE_SRC;
    EXPECT_EQ(rule(0, "iprange", bytes_of(range), 1), 0);
}

TEST(ReplaceCheck, EachSupportedTargetIsCheckedLikeItsKernelModule)
{
    const auto rule = [](std::uint16_t proto, const std::string& name, const Blob& data, std::uint8_t revision = 0) {
        return checked_like_the_kernel(filter_with_target(proto, name, data, revision).build());
    };
    ipt_reject_info reject{};
    reject.with = IPT_ICMP_PORT_UNREACHABLE;
    EXPECT_EQ(rule(0, "REJECT", bytes_of(reject)), 0);
    reject.with = IPT_TCP_RESET;
    EXPECT_EQ(rule(IPPROTO_TCP, "REJECT", bytes_of(reject)), 0);
    EXPECT_EQ(rule(IPPROTO_UDP, "REJECT", bytes_of(reject)), EINVAL);   // a reset only for TCP
    reject.with = IPT_ICMP_ECHOREPLY;
    EXPECT_EQ(rule(0, "REJECT", bytes_of(reject)), EINVAL);
    const std::uint32_t unknown_with = 784;   // no such reject type: the kernel takes it (found by the fuzz campaign)
    EXPECT_EQ(rule(0, "REJECT", bytes_of(unknown_with)), 0);
    xt_log_info log{};
    log.level = 4;
    std::strcpy(log.prefix, "dropped: ");
    EXPECT_EQ(rule(0, "LOG", bytes_of(log)), 0);
    log.level = 8;
    EXPECT_EQ(rule(0, "LOG", bytes_of(log)), EINVAL);
    log.level = 4;
    std::memset(log.prefix, 'x', sizeof log.prefix);   // no terminating NUL
    EXPECT_EQ(rule(0, "LOG", bytes_of(log)), EINVAL);
    xt_mark_tginfo2 mark{};
    mark.mark = 7;
    mark.mask = 0xffffffff;
    EXPECT_EQ(rule(0, "MARK", bytes_of(mark), 2), 0);
    EXPECT_EQ(rule(0, "MARK", bytes_of(mark), 1), ENOENT);
}

TEST(ReplaceCheck, UnknownExtensionsGetTheKernelsAnswer)
{
    Replace r = empty_filter();
    Replace with_target;
    with_target.valid_hooks = r.valid_hooks;
    with_target.hook_entry[NF_INET_LOCAL_IN] = with_target.entries.target("NOSUCHTARGET", Blob(8, 0));
    with_target.underflow[NF_INET_LOCAL_IN] = with_target.entries.standard(accept_verdict);
    with_target.hook_entry[NF_INET_FORWARD] = with_target.underflow[NF_INET_FORWARD] = with_target.entries.standard(accept_verdict);
    with_target.hook_entry[NF_INET_LOCAL_OUT] = with_target.underflow[NF_INET_LOCAL_OUT] = with_target.entries.standard(accept_verdict);
    with_target.entries.error("ERROR");
    EXPECT_EQ(checked_like_the_kernel(with_target.build()), ENOENT);

    Replace with_match;
    with_match.valid_hooks = r.valid_hooks;
    with_match.hook_entry[NF_INET_LOCAL_IN] = with_match.entries.standard(drop_verdict, {}, match("nosuchmatch", Blob(8, 0)));
    with_match.underflow[NF_INET_LOCAL_IN] = with_match.entries.standard(accept_verdict);
    with_match.hook_entry[NF_INET_FORWARD] = with_match.underflow[NF_INET_FORWARD] = with_match.entries.standard(accept_verdict);
    with_match.hook_entry[NF_INET_LOCAL_OUT] = with_match.underflow[NF_INET_LOCAL_OUT] = with_match.entries.standard(accept_verdict);
    with_match.entries.error("ERROR");
    EXPECT_EQ(checked_like_the_kernel(with_match.build()), ENOENT);
}

TEST(ReplaceCheck, EveryTruncationIsRefusedLikeTheKernelRefusesIt)
{
    const Blob good = filter_with_user_chain().build();
    for (std::size_t len = 0; len < good.size(); len += (len < header_size + 8 ? 1 : 4)) {
        // The request cut short (optlen), and the header's size cut to match.
        Blob cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
        const int refused = checked_like_the_kernel(cut);
        EXPECT_NE(refused, 0) << "a request cut to " << len << " bytes was accepted";
        if (len >= header_size) {
            poke<std::uint32_t>(cut, offsetof(ipt_replace, size), static_cast<std::uint32_t>(len - header_size));
            EXPECT_NE(checked_like_the_kernel(cut), 0) << "entries cut to " << len - header_size << " bytes were accepted";
        }
    }
}

TEST(ReplaceCheck, RandomMutationsGetTheKernelsAnswer)
{
    xt_multiport_v1 mp{};
    mp.flags = XT_MULTIPORT_EITHER;
    mp.count = 1;
    mp.ports[0] = 22;
    ipt_reject_info reset{};
    reset.with = IPT_TCP_RESET;
    xt_log_info log{};
    log.level = 6;
    std::strcpy(log.prefix, "in: ");
    for (const Blob& good : {filter_with_user_chain().build(), filter_with_protocol_rules().build(),
                             filter_with_rule(IPPROTO_TCP, match("multiport", bytes_of(mp), 1)).build(),
                             filter_with_target(IPPROTO_TCP, "REJECT", bytes_of(reset)).build(), filter_with_target(0, "LOG", bytes_of(log)).build()})
        mutate_and_compare(good);
}

void mutate_and_compare(const Blob& good)
{
    std::mt19937 random(20261206);
    unsigned accepted = 0;
    for (int round = 0; round < 300; ++round) {
        Blob b = good;
        const int flips = 1 + static_cast<int>(random() % 3);
        for (int i = 0; i < flips; ++i) {
            // Anywhere but the table's name and valid hooks and the counters fields, which the
            // Manager checks against the stored table (the kernel does after these checks).
            std::size_t at = 0;
            do at = random() % b.size();
            while (at < offsetof(ipt_replace, num_entries) || (at >= offsetof(ipt_replace, num_counters) && at < header_size));
            b[at] = static_cast<std::uint8_t>(random());
        }
        if (checked_like_the_kernel(b) == 0) ++accepted;
    }
    std::printf("[          ] 300 mutated blobs of %zu bytes: %u accepted by both\n", good.size(), accepted);
}

}  // namespace
}  // namespace umd::bpfilter::test
