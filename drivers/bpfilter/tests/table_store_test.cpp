// drivers/bpfilter/tests/table_store_test.cpp — the Manager's tables answer as the
// kernel's do: the same replace, counters and reads made in a network namespace of the
// test's own and in a TableStore must give the same GET_INFO and the same GET_ENTRIES
// bytes (the kernel's read goes into a zeroed buffer, as iptables' does).
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include <linux/netfilter/xt_LOG.h>
#include <linux/netfilter/xt_limit.h>

#include "drivers/bpfilter/trusted/kernel_hz.h"

#include "drivers/bpfilter/handler/replace_check.h"
#include "drivers/bpfilter/tests/kernel_replace.h"
#include "drivers/bpfilter/tests/table_blob.h"
#include "drivers/bpfilter/trusted/table_store.h"

namespace umd::bpfilter::test {
namespace {

constexpr NamespaceKey ns{4096};

/// The blob as the Manager would take it: checked by the handler's code, confirmed by the
/// Manager's checks of the records, with the store's current entry count as num_counters.
AcceptedTable accepted(Blob blob, std::uint32_t num_counters, std::uint32_t hz = 0)
{
    std::memcpy(blob.data() + offsetof(ipt_replace, num_counters), &num_counters, sizeof num_counters);
    auto checked = check_replace(blob, hz);
    EXPECT_TRUE(checked) << checked.error().reason;
    auto table = accept_table(blob, records_of(*checked));
    EXPECT_TRUE(table) << table.error().message;
    return std::move(*table);
}

void expect_same_as_kernel(TableStore& store, const KernelTable& kernel)
{
    auto info = store.info(ns, "filter");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->valid_hooks, kernel.info.valid_hooks);
    EXPECT_EQ(info->num_entries, kernel.info.num_entries);
    EXPECT_EQ(info->size, kernel.info.size);
    for (unsigned h = 0; h < hook_count; ++h) {
        EXPECT_EQ(info->hook_entry[h], kernel.info.hook_entry[h]) << "hook " << h;
        EXPECT_EQ(info->underflow[h], kernel.info.underflow[h]) << "hook " << h;
    }
    auto entries = store.entries(ns, "filter", info->size);
    ASSERT_TRUE(entries);
    ASSERT_EQ(entries->size(), kernel.entries.size());
    for (std::size_t i = 0; i < entries->size(); ++i)
        if ((*entries)[i] != kernel.entries[i]) {
            ADD_FAILURE() << "GET_ENTRIES differs first at byte " << i << ": " << int((*entries)[i]) << " vs the kernel's " << int(kernel.entries[i]);
            break;
        }
}

TEST(TableStore, ANewNamespacesFilterTableIsTheKernels)
{
    TableStore store;
    auto kernel = kernel_table_after({});
    if (!kernel) GTEST_SKIP() << "needs root and network namespaces";
    expect_same_as_kernel(store, *kernel);
}

TEST(TableStore, AReplacedTableReadsBackAsTheKernelsDoes)
{
    xt_log_info log{};
    log.level = 4;
    std::strcpy(log.prefix, "dropped: ");
    for (const Blob& blob : {filter_with_user_chain().build(), filter_with_protocol_rules().build(), filter_with_target(0, "LOG", bytes_of(log)).build()}) {
        TableStore store;
        auto old = store.replace(ns, accepted(blob, 4));
        ASSERT_TRUE(old) << old.error().reason;
        EXPECT_EQ(old->size(), 4u);   // the initial table's counters go back to the caller
        auto kernel = kernel_table_after(blob);
        if (!kernel) GTEST_SKIP() << "needs root and network namespaces";
        ASSERT_EQ(kernel->replace_error, 0);
        expect_same_as_kernel(store, *kernel);
    }
}

TEST(TableStore, ALimitMatchsKernelOwnedFieldsReadBackAsZeros)
{
    // iptables writes the whole xt_rateinfo; the kernel keeps prev, credit, credit_cap,
    // cost and master for itself and hands back zeros for them.
    const std::uint32_t hz = kernel_hz();
    if (hz == 0) GTEST_SKIP() << "the kernel's HZ cannot be measured here";
    xt_rateinfo r{};
    r.avg = 10000u * 60 / 5;
    r.burst = 7;
    r.prev = 12345;
    r.credit = r.credit_cap = r.cost = 99;
    const Blob blob = filter_with_rule(0, match("limit", bytes_of(r))).build();
    TableStore store;
    ASSERT_TRUE(store.replace(ns, accepted(blob, 4, hz)));
    auto kernel = kernel_table_after(blob);
    if (!kernel) GTEST_SKIP() << "needs root and network namespaces";
    ASSERT_EQ(kernel->replace_error, 0);
    expect_same_as_kernel(store, *kernel);
}

TEST(TableStore, CountersAddUpAsTheKernelsDo)
{
    const Blob blob = filter_with_protocol_rules().build();
    TableStore store;
    ASSERT_TRUE(store.replace(ns, accepted(blob, 4)));
    auto info = store.info(ns, "filter");
    ASSERT_TRUE(info);
    std::vector<xt_counters> add(info->num_entries);   // xt_counters: pcnt (packets), bcnt (bytes)
    std::vector<Counter> ours(info->num_entries);
    for (std::size_t i = 0; i < add.size(); ++i) {
        add[i] = {10 * i + 1, 1000 * i + 7};
        ours[i] = {add[i].pcnt, add[i].bcnt};
    }
    // The kernel: the same counters added, read back.
    auto kernel = kernel_table_after(blob, add);
    if (!kernel) GTEST_SKIP() << "needs root and network namespaces";
    ASSERT_EQ(kernel->add_error, 0);
    TableStore once;
    ASSERT_TRUE(once.replace(ns, accepted(blob, 4)));
    ASSERT_TRUE(once.add_counters(ns, "filter", ours));
    expect_same_as_kernel(once, *kernel);
    // Added again, they add up; the wrong number of counters is EINVAL, as in the kernel.
    ASSERT_TRUE(once.add_counters(ns, "filter", ours));
    auto twice = once.entries(ns, "filter", info->size);
    ASSERT_TRUE(twice);
    std::uint64_t packets = 0;
    const std::uint32_t second = check_replace(blob)->entries[1].offset;
    std::memcpy(&packets, twice->data() + second + offsetof(ipt_entry, counters), sizeof packets);
    EXPECT_EQ(packets, 2 * add[1].pcnt);
    ours.pop_back();
    auto wrong = once.add_counters(ns, "filter", ours);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().error, EINVAL);
}

