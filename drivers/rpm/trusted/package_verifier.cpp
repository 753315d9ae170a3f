// drivers/rpm/trusted/package_verifier.cpp — the Manager's verdict on one parsed package.
// Trusted side (Manager). See package_verifier.h.
#include "drivers/rpm/trusted/package_verifier.h"

#include "drivers/rpm/trusted/header_digest.h"

namespace umd::rpm {

Result<HeaderLocation> check_header_in_file(const Parsed& parsed, const PackageSource& file)
{
    if (parsed.needed != 0 || parsed.header.empty()) return fail(Errc::protocol, "rpm reply has no header");
    auto at = main_header_location(file);
    if (!at) {
        // The handler parsed a header out of a file whose fixed intros are not a
        // package's (its own checks are stricter): it lied.
        Error e = at.error();
        if (e.code == Errc::bad_input) e.code = Errc::protocol;
        return std::unexpected(with_context(std::move(e), "the handler returned a header, but"));
    }
    if (parsed.header_offset != at->offset)
        return fail(Errc::protocol, "rpm reply: the main header is at offset {} of the file, not {}", at->offset, parsed.header_offset);
    if (parsed.header.size() != at->size)
        return fail(Errc::protocol, "rpm reply: a {}-byte header blob, the file's main header has {}", parsed.header.size(), at->size);
    auto same = UMD_TRY(same_bytes(file, at->offset, parsed.header));
    if (!same) return fail(Errc::protocol, "rpm reply: the header blob is not the file's main header");
    return at;
}

Result<VerifiedPackage> verify_parsed(const Parsed& parsed, const PackageSource& file, const SignatureCheck& check)
{
    auto at = UMD_TRY(check_header_in_file(parsed, file));
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
        UMD_TRY(check_header_sha256(parsed.header, *parsed.sha256));

    auto info = check_claims(parsed.header, parsed.claims);
    if (!info) return std::unexpected(with_context(info.error(), "signed header"));

    // The payload: the file's bytes after the main header, to its end, hashed here.
    if (!info->payload_digest)
        return fail(Errc::rejected, "the signed header has no payload digest (tag 5092): the payload cannot be checked");
    auto payload = hash_file_range(file, at.end(), info->payload_digest_algo);
    if (!payload) return std::unexpected(with_context(payload.error(), "payload"));
    if (*payload != *info->payload_digest)
        return fail(Errc::rejected, "payload digest mismatch: the signed header says {}:{}, the {} bytes after the header hash to {}",
                    digest_algo_name(info->payload_digest_algo), *info->payload_digest, file.size() - at.end(), *payload);
    UMD_TRY(file.check_unchanged_end());
    return VerifiedPackage(std::move(*info), std::move(*signer), sha256_hex(parsed.header));
}

Result<PackageInfo> inspect_parsed(const Parsed& parsed, const PackageSource& file)
{
    UMD_TRY(check_header_in_file(parsed, file));
    return check_claims(parsed.header, parsed.claims);
}

}  // namespace umd::rpm
