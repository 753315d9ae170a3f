// drivers/rpm/trusted/trust_db.h — the trust database: file digests vouched for by verified packages.
//
// Trusted side (Manager). An LMDB environment (a directory) with four databases:
//   files     key [algo u8][digest][NEVRA][file index u32 BE] → [mode u32 LE][path]
//   packages  key NEVRA → what the package added (so removal is exact) and who signed it
//   digests   key [algo u8][digest] → u32 LE number of files entries with that prefix:
//             a compact index for contains() (~45 bytes per digest instead of ~110,
//             so fewer, hotter pages per query); updated in the same write
//             transaction as every files entry, so it never disagrees after a commit
//   meta      "format" → u32 LE layout version (2; a database without it is 1 and
//             is given the digests index when first opened for writing)
// With TrustDbOptions::memory_index, contains() answers from an in-memory copy
// of the digests index (a DigestSet) as long as the database has not changed
// since it was built — checked on every query against the transaction id of the
// reader's snapshot, so an answer is never older than the latest commit: after
// any commit, by this or another process, queries go to LMDB until
// refresh_memory_index() rebuilds the set (a handle's own writes rebuild it).
// Readers never block (LMDB MVCC); every update is one write transaction (per
// package or per batch), so a writer killed mid-update leaves the last
// committed state intact. Only a VerifiedPackage can be added, and only with
// a strong file digest algorithm (SHA-2) unless TrustDbOptions::allow_weak_digests.
// Queries (contains, lookup) borrow a read transaction and cursor from a small
// pool owned by the TrustDb: reset when returned (so no old snapshot is pinned
// and writers can reuse pages), renewed to the latest commit when borrowed, so
// a query costs no mdb_txn_begin, no cursor allocation and no reader-slot churn.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <umd/error.h>
#include <umd/wire.h>

#include "drivers/rpm/trusted/package_source.h"
#include "drivers/rpm/trusted/package_verifier.h"

namespace umd::rpm {

inline constexpr const char* default_trust_db = "/var/lib/umd/trust.mdb";
inline constexpr const char* default_keyring_dir = "/etc/umd/keys.d";

/// One package in the database.
struct TrustedPackage {
    std::string nevra;
    std::string signer;          ///< primary-key fingerprint of the good signature
    std::string header_sha256;   ///< what was verified
    std::uint64_t added = 0;     ///< seconds since the epoch
    std::uint32_t digest_algo = 0;
    std::uint32_t files = 0;     ///< regular files with a digest, i.e. entries added
};

/// A package vouching for a digest.
struct Vouch {
    std::string nevra;
    std::string path;
    std::uint32_t mode = 0;
};

/// The answer for one file.
struct CheckResult {
    std::string digest;           ///< "<algo>:<hex>" of the match, or of the last algorithm tried
    std::vector<Vouch> vouchers;  ///< empty: not trusted
};

struct TrustDbOptions {
    std::size_t map_size = std::size_t{16} << 30;   ///< LMDB map size (virtual; the file grows as used)
    bool read_only = false;
    bool create = true;                              ///< create the directory when missing
    /// Keep an in-memory copy of the digests for contains() (about 64 bytes per
    /// SHA-256 digest, on huge pages; built at open, 0.4–0.6 s per million digests).
    bool memory_index = false;
    /// Let MD5 and SHA-1 file digests vouch for files (old packages only): add()
    /// accepts packages with them, contains(), lookup() and check_file() trust
    /// them. Off by default: collisions are practical for both, so add() refuses
    /// such a package (Errc::rejected) and queries never count a weak digest as
    /// trusted, even one a handle with this option wrote.
    bool allow_weak_digests = false;
};

/// The state of a handle's in-memory digest set (TrustDbOptions::memory_index).
struct MemoryIndexInfo {
    bool current = false;          ///< built from the latest commit: contains() uses it
    std::size_t digests = 0;
    std::size_t memory_bytes = 0;
    std::uint64_t built_at_txn = 0;   ///< the LMDB transaction id it reflects
};

/// Ok when `package` may enter the database: Errc::rejected, naming `name`, when its
/// regular files' digests are MD5 or SHA-1 and `allow_weak_digests` is false. The
/// check `umd trust add` makes per package (standalone and in umdd) before a batch
/// is written, so one weak package is refused alone instead of failing the batch.
Status check_admissible(const VerifiedPackage& package, const std::string& name, bool allow_weak_digests);

class TrustDb {
public:
    /// Opens (creating when allowed) the environment in directory `path`.
    static Result<TrustDb> open(const std::string& path, TrustDbOptions options = {});

