// apps/umd-gpgv/gpgv_status.cpp — see gpgv_status.h.
#include "apps/umd-gpgv/gpgv_status.h"

#include <ctime>

#include <fmt/format.h>

namespace umd::gpgv {
namespace {

using Outcome = pgp::SignatureReport::Outcome;

/// VALIDSIG's second field: the signature's creation date, UTC.
std::string date_of(std::uint32_t t)
{
    const std::time_t when = t;
    std::tm tm{};
    gmtime_r(&when, &tm);
    return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

}  // namespace

std::string key_id_of(const std::string& key)
{
    if (key.size() == 40) return key.substr(24);
    if (key.size() == 64) return key.substr(0, 16);
    if (key.size() == 16) return key;
    return std::string(16, '0');
}

std::string status_lines(const pgp::Verdict& verdict)
{
    std::string out;
    for (const auto& s : verdict.signatures) {
        out += "[GNUPG:] NEWSIG\n";
        const std::string id = key_id_of(s.key);
        switch (s.outcome) {
        case Outcome::good: {
            // The user ID is not reported (umd names signers by fingerprint); gpgv
            // writes "[?]" for a key without a valid one, and apt reads only the key ID.
            out += fmt::format("[GNUPG:] GOODSIG {} [?]\n", id);
            const std::uint32_t expires = s.expires_after ? s.created + s.expires_after : 0;
            out += fmt::format("[GNUPG:] VALIDSIG {} {} {} {} {} 0 {} {} {:02x} {}\n", s.key, date_of(s.created),
                               s.created, expires, s.version, s.pk_algorithm, s.hash_algorithm, s.type, s.primary);
            break;
        }
        case Outcome::bad:
            // gpgv stops at the first bad signature: the ones after it are not reported.
            out += fmt::format("[GNUPG:] BADSIG {} [?]\n", id);
            return out;
        case Outcome::no_key:
        case Outcome::unchecked: {
            // ERRSIG's return code: 9 no public key, 4 an algorithm or a signature that
            // cannot be checked. The fingerprint field is "-" when the issuer is a key ID.
            const bool no_key = s.outcome == Outcome::no_key;
            const std::string fpr = s.key.size() == 40 || s.key.size() == 64 ? s.key : "-";
            out += fmt::format("[GNUPG:] ERRSIG {} {} {} {:02x} {} {} {}\n", id, s.pk_algorithm, s.hash_algorithm,
                               s.type, s.created, no_key ? 9 : 4, fpr);
            if (no_key) out += fmt::format("[GNUPG:] NO_PUBKEY {}\n", id);
            break;
        }
        }
    }
    return out;
}

int exit_status(const pgp::Verdict& verdict)
{
    bool error = verdict.signatures.empty();
    for (const auto& s : verdict.signatures) {
        if (s.outcome == Outcome::bad) return error ? 2 : 1;   // gpgv stops here
        if (s.outcome == Outcome::no_key || s.outcome == Outcome::unchecked) error = true;
    }
    return error ? 2 : 0;
}

std::vector<std::string> human_lines(const pgp::Verdict& verdict)
{
    std::vector<std::string> lines;
    std::size_t bad = 0;
    for (const auto& s : verdict.signatures) {
        if (s.outcome == Outcome::good) {
            lines.push_back(fmt::format("Good signature made {} by key {} of certificate {}", date_of(s.created), s.key,
                                        s.primary));
            continue;
        }
        // The reasons, in order, of the signatures that are not good.
        const std::string why = bad < verdict.bad.size() ? verdict.bad[bad].reason : std::string("not good");
        ++bad;
        if (s.outcome == Outcome::bad) {
            lines.push_back(fmt::format("BAD signature (issuer {}): {}", s.key.empty() ? "unknown" : s.key, why));
            break;   // as in status_lines()
        }
        const char* what = s.outcome == Outcome::no_key ? "Can't check signature: No public key"
                                                        : "Can't check signature";
        lines.push_back(fmt::format("{} (issuer {}): {}", what, s.key.empty() ? "unknown" : s.key, why));
    }
    return lines;
}

}  // namespace umd::gpgv
