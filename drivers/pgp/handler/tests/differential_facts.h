// drivers/pgp/handler/tests/differential_facts.h — one common shape for what each tool says a file holds.
//
// Test-only (runs outside any sandbox; trusts nothing it reads). The
// differential test reads the same OpenPGP file four ways — `umd pgp show
// --json`, the handler's parser called in-process, `pgpdump` and `sq packet
// dump` — and turns each answer into these structs so that they can be
// compared field by field. A field a source cannot show stays std::nullopt and
// is skipped for that source only (the reason is commented where it is read).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace umd::pgp::differential {

/// One public key or subkey packet.
struct KeyFacts {
    bool subkey = false;
    std::optional<int> version;
    std::optional<int> algorithm;
    std::optional<std::int64_t> created;
    std::optional<std::string> fingerprint;   ///< upper-case hex
    std::optional<std::string> key_id;        ///< upper-case hex, 16 digits
    std::optional<int> bits;                  ///< RSA modulus / DSA prime size, or the curve size
    std::optional<std::string> curve;         ///< dotted OID of the curve (ECDSA, EdDSA legacy, ECDH)
};

/// One signature packet, with the signatures embedded in its subpackets.
struct SignatureFacts {
    std::optional<int> version;
    std::optional<int> type;
    std::optional<int> pk_algorithm;
    std::optional<int> hash_algorithm;
    std::optional<std::int64_t> created;
    std::optional<std::int64_t> expires_after;       ///< signature expiration, seconds after creation
    std::optional<std::int64_t> key_expires_after;   ///< key expiration, seconds after key creation
    std::optional<int> key_flags;                    ///< first octet of the key flags subpacket
    std::optional<int> hashed_subpackets;            ///< number of subpackets in the hashed area
    std::optional<int> left16;
    /// Issuer fingerprints and key IDs (upper-case hex) of each area, in area order.
    std::optional<std::vector<std::string>> hashed_issuer_fingerprints, hashed_issuer_key_ids;
    std::optional<std::vector<std::string>> unhashed_issuer_fingerprints, unhashed_issuer_key_ids;
    /// Signatures embedded in a subpacket (a signing subkey's back-signature).
    std::optional<std::vector<SignatureFacts>> embedded;
};

struct LiteralFacts {
    std::optional<char> format;   ///< 'b', 't', 'u', ...
    std::optional<std::string> filename;
    std::optional<std::size_t> length;   ///< bytes of literal data
};

/// Everything one source says about one file, in packet order per kind.
struct FileFacts {
    std::vector<KeyFacts> keys;
    std::vector<std::string> user_ids;
    std::vector<SignatureFacts> signatures;
    std::optional<LiteralFacts> literal;
    std::vector<int> compression;   ///< algorithm of each compressed data packet, outermost first
    /// Packets the source could not decode (an unknown version, say), by tag: the
    /// peers of Debian 12 do not know OpenPGP v6.
    std::vector<int> undecoded_tags;
};

}  // namespace umd::pgp::differential
