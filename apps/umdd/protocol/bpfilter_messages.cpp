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


namespace {
constexpr std::size_t max_iface = 15;     // IFNAMSIZ - 1
constexpr std::size_t max_chain = 29;     // XT_FUNCTION_MAXNAMELEN - 1
constexpr std::size_t max_rule = 4096;
}  // namespace

Bytes encode_fields(const BpfilterEvalRequest& r)
{
    ByteWriter out;
    out.u8(r.hook);
    out.u8(r.proto);
    out.u32(r.src);
    out.u32(r.dst);
    out.u16(r.sport);
    out.u16(r.dport);
    out.u8(r.icmp_type);
    out.u8(r.icmp_code);
    out.u8(r.tcp_flags);
    put_string(out, r.in);
    put_string(out, r.out);
    out.u8(r.state);
    out.u32(r.mark);
    return std::move(out).take();
}

Result<BpfilterEvalRequest> decode_bpfilter_eval(ByteReader& in)
{
    BpfilterEvalRequest r;
    r.hook = UMD_TRY(in.u8());
    if (r.hook < 1 || r.hook > 3) return fail(Errc::bad_input, "bpfilter eval: hook {} is not INPUT, FORWARD or OUTPUT", r.hook);
    r.proto = UMD_TRY(in.u8());
    r.src = UMD_TRY(in.u32());
    r.dst = UMD_TRY(in.u32());
    r.sport = UMD_TRY(in.u16());
    r.dport = UMD_TRY(in.u16());
    r.icmp_type = UMD_TRY(in.u8());
    r.icmp_code = UMD_TRY(in.u8());
    r.tcp_flags = UMD_TRY(in.u8());
    r.in = UMD_TRY(get_string(in));
    r.out = UMD_TRY(get_string(in));
    if (r.in.size() > max_iface || r.out.size() > max_iface || r.in.find('\0') != std::string::npos || r.out.find('\0') != std::string::npos)
        return fail(Errc::bad_input, "bpfilter eval: an interface name longer than {} bytes or holding a NUL", max_iface);
    r.state = UMD_TRY(in.u8());
    if (r.state > 4) return fail(Errc::bad_input, "bpfilter eval: unknown connection state {}", r.state);
    r.mark = UMD_TRY(in.u32());
    UMD_TRY(in.expect_end());
    return r;
}

Bytes encode_fields(const BpfilterEvalReply& r)
{
    ByteWriter out;
    out.u8(r.verdict);
    put_string(out, r.chain);
    out.u32(r.number);
    out.u8(r.chain_end ? 1 : 0);
    out.u32(r.entry);
    out.u32(r.reject_with);
    out.u32(r.mark);
    out.u32(r.steps);
    put_string(out, r.rule);
    return std::move(out).take();
}

Result<BpfilterEvalReply> decode_bpfilter_eval_reply(ByteReader& in)
{
    BpfilterEvalReply r;
    r.verdict = UMD_TRY(in.u8());
    if (r.verdict > 3) return fail(Errc::protocol, "umdd reply: bpfilter eval verdict {}", r.verdict);
    r.chain = UMD_TRY(get_string(in));
    r.number = UMD_TRY(in.u32());
    const std::uint8_t end = UMD_TRY(in.u8());
    if (end > 1) return fail(Errc::protocol, "umdd reply: bpfilter eval chain_end {}", end);
    r.chain_end = end == 1;
    r.entry = UMD_TRY(in.u32());
    r.reject_with = UMD_TRY(in.u32());
    r.mark = UMD_TRY(in.u32());
    r.steps = UMD_TRY(in.u32());
    r.rule = UMD_TRY(get_string(in));
    UMD_TRY(in.expect_end());
    if (r.chain.size() > max_chain || r.rule.size() > max_rule) return fail(Errc::protocol, "umdd reply: bpfilter eval names too long");
    return r;
}

}  // namespace umd::daemon
