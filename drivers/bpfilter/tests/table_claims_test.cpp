// drivers/bpfilter/tests/table_claims_test.cpp — the Manager's side: the handler's reply
// decoded within the request's bounds, and every record checked against the request's
// bytes. The lying-handler cases change one record at a time; each must be refused.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "drivers/bpfilter/handler/replace_check.h"
#include "drivers/bpfilter/protocol.h"
#include "drivers/bpfilter/tests/table_blob.h"
#include "drivers/bpfilter/trusted/table_claims.h"

namespace umd::bpfilter::test {
namespace {

/// What the real handler code says of `blob`, through the wire format.
TableRecord honest_records(const Blob& blob)
{
    auto checked = check_replace(blob);
    EXPECT_TRUE(checked) << checked.error().reason;
    CheckReply reply;
    reply.accepted = true;
    reply.table = records_of(*checked);
    auto decoded = decode_check_reply(encode_check_reply(reply), blob.size());
    EXPECT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->table, reply.table);
    return decoded->table;
}

TEST(TableClaims, TheHandlersRecordsOfARealTableAreAccepted)
{
    const Blob blob = filter_with_user_chain().build();
    const TableRecord records = honest_records(blob);
    auto accepted = accept_table(blob, records);
    ASSERT_TRUE(accepted) << accepted.error().message;
    EXPECT_EQ(accepted->name, "filter");
    EXPECT_EQ(accepted->entries.size(), blob.size() - header_size);
    EXPECT_EQ(0, std::memcmp(accepted->entries.data(), blob.data() + header_size, accepted->entries.size()));
    ASSERT_EQ(accepted->layout.entries.size(), 8u);
}

TEST(TableClaims, EachLieOfAHandlerIsRefused)
{
    const Blob blob = filter_with_user_chain().build();
    const TableRecord honest = honest_records(blob);
    struct Lie {
        const char* what;
        void (*tell)(TableRecord&);
    };
    const Lie lies[] = {
        {"size", [](TableRecord& t) { t.size -= 8; }},
        {"valid hooks", [](TableRecord& t) { t.valid_hooks |= 1; }},
        {"num_counters", [](TableRecord& t) { t.num_counters += 1; }},
        {"hook entry", [](TableRecord& t) { t.hook_entry[NF_INET_LOCAL_IN] = 8; }},
        {"underflow", [](TableRecord& t) { t.underflow[NF_INET_FORWARD] += 1; }},
        {"an entry dropped", [](TableRecord& t) { t.entries.pop_back(); }},
        {"an entry's offset", [](TableRecord& t) { t.entries[2].offset += 8; }},
        {"a next_offset", [](TableRecord& t) { t.entries[1].next_offset += 8; }},
        {"a target_offset", [](TableRecord& t) { t.entries[1].target_offset += 8; }},
        {"a verdict", [](TableRecord& t) { t.entries[1].verdict = -NF_DROP - 1; }},
        {"a jump made to land mid-entry", [](TableRecord& t) { t.entries[0].verdict += 4; }},
        {"a standard target called ERROR", [](TableRecord& t) { t.entries[1].target = TargetKind::error; t.entries[1].verdict = 0; }},
        {"an ERROR target called standard", [](TableRecord& t) { t.entries[4].target = TargetKind::standard; }},
        {"an ERROR target called an extension", [](TableRecord& t) { t.entries[4].target = TargetKind::extension; }},
        {"a hook mask beyond the table's hooks", [](TableRecord& t) { t.entries[5].hook_mask |= 1u << NF_INET_PRE_ROUTING; }},
    };
    for (const Lie& l : lies) {
        TableRecord told = honest;
        l.tell(told);
        EXPECT_FALSE(accept_table(blob, told)) << "the lie about " << l.what << " was believed";
    }
    EXPECT_TRUE(accept_table(blob, honest));
}

TEST(TableClaims, TheReplyIsDecodedWithinTheRequestsBounds)
{
    const Blob blob = empty_filter().build();
    const TableRecord records = honest_records(blob);
    CheckReply reply;
    reply.accepted = true;
    reply.table = records;
    Bytes wire = encode_check_reply(reply);
    // Every truncation is refused.
    for (std::size_t n = 0; n < wire.size(); ++n) EXPECT_FALSE(decode_check_reply(ByteView(wire.data(), n), blob.size())) << n;
    // More entries than the request could hold: refused before anything is allocated for them.
    reply.table.entries.assign(blob.size() / Limits::min_entry + 1, records.entries[0]);
    EXPECT_FALSE(decode_check_reply(encode_check_reply(reply), blob.size()));
    // Trailing bytes, an unknown tag, an unknown target kind.
    wire.push_back(0);
    EXPECT_FALSE(decode_check_reply(wire, blob.size()));
    wire.pop_back();
    wire[0] = 7;
    EXPECT_FALSE(decode_check_reply(wire, blob.size()));
    wire[0] = 1;
    // The first record's target kind: after the tag, 3 + 2 * 5 header words and the count,
    // then the record's offset, target_offset, next_offset and hook mask.
    wire[1 + 4 * 13 + 4 + 4 + 2 + 2 + 4] = 9;
    EXPECT_FALSE(decode_check_reply(wire, blob.size()));
}

TEST(TableClaims, ARefusalCarriesOnlyTheKernelsErrnosAndPrintableText)
{
    CheckReply refused;
    refused.error = ELOOP;
    refused.reason = "a chain loops";
    auto ok = decode_check_reply(encode_check_reply(refused), 100);
    ASSERT_TRUE(ok);
    EXPECT_FALSE(ok->accepted);
    EXPECT_EQ(ok->error, ELOOP);
    EXPECT_EQ(ok->reason, "a chain loops");
    refused.error = EPERM;   // not an answer of the checks: a handler must not say "permission denied"
    EXPECT_FALSE(decode_check_reply(encode_check_reply(refused), 100));
    refused.error = EINVAL;
    refused.reason = "match 'a\nb' is not supported";   // a name from the blob: escaped by the encoder
    auto escaped = decode_check_reply(encode_check_reply(refused), 100);
    ASSERT_TRUE(escaped);
    EXPECT_EQ(escaped->reason, "match 'a\\x0ab' is not supported");
    // A handler that sends raw control bytes anyway is refused.
    Bytes raw = encode_check_reply(refused);
    raw[raw.size() - 20] = '\n';
    EXPECT_FALSE(decode_check_reply(raw, 100));
}

}  // namespace
}  // namespace umd::bpfilter::test
