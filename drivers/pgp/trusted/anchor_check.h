// drivers/pgp/trusted/anchor_check.h — the keys a handler reports for a keyring file, found in the file.
//
// Trusted side. A keyring file is a trust anchor: its bytes are what the
// administrator chose to trust, so the Manager may read them. Two defences keep a
// compromised handler from planting a key in a keyring (docs/trust-boundary.md):
// keyrings are parsed only by a handler that has seen no untrusted input
// (InputOrigin::trust_anchor), and every key the handler reports must stand, byte
// for byte as the Manager re-serialises it (key_body()), at the offset the handler
// names in the file's binary stream. A key that is not there is a lie: the load is
// refused.
#pragma once

#include <string_view>

#include <umd/error.h>
#include <umd/wire.h>

#include "drivers/pgp/protocol.h"

namespace umd::pgp {

/// The binary stream of a keyring file, as the handler decodes it: the file itself,
/// or, for an armored file, the radix-64 data of its armor blocks joined in order.
/// Errc::bad_input when the armor cannot be decoded. Reads only the file's bytes
/// (a trust anchor's), never a handler's reply.
Result<Bytes> anchor_stream(ByteView file);

/// Every key (primary and subkeys) of every certificate in `parsed` stands in
/// `stream` at its claimed offset. Errc::protocol naming `file` and the key otherwise.
/// Linear in the size of the keys: each is compared once, at one offset.
Status check_keys_in_anchor(const Parsed& parsed, ByteView stream, std::string_view file);

}  // namespace umd::pgp
