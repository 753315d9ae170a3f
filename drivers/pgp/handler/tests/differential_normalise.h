// drivers/pgp/handler/tests/differential_normalise.h — turns the peers' spellings into numbers.
//
// Test-only. pgpdump and `sq packet dump` print names and human dates where
// umd prints algorithm ids and Unix seconds; every such translation lives here
// so that the comparison itself is plain equality. Each function returns
// std::nullopt for a spelling it does not know, and the caller reports that as
// a failure naming the spelling, so a peer's new wording cannot pass silently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace umd::pgp::differential {

/// "2026-11-24 20:13:52 UTC" (sq) or "Tue Nov 24 20:13:52 UTC 2026" (pgpdump -u) to Unix seconds.
std::optional<std::int64_t> utc_seconds(const std::string& text);

/// An ISO 8601 duration as sq prints it ("P365D", "PT3600S", "P1DT2H") to seconds.
std::optional<std::int64_t> duration_seconds(const std::string& text);

/// sq's names (sequoia-openpgp 1.12 Display/Debug forms) to RFC 9580 ids.
std::optional<int> sq_public_key_algorithm(const std::string& name);
std::optional<int> sq_signature_type(const std::string& name);
std::optional<int> sq_hash_algorithm(const std::string& name);
std::optional<int> sq_compression_algorithm(const std::string& name);
/// "CS", "EtEr", ... (sq's key flags letters) to the first octet of the key flags subpacket.
std::optional<int> sq_key_flags(const std::string& letters);
/// sq's curve names ("NIST P-256", "Ed25519", ...) to dotted OIDs.
std::optional<std::string> sq_curve_oid(const std::string& name);
/// sq's literal data format ("Binary data", "Text data", ...) to the format octet.
std::optional<char> sq_literal_format(const std::string& name);

/// pgpdump's key flag sentences ("This key may be used to sign data") to their bit.
std::optional<int> pgpdump_key_flag(const std::string& sentence);
/// pgpdump's literal data format word ("binary", "text", "UTF-8 text") to the format octet.
std::optional<char> pgpdump_literal_format(const std::string& word);

/// "0x2A 86 48 CE 3D 03 01 07" (pgpdump's curve OID bytes) to the dotted form.
std::optional<std::string> dotted_oid_from_hex(const std::string& hex_bytes);
/// The size in bits of the named curve (dotted OID), as sq's "Pk size" reports it.
std::optional<int> curve_bits(const std::string& dotted);

/// "94 32 5a 52" or "94325A52" to "94325A52".
std::string upper_hex(const std::string& text);

}  // namespace umd::pgp::differential
