// drivers/bpfilter/handler/extensions.h — the match and target extensions the bpfilter
// handler knows, each with the rules the kernel's module checks it by. UNTRUSTED side.
//
// The kernel checks an extension in two steps (x_tables.c, xt_check_match/xt_check_target):
// the generic ones — the data's size is the extension's size rounded up to 8 bytes, the
// table and hooks it is limited to, the protocol the entry must name, not inverted — and
// then the module's own checkentry(). Both live here, one record per extension.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace umd::bpfilter {

/// What an extension's checks see of the entry that uses it.
struct ExtensionUse {
    std::string_view table;             ///< the table being replaced ("filter")
    std::uint32_t hook_mask = 0;        ///< the entry's comefrom
    std::uint16_t proto = 0;            ///< the entry's ip.proto
    bool inv_proto = false;             ///< IPT_INV_PROTO set
    std::span<const std::uint8_t> data; ///< after the extension's header; its size checked first
    std::uint32_t hz = 0;               ///< the kernel's HZ, as the Manager learnt it; 0 unknown
};

struct Extension {
    std::string_view name;
    std::uint8_t revision = 0;
    std::size_t size = 0;               ///< the module's matchsize/targetsize, before alignment
    std::string_view table;             ///< empty: any table
    std::uint32_t hooks = 0;            ///< 0: any hook
    std::uint16_t proto = 0;            ///< 0: any protocol
    int (*check)(const ExtensionUse&) = nullptr;   ///< the module's checkentry: 0 or -errno
};

enum class ExtensionKind { match, target };

/// The extension of that kind, name and revision, or nullptr with the kernel's errno for
/// the lookup in `error` (EINVAL for a name without its NUL, ENOENT otherwise).
const Extension* find_extension(ExtensionKind kind, std::string_view name, bool name_terminated, std::uint8_t revision, int& error);

/// IPT_SO_GET_REVISION_MATCH/TARGET (xt_find_revision): the highest revision supported
/// when `wanted` is one of them, -EPROTONOSUPPORT when only others are, -ENOENT when the
/// name is unknown.
int best_revision(ExtensionKind kind, std::string_view name, std::uint8_t wanted);

/// xt_check_match / xt_check_target: 0, or the errno the kernel gives.
int check_extension_use(const Extension& ext, const ExtensionUse& use);

}  // namespace umd::bpfilter
