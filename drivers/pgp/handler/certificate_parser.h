// drivers/pgp/handler/certificate_parser.h — packet sequences to transferable public keys.
//
// Untrusted side (handler). Groups a keyring's packets into Certificates:
// primary key, user IDs, subkeys and their signatures in packet order, each
// signature tagged with what it is bound to (docs/protocol-pgp.md lists the rules).
#pragma once

#include <span>
#include <vector>

#include "drivers/pgp/handler/packet_reader.h"
#include "drivers/pgp/protocol.h"

namespace umd::pgp::parser {

/// The certificates in `packets` (which must start with a public key packet).
/// Fails on secret key material and on packets that do not belong in a keyring.
Result<std::vector<Certificate>> parse_certificates(std::span<const Packet> packets);

}  // namespace umd::pgp::parser