TEST(TableStore, AStaleReplaceAndAStaleReadGetEagain)
{
    TableStore store;
    Blob blob = filter_with_user_chain().build();
    const std::uint32_t three = 3;   // the caller counted 3 entries; a new namespace's filter table has 4
    std::memcpy(blob.data() + offsetof(ipt_replace, num_counters), &three, sizeof three);
    auto stale = store.replace(ns, accepted(blob, 3));
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.error().error, EAGAIN);
    if (auto kernel = kernel_replace(blob, true)) {
        EXPECT_EQ(*kernel, EAGAIN);   // the kernel's answer to the same stale count
    }
    auto read = store.entries(ns, "filter", 100);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().error, EAGAIN);
}

TEST(TableStore, OtherTablesAndTooManyNamespacesAreRefused)
{
    TableStore store(StoreLimits{2, std::size_t{1} << 20});
    auto nat = store.info(ns, "nat");
    ASSERT_FALSE(nat);
    EXPECT_EQ(nat.error().error, ENOENT);
    EXPECT_TRUE(store.info(NamespaceKey{1}, "filter"));
    EXPECT_TRUE(store.info(NamespaceKey{2}, "filter"));
    auto third = store.info(NamespaceKey{3}, "filter");
    ASSERT_FALSE(third);
    EXPECT_EQ(third.error().error, ENOMEM);
    EXPECT_EQ(store.namespaces(), 2u);
}

TEST(TableStore, ADroppedNamespaceFreesItsPlaceAndItsBytes)
{
    TableStore store(StoreLimits{2, std::size_t{1} << 20});
    ASSERT_TRUE(store.info(NamespaceKey{1}, "filter"));
    auto big = store.replace(NamespaceKey{1}, accepted(filter_with_protocol_rules().build(), 4));
    ASSERT_TRUE(big) << big.error().reason;
    ASSERT_TRUE(store.info(NamespaceKey{2}, "filter"));
    const std::size_t both = store.bytes();
    ASSERT_FALSE(store.info(NamespaceKey{3}, "filter"));
    EXPECT_TRUE(store.drop(NamespaceKey{1}));
    EXPECT_FALSE(store.drop(NamespaceKey{1})) << "dropped twice";
    EXPECT_EQ(store.namespaces(), 1u);
    EXPECT_EQ(store.bytes(), both - filter_with_protocol_rules().build().size() + header_size);
    ASSERT_TRUE(store.info(NamespaceKey{3}, "filter")) << "the dropped namespace's place is free";
    auto other = store.info(NamespaceKey{2}, "filter");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->num_entries, 4u) << "another namespace's table was touched";
}

}  // namespace
}  // namespace umd::bpfilter::test
