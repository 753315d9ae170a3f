// drivers/pgp/handler/tests/differential_umd.cpp — umd's own two views of a file as FileFacts (test-only).
//
// from_parser() reads the records the handler sends (protocol.h): the test walks
// the raw hashed and unhashed areas itself, with its own small loop, so a
// subpacket fact is not taken from the code under test. from_show_json() reads
// what the CLI prints after the Manager decoded, checked and fingerprinted them.
#include "differential_sources.h"

#include "differential_normalise.h"
#include "peer.h"

namespace umd::pgp::differential {
namespace {

using testing::bit_count;
using testing::hex;

std::uint32_t be32(ByteView b)
{
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

/// The subpackets (type without the critical bit, body) of a raw area; stops at a malformed length.
std::vector<std::pair<int, ByteView>> subpackets(ByteView area)
{
    std::vector<std::pair<int, ByteView>> out;
    std::size_t i = 0;
    while (i < area.size()) {
        std::size_t len = area[i++];
        if (len >= 192 && len < 255) {
            if (i >= area.size()) break;
            len = ((len - 192) << 8) + area[i++] + 192;
        } else if (len == 255) {
            if (area.size() - i < 4) break;
            len = be32(area.subspan(i, 4));
            i += 4;
        }
        if (len == 0 || len > area.size() - i) break;
        out.emplace_back(area[i] & 0x7f, area.subspan(i + 1, len - 1));
        i += len;
    }
    return out;
}

void read_area(ByteView area, bool hashed, SignatureFacts& s)
{
    auto& fprs = hashed ? s.hashed_issuer_fingerprints : s.unhashed_issuer_fingerprints;
    auto& ids = hashed ? s.hashed_issuer_key_ids : s.unhashed_issuer_key_ids;
    fprs.emplace();
    ids.emplace();
    const auto list = subpackets(area);
    if (hashed) s.hashed_subpackets = static_cast<int>(list.size());
    for (const auto& [type, body] : list) {
        if (type == 33 && body.size() > 1) fprs->push_back(hex(body.subspan(1)));   // version octet first
        if (type == 16 && body.size() == 8) ids->push_back(hex(body));
        if (!hashed) continue;
        if (type == 2 && body.size() == 4) s.created = be32(body);
        if (type == 3 && body.size() == 4) s.expires_after = be32(body);
        if (type == 9 && body.size() == 4) s.key_expires_after = be32(body);
        if (type == 27 && !body.empty()) s.key_flags = body[0];
    }
}

SignatureFacts signature_facts(const Signature& sig)
{
    SignatureFacts s;
    s.version = sig.version;
    s.type = sig.type;
    s.pk_algorithm = sig.pk_algorithm;
    s.hash_algorithm = sig.hash_algorithm;
    s.left16 = sig.left16;
    read_area(sig.hashed_area, true, s);
    read_area(sig.unhashed_area, false, s);
    s.embedded.emplace();
    return s;
}

KeyFacts key_facts(const Key& key)
{
    KeyFacts k;
    k.subkey = key.subkey;
    k.version = key.version;
    k.algorithm = key.algorithm;
    k.created = key.created;
    switch (key.algorithm) {
    case 1: case 2: case 3: case 17:
        if (!key.fields.empty()) k.bits = static_cast<int>(bit_count(key.fields[0]));
        break;
    case 19: case 22:   // oid, point
        if (!key.fields.empty()) k.curve = testing::dotted_oid(key.fields[0]);
        break;
    case 18:   // ECDH is passed raw: one length octet, the OID, then the point and KDF parameters
        if (!key.fields.empty() && !key.fields[0].empty() && key.fields[0][0] < key.fields[0].size())
            k.curve = testing::dotted_oid(Bytes(key.fields[0].begin() + 1, key.fields[0].begin() + 1 + key.fields[0][0]));
        break;
    default:
        break;
    }
    if (k.curve) k.bits = curve_bits(*k.curve);
    return k;
}

}  // namespace

FileFacts from_parser(const Parsed& parsed)
{
    FileFacts facts;
    for (const Certificate& cert : parsed.certificates) {
        facts.keys.push_back(key_facts(cert.primary));
        for (const Key& sub : cert.subkeys) facts.keys.push_back(key_facts(sub));
        for (const std::string& uid : cert.user_ids) facts.user_ids.push_back(uid);
        for (const auto& bound : cert.signatures) {
            // A back-signature is embedded in the binding signature the handler lists just before it.
            if (bound.signature.context == SigContext::back_signature && !facts.signatures.empty())
                facts.signatures.back().embedded->push_back(signature_facts(bound.signature));
            else
                facts.signatures.push_back(signature_facts(bound.signature));
        }
    }
    for (const Signature& sig : parsed.signatures) facts.signatures.push_back(signature_facts(sig));
    if (parsed.kind == InputKind::inline_message && parsed.text) {
        LiteralFacts lit;
        lit.format = static_cast<char>(parsed.literal_format);
        lit.length = parsed.text->size();
        // The file name and the compression algorithm are not in the handler's records.
        facts.literal = lit;
    }
    return facts;
}

FileFacts from_show_json(const nlohmann::json& json)
{
    FileFacts facts;
    auto key = [](const nlohmann::json& k, bool subkey) {
        KeyFacts out;
        out.subkey = subkey;
        out.version = k.at("version").get<int>();
        out.algorithm = k.at("algorithm").get<int>();
        out.created = k.at("created").get<std::int64_t>();
        out.fingerprint = k.at("fingerprint").get<std::string>();
        out.key_id = k.at("key_id").get<std::string>();
        if (k.contains("bits")) out.bits = k["bits"].get<int>();   // absent for keys the Manager cannot use
        return out;
    };
    if (json.contains("certificates"))
        for (const auto& c : json["certificates"]) {
            facts.keys.push_back(key(c.at("primary"), false));
            for (const auto& s : c.at("subkeys")) facts.keys.push_back(key(s, true));
            for (const auto& u : c.at("verified_user_ids")) facts.user_ids.push_back(u.get<std::string>());
        }
    if (json.contains("signatures"))
        for (const auto& j : json["signatures"]) {
            SignatureFacts s;
            s.version = j.at("version").get<int>();
            s.type = j.at("type").get<int>();
            s.pk_algorithm = j.at("pk_algorithm").get<int>();
            s.hash_algorithm = j.at("hash_algorithm").get<int>();
            if (j.contains("created")) s.created = j["created"].get<std::int64_t>();
            if (j.contains("expires_after")) s.expires_after = j["expires_after"].get<std::int64_t>();
            if (j.contains("key_expires_after")) s.key_expires_after = j["key_expires_after"].get<std::int64_t>();
            if (j.contains("key_flags")) s.key_flags = j["key_flags"].get<int>();
            if (j.contains("hash_prefix")) s.left16 = std::stoi(j["hash_prefix"].get<std::string>(), nullptr, 16);
            if (j.contains("issuers")) {
                // The CLI prints the hashed area's issuer fingerprints, then its issuer key IDs.
                s.hashed_issuer_fingerprints.emplace();
                s.hashed_issuer_key_ids.emplace();
                for (const auto& i : j["issuers"]) {
                    std::string id = i.get<std::string>();
                    (id.size() == 16 ? *s.hashed_issuer_key_ids : *s.hashed_issuer_fingerprints).push_back(id);
                }
            }
            facts.signatures.push_back(std::move(s));
        }
    if (json.contains("text_bytes") && json.value("kind", "") == "inline-message") {
        LiteralFacts lit;
        lit.length = json["text_bytes"].get<std::size_t>();
        facts.literal = lit;
    }
    return facts;
}

}  // namespace umd::pgp::differential
