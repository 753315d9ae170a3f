// drivers/bpfilter/protocol.cpp — see protocol.h. Shared by both sides.
#include "drivers/bpfilter/protocol.h"

#include <cerrno>

#include <fmt/format.h>

namespace umd::bpfilter {
namespace {

enum : std::uint8_t { refused_tag = 0, accepted_tag = 1 };

/// The reason as printable ASCII (names from the blob may hold any byte), at most max_reason.
std::string printable_reason(std::string_view reason)
{
    std::string out;
    for (unsigned char c : reason) {
        if (c >= 0x20 && c <= 0x7e && c != '\\') out.push_back(static_cast<char>(c));
        else out += fmt::format("\\x{:02x}", c);
        if (out.size() >= Limits::max_reason) break;
    }
    if (out.size() > Limits::max_reason) out.resize(Limits::max_reason);
    return out;
}

}  // namespace

bool is_refusal_errno(std::int32_t error)
{
    switch (error) {
    case EINVAL: case ENOMEM: case ELOOP: case ENOENT: case ERANGE: case EIO: case EPROTOTYPE: return true;
    default: return false;
    }
}

Bytes encode_check_reply(const CheckReply& reply)
{
    ByteWriter out;
    if (!reply.accepted) {
        out.u8(refused_tag);
        out.u32(static_cast<std::uint32_t>(reply.error));
        const std::string reason = printable_reason(reply.reason);
        out.blob(ByteView(reinterpret_cast<const std::uint8_t*>(reason.data()), reason.size()));
        return std::move(out).take();
    }
    const TableRecord& t = reply.table;
    out.u8(accepted_tag);
    out.u32(t.valid_hooks);
    out.u32(t.size);
    out.u32(t.num_counters);
    for (unsigned h = 0; h < hook_count; ++h) out.u32(t.hook_entry[h]);
    for (unsigned h = 0; h < hook_count; ++h) out.u32(t.underflow[h]);
    out.u32(static_cast<std::uint32_t>(t.entries.size()));
    for (const EntryRecord& e : t.entries) {
        out.u32(e.offset);
        out.u16(e.target_offset);
        out.u16(e.next_offset);
        out.u32(e.hook_mask);
        out.u8(static_cast<std::uint8_t>(e.target));
        out.u32(static_cast<std::uint32_t>(e.verdict));
    }
    return std::move(out).take();
}

Result<CheckReply> decode_check_reply(ByteView reply, std::size_t request_size)
{
    ByteReader in(reply, "bpfilter check reply");
    CheckReply out;
    const std::uint8_t tag = UMD_TRY(in.u8());
    if (tag == refused_tag) {
        out.error = static_cast<std::int32_t>(UMD_TRY(in.u32()));
        if (!is_refusal_errno(out.error)) return fail(Errc::bad_input, "bpfilter check reply: errno {} is not one the kernel's checks give", out.error);
        const ByteView reason = UMD_TRY(in.blob(Limits::max_reason));
        for (std::uint8_t c : reason)
            if (c < 0x20 || c > 0x7e) return fail(Errc::bad_input, "bpfilter check reply: the reason is not printable ASCII");
        out.reason.assign(reason.begin(), reason.end());
        UMD_TRY(in.expect_end());
        return out;
    }
    if (tag != accepted_tag) return fail(Errc::bad_input, "bpfilter check reply: unknown tag {}", tag);
    out.accepted = true;
    TableRecord& t = out.table;
    t.valid_hooks = UMD_TRY(in.u32());
    t.size = UMD_TRY(in.u32());
    t.num_counters = UMD_TRY(in.u32());
    for (unsigned h = 0; h < hook_count; ++h) t.hook_entry[h] = UMD_TRY(in.u32());
    for (unsigned h = 0; h < hook_count; ++h) t.underflow[h] = UMD_TRY(in.u32());
    const std::uint32_t count = UMD_TRY(in.u32());
    // Each entry takes at least min_entry bytes of the request: a bound the reply cannot move.
    const std::size_t most = request_size / Limits::min_entry;
    if (count > most) return fail(Errc::bad_input, "bpfilter check reply: {} entries in a request of {} bytes", count, request_size);
    if (in.remaining() != std::size_t{count} * Limits::entry_record)
        return fail(Errc::bad_input, "bpfilter check reply: {} bytes for {} entry records", in.remaining(), count);
    t.entries.resize(count);
    for (EntryRecord& e : t.entries) {
        e.offset = UMD_TRY(in.u32());
        e.target_offset = UMD_TRY(in.u16());
        e.next_offset = UMD_TRY(in.u16());
        e.hook_mask = UMD_TRY(in.u32());
        const std::uint8_t kind = UMD_TRY(in.u8());
        if (kind > static_cast<std::uint8_t>(TargetKind::extension)) return fail(Errc::bad_input, "bpfilter check reply: unknown target kind {}", kind);
        e.target = static_cast<TargetKind>(kind);
        e.verdict = static_cast<std::int32_t>(UMD_TRY(in.u32()));
    }
    UMD_TRY(in.expect_end());
    return out;
}

}  // namespace umd::bpfilter
