// drivers/pgp/trusted/keyring.cpp — verification of self-signatures and key liveness at a time.
//
// Trusted side. Everything hashed here is rebuilt from decoded fields.
#include "drivers/pgp/trusted/keyring.h"

#include <algorithm>
#include <utility>

#include "drivers/pgp/trusted/signature_check.h"
#include "drivers/pgp/trusted/signature_hash.h"
#include "drivers/pgp/trusted/subpackets.h"
#include "drivers/pgp/trusted/work_counters.h"

namespace umd::pgp {
namespace {

/// fingerprint(), counted (the merge's bound is tested by counting them).
Bytes counted_fingerprint(const Key& key)
{
    work_counters().fingerprints.fetch_add(1, std::memory_order_relaxed);
    return fingerprint(key);
}

/// Phase one: the identity of a key, from the fingerprint the merge rebuilt from its fields.
ValidatedKey identify_key(const Key& key, const Bytes& fingerprint)
{
    ValidatedKey v;
    v.key = key;
    v.fingerprint = fingerprint;
    v.key_id = pgp::key_id(v.fingerprint, key.version);
    return v;
}

/// Phase two: the OpenSSL key, if the algorithm and the policy allow it.
void make_key(ValidatedKey& v, const Policy& policy)
{
    auto pub = make_public_key(v.key);
    if (!pub) {
        v.unusable_reason = pub.error().message;
        return;
    }
    if (auto ok = key_acceptable(*pub, policy); !ok) {
        v.unusable_reason = ok.error().message;
        return;
    }
    v.public_key = std::move(*pub);
}

/// True when the signature names an issuer and it is not `key`: a third-party
/// certification, which the policy does not use, so it is not worth an RSA operation.
bool names_other_issuer(const Signature& sig, const ValidatedKey& key)
{
    if (sig.issuer_hints.empty()) return false;
    for (const Bytes& hint : sig.issuer_hints)
        if (hint == key.key_id || hint == key.fingerprint) return false;
    return true;
}

/// Verifies a self-signature by `signer` over data fed by `feed`; returns its hashed facts.
template <class Feed>
Result<HashedFacts> verify_self(const Signature& sig, const ValidatedKey& signer, const Policy& policy, Feed feed)
{
    if (!signer.public_key) return fail(Errc::rejected, "signing key unusable: {}", signer.unusable_reason);
    if (sig.version != signer.key.version) return fail(Errc::rejected, "v{} signature by a v{} key", sig.version, signer.key.version);
    auto facts = walk_hashed_area(sig.hashed_area);
    if (!facts) return fail(Errc::rejected, "{}", facts.error().message);
    if (!facts->created) return fail(Errc::rejected, "no signature creation time");
    if (*facts->created < signer.key.created) return fail(Errc::rejected, "signature predates its key");
    UMD_TRY(hash_acceptable(sig.hash_algorithm, true, *facts->created, policy));
    auto hasher = UMD_TRY(SignatureHasher::start(sig));
    feed(hasher);
    auto digest = UMD_TRY(hasher.finish(sig));
    UMD_TRY(check_signature_values(*signer.public_key, sig, hasher.algorithm(), digest));
    return std::move(*facts);
}

ValidatedKey::Binding binding_of(const HashedFacts& facts, std::uint32_t order)
{
    return {*facts.created, facts.expires_after.value_or(0), facts.key_expires_after.value_or(0), facts.key_flags, order};
}

ValidatedKey::Revocation revocation_of(const HashedFacts& facts)
{
    // RFC 9580 §5.2.3.31: "superseded" (1), "retired" (3) and "user ID no longer
    // valid" (32) are soft; no reason, "no reason" (0) or "compromised" (2) are hard.
    std::uint8_t reason = facts.revocation_reason.value_or(0);
    bool soft = reason == 1 || reason == 3 || reason == 32;
    return {*facts.created, !soft};
}

void add_self_signature(ValidatedCertificate& vc, const Certificate& cert, std::uint32_t order, const Policy& policy,
                        std::vector<bool>& uid_valid)
{
    const Certificate::Bound& bound = cert.signatures[order];
    const Signature& sig = bound.signature;
    const ValidatedKey& primary = vc.primary;
    auto reject = [&](const Error& e) {
        vc.rejected_signatures.push_back(fmt::format("signature type 0x{:02X}: {}", sig.type, e.message));
    };
    switch (sig.context) {
    case SigContext::primary_key: {
        if (sig.type != 0x1F && sig.type != 0x20) return reject({Errc::rejected, "wrong type for a key signature"});
        auto facts = verify_self(sig, primary, policy, [&](SignatureHasher& h) { h.update_key(primary.key); });
        if (!facts) return reject(facts.error());
        if (sig.type == 0x1F) vc.primary.bindings.push_back(binding_of(*facts, order));
        else vc.primary.revocations.push_back(revocation_of(*facts));
        return;
    }
    case SigContext::user_id: {
        if (bound.target >= cert.user_ids.size()) return reject({Errc::rejected, "no such user ID"});
        bool cert_sig = sig.type >= 0x10 && sig.type <= 0x13;
        if (!cert_sig && sig.type != 0x30) return reject({Errc::rejected, "wrong type for a user ID signature"});
        if (names_other_issuer(sig, primary)) return;   // third-party certification: not used
        const std::string& uid = cert.user_ids[bound.target];
        auto facts = verify_self(sig, primary, policy, [&](SignatureHasher& h) {
            h.update_key(primary.key);
            h.update_user_id(uid);
        });
        if (!facts) return reject(facts.error());
        // A user ID revocation does not revoke the key; the self-certification still binds it.
        if (cert_sig) {
            vc.primary.bindings.push_back(binding_of(*facts, order));
            uid_valid[bound.target] = true;
        }
        return;
    }
    case SigContext::subkey:
    case SigContext::back_signature: {
        if (bound.target >= vc.subkeys.size()) return reject({Errc::rejected, "no such subkey"});
        ValidatedKey& sub = vc.subkeys[bound.target];
        auto feed = [&](SignatureHasher& h) {
            h.update_key(primary.key);
            h.update_key(sub.key);
        };
        if (sig.context == SigContext::back_signature) {
            if (sig.type != 0x19) return reject({Errc::rejected, "wrong type for a back-signature"});
            auto facts = verify_self(sig, sub, policy, feed);
            if (!facts) return reject(facts.error());
            sub.back_signed = true;
            return;
        }
        if (sig.type != 0x18 && sig.type != 0x28) return reject({Errc::rejected, "wrong type for a subkey signature"});
        auto facts = verify_self(sig, primary, policy, feed);
        if (!facts) return reject(facts.error());
        if (sig.type == 0x18) sub.bindings.push_back(binding_of(*facts, order));
        else sub.revocations.push_back(revocation_of(*facts));
        return;
    }
    case SigContext::standalone:
        return reject({Errc::rejected, "standalone signature inside a certificate"});
    }
}


/// A self-signature that binds the primary key itself (a direct-key signature or
/// a self-certification of a user ID): the kind find() lets wait.
bool binds_primary(const Signature& sig, const ValidatedKey& primary)
{
    bool direct = sig.context == SigContext::primary_key && sig.type == 0x1F;
    bool user_id = sig.context == SigContext::user_id && sig.type >= 0x10 && sig.type <= 0x13;
    return (direct || user_id) && !names_other_issuer(sig, primary);
}

/// Phase two, on first use: OpenSSL keys and the self-signatures. With `defer`,
/// the primary's bindings go there (newest first) instead of being verified.
void verify_self_signatures(ValidatedCertificate& vc, const Certificate& cert, const Policy& policy,
                            std::vector<bool>& uid_valid, std::vector<Keyring::Deferred>* defer)
{
    make_key(vc.primary, policy);
    for (ValidatedKey& sub : vc.subkeys) make_key(sub, policy);
    for (std::uint32_t i = 0; i < cert.signatures.size(); ++i) {
        const Signature& sig = cert.signatures[i].signature;
        if (defer && binds_primary(sig, vc.primary)) {
            auto facts = walk_hashed_area(sig.hashed_area);
            if (facts && facts->created) {
                defer->push_back({i, *facts->created, facts->expires_after.value_or(0), facts->key_flags.has_value()});
                continue;
            }
            // Without a creation time it binds nothing: verified (and rejected) now.
        }
        add_self_signature(vc, cert, i, policy, uid_valid);
    }
    if (defer)
        std::ranges::sort(*defer, [](const Keyring::Deferred& a, const Keyring::Deferred& b) {
            return a.created != b.created ? a.created > b.created : a.index > b.index;
        });
}

bool revoked_at(const ValidatedKey& key, std::int64_t t)
{
    return std::ranges::any_of(key.revocations, [&](const auto& r) { return r.hard || r.created <= t; });
}

/// Of two bindings made at the same second, the later in the certificate counts.
bool newer(const ValidatedKey::Binding& a, const ValidatedKey::Binding& b)
{
    return a.created != b.created ? a.created > b.created : a.order > b.order;
}

/// Whether a binding made at `created` and expiring `expires` seconds later is
/// one binding_at() and flags_at() consider at t.
bool in_force_at(std::uint32_t created, std::uint32_t expires, std::int64_t t)
{
    return created <= t && (expires == 0 || t < std::int64_t{created} + expires);
}

/// The newest binding made at or before t and still alive at t.
const ValidatedKey::Binding* binding_at(const ValidatedKey& key, std::int64_t t)
{
    const ValidatedKey::Binding* best = nullptr;
    for (const auto& b : key.bindings) {
        if (!in_force_at(b.created, b.sig_expires_after, t)) continue;
        if (!best || newer(b, *best)) best = &b;
    }
    return best;
}

/// The key flags in force at t: from the newest alive binding that states them.
std::optional<std::uint8_t> flags_at(const ValidatedKey& key, std::int64_t t)
{
    const ValidatedKey::Binding* best = nullptr;
    for (const auto& b : key.bindings) {
        if (b.created > t || !b.key_flags) continue;
        if (b.sig_expires_after != 0 && t >= std::int64_t{b.created} + b.sig_expires_after) continue;
        if (!best || newer(b, *best)) best = &b;
    }
    return best ? best->key_flags : std::nullopt;
}

Status alive_at(const ValidatedKey& key, std::int64_t t, std::string_view what)
{
    if (!key.public_key) return fail(Errc::rejected, "{} {} unusable: {}", what, hex_upper(key.fingerprint), key.unusable_reason);
    if (t < key.key.created) return fail(Errc::rejected, "{} {} created after the signature", what, hex_upper(key.fingerprint));
    const auto* binding = binding_at(key, t);
    if (!binding) return fail(Errc::rejected, "{} {} has no valid self-signature at that time", what, hex_upper(key.fingerprint));
    if (binding->key_expires_after != 0 && t >= std::int64_t{key.key.created} + binding->key_expires_after)
        return fail(Errc::rejected, "{} {} had expired", what, hex_upper(key.fingerprint));
    if (revoked_at(key, t)) return fail(Errc::rejected, "{} {} is revoked", what, hex_upper(key.fingerprint));
    return {};
}

}  // namespace

Status hash_acceptable(std::uint8_t hash_algorithm, bool self_signature, std::int64_t created, const Policy& policy)
{
    switch (hash_algorithm) {
    case hash::md5:
        return fail(Errc::rejected, "MD5 signatures are not accepted");
    case hash::sha1:
    case hash::ripemd160:
        if (self_signature && created < policy.weak_hash_self_signature_cutoff) return {};
        return fail(Errc::rejected, "{} signatures are not accepted", hash_algorithm == hash::sha1 ? "SHA-1" : "RIPEMD-160");
    default:
        if (!pgp::hash_algorithm(hash_algorithm)) return fail(Errc::rejected, "unknown hash algorithm {}", hash_algorithm);
        return {};
    }
}

Status key_acceptable(const PublicKey& key, const Policy& policy)
{
    if ((key.algorithm == pk::rsa || key.algorithm == pk::rsa_sign_only) && key.bits < policy.min_rsa_bits)
        return fail(Errc::rejected, "RSA key of {} bits is below {}", key.bits, policy.min_rsa_bits);
    if (key.algorithm == pk::dsa && key.bits < policy.min_dsa_bits)
        return fail(Errc::rejected, "DSA key of {} bits is below {}", key.bits, policy.min_dsa_bits);
    return {};
}

namespace {

/// A certificate being merged: the fingerprints of its keys, each computed once from
/// the fields, and its user IDs and subkeys by value and by fingerprint, so that each
/// record of another copy costs one lookup (not a pass over what was merged so far).
struct Merging {
    Certificate cert;
    Bytes primary_fingerprint;
    std::vector<Bytes> subkey_fingerprints;   ///< parallel to cert.subkeys
    std::map<Bytes, std::uint32_t> subkey_index;
    std::map<std::string, std::uint32_t, std::less<>> user_id_index;
};

/// Folds `more` into `into` (same primary key): user IDs are matched by value and
/// subkeys by fingerprint, signature targets renumbered. This is how a revocation
/// certificate in one file applies to the certificate in another, as for sqv; a user
/// ID or subkey repeated inside one certificate becomes one too. Work: one
/// fingerprint and O(log n) per subkey, O(log n) per user ID, O(1) per signature.
void merge_into(Merging& into, Certificate&& more)
{
    std::vector<std::uint32_t> uid_map, sub_map;
    uid_map.reserve(more.user_ids.size());
    sub_map.reserve(more.subkeys.size());
    for (std::string& uid : more.user_ids) {
        auto next = static_cast<std::uint32_t>(into.cert.user_ids.size());
        auto [it, fresh] = into.user_id_index.try_emplace(uid, next);
        if (fresh) into.cert.user_ids.push_back(std::move(uid));
        uid_map.push_back(it->second);
    }
    for (Key& sub : more.subkeys) {
        Bytes fpr = counted_fingerprint(sub);
        auto next = static_cast<std::uint32_t>(into.cert.subkeys.size());
        auto [it, fresh] = into.subkey_index.try_emplace(fpr, next);
        if (fresh) {
            into.cert.subkeys.push_back(std::move(sub));
            into.subkey_fingerprints.push_back(std::move(fpr));
        }
        sub_map.push_back(it->second);
    }
    for (Certificate::Bound& bound : more.signatures) {
        // decode() has checked every target against the counts of its own certificate.
        if (bound.signature.context == SigContext::user_id) bound.target = uid_map.at(bound.target);
        else if (bound.signature.context == SigContext::subkey || bound.signature.context == SigContext::back_signature)
            bound.target = sub_map.at(bound.target);
        into.cert.signatures.push_back(std::move(bound));
    }
}

/// Phase one, at once: fingerprints (already computed by the merge) and key IDs.
ValidatedCertificate identify_keys(const Merging& m)
{
    ValidatedCertificate vc;
    vc.primary = identify_key(m.cert.primary, m.primary_fingerprint);
    vc.subkeys.reserve(m.cert.subkeys.size());
    for (std::size_t i = 0; i < m.cert.subkeys.size(); ++i) vc.subkeys.push_back(identify_key(m.cert.subkeys[i], m.subkey_fingerprints[i]));
    return vc;
}

}  // namespace

Result<Keyring> Keyring::from(std::vector<Parsed> parsed, const Policy& policy)
{
    Keyring ring;
    std::vector<Merging> merged;
    std::map<Bytes, std::size_t> by_fingerprint;
    for (const Parsed& p : parsed)
        if (p.kind != InputKind::certificates) return fail(Errc::bad_input, "a keyring file holds no certificates");
    // Certificates are moved, not copied: with their third-party certifications
    // they are most of a keyring's bytes (copying them was half of from()). Every
    // key's fingerprint is computed once, here (work_counters().fingerprints).
    for (Parsed& p : parsed) {
        for (Certificate& cert : p.certificates) {
            Bytes fpr = counted_fingerprint(cert.primary);
            auto [it, fresh] = by_fingerprint.try_emplace(fpr, merged.size());
            if (fresh) {
                Merging& m = merged.emplace_back();
                m.primary_fingerprint = std::move(fpr);
                m.cert.primary = std::move(cert.primary);
            }
            merge_into(merged[it->second], std::move(cert));
        }
    }
    ring.policy_ = policy;
    ring.certs_.reserve(merged.size());
    ring.sources_.reserve(merged.size());
    for (Merging& m : merged) {
        ring.certs_.push_back(identify_keys(m));
        ring.sources_.push_back(std::move(m.cert));
    }
    merged.clear();
    ring.depth_.assign(ring.sources_.size(), Depth::none);
    ring.locks_ = std::make_unique<std::mutex[]>(ring.sources_.size());
    ring.deferred_.resize(ring.sources_.size());
    ring.uid_valid_.resize(ring.sources_.size());
    for (std::size_t c = 0; c < ring.certs_.size(); ++c) {
        const auto& vc = ring.certs_[c];
        ring.by_key_id_.emplace(vc.primary.key_id, std::pair{c, std::ptrdiff_t{-1}});
        for (std::size_t s = 0; s < vc.subkeys.size(); ++s)
            ring.by_key_id_.emplace(vc.subkeys[s].key_id, std::pair{c, static_cast<std::ptrdiff_t>(s)});
        ring.has_version_[vc.primary.key.version] = true;
        for (const auto& sub : vc.subkeys) ring.has_version_[sub.key.version] = true;
    }
    if (!ring.certs_.empty()) ring.first_key_version_ = ring.certs_.front().primary.key.version;
    return ring;
}

void Keyring::prepare(std::size_t index, Depth depth) const
{
    ValidatedCertificate& vc = certs_[index];
    const Certificate& cert = sources_[index];
    if (depth_[index] == Depth::none) {
        uid_valid_[index].assign(cert.user_ids.size(), false);
        verify_self_signatures(vc, cert, policy_, uid_valid_[index], depth == Depth::signing ? &deferred_[index] : nullptr);
        depth_[index] = Depth::signing;
    }
    if (depth == Depth::complete && depth_[index] != Depth::complete) {
        for (const Deferred& d : deferred_[index]) add_self_signature(vc, cert, d.index, policy_, uid_valid_[index]);
        deferred_[index].clear();
        for (std::size_t i = 0; i < cert.user_ids.size(); ++i)
            if (uid_valid_[index][i]) vc.user_ids.push_back(cert.user_ids[i]);
        depth_[index] = Depth::complete;
    }
}

void Keyring::settle_primary(std::size_t index, std::int64_t t, bool primary_signs) const
{
    ValidatedCertificate& vc = certs_[index];
    // binding_at() and flags_at() pick the newest binding in force at t (by creation
    // time, then position), flags_at() among those stating key flags; the primary's
    // flags only matter when it makes the signature itself. A deferred binding not
    // in force at t, or older than the valid ones already found for the questions
    // asked, cannot change an answer; the rest is verified, newest first.
    using Rank = std::pair<std::uint32_t, std::uint32_t>;   // (created, position)
    std::optional<Rank> newest, newest_with_flags;
    auto note = [&](const ValidatedKey::Binding& b) {
        if (!in_force_at(b.created, b.sig_expires_after, t)) return;
        Rank rank{b.created, b.order};
        if (!newest || rank > *newest) newest = rank;
        if (b.key_flags && (!newest_with_flags || rank > *newest_with_flags)) newest_with_flags = rank;
    };
    for (const auto& b : vc.primary.bindings) note(b);
    auto& deferred = deferred_[index];
    for (auto it = deferred.begin(); it != deferred.end();) {
        Rank rank{it->created, it->index};
        bool can_decide = in_force_at(it->created, it->expires, t) &&
                          (!newest || rank > *newest ||
                           (primary_signs && it->states_flags && (!newest_with_flags || rank > *newest_with_flags)));
        if (!can_decide) {
            ++it;
            continue;
        }
        std::size_t before = vc.primary.bindings.size();
        add_self_signature(vc, sources_[index], it->index, policy_, uid_valid_[index]);
        if (vc.primary.bindings.size() > before) note(vc.primary.bindings.back());
        it = deferred.erase(it);
    }
}

const std::vector<ValidatedCertificate>& Keyring::certificates() const
{
    for (std::size_t i = 0; i < certs_.size(); ++i) {
        std::lock_guard guard(locks_[i]);
        prepare(i, Depth::complete);
    }
    return certs_;
}

template <class Visit>
void Keyring::for_each_key_of(const std::vector<Bytes>& issuers, Visit&& visit) const
{
    for (const Bytes& issuer : issuers) {
        Bytes id;
        if (issuer.size() == 8) id = issuer;
        else if (issuer.size() == 20) id = pgp::key_id(issuer, 4);
        else if (issuer.size() == 32) id = pgp::key_id(issuer, 6);
        else continue;
        auto [lo, hi] = by_key_id_.equal_range(id);
        for (auto it = lo; it != hi; ++it) {
            const auto& cert = certs_[it->second.first];
            const ValidatedKey* key = it->second.second < 0 ? &cert.primary : &cert.subkeys[it->second.second];
            // A fingerprint must match in full, not only in its key ID part.
            if (issuer.size() != 8 && key->fingerprint != issuer) continue;
            if (visit(it->second.first, key)) return;
        }
    }
}

std::vector<Keyring::Candidate> Keyring::find(const std::vector<Bytes>& issuers) const
{
    std::vector<Candidate> out;
    for_each_key_of(issuers, [&](std::size_t index, const ValidatedKey* key) {
        bool seen = std::ranges::any_of(out, [&](const Candidate& c) { return c.key == key; });
        if (seen) return false;
        {
            std::lock_guard guard(locks_[index]);
            prepare(index, Depth::signing);
        }
        out.push_back({&certs_[index], key});
        return false;
    });
    return out;
}

Status Keyring::could_have_made(const std::vector<Bytes>& issuers, std::uint8_t version) const
{
    // The keys find() would try, in its order, looked up only: nothing is prepared.
    std::uint8_t first = 0;
    if (issuers.empty()) {
        if (has_version_[version]) return {};
        first = first_key_version_;
    }
    bool found = false;
    for_each_key_of(issuers, [&](std::size_t, const ValidatedKey* key) {
        if (key->key.version == version) return found = true;
        if (first == 0) first = key->key.version;
        return false;
    });
    if (found) return {};
    if (first == 0) return fail(Errc::rejected, "no matching key in the keyring");
    return fail(Errc::rejected, "v{} signature by a v{} key", version, first);
}

Status Keyring::usable_for_signing(const Candidate& candidate, std::int64_t t) const
{
    auto index = static_cast<std::size_t>(candidate.cert - certs_.data());
    if (index >= certs_.size()) return fail(Errc::rejected, "key not from this keyring");
    std::lock_guard guard(locks_[index]);
    if (depth_[index] == Depth::none) return fail(Errc::rejected, "key not from this keyring");
    settle_primary(index, t, candidate.key == &candidate.cert->primary);
    const ValidatedCertificate& cert = *candidate.cert;
    const ValidatedKey& key = *candidate.key;
    if (auto ok = alive_at(cert.primary, t, "primary key"); !ok) return ok;
    if (&key != &cert.primary) {
        if (auto ok = alive_at(key, t, "subkey"); !ok) return ok;
        if (!key.back_signed) return fail(Errc::rejected, "subkey {} has no valid back-signature", hex_upper(key.fingerprint));
    }
    auto flags = flags_at(key, t);
    if (!flags || !(*flags & key_flag::sign))
        return fail(Errc::rejected, "key {} is not signing-capable", hex_upper(key.fingerprint));
    return {};
}

}  // namespace umd::pgp
