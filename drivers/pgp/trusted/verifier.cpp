// drivers/pgp/trusted/verifier.cpp — hashing the signed data and judging each signature.
//
// Trusted side.
#include "drivers/pgp/trusted/verifier.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <tuple>

#include <umd/one_shot/another_cpu.h>

#include "drivers/pgp/trusted/canonical_text.h"
#include "drivers/pgp/trusted/signature_check.h"
#include "drivers/pgp/trusted/signature_hash.h"
#include "drivers/pgp/trusted/subpackets.h"
#include "drivers/pgp/trusted/work_counters.h"

namespace umd::pgp {

Status Verdict::status() const
{
    if (valid()) return {};
    std::string why;
    for (const Bad& b : bad) {
        if (!why.empty()) why += "; ";
        why += b.issuer.empty() ? b.reason : fmt::format("{}: {}", b.issuer, b.reason);
    }
    if (why.empty()) why = "no signature";
    return fail(Errc::rejected, "{} of {} required good signatures: {}", good_signers.size(), required, why);
}

namespace {

/// One signature in flight: its hasher (fed by the data pass) or why it was dropped early.
struct Pending {
    const Signature* sig;
    HashedFacts facts;
    std::optional<SignatureHasher> hasher;
    std::optional<TextCanonicalizer> text;   ///< for type 0x01 over raw data
    std::string reason;                      ///< non-empty: already bad
    bool facts_checked = false;              ///< the hashed area passed the policy (name issuers from it)
    /// Index of an earlier signature whose hash of the data is this one's: v4 with the
    /// same hash and text mode (v4 has no salt), v6 with the same salt too. The data
    /// part of the hash is computed once, by that signature's pass.
    std::optional<std::size_t> same_data_as;
    /// What a signature dropped before judge() counts as (SignatureReport).
    SignatureReport::Outcome dropped_as = SignatureReport::Outcome::unchecked;
};

std::string first_issuer(const Signature& sig, const HashedFacts* facts)
{
    if (facts && !facts->issuer_fingerprints.empty()) return hex_upper(facts->issuer_fingerprints.front());
    if (facts && !facts->issuer_key_ids.empty()) return hex_upper(facts->issuer_key_ids.front());
    if (!sig.issuer_hints.empty()) return hex_upper(sig.issuer_hints.front());
    return {};
}

/// Checks the time and hash policy of a data signature; on success starts its hasher.
Pending prepare(const Signature& sig, const Policy& policy, bool data_is_canonical)
{
    Pending p{&sig, {}, std::nullopt, std::nullopt, {}, false, std::nullopt, SignatureReport::Outcome::unchecked};
    if (sig.context != SigContext::standalone) {
        p.reason = "not a data signature";
        return p;
    }
    if (sig.type != 0x00 && sig.type != 0x01) {
        p.reason = fmt::format("signature type 0x{:02X} does not sign data", sig.type);
        return p;
    }
    auto facts = walk_hashed_area(sig.hashed_area);
    if (!facts) {
        p.reason = facts.error().message;
        return p;
    }
    p.facts = std::move(*facts);
    if (!p.facts.created) {
        p.reason = "no signature creation time";
        return p;
    }
    std::int64_t created = *p.facts.created;
    std::int64_t now = policy.reference_now();
    if (auto ok = hash_acceptable(sig.hash_algorithm, false, created, policy); !ok) {
        p.reason = ok.error().message;
        return p;
    }
    std::int64_t latest = policy.not_after ? *policy.not_after : now + policy.clock_skew;
    if (created > latest) {
        p.reason = policy.not_after ? "signature made after --not-after" : "signature made in the future";
        return p;
    }
    if (policy.not_before && created < *policy.not_before) {
        p.reason = "signature made before --not-before";
        return p;
    }
    std::uint32_t expires = p.facts.expires_after.value_or(0);
    if (expires != 0 && now >= created + expires) {
        p.reason = "signature expired";
        return p;
    }
    auto hasher = SignatureHasher::start(sig);
    if (!hasher) {
        p.reason = hasher.error().message;
        return p;
    }
    p.hasher.emplace(std::move(*hasher));
    p.facts_checked = true;
    if (sig.type == 0x01 && !data_is_canonical) p.text.emplace();
    return p;
}

void feed(Pending& p, ByteView data, Bytes& scratch)
{
    if (!p.hasher) return;
    if (p.text) {
        scratch.clear();
        p.text->feed(data, scratch);
        data = scratch;
    }
    p.hasher->update(data);
    work_counters().data_bytes_hashed.fetch_add(data.size(), std::memory_order_relaxed);
}

/// What judge() found for one signature: the good signer, or why it is bad.
struct Outcome {
    std::string good_signer;   ///< empty when bad
    Verdict::Bad bad;
    SignatureReport report;
};

/// The signature's facts for its report; `outcome` and the keys are set by the caller.
SignatureReport report_of(const Pending& p, SignatureReport::Outcome outcome, std::string key)
{
    const Signature& sig = *p.sig;
    return {.outcome = outcome, .version = sig.version, .type = sig.type, .pk_algorithm = sig.pk_algorithm,
            .hash_algorithm = sig.hash_algorithm, .created = p.facts.created.value_or(0),
            .expires_after = p.facts.expires_after.value_or(0), .key = std::move(key), .primary = {}};
}

/// Who may have made the signature: issuers from the hashed area are signed facts;
/// the handler's hints only widen the search.
std::vector<Bytes> issuers_of(const Pending& p)
{
    std::vector<Bytes> issuers = p.facts.issuer_fingerprints;
    issuers.insert(issuers.end(), p.facts.issuer_key_ids.begin(), p.facts.issuer_key_ids.end());
    issuers.insert(issuers.end(), p.sig->issuer_hints.begin(), p.sig->issuer_hints.end());
    return issuers;
}

/// The keys that may have made the signature (see issuers_of()); every key of the
/// keyring when the signature names no issuer. Their certificates are prepared for
/// signing on the way (Keyring::find).
std::vector<Keyring::Candidate> candidates_for(const Pending& p, const Keyring& keyring)
{
    if (auto issuers = issuers_of(p); !issuers.empty()) return keyring.find(issuers);
    std::vector<Keyring::Candidate> all;
    for (const auto& cert : keyring.certificates()) {
        all.push_back({&cert, &cert.primary});
        for (const auto& sub : cert.subkeys) all.push_back({&cert, &sub});
    }
    return all;
}

/// Whether the candidate's key may have made the signature at its time (the
/// certificate's side of the verdict: bindings, liveness, revocations).
Status usable_by(const Pending& p, const Keyring::Candidate& c, const Keyring& keyring)
{
    if (p.sig->version != c.key->key.version)
        return fail(Errc::rejected, "v{} signature by a v{} key", p.sig->version, c.key->key.version);
    return keyring.usable_for_signing(c, *p.facts.created);
}

/// The certificate work of one signature ahead of judge(): its candidates'
/// certificates prepared and their bindings at the signature's time verified. The
/// keyring keeps what it verified, so judge() then only checks the signature itself;
/// on two CPUs the two halves of different signatures run side by side.
void prepare_certificates(const Pending& p, const Keyring& keyring)
{
    // A signature that names no issuer could be anyone's: judge() tries the keys one
    // by one and stops at the first that verifies; preparing them all could cost more.
    if (!p.hasher) return;
    auto issuers = issuers_of(p);
    if (issuers.empty()) return;
    for (const auto& c : keyring.find(issuers)) (void)usable_by(p, c, keyring);
}

/// Finishes the hash and tries every candidate key. Touches only `p` and the
/// keyring (locked per certificate): signatures may be judged on several threads.
Outcome judge(Pending& p, const Keyring& keyring)
{
    const Signature& sig = *p.sig;
    std::string issuer = first_issuer(sig, p.facts_checked ? &p.facts : nullptr);
    const auto bad = [&](SignatureReport::Outcome outcome, std::string reason) {
        return Outcome{{}, {issuer, std::move(reason)}, report_of(p, outcome, issuer)};
    };
    if (!p.hasher) return bad(p.dropped_as, p.reason);
    if (p.text) {
        Bytes tail;
        p.text->finish(tail);
        p.hasher->update(tail);
    }
    auto digest = p.hasher->finish(sig);
    if (!digest) return bad(SignatureReport::Outcome::unchecked, digest.error().message);
    std::vector<Keyring::Candidate> candidates = candidates_for(p, keyring);
    if (candidates.empty()) return bad(SignatureReport::Outcome::no_key, "no matching key in the keyring");
    std::string reason;
    for (const auto& c : candidates) {
        work_counters().signature_checks.fetch_add(1, std::memory_order_relaxed);
        Status ok = [&]() -> Status {
            if (auto u = usable_by(p, c, keyring); !u) return u;
            return check_signature_values(*c.key->public_key, sig, p.hasher->algorithm(), *digest);
        }();
        if (ok) {
            Outcome good{hex_upper(c.cert->primary.fingerprint), {},
                         report_of(p, SignatureReport::Outcome::good, hex_upper(c.key->fingerprint))};
            good.report.primary = good.good_signer;
            return good;
        }
        if (reason.empty()) reason = ok.error().message;
    }
    return bad(SignatureReport::Outcome::bad, reason);
}

/// Judges every signature, here or also on another CPU, and adds the outcomes to
/// the verdict in signature order (so both ways give the same verdict).
void judge_all(std::vector<Pending>& pending, const Keyring& keyring, Checking checking, Verdict& verdict)
{
    std::vector<Outcome> outcomes(pending.size());
    std::size_t to_check = std::ranges::count_if(pending, [](const Pending& p) { return p.hasher.has_value(); });
    if (checking == Checking::also_on_another_cpu && to_check > 1) {
        // Both threads take the next task until none is left. A signature is two
        // tasks: its certificates' work first (for a signing subkey, three
        // verifications: user ID binding, subkey binding, back-signature), then the
        // signature itself; all the first halves come before the second ones, so
        // signatures of unequal cost still keep both CPUs busy to the end.
        std::atomic<std::size_t> next = 0;
        const std::size_t n = pending.size();
        auto work = [&] {
            for (std::size_t task; (task = next.fetch_add(1)) < 2 * n;) {
                if (task < n) prepare_certificates(pending[task], keyring);
                else outcomes[task - n] = judge(pending[task - n], keyring);
            }
        };
        std::jthread helper = one_shot::start_on_another_cpu(work);
        work();
    } else {
        for (std::size_t i = 0; i < pending.size(); ++i) outcomes[i] = judge(pending[i], keyring);
    }
    for (Outcome& o : outcomes) {
        verdict.signatures.push_back(std::move(o.report));
        if (o.good_signer.empty()) verdict.bad.push_back(std::move(o.bad));
        else if (std::ranges::find(verdict.good_signers, o.good_signer) == verdict.good_signers.end())
            verdict.good_signers.push_back(std::move(o.good_signer));
    }
}

/// Drops what needs no hashing, then decides who hashes the data: returns the
/// signatures whose pass runs over it (at most max_data_passes), the others having
/// same_data_as set, or a reason. Linear in the signatures (a map of passes).
std::vector<std::size_t> plan_data_passes(std::vector<Pending>& pending, const Keyring& keyring)
{
    auto drop = [](Pending& p, std::string reason,
                   SignatureReport::Outcome as = SignatureReport::Outcome::unchecked) {
        p.reason = std::move(reason);
        p.dropped_as = as;
        p.hasher.reset();
        p.text.reset();
    };
    // (version, hash algorithm, text mode, salt): what makes the data part of the hash.
    using PassKey = std::tuple<std::uint8_t, std::uint8_t, bool, Bytes>;
    std::map<PassKey, std::size_t> passes;
    std::vector<std::size_t> leaders;
    std::size_t checked = 0;
    for (std::size_t i = 0; i < pending.size(); ++i) {
        Pending& p = pending[i];
        if (!p.hasher) continue;
        // A signature no key could have made is judged as judge() would, unhashed
        // (the same keys are tried: issuers from the hashed area and the hints).
        if (auto ok = keyring.could_have_made(issuers_of(p), p.sig->version); !ok) {
            drop(p, ok.error().message, SignatureReport::Outcome::no_key);
            continue;
        }
        // Each one left costs a public-key operation per candidate key: a bounded number.
        if (++checked > max_checked_signatures) {
            drop(p, fmt::format("not checked: at most {} signatures of one input that a key of the keyring could "
                                "have made are checked",
                                max_checked_signatures));
            continue;
        }
        PassKey key{p.sig->version, p.sig->hash_algorithm, p.text.has_value(), p.sig->salt};
        if (auto it = passes.find(key); it != passes.end()) {
            p.same_data_as = it->second;
            continue;
        }
        if (leaders.size() >= max_data_passes) {
            drop(p, fmt::format("not checked: the data is hashed at most {} times (once per hash algorithm, and per "
                                "salt for v6), and this signature needs another pass",
                                max_data_passes));
            continue;
        }
        passes.emplace(std::move(key), i);
        leaders.push_back(i);
    }
    return leaders;
}

/// `source` calls its sink with the signed data, chunk by chunk. `data_is_canonical`:
/// the data is already canonical text (cleartext), so text signatures hash it as is.
Result<Verdict> verify_with(const Keyring& keyring, const std::vector<Signature>& sigs, const Policy& policy,
                            Checking checking, bool data_is_canonical,
                            const std::function<Status(const std::function<void(ByteView)>&)>& source)
{
    Verdict verdict;
    verdict.required = policy.signatures;
    if (sigs.empty()) return fail(Errc::bad_input, "the input holds no signature");
    std::vector<Pending> pending;
    pending.reserve(sigs.size());
    for (const Signature& sig : sigs) pending.push_back(prepare(sig, policy, data_is_canonical));
    std::vector<std::size_t> leaders = plan_data_passes(pending, keyring);
    work_counters().data_passes.fetch_add(leaders.size(), std::memory_order_relaxed);
    Bytes scratch;
    Status read = source([&](ByteView chunk) {
        for (std::size_t i : leaders) feed(pending[i], chunk, scratch);
    });
    if (!read) return std::unexpected(read.error());
    // Followers take a copy of their leader's hash before any trailer is added.
    for (Pending& p : pending) {
        if (!p.same_data_as) continue;
        Pending& leader = pending[*p.same_data_as];
        auto copy = UMD_TRY(leader.hasher->clone());
        p.hasher.emplace(std::move(copy));
        if (leader.text) p.text = leader.text;   // same pending CR state
    }
    judge_all(pending, keyring, checking, verdict);
    return verdict;
}

}  // namespace

Result<Verdict> verify_detached(const Keyring& keyring, const Parsed& signature, int data_fd, const Policy& policy,
                                Checking checking)
{
    if (signature.kind != InputKind::detached_signature) return fail(Errc::bad_input, "not a detached signature");
    return verify_with(keyring, signature.signatures, policy, checking, false, [&](const auto& sink) -> Status {
        // pread from offset 0: the descriptor may be shared with a client of umdd.
        Bytes buffer(256 * 1024);
        for (off_t at = 0;;) {
            ssize_t n = ::pread(data_fd, buffer.data(), buffer.size(), at);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fail(Errc::io, "cannot read the signed data: {}", std::strerror(errno));
            if (n == 0) return {};
            at += n;
            sink(ByteView(buffer.data(), static_cast<std::size_t>(n)));
        }
    });
}

Result<Verdict> verify_detached(const Keyring& keyring, const Parsed& signature, ByteView data, const Policy& policy)
{
    if (signature.kind != InputKind::detached_signature) return fail(Errc::bad_input, "not a detached signature");
    return verify_with(keyring, signature.signatures, policy, Checking::on_this_thread, false, [&](const auto& sink) -> Status {
        sink(data);
        return {};
    });
}

Result<Verdict> verify_message(const Keyring& keyring, const Parsed& message, const Policy& policy, Bytes* verified,
                               Checking checking)
{
    if (message.kind != InputKind::cleartext && message.kind != InputKind::inline_message)
        return fail(Errc::bad_input, "not a signed message");
    if (message.kind == InputKind::inline_message) {
        if (!message.text) return fail(Errc::bad_input, "the message carries no signed text");
        auto verdict = verify_with(keyring, message.signatures, policy, checking, false, [&](const auto& sink) -> Status {
            sink(*message.text);
            return {};
        });
        if (verdict && verdict->valid() && verified) *verified = *message.text;
        return verdict;
    }
    if (!message.text_lines) return fail(Errc::bad_input, "the message carries no signed text");
    // decode() has checked the lines against these bytes; a Parsed may come from
    // elsewhere, so the bounds are checked again before anything reads them.
    UMD_TRY(check_text_lines(message.input, *message.text_lines, false));
    // Cleartext: only text signatures, hashed over the canonical form (no trailing whitespace, CR LF).
    const std::vector<Signature>& sigs = message.signatures;
    Verdict early;
    std::vector<Signature> usable;
    for (const Signature& sig : sigs) {
        bool named = message.cleartext_hash_headers.empty() ||
                     std::ranges::find(message.cleartext_hash_headers, sig.hash_algorithm) !=
                         message.cleartext_hash_headers.end();
        const char* refused = sig.type != 0x01 ? "cleartext signature is not a text signature"
                              : !named         ? "hash algorithm not named by a Hash header"
                                               : nullptr;
        if (!refused) {
            usable.push_back(sig);
            continue;
        }
        early.bad.push_back({first_issuer(sig, nullptr), refused});
        early.signatures.push_back({.outcome = SignatureReport::Outcome::unchecked, .version = sig.version,
                                    .type = sig.type, .pk_algorithm = sig.pk_algorithm,
                                    .hash_algorithm = sig.hash_algorithm, .created = 0, .expires_after = 0,
                                    .key = first_issuer(sig, nullptr), .primary = {}});
    }
    if (sigs.empty()) return fail(Errc::bad_input, "the input holds no signature");
    Result<Verdict> verdict = Verdict{{}, {}, policy.signatures};
    if (!usable.empty()) {
        verdict = verify_with(keyring, usable, policy, checking, true, [&](const auto& sink) -> Status {
            feed_cleartext_hashed(message.input, *message.text_lines, sink);
            return {};
        });
        if (!verdict) return verdict;
    }
    verdict->bad.insert(verdict->bad.begin(), early.bad.begin(), early.bad.end());
    verdict->signatures.insert(verdict->signatures.begin(), early.signatures.begin(), early.signatures.end());
    if (verdict->valid() && verified) *verified = cleartext_output(message.input, *message.text_lines);
    return verdict;
}

}  // namespace umd::pgp
