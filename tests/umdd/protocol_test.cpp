// tests/umdd/protocol_test.cpp — umdd's messages: round trips, and every truncation and
// every bound refused with an error (the daemon decodes what any local user sends).
#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <cstdint>

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

/// Decodes `fields` with `decode`, and every truncation of them must be refused.
template <class Decode>
auto round_trip(const Bytes& fields, Decode decode)
{
    for (std::size_t n = 0; n < fields.size(); ++n) {
        ByteReader cut(ByteView(fields).first(n), "test");
        EXPECT_FALSE(decode(cut)) << "truncated at " << n;
    }
    ByteReader in(fields, "test");
    return decode(in);
}

TEST(UmddProtocol, TrustRequestsRoundTripAndKeepTheirBounds)
{
    TrustAddRequest add{2, true, {"k1", "k2", "a.rpm", "b.rpm"}};
    auto a = round_trip(encode_fields(add), [](ByteReader& in) { return decode_trust_add(in); });
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->keyrings, 2u);
    EXPECT_TRUE(a->allow_weak_digests);
    EXPECT_EQ(a->names, add.names);

    // No package, or more than a reply can answer for: refused before anything is read.
    for (std::size_t packages : {std::size_t{0}, max_trust_add + 1}) {
        TrustAddRequest bad{1, false, {"k"}};
        for (std::size_t i = 0; i < packages; ++i) bad.names.push_back("p.rpm");
        Bytes fields = encode_fields(bad);
        ByteReader in(fields, "test");
        auto refused = decode_trust_add(in);
        ASSERT_FALSE(refused) << packages << " packages";
        EXPECT_EQ(refused.error().code, Errc::bad_input);
    }

    // A NEVRA is a key: its bytes cross as they are (not made printable).
    TrustRemoveRequest remove{"odd\nname-1-1.noarch"};
    auto r = round_trip(encode_fields(remove), [](ByteReader& in) { return decode_trust_remove(in); });
    ASSERT_TRUE(r);
    EXPECT_EQ(r->nevra, remove.nevra);

    TrustCheckRequest check{false, {"a", "b"}};
    auto c = round_trip(encode_fields(check), [](ByteReader& in) { return decode_trust_check(in); });
    ASSERT_TRUE(c);
    EXPECT_EQ(c->names, check.names);
    TrustCheckRequest too_many{false, std::vector<std::string>(max_trust_check + 1, "f")};
    Bytes fields = encode_fields(too_many);
    ByteReader in(fields, "test");
    EXPECT_FALSE(decode_trust_check(in));

    auto show = round_trip(encode_fields(ShowRequest{"InRelease"}), [](ByteReader& in) { return decode_show(in); });
    ASSERT_TRUE(show);
    EXPECT_EQ(show->name, "InRelease");
}

TEST(UmddProtocol, TrustRepliesRoundTripAndALyingAnswerIsAProtocolError)
{
    TrustAddReply add;
    add.packages.push_back(std::string("a-1-1.noarch"));
    add.packages.push_back(std::unexpected(Error{Errc::rejected, "b.rpm: not signed"}));
    auto a = round_trip(encode_fields(add), [](ByteReader& in) { return decode_trust_add_reply(in); });
    ASSERT_TRUE(a);
    ASSERT_EQ(a->packages.size(), 2u);
    EXPECT_EQ(*a->packages[0], "a-1-1.noarch");
    EXPECT_EQ(a->packages[1].error().code, Errc::rejected);
    EXPECT_EQ(a->packages[1].error().message, "b.rpm: not signed");

    TrustCheckReply check;
    check.files.push_back(TrustCheckAnswer{"sha256:00", 2, "a-1-1.noarch", "/usr/bin/a"});
    check.files.push_back(TrustCheckAnswer{"sha256:11", 0, "", ""});
    check.files.push_back(std::unexpected(Error{Errc::io, "f: not a regular file"}));
    auto c = round_trip(encode_fields(check), [](ByteReader& in) { return decode_trust_check_reply(in); });
    ASSERT_TRUE(c);
    ASSERT_EQ(c->files.size(), 3u);
    EXPECT_EQ(c->files[0]->nevra, "a-1-1.noarch");
    EXPECT_EQ(c->files[1]->vouchers, 0u);
    EXPECT_EQ(c->files[2].error().code, Errc::io);

    // "Not trusted" naming a voucher, or "trusted" naming none: the daemon contradicts itself.
    for (const auto& lie : {TrustCheckAnswer{"sha256:00", 0, "a-1-1.noarch", "/a"}, TrustCheckAnswer{"sha256:00", 1, "", ""}}) {
        TrustCheckReply lying;
        lying.files.push_back(lie);
        Bytes fields = encode_fields(lying);
        ByteReader in(fields, "test");
        auto refused = decode_trust_check_reply(in);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, Errc::protocol);
    }

    // An error kind this client does not know is the daemon breaking the protocol.
    Bytes unknown = encode_fields(add);
    unknown[4 + 1 + 4 + std::string("a-1-1.noarch").size() + 1] = 0xEE;   // the second verdict's error kind
    ByteReader uin(unknown, "test");
    auto u = decode_trust_add_reply(uin);
    ASSERT_FALSE(u);
    EXPECT_EQ(u.error().code, Errc::protocol);

    auto doc = round_trip(encode_fields(DocumentReply{12345}), [](ByteReader& in) { return decode_document_reply(in); });
    ASSERT_TRUE(doc);
    EXPECT_EQ(doc->size, 12345u);

    StatusReply status;
    status.trust_db = "/var/lib/umd/trust.mdb";
    status.trust_db_error = "";
    auto st = round_trip(encode_fields(status), [](ByteReader& in) { return decode_status(in); });
    ASSERT_TRUE(st);
    EXPECT_EQ(st->trust_db, status.trust_db);
}

