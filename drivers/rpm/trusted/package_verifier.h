// drivers/rpm/trusted/package_verifier.h — the Manager's verdict on one parsed package.
//
// Trusted side (Manager). Takes the handler's decoded reply and the package
// file the Manager opened itself, and decides, in this order: the reply's
// header offset and blob are exactly the file's main header, which the Manager
// locates from the file's fixed intros (package_source.h); there is at least
// one header-only signature; one of them verifies over that blob with a
// trusted key (through the SignatureCheck given, which is the OpenPGP driver);
// the header SHA-256 digest, when present, matches the blob; the claims check
// out against the signed blob; the signed header has a payload digest, and
// the file's bytes after the main header (to its end) hash to it. Anything
// else contributes nothing: fail closed.
// A VerifiedPackage can only be made here, so the trust database (which only
// accepts VerifiedPackage) can only ever hold what passed every step.
#pragma once

#include <functional>
#include <span>
#include <string>

#include <umd/error.h>
#include <umd/wire.h>

#include "drivers/rpm/protocol.h"
#include "drivers/rpm/trusted/claim_check.h"
#include "drivers/rpm/trusted/package_source.h"

namespace umd::rpm {

/// Verifies OpenPGP signature packets over `signed_data`; returns the good
/// signer's primary-key fingerprint (upper-case hex). Errc::rejected when no
/// signature verifies with a trusted key.
using SignatureCheck = std::function<Result<std::string>(ByteView signed_data, std::span<const SignaturePacket> signatures)>;

/// A package whose header signature verified, whose claims checked out and whose
/// payload hashed to the signed payload digest, all in the file that was named.
class VerifiedPackage {
public:
    const PackageInfo& info() const noexcept { return info_; }
    const std::string& signer() const noexcept { return signer_; }
    /// SHA-256 of the signed header blob (identifies exactly what was verified).
    const std::string& header_sha256() const noexcept { return header_sha256_; }

private:
    friend Result<VerifiedPackage> verify_parsed(const Parsed& parsed, const PackageSource& file, const SignatureCheck& check);
    VerifiedPackage(PackageInfo info, std::string signer, std::string header_sha256)
        : info_(std::move(info)), signer_(std::move(signer)), header_sha256_(std::move(header_sha256)) {}
    PackageInfo info_;
    std::string signer_;
    std::string header_sha256_;
};

/// The verdict on one decoded reply for the package `file` (see the file
/// comment for the order). Errc::rejected: unsigned, bad or unknown signature,
/// header or payload digest mismatch, no signed payload digest;
/// Errc::protocol: the reply or a claim does not match the file's bytes or the
/// signed bytes (the handler lied); Errc::bad_input: the signed header itself
/// is inconsistent; Errc::io: the file could not be read (or changed).
Result<VerifiedPackage> verify_parsed(const Parsed& parsed, const PackageSource& file, const SignatureCheck& check);

/// Errc::protocol unless the reply's header offset and blob are exactly the
/// main header of `file` as its fixed intros place it; its location otherwise.
Result<HeaderLocation> check_header_in_file(const Parsed& parsed, const PackageSource& file);

/// For display only (`umd rpm show`): the header tied to the file and the
/// claims checked against it, without any signature or payload check. Never use
/// the result for a trust decision.
Result<PackageInfo> inspect_parsed(const Parsed& parsed, const PackageSource& file);

}  // namespace umd::rpm
