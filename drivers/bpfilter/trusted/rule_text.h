// drivers/bpfilter/trusted/rule_text.h — an entry of a checked table in iptables-save
// syntax, from its records, for `umd bpfilter eval`'s answer. TRUSTED side.
#pragma once

#include <cstddef>
#include <string>

#include "drivers/bpfilter/protocol.h"

namespace umd::bpfilter {

/// "-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -j ACCEPT"; a built-in chain's policy
/// as "-P INPUT DROP"; a user chain's closing RETURN as "-A custom -j RETURN (the chain's end)".
/// What the records do not carry (a comment's text, LOG's prefix) is left out.
std::string save_rule(const TableRecord& table, std::size_t entry);

}  // namespace umd::bpfilter
