// apps/umdd/protocol/guard_messages.cpp — the exec guard's messages (both sides).
// The daemon decodes the requests (a client's bytes, not trusted); the client decodes
// the replies (believed only from a daemon whose credentials it checked).
#include "apps/umdd/protocol/fields.h"

namespace umd::daemon {

using namespace fields;

Bytes encode_fields(const GuardModeRequest& r)
{
    ByteWriter out;
    out.u8(r.permissive ? 1 : 0);
    return std::move(out).take();
}

Result<GuardModeRequest> decode_guard_mode(ByteReader& in)
{
    GuardModeRequest r;
    r.permissive = UMD_TRY(get_flag(in));
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const GuardCheckRequest& r)
{
    ByteWriter out;
    put_string(out, r.name);
    return std::move(out).take();
}

Result<GuardCheckRequest> decode_guard_check(ByteReader& in)
{
    GuardCheckRequest r;
    r.name = UMD_TRY(get_string(in));
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const GuardCheckReply& r)
{
    ByteWriter out;
    for (bool flag : {r.guarded, r.permissive, r.elf, r.exec_allowed, r.open_allowed}) out.u8(flag ? 1 : 0);
    for (const std::string* s : {&r.reason, &r.digest, &r.nevra, &r.path}) put_string(out, *s);
    return std::move(out).take();
}

Result<GuardCheckReply> decode_guard_check_reply(ByteReader& in)
{
    GuardCheckReply r;
    for (bool* flag : {&r.guarded, &r.permissive, &r.elf, &r.exec_allowed, &r.open_allowed}) *flag = UMD_TRY(get_flag(in));
    for (std::string* s : {&r.reason, &r.digest, &r.nevra, &r.path}) *s = UMD_TRY(get_string(in));
    UMD_TRY(in.expect_end());
    // An exec allowed is an open allowed; a file allowed to run names what vouched for it.
    if (r.exec_allowed && !r.open_allowed) return fail(Errc::protocol, "umdd reply: exec allowed but open denied");
    if (r.exec_allowed && r.reason != "trusted") return fail(Errc::protocol, "umdd reply: exec allowed for \"{}\"", r.reason);
    return r;
}

}  // namespace umd::daemon