TEST(UmddProtocol, GuardMessagesRoundTripAndAnAnswerThatContradictsItselfIsRefused)
{
    auto mode = round_trip(encode_fields(GuardModeRequest{true}), [](ByteReader& in) { return decode_guard_mode(in); });
    ASSERT_TRUE(mode);
    EXPECT_TRUE(mode->permissive);
    auto check = round_trip(encode_fields(GuardCheckRequest{"/usr/bin/x"}), [](ByteReader& in) { return decode_guard_check(in); });
    ASSERT_TRUE(check);
    EXPECT_EQ(check->name, "/usr/bin/x");

    GuardCheckReply reply{true, false, true, true, true, "trusted", "sha256:00", "x-1-1.x86_64", "/usr/bin/x"};
    auto back = round_trip(encode_fields(reply), [](ByteReader& in) { return decode_guard_check_reply(in); });
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_TRUE(back->exec_allowed);
    EXPECT_EQ(back->nevra, "x-1-1.x86_64");

    // A run allowed whose open is denied, or allowed for any reason but trust: lies.
    for (auto lie : {GuardCheckReply{true, false, true, true, false, "trusted", "", "", ""},
                     GuardCheckReply{true, false, false, true, true, "not_elf", "", "", ""}}) {
        Bytes fields = encode_fields(lie);
        ByteReader in(fields, "test");
        auto refused = decode_guard_check_reply(in);
        ASSERT_FALSE(refused);
        EXPECT_EQ(refused.error().code, Errc::protocol);
    }
}

TEST(UmddProtocol, BpfilterMessagesRoundTripAndRefuseWhatNoSocketOptionIs)
{
    for (auto option : {BpfilterOption::set_replace, BpfilterOption::set_add_counters, BpfilterOption::get_info,
                        BpfilterOption::get_entries, BpfilterOption::get_revision_match, BpfilterOption::get_revision_target}) {
        auto back = round_trip(encode_fields(BpfilterRequest{option, 1234}), [](ByteReader& in) { return decode_bpfilter(in); });
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_EQ(back->option, option);
        EXPECT_EQ(back->value_size, 1234u);
    }
    const auto refused = [](const Bytes& fields) {
        ByteReader in(fields, "test");
        auto r = decode_bpfilter(in);
        return r ? Errc::internal : r.error().code;
    };
    // An option kind no socket option is: refused before anything is read.
    for (std::uint8_t kind : {0, 7, 0x80, 0xFF}) {
        Bytes fields = encode_fields(BpfilterRequest{BpfilterOption::get_info, 16});
        fields[0] = kind;
        EXPECT_EQ(refused(fields), Errc::bad_input) << "option kind " << int(kind);
    }
    // An option value larger than the largest table the driver takes (32 MiB and a header).
    EXPECT_TRUE(round_trip(encode_fields(BpfilterRequest{BpfilterOption::set_replace, (32u << 20) + 4096}),
                           [](ByteReader& in) { return decode_bpfilter(in); }));
    EXPECT_EQ(refused(encode_fields(BpfilterRequest{BpfilterOption::set_replace, (32u << 20) + 4097})), Errc::bad_input);
    EXPECT_EQ(refused(encode_fields(BpfilterRequest{BpfilterOption::set_replace, 0xFFFFFFFF})), Errc::bad_input);
    // A byte more than the request's fields.
    Bytes longer = encode_fields(BpfilterRequest{BpfilterOption::get_entries, 40});
    longer.push_back(0);
    EXPECT_EQ(refused(longer), Errc::bad_input);

    BpfilterReply reply{-EINVAL, 0, "entry 3: next_offset 0"};
    auto r = round_trip(encode_fields(reply), [](ByteReader& in) { return decode_bpfilter_reply(in); });
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->result, -EINVAL);
    EXPECT_EQ(r->reason, reply.reason);
    auto revision = round_trip(encode_fields(BpfilterReply{3, 0, {}}), [](ByteReader& in) { return decode_bpfilter_reply(in); });
    ASSERT_TRUE(revision);
    EXPECT_EQ(revision->result, 3);

    // A umdd answering what no socket option returns: a protocol error, not the caller's errno.
    for (const BpfilterReply& lie : {BpfilterReply{-4096, 0, {}}, BpfilterReply{INT32_MIN, 0, {}}, BpfilterReply{0, (32u << 20) + 4097, {}}}) {
        Bytes fields = encode_fields(lie);
        ByteReader in(fields, "test");
        auto bad = decode_bpfilter_reply(in);
        ASSERT_FALSE(bad) << lie.result << " " << lie.out_size;
        EXPECT_EQ(bad.error().code, Errc::protocol);
    }
    Bytes trailing = encode_fields(reply);
    trailing.push_back(0);
    ByteReader tin(trailing, "test");
    EXPECT_FALSE(decode_bpfilter_reply(tin));
}

}  // namespace
}  // namespace umd::daemon
