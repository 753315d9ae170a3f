// tests/umdd/protocol_test.cpp — umdd's messages: round trips, and every truncation and
// every bound refused with an error (the daemon decodes what any local user sends).
#include <gtest/gtest.h>

#include "apps/umdd/protocol/protocol.h"

namespace umd::daemon {
namespace {

PgpVerifyRequest sample_request()
{
    PgpVerifyRequest r;
    r.keyrings = 2;
    r.detached = true;
    r.signatures = 2;
    r.not_before = 1000;
    r.keep_content = false;
    r.names = {"k1", "k2", "sig", "data"};
    return r;
}

TEST(UmddProtocol, RequestsRoundTrip)
{
    Bytes message = encode_request({Operation::pgp_verify, 42}, encode_fields(sample_request()));
    auto decoded = decode_request(message);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->first.operation, Operation::pgp_verify);
    EXPECT_EQ(decoded->first.id, 42u);
    auto r = decode_pgp_verify(decoded->second);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->keyrings, 2u);
    EXPECT_TRUE(r->detached);
    EXPECT_EQ(r->signatures, 2u);
    EXPECT_EQ(r->not_before, 1000);
    EXPECT_FALSE(r->not_after);
    EXPECT_EQ(r->names, sample_request().names);
    EXPECT_EQ(r->fd_count(), 4u);
}

TEST(UmddProtocol, EveryTruncatedRequestIsRefused)
{
    Bytes message = encode_request({Operation::pgp_verify, 1}, encode_fields(sample_request()));
    for (std::size_t n = 0; n < message.size(); ++n) {
        auto decoded = decode_request(ByteView(message).first(n));
        if (!decoded) continue;
        EXPECT_FALSE(decode_pgp_verify(decoded->second)) << "truncated at " << n;
    }
}

TEST(UmddProtocol, BoundsAreCheckedBeforeAnythingIsKept)
{
    PgpVerifyRequest r = sample_request();
    r.names.pop_back();   // a name missing for a descriptor
    Bytes fields = encode_fields(r);
    ByteReader in(fields, "test");
    auto bad = decode_pgp_verify(in);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::bad_input);

    ByteWriter many;
    many.u32(1u << 30);   // a keyring count no request can carry
    ByteReader huge(many.data(), "test");
    EXPECT_FALSE(decode_pgp_verify(huge));

    Bytes flag = encode_fields(sample_request());
    flag[4] = 7;   // the detached flag is 0 or 1
    ByteReader odd(flag, "test");
    EXPECT_FALSE(decode_pgp_verify(odd));

    EXPECT_FALSE(decode_request(Bytes(max_message + 1, 0)));
}

TEST(UmddProtocol, RepliesRoundTripAndCarryTheDaemonsError)
{
    PgpVerifyReply reply;
    reply.valid = true;
    reply.good_signers = {"AA", "BB"};
    reply.bad = {{"CC", "expired"}};
    reply.content_size = 5;
    Bytes message = encode_reply_ok(9, encode_fields(reply));   // the decoded fields point into it
    auto decoded = decode_reply(message);
    ASSERT_TRUE(decoded && decoded->fields);
    ByteReader in(*decoded->fields, "test");
    auto back = decode_pgp_verify_reply(in);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->good_signers, reply.good_signers);
    EXPECT_EQ(back->bad[0].reason, "expired");

    Bytes refusal = encode_reply_error(9, Error{Errc::not_permitted, "no\x1b[31m"});
    auto error = decode_reply(refusal);
    ASSERT_TRUE(error);
    ASSERT_FALSE(error->fields);
    EXPECT_EQ(error->fields.error().code, Errc::not_permitted);
    EXPECT_EQ(error->fields.error().message.find('\x1b'), std::string::npos) << "control characters are made visible";

    Bytes unknown_kind = encode_reply_error(9, Error{Errc::internal, "x"});
    unknown_kind[11] = 200;
    EXPECT_FALSE(decode_reply(unknown_kind));
}

TEST(UmddProtocol, RpmRequestsRepliesAndDigestListsRoundTripAndRefuseTruncation)
{
    RpmVerifyRequest r;
    r.keyrings = 2;
    r.digests = true;
    r.names = {"k1", "k2", "p.rpm"};
    Bytes fields = encode_fields(r);
    ByteReader in(fields, "test");
    auto back = decode_rpm_verify(in);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_TRUE(back->digests);
    EXPECT_EQ(back->names, r.names);
    for (std::size_t n = 0; n < fields.size(); ++n) {
        ByteReader cut(ByteView(fields).first(n), "test");
        EXPECT_FALSE(decode_rpm_verify(cut)) << "truncated at " << n;
    }

    RpmVerifyReply reply;
    reply.verified = RpmVerified{"a-1-1.x86_64", "ABCD", 8, 42};
    Bytes message = encode_reply_ok(3, encode_fields(reply));
    auto decoded = decode_reply(message);
    ASSERT_TRUE(decoded && decoded->fields);
    ByteReader rin(*decoded->fields, "test");
    auto v = decode_rpm_verify_reply(rin);
    ASSERT_TRUE(v && v->verified);
    EXPECT_EQ(v->verified->nevra, "a-1-1.x86_64");
    EXPECT_EQ(v->verified->list_size, 42u);

    Bytes list = encode_rpm_digest_list({{"aa", "/usr/bin/a"}, {"bb", "/usr/bin/b\nsecond line"}});
    auto files = decode_rpm_digest_list(list);
    ASSERT_TRUE(files);
    ASSERT_EQ(files->size(), 2u);
    EXPECT_EQ((*files)[1].path, "/usr/bin/b\nsecond line");   // printed through printable_text by the CLI
    const std::size_t first_entry = 4 + 2 + 4 + std::string("/usr/bin/a").size();
    for (std::size_t n = 1; n < list.size(); ++n) {
        auto partial = decode_rpm_digest_list(ByteView(list).first(n));
        if (n == first_entry) {
            ASSERT_TRUE(partial);
            EXPECT_EQ(partial->size(), 1u);
        } else {
            EXPECT_FALSE(partial) << "truncated at " << n;
        }
    }
}

}  // namespace
}  // namespace umd::daemon
