// apps/umdd/protocol/bpfilter_messages.cpp — the bpfilter operation's messages (both
// sides). The daemon decodes the requests (a client's bytes, not trusted); the client
// (the preload library) decodes the replies.
#include <cerrno>

#include "apps/umdd/protocol/fields.h"

namespace umd::daemon {

using namespace fields;

namespace {
/// The largest option value: a table the bpfilter driver takes, with its header.
constexpr std::uint32_t max_value = (32u << 20) + 4096;
}  // namespace

Bytes encode_fields(const BpfilterRequest& r)
{
    ByteWriter out;
    out.u8(static_cast<std::uint8_t>(r.option));
    out.u32(r.value_size);
    return std::move(out).take();
}

Result<BpfilterRequest> decode_bpfilter(ByteReader& in)
{
    BpfilterRequest r;
    const std::uint8_t option = UMD_TRY(in.u8());
    if (option < 1 || option > static_cast<std::uint8_t>(BpfilterOption::get_revision_target))
        return fail(Errc::bad_input, "bpfilter: unknown socket option {}", option);
    r.option = static_cast<BpfilterOption>(option);
    r.value_size = UMD_TRY(in.u32());
    if (r.value_size > max_value) return fail(Errc::bad_input, "bpfilter: an option value of {} bytes (at most {})", r.value_size, max_value);
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const BpfilterReply& r)
{
    ByteWriter out;
    out.u32(static_cast<std::uint32_t>(r.result));
    out.u32(r.out_size);
    put_string(out, r.reason);
    return std::move(out).take();
}

Result<BpfilterReply> decode_bpfilter_reply(ByteReader& in)
{
    BpfilterReply r;
    r.result = static_cast<std::int32_t>(UMD_TRY(in.u32()));
    r.out_size = UMD_TRY(in.u32());
    r.reason = UMD_TRY(get_string(in));
    UMD_TRY(in.expect_end());
    if (r.result < -4095) return fail(Errc::protocol, "umdd reply: bpfilter result {} is no errno", r.result);
    if (r.out_size > max_value) return fail(Errc::protocol, "umdd reply: bpfilter answer of {} bytes", r.out_size);
    return r;
}

}  // namespace umd::daemon
