// drivers/bpfilter/protocol.cpp — see protocol.h. Shared by both sides.
#include "drivers/bpfilter/protocol.h"

#include <algorithm>
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


/// Bytes of the rule part of one entry record without its matches, and of one match record.
constexpr std::size_t ip_wire = 4 * 4 + 4 * 16 + 2 + 1 + 1;
constexpr std::size_t target_wire = 1 + 4 + 4 + 1 + 1 + 4 + 4;   // the chain name's bytes come on top
constexpr std::size_t match_wire = 2 + 1 + 1 + 8 + 3 + 1 + 1 + 2 + 1 + 1 + 30 + 15 + 1 + 16 + 8 + 2 + 4 + 8;
constexpr std::size_t min_entry_wire = Limits::entry_record + ip_wire + target_wire + 2;

template <std::size_t N>
void put_array(ByteWriter& out, const std::array<std::uint8_t, N>& a) { out.bytes(ByteView(a.data(), a.size())); }

template <std::size_t N>
Status get_array(ByteReader& in, std::array<std::uint8_t, N>& a)
{
    const ByteView v = UMD_TRY(in.bytes(N));
    std::copy(v.begin(), v.end(), a.begin());
    return {};
}

void encode_match(ByteWriter& out, const MatchRecord& m)
{
    out.u16(m.offset);
    out.u8(static_cast<std::uint8_t>(m.kind));
    out.u8(m.revision);
    for (auto p : m.sports) out.u16(p);
    for (auto p : m.dports) out.u16(p);
    out.u8(m.tcp_option);
    out.u8(m.tcp_flag_mask);
    out.u8(m.tcp_flag_cmp);
    out.u8(m.invflags);
    out.u8(m.icmp_type);
    put_array(out, m.icmp_code);
    out.u8(m.multiport_flags);
    out.u8(m.multiport_count);
    for (auto p : m.multiport_ports) out.u16(p);
    put_array(out, m.multiport_pflags);
    out.u8(m.iprange_flags);
    for (auto a : {m.src_min, m.src_max, m.dst_min, m.dst_max}) out.u32(a);
    out.u32(m.mark);
    out.u32(m.mark_mask);
    out.u16(m.state_mask);
    out.u16(m.ct_match_flags);
    out.u16(m.ct_invert_flags);
    out.u32(m.limit_avg);
    out.u32(m.limit_burst);
}

Result<MatchRecord> decode_match(ByteReader& in)
{
    MatchRecord m;
    m.offset = UMD_TRY(in.u16());
    const std::uint8_t kind = UMD_TRY(in.u8());
    if (kind < 1 || kind > last_match_kind) return fail(Errc::bad_input, "bpfilter check reply: unknown match kind {}", kind);
    m.kind = static_cast<MatchKind>(kind);
    m.revision = UMD_TRY(in.u8());
    for (auto& p : m.sports) p = UMD_TRY(in.u16());
    for (auto& p : m.dports) p = UMD_TRY(in.u16());
    m.tcp_option = UMD_TRY(in.u8());
    m.tcp_flag_mask = UMD_TRY(in.u8());
    m.tcp_flag_cmp = UMD_TRY(in.u8());
    m.invflags = UMD_TRY(in.u8());
    m.icmp_type = UMD_TRY(in.u8());
    UMD_TRY(get_array(in, m.icmp_code));
    m.multiport_flags = UMD_TRY(in.u8());
    m.multiport_count = UMD_TRY(in.u8());
    for (auto& p : m.multiport_ports) p = UMD_TRY(in.u16());
    UMD_TRY(get_array(in, m.multiport_pflags));
    m.iprange_flags = UMD_TRY(in.u8());
    for (auto* a : {&m.src_min, &m.src_max, &m.dst_min, &m.dst_max}) *a = UMD_TRY(in.u32());
    m.mark = UMD_TRY(in.u32());
    m.mark_mask = UMD_TRY(in.u32());
    m.state_mask = UMD_TRY(in.u16());
    m.ct_match_flags = UMD_TRY(in.u16());
    m.ct_invert_flags = UMD_TRY(in.u16());
    m.limit_avg = UMD_TRY(in.u32());
    m.limit_burst = UMD_TRY(in.u32());
    return m;
}

/// The rule part of an entry record: its ipt_ip, its target's data, its matches.
void encode_rule(ByteWriter& out, const EntryRecord& e)
{
    const IpRecord& ip = e.ip;
    for (auto a : {ip.src, ip.dst, ip.src_mask, ip.dst_mask}) out.u32(a);
    for (const auto* n : {&ip.in_iface, &ip.in_mask, &ip.out_iface, &ip.out_mask}) put_array(out, *n);
    out.u16(ip.proto);
    out.u8(ip.flags);
    out.u8(ip.invflags);
    const TargetData& t = e.target_data;
    out.u8(static_cast<std::uint8_t>(t.extension));
    out.blob(ByteView(reinterpret_cast<const std::uint8_t*>(t.chain.data()), t.chain.size()));
    out.u32(t.reject_with);
    out.u8(t.log_level);
    out.u8(t.log_flags);
    out.u32(t.mark);
    out.u32(t.mark_mask);
    out.u16(static_cast<std::uint16_t>(e.matches.size()));
    for (const MatchRecord& m : e.matches) encode_match(out, m);
}

/// Decodes the rule part; `matches_left` bounds the matches of all entries together.
Status decode_rule(ByteReader& in, EntryRecord& e, std::size_t& matches_left)
{
    IpRecord& ip = e.ip;
    for (auto* a : {&ip.src, &ip.dst, &ip.src_mask, &ip.dst_mask}) *a = UMD_TRY(in.u32());
    for (auto* n : {&ip.in_iface, &ip.in_mask, &ip.out_iface, &ip.out_mask}) UMD_TRY(get_array(in, *n));
    ip.proto = UMD_TRY(in.u16());
    ip.flags = UMD_TRY(in.u8());
    ip.invflags = UMD_TRY(in.u8());
    TargetData& t = e.target_data;
    const std::uint8_t ext = UMD_TRY(in.u8());
    if (ext > last_target_extension) return fail(Errc::bad_input, "bpfilter check reply: unknown target extension {}", ext);
    t.extension = static_cast<TargetExtension>(ext);
    const ByteView chain = UMD_TRY(in.blob(Limits::max_chain_name));
    t.chain.assign(chain.begin(), chain.end());
    t.reject_with = UMD_TRY(in.u32());
    t.log_level = UMD_TRY(in.u8());
    t.log_flags = UMD_TRY(in.u8());
    t.mark = UMD_TRY(in.u32());
    t.mark_mask = UMD_TRY(in.u32());
    const std::uint16_t count = UMD_TRY(in.u16());
    if (count > matches_left || in.remaining() / match_wire < count)
        return fail(Errc::bad_input, "bpfilter check reply: {} matches more than the request or the reply holds", count);
    matches_left -= count;
    e.matches.reserve(count);
    for (unsigned i = 0; i < count; ++i) e.matches.push_back(UMD_TRY(decode_match(in)));
    return {};
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
        encode_rule(out, e);
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
    if (in.remaining() / min_entry_wire < count)
        return fail(Errc::bad_input, "bpfilter check reply: {} bytes for {} entry records", in.remaining(), count);
    // Each match takes at least its header of the request.
    std::size_t matches_left = request_size / Limits::min_match;
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
        UMD_TRY(decode_rule(in, e, matches_left));
    }
    UMD_TRY(in.expect_end());
    return out;
}

}  // namespace umd::bpfilter
