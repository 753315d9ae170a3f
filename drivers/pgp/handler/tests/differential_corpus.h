// drivers/pgp/handler/tests/differential_corpus.h — the OpenPGP files the differential test reads.
//
// Test-only. Everything is made at test time by the real gpg and sq in a
// temporary home (never the user's keyrings), or read from where Debian keeps
// it. Each function returns the paths of the files it made.
#pragma once

#include <string>
#include <vector>

#include "peer.h"

namespace umd::pgp::differential {

/// A certificate whose primary key is `algo` (as --quick-gen-key spells it) with a
/// signing subkey of the same algorithm (Ed25519 where gpg will not) that expires, a cv25519 encryption subkey,
/// a second, revoked user ID; exported binary and armored; signatures over a
/// text file: detached binary (subkey), detached armored with an expiration
/// (primary key, SHA-512), cleartext, inline signed with ZLIB, BZip2 (text mode,
/// armored) and no compression. Empty if gpg cannot make such a key.
std::vector<std::string> gpg_corpus(const testing::Gpg& gpg, const std::string& algo);

/// An RSA key made in 2020 that expired in 2021, with a signature made then.
std::vector<std::string> gpg_expired_corpus(const testing::Gpg& gpg);

/// A key revoked by the revocation certificate gpg stored when making it.
std::vector<std::string> gpg_revoked_corpus(const testing::Gpg& gpg);

/// sq's key for `cipher_suite` (sq key generate --cipher-suite): the certificate,
/// detached signatures (armored and binary), a cleartext and an inline signed message.
std::vector<std::string> sq_corpus(const testing::TempDir& dir, const std::string& cipher_suite);

/// The RFC 9580 Appendix A v6 samples, written into `dir`.
std::vector<std::string> rfc9580_corpus(const testing::TempDir& dir);

/// Files in `dir` whose names end with `suffix`, sorted.
std::vector<std::string> files_ending(const std::string& dir, const std::string& suffix);

}  // namespace umd::pgp::differential
