// drivers/pgp/trusted/describe.cpp — the JSON description of a parsed OpenPGP file (trusted side).
#include "drivers/pgp/trusted/describe.h"

#include <umd/text.h>

#include "drivers/pgp/trusted/key_material.h"
#include "drivers/pgp/trusted/keyring.h"
#include "drivers/pgp/trusted/subpackets.h"
#include "drivers/pgp/trusted/verifier.h"

namespace umd::pgp {
namespace {

const char* kind_name(InputKind kind)
{
    switch (kind) {
    case InputKind::certificates: return "certificates";
    case InputKind::detached_signature: return "detached-signature";
    case InputKind::cleartext: return "cleartext";
    case InputKind::inline_message: return "inline-message";
    }
    return "unknown";
}

nlohmann::json key_json(const ValidatedKey& k)
{
    nlohmann::json j{{"fingerprint", hex_upper(k.fingerprint)},
                     {"key_id", hex_upper(k.key_id)},
                     {"version", k.key.version},
                     {"algorithm", k.key.algorithm},
                     {"created", k.key.created},
                     {"valid_self_signatures", k.bindings.size()},
                     {"revocations", k.revocations.size()}};
    if (k.public_key) j["bits"] = k.public_key->bits;
    else j["unusable"] = utf8_text(k.unusable_reason);
    if (k.key.subkey) j["back_signed"] = k.back_signed;
    return j;
}

nlohmann::json signature_json(const Signature& s)
{
    nlohmann::json j{{"version", s.version}, {"type", s.type}, {"pk_algorithm", s.pk_algorithm},
                     {"hash_algorithm", s.hash_algorithm}, {"hash_prefix", fmt::format("{:04X}", s.left16)}};
    auto facts = walk_hashed_area(s.hashed_area);
    if (!facts) j["hashed_area_error"] = utf8_text(facts.error().message);
    else {
        if (facts->created) j["created"] = *facts->created;
        // Seconds after creation (of the signature, of the key); 0 = never.
        if (facts->expires_after) j["expires_after"] = *facts->expires_after;
        if (facts->key_expires_after) j["key_expires_after"] = *facts->key_expires_after;
        if (facts->key_flags) j["key_flags"] = *facts->key_flags;
        if (facts->revocation_reason) j["revocation_reason"] = *facts->revocation_reason;
        nlohmann::json issuers = nlohmann::json::array();
        for (const auto& f : facts->issuer_fingerprints) issuers.push_back(hex_upper(f));
        for (const auto& id : facts->issuer_key_ids) issuers.push_back(hex_upper(id));
        j["issuers"] = issuers;
    }
    return j;
}

}  // namespace

Result<nlohmann::json> describe(const Parsed& parsed)
{
    nlohmann::json j{{"kind", kind_name(parsed.kind)}, {"armored", parsed.armored}};
    if (parsed.kind == InputKind::certificates) {
        auto ring = UMD_TRY(Keyring::from({parsed}, {}));
        nlohmann::json certs = nlohmann::json::array();
        // User IDs are the input's bytes (a valid self-signature says nothing of their
        // encoding): JSON gets them as valid UTF-8, invalid bytes as \xNN.
        auto texts = [](const std::vector<std::string>& in) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& t : in) out.push_back(utf8_text(t));
            return out;
        };
        for (const auto& c : ring.certificates()) {
            nlohmann::json subs = nlohmann::json::array();
            for (const auto& s : c.subkeys) subs.push_back(key_json(s));
            certs.push_back({{"primary", key_json(c.primary)}, {"verified_user_ids", texts(c.user_ids)}, {"subkeys", subs},
                             {"rejected_signatures", texts(c.rejected_signatures)}});
        }
        j["certificates"] = certs;
    }
    nlohmann::json sigs = nlohmann::json::array();
    for (const auto& s : parsed.signatures) sigs.push_back(signature_json(s));
    if (!parsed.signatures.empty()) j["signatures"] = sigs;
    if (parsed.text) j["text_bytes"] = parsed.text->size();
    if (parsed.text_lines) j["text_bytes"] = joined_text_size(*parsed.text_lines);
    return j;
}


}  // namespace umd::pgp
