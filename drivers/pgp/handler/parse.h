// drivers/pgp/handler/parse.h — the handler's entry point: one input to one Parsed.
//
// Untrusted side (handler). Decides what the input is (cleartext-signed
// message, armored or binary keyring, signature file or signed message) and
// dispatches to the parsers. Every failure is Errc::bad_input with a message
// saying what is wrong and where.
#pragma once

#include "drivers/pgp/handler/message_parser.h"
#include "drivers/pgp/protocol.h"

namespace umd::pgp::parser {

struct ParseLimits {
    MessageLimits message;
};

Result<Parsed> parse(ByteView input, const ParseLimits& limits = {});

/// Number of TLV records encode() writes for `parsed` (bounded by Limits::max_records).
std::size_t count_records(const Parsed& parsed);

}  // namespace umd::pgp::parser
