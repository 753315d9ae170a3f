// drivers/bpfilter/tests/table_blob.h — builds IPT_SO_SET_REPLACE option values (struct
// ipt_replace and its entries) for the tests, byte by byte as iptables lays them out.
#pragma once

#include <netinet/in.h>   // before the kernel's headers: glibc's definitions win
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace umd::bpfilter::test {

using Blob = std::vector<std::uint8_t>;

/// The entries of a table, appended one by one; offset() is where the next one starts.
class Entries {
public:
    /// An entry whose target is the standard one: a verdict (e.g. -NF_ACCEPT - 1) or a jump.
    /// `ip` lets a test make the entry conditional; `matches` are raw match blobs.
    std::uint32_t standard(std::int32_t verdict, const ipt_ip& ip = {}, const Blob& matches = {});
    /// An ERROR target: a user chain's head (its name) or the table's end ("ERROR").
    std::uint32_t error(const std::string& name);
    /// An entry with a named target and raw target data (already aligned by the caller).
    std::uint32_t target(const std::string& name, const Blob& data, std::uint8_t revision = 0, const ipt_ip& ip = {});
    std::uint32_t offset() const { return static_cast<std::uint32_t>(bytes.size()); }
    std::uint32_t count = 0;
    Blob bytes;
};

/// The bytes of a plain struct (an extension's data).
template <typename T>
Blob bytes_of(const T& value)
{
    Blob b(sizeof value);
    std::memcpy(b.data(), &value, sizeof value);
    return b;
}

/// A raw match: header (size, name, revision) and data padded to 8 bytes.
Blob match(const std::string& name, const Blob& data, std::uint8_t revision = 0);

struct Replace {
    std::string name = "filter";
    std::uint32_t valid_hooks = 0;
    std::array<std::uint32_t, NF_INET_NUMHOOKS> hook_entry{}, underflow{};
    std::uint32_t num_counters = 1;
    Entries entries;
    /// The option value: header then entries; num_entries and size from `entries`.
    Blob build() const;
};

/// The filter table iptables-legacy writes for an empty ruleset: INPUT, FORWARD and OUTPUT
/// with policy ACCEPT, and the closing ERROR entry.
Replace empty_filter();

/// The same with a user chain "custom" that INPUT jumps to, holding one DROP rule for
/// 10.0.0.0/8 and ending with RETURN.
Replace filter_with_user_chain();

/// INPUT: tcp dport 22 ACCEPT, udp dport 53 ACCEPT, icmp echo-request DROP, policy ACCEPT;
/// FORWARD and OUTPUT: policy ACCEPT.
Replace filter_with_protocol_rules();

/// One INPUT rule, `verdict` when the match (raw blob) holds on a packet of `proto`; the
/// other hooks empty. For tests of one extension's checks.
Replace filter_with_rule(std::uint16_t proto, const Blob& match_blob, std::uint8_t invflags = 0);

/// One INPUT rule whose target is the extension `name` with `data` (of its exact size),
/// on packets of `proto`; the other hooks empty.
Replace filter_with_target(std::uint16_t proto, const std::string& name, const Blob& data, std::uint8_t revision = 0);

inline constexpr std::int32_t accept_verdict = -NF_ACCEPT - 1;
inline constexpr std::int32_t drop_verdict = -NF_DROP - 1;

/// Offsets of fields inside the option value, for tests that corrupt them.
inline constexpr std::size_t header_size = sizeof(ipt_replace);

/// Hostile requests made from a good one: the request cut at every length (a shorter
/// optlen), every cut past the header again with the header's size cut to match, then
/// `mutations` one-byte changes (a fixed seed: the same list on every call) anywhere but
/// the table's name, valid hooks and counters fields, which a caller must get right.
std::vector<Blob> truncations_and_mutations(const Blob& good, unsigned mutations);

}  // namespace umd::bpfilter::test
