// drivers/rpm/trusted/package_verifier.cpp — the Manager's verdict on one parsed package.
// Trusted side (Manager). See package_verifier.h.
#include "drivers/rpm/trusted/package_verifier.h"

#include "drivers/rpm/trusted/header_digest.h"

namespace umd::rpm {

Result<VerifiedPackage> verify_parsed(const Parsed& parsed, const SignatureCheck& check)
{
    if (parsed.needed != 0 || parsed.header.empty()) return fail(Errc::protocol, "rpm reply has no header");
    if (parsed.signatures.empty()) return fail(Errc::rejected, "package has no header signature");
    if (!check) return fail(Errc::internal, "no signature check configured");

    auto signer = check(parsed.header, parsed.signatures);
    if (!signer) {
        Error e = signer.error();
        // Whatever went wrong in the signature check, the verdict is "not valid"
        // unless the failure was an internal or handler failure worth reporting as such.
        if (e.code == Errc::bad_input || e.code == Errc::not_found) e.code = Errc::rejected;
        return std::unexpected(with_context(std::move(e), "header signature"));
    }
    if (parsed.sha256)
        if (auto s = check_header_sha256(parsed.header, *parsed.sha256); !s) return std::unexpected(s.error());

    auto info = check_claims(parsed.header, parsed.claims);
    if (!info) return std::unexpected(with_context(info.error(), "signed header"));
    return VerifiedPackage(std::move(*info), std::move(*signer), sha256_hex(parsed.header));
}

Result<PackageInfo> inspect_parsed(const Parsed& parsed)
{
    if (parsed.needed != 0 || parsed.header.empty()) return fail(Errc::protocol, "rpm reply has no header");
    return check_claims(parsed.header, parsed.claims);
}

}  // namespace umd::rpm
