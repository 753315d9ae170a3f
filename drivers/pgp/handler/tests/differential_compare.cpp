// drivers/pgp/handler/tests/differential_compare.cpp — field-by-field comparison of FileFacts (test-only).
#include "differential_compare.h"

#include <gtest/gtest.h>

#include <sstream>

namespace umd::pgp::differential {
namespace {

std::string show(const std::string& v) { return "\"" + v + "\""; }
std::string show(char v) { return std::string("'") + v + "'"; }
template <class T>
std::string show(const T& v)
{
    std::ostringstream out;
    out << v;
    return out.str();
}
std::string show(const std::vector<std::string>& v)
{
    std::string out = "[";
    for (const auto& s : v) out += (out.size() > 1 ? ", " : "") + s;
    return out + "]";
}

/// Compares one field when both sides show it.
template <class T>
void field(const std::optional<T>& a, const std::optional<T>& b, const std::string& where, const std::string& a_name,
           const std::string& b_name, Tally& tally)
{
    if (!a || !b) return;
    ++tally.fields;
    if (*a != *b) ADD_FAILURE() << where << ": " << a_name << " " << show(*a) << ", " << b_name << " " << show(*b);
}

void key_fields(const KeyFacts& a, const KeyFacts& b, const std::string& where, const std::string& an,
                const std::string& bn, Tally& tally)
{
    field(std::optional<bool>(a.subkey), std::optional<bool>(b.subkey), where + " subkey", an, bn, tally);
    field(a.version, b.version, where + " version", an, bn, tally);
    field(a.algorithm, b.algorithm, where + " algorithm", an, bn, tally);
    field(a.created, b.created, where + " creation time", an, bn, tally);
    field(a.fingerprint, b.fingerprint, where + " fingerprint", an, bn, tally);
    field(a.key_id, b.key_id, where + " key ID", an, bn, tally);
    field(a.bits, b.bits, where + " bits", an, bn, tally);
    field(a.curve, b.curve, where + " curve", an, bn, tally);
}

void signature_fields(const SignatureFacts& a, const SignatureFacts& b, const std::string& where,
                      const std::string& an, const std::string& bn, Tally& tally)
{
    field(a.version, b.version, where + " version", an, bn, tally);
    field(a.type, b.type, where + " type", an, bn, tally);
    field(a.pk_algorithm, b.pk_algorithm, where + " public-key algorithm", an, bn, tally);
    field(a.hash_algorithm, b.hash_algorithm, where + " hash algorithm", an, bn, tally);
    field(a.created, b.created, where + " creation time", an, bn, tally);
    field(a.expires_after, b.expires_after, where + " signature expiration", an, bn, tally);
    field(a.key_expires_after, b.key_expires_after, where + " key expiration", an, bn, tally);
    field(a.key_flags, b.key_flags, where + " key flags", an, bn, tally);
    field(a.hashed_subpackets, b.hashed_subpackets, where + " hashed subpacket count", an, bn, tally);
    field(a.left16, b.left16, where + " hash prefix", an, bn, tally);
    field(a.hashed_issuer_fingerprints, b.hashed_issuer_fingerprints, where + " hashed issuer fingerprints", an, bn,
          tally);
    field(a.hashed_issuer_key_ids, b.hashed_issuer_key_ids, where + " hashed issuer key IDs", an, bn, tally);
    field(a.unhashed_issuer_fingerprints, b.unhashed_issuer_fingerprints, where + " unhashed issuer fingerprints",
          an, bn, tally);
    field(a.unhashed_issuer_key_ids, b.unhashed_issuer_key_ids, where + " unhashed issuer key IDs", an, bn, tally);
    if (!a.embedded || !b.embedded) return;
    field(std::optional(a.embedded->size()), std::optional(b.embedded->size()), where + " embedded signature count",
          an, bn, tally);
    for (std::size_t i = 0; i < std::min(a.embedded->size(), b.embedded->size()); ++i)
        signature_fields((*a.embedded)[i], (*b.embedded)[i], where + " embedded " + std::to_string(i), an, bn, tally);
}

template <class T>
bool same_count(const std::vector<T>& a, const std::vector<T>& b, const std::string& what, const std::string& an,
                const std::string& bn, bool partial, Tally& tally)
{
    if (partial) return true;
    ++tally.fields;
    if (a.size() == b.size()) return true;
    ADD_FAILURE() << what << " count: " << an << " " << a.size() << ", " << bn << " " << b.size();
    return false;
}

}  // namespace

FileFacts merge_umd(const FileFacts& parser, const FileFacts& json, const std::string& file, Tally& tally)
{
    const std::string an = "umd pgp show --json", bn = "handler parser";
    FileFacts out = parser;
    // The CLI lists keys certificate by certificate as its keyring holds them; each
    // parsed key is paired with the first unused listed key of the same shape.
    std::vector<bool> used(json.keys.size(), false);
    for (std::size_t i = 0; i < out.keys.size(); ++i) {
        KeyFacts& k = out.keys[i];
        const std::string where = file + ": key " + std::to_string(i);
        std::optional<std::size_t> match;
        for (std::size_t j = 0; j < json.keys.size() && !match; ++j)
            if (!used[j] && json.keys[j].subkey == k.subkey && json.keys[j].version == k.version &&
                json.keys[j].algorithm == k.algorithm && json.keys[j].created == k.created)
                match = j;
        if (!match) {
            ADD_FAILURE() << where << ": not listed by umd pgp show --json";
            continue;
        }
        used[*match] = true;
        const KeyFacts& j = json.keys[*match];
        tally.fields += 4;   // subkey, version, algorithm, creation time: equal by the pairing
        field(j.bits, k.bits, where + " bits", an, bn, tally);
        k.fingerprint = j.fingerprint;
        k.key_id = j.key_id;
        if (!k.bits) k.bits = j.bits;
    }
    for (std::size_t j = 0; j < json.keys.size(); ++j)
        if (!used[j]) ADD_FAILURE() << file << ": umd pgp show --json lists key " << *json.keys[j].fingerprint
                                    << " the parser did not return";
    for (const std::string& uid : json.user_ids) {
        ++tally.fields;
        if (std::find(parser.user_ids.begin(), parser.user_ids.end(), uid) == parser.user_ids.end())
            ADD_FAILURE() << file << ": verified user ID " << show(uid) << " is not among the parsed ones";
    }
    // The CLI prints standalone signatures only: the last ones of the parser's list.
    if (json.signatures.size() > parser.signatures.size()) {
        ADD_FAILURE() << file << ": umd pgp show --json lists " << json.signatures.size() << " signatures, the parser "
                      << parser.signatures.size();
    } else {
        const std::size_t first = parser.signatures.size() - json.signatures.size();
        for (std::size_t i = 0; i < json.signatures.size(); ++i)
            signature_fields(json.signatures[i], parser.signatures[first + i],
                             file + ": signature " + std::to_string(first + i), an, bn, tally);
    }
    if (json.literal && parser.literal)
        field(json.literal->length, parser.literal->length, file + ": literal data length", an, bn, tally);
    return out;
}

void compare(const FileFacts& umd, const FileFacts& peer, const std::string& peer_name, const std::string& file,
             bool partial, Tally& tally)
{
    const std::string an = "umd";
    ++tally.files;
    if (same_count(umd.keys, peer.keys, file + ": key", an, peer_name, partial, tally) || partial)
        for (std::size_t i = 0; i < std::min(umd.keys.size(), peer.keys.size()); ++i)
            key_fields(umd.keys[i], peer.keys[i], file + ": key " + std::to_string(i), an, peer_name, tally);
    if (same_count(umd.user_ids, peer.user_ids, file + ": user ID", an, peer_name, partial, tally) || partial)
        for (std::size_t i = 0; i < std::min(umd.user_ids.size(), peer.user_ids.size()); ++i)
            field(std::optional(umd.user_ids[i]), std::optional(peer.user_ids[i]),
                  file + ": user ID " + std::to_string(i), an, peer_name, tally);
    if (same_count(umd.signatures, peer.signatures, file + ": signature", an, peer_name, partial, tally) || partial)
        for (std::size_t i = 0; i < std::min(umd.signatures.size(), peer.signatures.size()); ++i)
            signature_fields(umd.signatures[i], peer.signatures[i], file + ": signature " + std::to_string(i), an,
                             peer_name, tally);
    if (!partial) {
        ++tally.fields;
        if (umd.literal.has_value() != peer.literal.has_value())
            ADD_FAILURE() << file << ": literal data packet: umd " << (umd.literal ? "found one" : "found none")
                          << ", " << peer_name << " " << (peer.literal ? "found one" : "found none");
    }
    if (umd.literal && peer.literal) {
        field(umd.literal->format, peer.literal->format, file + ": literal data format", an, peer_name, tally);
        field(umd.literal->filename, peer.literal->filename, file + ": literal data file name", an, peer_name, tally);
        field(umd.literal->length, peer.literal->length, file + ": literal data length", an, peer_name, tally);
    }
    // Compression: the handler's records do not say which algorithm it inflated,
    // so there is nothing of umd's to compare; the peers are compared with each other.
}

}  // namespace umd::pgp::differential