    TrustDb(TrustDb&&) noexcept;
    TrustDb& operator=(TrustDb&&) noexcept;
    ~TrustDb();

    /// Adds (or replaces, by NEVRA) one package in one transaction. Errc::rejected
    /// for MD5 or SHA-1 file digests without TrustDbOptions::allow_weak_digests.
    Status add(const VerifiedPackage& package);
    /// Adds packages in one transaction; `progress(i)` is called after package i is staged.
    /// `allow_weak_digests` overrides the handle's option for this batch (umdd holds one
    /// handle and asks per request).
    Status add_batch(std::span<const VerifiedPackage* const> packages, const std::function<void(std::size_t)>& progress = {},
                     std::optional<bool> allow_weak_digests = {});
    /// Removes a package and every entry it added. not_found when absent.
    Status remove(const std::string& nevra);
    Result<std::vector<TrustedPackage>> list() const;
    /// Whether any package vouches for the raw `digest` of algorithm `algo`
    /// (digest_algo::*), as of the latest commit. The enforcement hot path: it
    /// allocates nothing once the reader pool is warm, and any number of threads
    /// may call it at once, also while this or another process writes.
    /// bad_input for an unsupported algorithm or a digest of the wrong size.
    /// An MD5 or SHA-1 digest is never contained without allow_weak_digests.
    Result<bool> contains(std::uint32_t algo, ByteView digest) const;
    /// Packages vouching for the raw `digest` of algorithm `algo` (allocates the
    /// answer: for the CLI). Same errors as contains.
    /// `allow_weak_digests` overrides the handle's option for this query.
    Result<std::vector<Vouch>> lookup(std::uint32_t algo, ByteView digest, std::optional<bool> allow_weak_digests = {}) const;
    /// Rebuilds the in-memory digest set when the database changed since it was
    /// built; true when it did. invalid_argument without TrustDbOptions::memory_index.
    /// Safe while other threads query: they use the old set (or LMDB) until the
    /// new one is in place.
    Result<bool> refresh_memory_index();
    /// nullopt without TrustDbOptions::memory_index.
    std::optional<MemoryIndexInfo> memory_index_info() const;
    /// The file digest algorithms the database holds entries of (digest_algo::*,
    /// strongest first; MD5 and SHA-1 only when allowed).
    Result<std::vector<std::uint32_t>> algorithms(std::optional<bool> allow_weak_digests = {}) const;
    /// The id of the latest committed write transaction, by any process: it changes
    /// with every commit, so a verdict remembered with it is known to be current
    /// while it stays the same (the exec guard's cache). A read of LMDB's meta page:
    /// no lock, no system call.
    std::uint64_t last_commit() const noexcept;
    /// Hashes the file with each algorithm present in the database (MD5 and SHA-1
    /// only with allow_weak_digests); the first match wins.
    Result<CheckResult> check_file(const std::string& path) const;
    /// check_file() of a file already open (umdd: a descriptor a client passed), read
    /// from offset 0; Errc::io when it changed size while hashed. `allow_weak_digests`
    /// overrides the handle's option for this query.
    Result<CheckResult> check(const PackageSource& file, std::optional<bool> allow_weak_digests = {}) const;

private:
    struct Env;
    explicit TrustDb(std::unique_ptr<Env> env);
    Status after_commit();
    std::unique_ptr<Env> env_;
};

}  // namespace umd::rpm
