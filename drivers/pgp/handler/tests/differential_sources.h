// drivers/pgp/handler/tests/differential_sources.h — reading one file's facts from each of the four sources.
//
// Test-only. umd's two views (the CLI's `pgp show --json` and the handler
// parser in-process) and the two peers' text dumps each become a FileFacts.
// The peers list every packet; the handler represents only what the Manager
// can use (docs/protocol-pgp.md): v4/v6 keys and signatures, user IDs, not
// user attributes. collect() applies exactly those documented rules to a
// peer's packet list so that the lists line up packet for packet.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "differential_facts.h"
#include "drivers/pgp/protocol.h"

namespace umd::pgp::differential {

/// One packet as a peer printed it.
struct PeerPacket {
    int tag = 0;
    KeyFacts key;             ///< tags 5, 6, 7, 14
    std::string user_id;      ///< tag 13
    SignatureFacts signature; ///< tag 2
    LiteralFacts literal;     ///< tag 11
    std::optional<int> compression;   ///< tag 8
    bool undecoded = false;   ///< the peer printed the packet but could not read it
    std::optional<std::size_t> length;   ///< body length, when the header gives it
};

/// What a peer printed, with the spellings it used that normalise.h does not know.
struct PeerDump {
    std::vector<PeerPacket> packets;
    std::vector<std::string> unknown_spellings;
};

/// Reads `TZ=UTC pgpdump -u FILE` output.
PeerDump read_pgpdump(const std::string& output);
/// Reads `sq packet dump --mpis FILE` output.
PeerDump read_sq_dump(const std::string& output);

/// The packets the handler represents, in the FileFacts shape.
FileFacts collect(const std::vector<PeerPacket>& packets);

/// What the handler's parser returned for the file.
FileFacts from_parser(const Parsed& parsed);

/// What `umd pgp show --json` printed: keys in the order of the CLI's keyring,
/// verified user IDs, and standalone signatures.
FileFacts from_show_json(const nlohmann::json& json);

}  // namespace umd::pgp::differential
