// drivers/rpm/trusted/package_verifier.h — the Manager's verdict on one parsed package.
//
// Trusted side (Manager). Takes the handler's decoded reply and decides, in
// this order: there is at least one header-only signature; one of them
// verifies over the exact main-header blob with a trusted key (through the
// SignatureCheck given, which is the OpenPGP driver); the header SHA-256 digest,
// when present, matches the blob; and only then the claims check out against
// the signed blob. Anything else contributes nothing: fail closed.
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

namespace umd::rpm {

/// Verifies OpenPGP signature packets over `signed_data`; returns the good
/// signer's primary-key fingerprint (upper-case hex). Errc::rejected when no
/// signature verifies with a trusted key.
using SignatureCheck = std::function<Result<std::string>(ByteView signed_data, std::span<const SignaturePacket> signatures)>;

/// A package whose header signature verified and whose claims checked out.
class VerifiedPackage {
public:
    const PackageInfo& info() const noexcept { return info_; }
    const std::string& signer() const noexcept { return signer_; }
    /// SHA-256 of the signed header blob (identifies exactly what was verified).
    const std::string& header_sha256() const noexcept { return header_sha256_; }

private:
    friend Result<VerifiedPackage> verify_parsed(const Parsed& parsed, const SignatureCheck& check);
    VerifiedPackage(PackageInfo info, std::string signer, std::string header_sha256)
        : info_(std::move(info)), signer_(std::move(signer)), header_sha256_(std::move(header_sha256)) {}
    PackageInfo info_;
    std::string signer_;
    std::string header_sha256_;
};

/// The verdict on one decoded reply (see the file comment for the order).
/// Errc::rejected: unsigned, bad or unknown signature, digest mismatch;
/// Errc::protocol: the reply or a claim does not match the signed bytes;
/// Errc::bad_input: the signed header itself is inconsistent.
Result<VerifiedPackage> verify_parsed(const Parsed& parsed, const SignatureCheck& check);

/// For display only (`umd rpm show`): the claims checked against the blob,
/// without any signature check. Never use the result for a trust decision.
Result<PackageInfo> inspect_parsed(const Parsed& parsed);

}  // namespace umd::rpm
