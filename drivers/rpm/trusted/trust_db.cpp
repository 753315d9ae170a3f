// drivers/rpm/trusted/trust_db.cpp — the trust database on LMDB.
// Trusted side (Manager). See trust_db.h for the layout.
#include "drivers/rpm/trusted/trust_db.h"

#include <lmdb.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <utility>

#include "drivers/rpm/trusted/digest_set.h"
#include "drivers/rpm/trusted/header_digest.h"

namespace umd::rpm {
namespace {

constexpr std::size_t max_nevra = 400;   // keeps files keys under LMDB's 511-byte limit

/// The layout version kept in meta["format"]: 2 added the digests index. A
/// database written before it has no meta (version 1).
constexpr std::uint32_t format_version = 2;
constexpr std::string_view format_key = "format";

// Records of a packages value.
enum : std::uint16_t { rec_signer = 1, rec_header_sha256 = 2, rec_added = 3, rec_algo = 4, rec_entry = 5 };

std::unexpected<Error> lmdb_fail(int rc, std::string_view what)
{
    Errc code = rc == MDB_MAP_FULL ? Errc::io : Errc::system;
    return std::unexpected(Error{code, fmt::format("trust db: {}: {}", what, mdb_strerror(rc))});
}

struct TxnAbort {
    void operator()(MDB_txn* t) const { mdb_txn_abort(t); }
};
using Txn = std::unique_ptr<MDB_txn, TxnAbort>;
struct CursorClose {
    void operator()(MDB_cursor* c) const { mdb_cursor_close(c); }
};
using Cursor = std::unique_ptr<MDB_cursor, CursorClose>;
struct EnvClose {
    void operator()(MDB_env* e) const { mdb_env_close(e); }
};

MDB_val val(ByteView b) { return {b.size(), const_cast<std::uint8_t*>(b.data())}; }
MDB_val val(std::string_view s) { return {s.size(), const_cast<char*>(s.data())}; }
ByteView view(const MDB_val& v) { return {static_cast<const std::uint8_t*>(v.mv_data), v.mv_size}; }

Bytes unhex(std::string_view hex)
{
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    Bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return out;
}

Bytes file_key(std::uint32_t algo, ByteView digest, std::string_view nevra, std::uint32_t index)
{
    Bytes k;
    k.reserve(1 + digest.size() + nevra.size() + 4);
    k.push_back(static_cast<std::uint8_t>(algo));
    k.insert(k.end(), digest.begin(), digest.end());
    k.insert(k.end(), nevra.begin(), nevra.end());
    for (int s = 24; s >= 0; s -= 8) k.push_back(static_cast<std::uint8_t>(index >> s));
    return k;
}

bool is_regular(std::uint32_t mode) { return (mode & S_IFMT) == S_IFREG; }

/// Idle readers kept for reuse: enough for a daemon's worker threads. Beyond
/// that a returned reader is closed, so the pool never holds many of LMDB's
/// reader slots (126 by default, shared by every process using the database).
constexpr std::size_t max_idle_readers = 16;

/// The key prefix of a digest's entries, [algo u8][digest], on the stack.
struct DigestPrefix {
    std::array<std::uint8_t, 1 + 64> bytes{};
    std::size_t size = 0;
    MDB_val val() { return {size, bytes.data()}; }
    bool starts(const MDB_val& key) const
    {
        return key.mv_size >= size + 4 && std::memcmp(key.mv_data, bytes.data(), size) == 0;
    }
};

/// Checks the digest's size against its algorithm: a shorter one would match
/// every digest it is a prefix of (fail closed, never a false "trusted").
Result<DigestPrefix> digest_prefix(std::uint32_t algo, ByteView digest)
{
    const std::size_t want = digest_size(algo);
    if (want == 0) return fail(Errc::bad_input, "trust db: unsupported digest algorithm {}", algo);
    if (digest.size() != want)
        return fail(Errc::bad_input, "trust db: a {} digest has {} bytes, not {}", digest_algo_name(algo), want, digest.size());
    DigestPrefix p;
    p.bytes[0] = static_cast<std::uint8_t>(algo);
    std::memcpy(p.bytes.data() + 1, digest.data(), want);
    p.size = 1 + want;
    return p;
}

/// How many entries vouch for a digest: the digests index value, u32 LE. A value
/// that is not 4 bytes is read as 0 (never as "many"), so decrementing it deletes it.
std::uint32_t vouch_count(const MDB_val& v)
{
    if (v.mv_size != 4) return 0;
    return *ByteReader(view(v)).u32();
}

/// The digests index key of a files key: its [algo u8][digest] prefix. Fails on
/// a key too short for its algorithm (a corrupt files tree: fail closed).
Result<ByteView> index_key_of(const MDB_val& files_key)
{
    ByteView k = view(files_key);
    const std::size_t size = k.empty() ? 0 : digest_size(k[0]);
    if (size == 0 || k.size() < 1 + size + 4) return fail(Errc::internal, "trust db: corrupt file entry key of {} bytes", k.size());
    return k.first(1 + size);
}

}  // namespace

struct TrustDb::Env {
    std::unique_ptr<MDB_env, EnvClose> env;
    MDB_dbi files = 0;
    MDB_dbi packages = 0;
    MDB_dbi digests = 0;   // valid when has_index
    /// False only on a read-only handle of a database written before the index
    /// existed (a writable open builds it): contains() then falls back to a range
    /// query on `files`, which gives the same answers, only slower.
    bool has_index = false;
    /// TrustDbOptions::allow_weak_digests: MD5 and SHA-1 may vouch for files.
    bool allow_weak = false;

    /// The in-memory digest set and the snapshot it was built from.
    struct MemoryIndex {
        DigestSet set;
        std::size_t txn_id = 0;   // mdb_txn_id() of that snapshot
    };
    bool memory_index_enabled = false;

    /// A read transaction with a cursor on `files`; the transaction is reset while
    /// idle. (Members in this order: the cursor closes first.) The cursor is only
    /// renewed when a query needs it: contains() on the index reads with mdb_get.
    struct Reader {
        Txn txn;
        Cursor cursor;
        bool cursor_current = false;   // bound to the current snapshot of txn
        /// The digest set current when the reader was borrowed: each reader holds
        /// its own reference, taken under the pool's lock only when the set was
        /// replaced, so queries share no reference count.
        std::shared_ptr<const MemoryIndex> memory;
    };
    /// A borrowed reader, given back (reset) when it goes out of scope.
    class Lease {
    public:
        Lease(const Env& env, Reader r) : env_(&env), r_(std::move(r)) {}
        Lease(Lease&& o) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease()
        {
            if (r_.txn) env_->give_back(std::move(r_));
        }
        MDB_txn* txn() const { return r_.txn.get(); }
        /// The digest set, when there is one and it was built from this lease's snapshot.
        const DigestSet* current_set() const
        {
            const MemoryIndex* m = r_.memory.get();
            return m && m->txn_id == mdb_txn_id(r_.txn.get()) ? &m->set : nullptr;
        }
        /// The files cursor, renewed to this lease's snapshot on first use.
        Result<MDB_cursor*> files_cursor()
        {
            if (!r_.cursor_current) {
                if (int rc = mdb_cursor_renew(r_.txn.get(), r_.cursor.get())) return lmdb_fail(rc, "renew cursor");
                r_.cursor_current = true;
            }
            return r_.cursor.get();
        }

    private:
        const Env* env_;
        Reader r_;
    };

    // MDB_NOTLS (set in open) is what lets a reader move between threads: its
    // reader slot belongs to the transaction, not to the thread that began it.
    // Declared after `env`, so idle readers end before the environment closes.
    mutable std::mutex pool_mutex;
    mutable std::vector<Reader> idle;   // capacity reserved at open: no allocation on return
    /// The newest digest set (guarded by pool_mutex); replaced whole by a rebuild.
    std::shared_ptr<const MemoryIndex> memory;

    Env() { idle.reserve(max_idle_readers); }
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;

    /// A reader on the latest committed snapshot: a pooled one renewed, or a new one.
    Result<Lease> borrow() const
    {
        Reader r;
        {
            std::lock_guard lock(pool_mutex);
            if (!idle.empty()) {
                r = std::move(idle.back());
                idle.pop_back();
            }
            if (r.memory != memory) r.memory = memory;   // new readers too; the old set, if any, was swapped out on rebuild
        }
        if (r.txn) {
            if (int rc = mdb_txn_renew(r.txn.get())) return lmdb_fail(rc, "renew read transaction");   // r closes
            r.cursor_current = false;
            return Lease(*this, std::move(r));
        }
        MDB_txn* txn = nullptr;
        if (int rc = mdb_txn_begin(env.get(), nullptr, MDB_RDONLY, &txn)) return lmdb_fail(rc, "begin read transaction");
        r.txn.reset(txn);
        MDB_cursor* cursor = nullptr;
        if (int rc = mdb_cursor_open(txn, files, &cursor)) return lmdb_fail(rc, "cursor");
        r.cursor.reset(cursor);
        r.cursor_current = true;
        return Lease(*this, std::move(r));
    }

    /// Ends the reader's snapshot and keeps it for the next query (or closes it when enough are idle).
    void give_back(Reader r) const
    {
        mdb_txn_reset(r.txn.get());
        std::shared_ptr<const MemoryIndex> old;   // a replaced set is unmapped after the lock is released
        std::lock_guard lock(pool_mutex);
        if (r.memory != memory) old = std::exchange(r.memory, memory);
        if (idle.size() < max_idle_readers) idle.push_back(std::move(r));
    }

    /// Makes `built` the set every reader uses from its next borrow (unless a set
    /// from a newer snapshot is already in place); idle readers
    /// drop the old one now, so it is freed when the last query using it ends.
    void install_memory_index(std::shared_ptr<const MemoryIndex> built)
    {
        std::vector<std::shared_ptr<const MemoryIndex>> old;
        old.reserve(max_idle_readers + 1);
        std::lock_guard lock(pool_mutex);
        // Two rebuilds may race (a refresh and a handle's own write): keep the newer.
        if (memory && memory->txn_id > built->txn_id) return;
        old.push_back(std::exchange(memory, std::move(built)));
        for (Reader& r : idle) old.push_back(std::exchange(r.memory, memory));
    }

    std::shared_ptr<const MemoryIndex> newest_memory_index() const
    {
        std::lock_guard lock(pool_mutex);
        return memory;
    }

    /// One more entry vouches for the digest `key` ([algo][digest]) — inside the
    /// transaction that writes the entry, so index and files never disagree.
    Status index_add(MDB_txn* txn, ByteView key) const
    {
        std::uint8_t one[4] = {1, 0, 0, 0};
        MDB_val k = val(key), v = val(ByteView(one));
        int rc = mdb_put(txn, digests, &k, &v, MDB_NOOVERWRITE);
        if (rc == MDB_KEYEXIST) {   // v now holds the present count
            ByteWriter w;
            w.u32(vouch_count(v) + 1);
            MDB_val nv = val(ByteView(w.data()));
            rc = mdb_put(txn, digests, &k, &nv, 0);
        }
        return rc ? lmdb_fail(rc, "write digest index") : Status{};
    }

    /// One entry fewer vouches for `key`; the key goes at 0.
    Status index_remove(MDB_txn* txn, ByteView key) const
    {
        MDB_val k = val(key), v;
        int rc = mdb_get(txn, digests, &k, &v);
        // Absent: nothing to take away (the index cannot claim more than files holds).
        if (rc == MDB_NOTFOUND) return {};
        if (rc) return lmdb_fail(rc, "read digest index");
        if (std::uint32_t n = vouch_count(v); n > 1) {
            ByteWriter w;
            w.u32(n - 1);
            MDB_val nv = val(ByteView(w.data()));
            rc = mdb_put(txn, digests, &k, &nv, 0);
        } else {
            rc = mdb_del(txn, digests, &k, nullptr);
        }
        return rc ? lmdb_fail(rc, "write digest index") : Status{};
    }

    /// Fills the (empty) digests index from `files` inside `txn`: one key per
    /// distinct [algo][digest] prefix, counting its entries. Files keys are sorted,
    /// so a digest's entries are adjacent and the index is appended in order.
    Status build_index(MDB_txn* txn) const
    {
        MDB_cursor* raw = nullptr;
        if (int rc = mdb_cursor_open(txn, files, &raw)) return lmdb_fail(rc, "cursor");
        Cursor cursor(raw);
        std::array<std::uint8_t, 1 + 64> current{};
        std::size_t current_size = 0;
        std::uint32_t count = 0;
        auto flush = [&]() -> Status {
            if (count == 0) return {};
            ByteWriter w;
            w.u32(count);
            MDB_val k = {current_size, current.data()}, v = val(ByteView(w.data()));
            if (int rc = mdb_put(txn, digests, &k, &v, MDB_APPEND)) return lmdb_fail(rc, "build digest index");
            return {};
        };
        MDB_val k, v;
        int rc = mdb_cursor_get(raw, &k, &v, MDB_FIRST);
        for (; rc == 0; rc = mdb_cursor_get(raw, &k, &v, MDB_NEXT)) {
            auto prefix = UMD_TRY(index_key_of(k));
            if (count > 0 && prefix.size() == current_size && std::memcmp(prefix.data(), current.data(), current_size) == 0) {
                ++count;
                continue;
            }
            if (auto s = flush(); !s) return s;
            std::memcpy(current.data(), prefix.data(), prefix.size());
            current_size = prefix.size();
            count = 1;
        }
        if (rc != MDB_NOTFOUND) return lmdb_fail(rc, "read file entry");
        return flush();
    }

    Status open_index(MDB_txn* txn, bool read_only);
    Status build_memory_index();

    Result<Txn> begin(bool write) const
    {
        MDB_txn* t = nullptr;
        if (int rc = mdb_txn_begin(env.get(), nullptr, write ? 0 : MDB_RDONLY, &t)) return lmdb_fail(rc, "begin transaction");
        return Txn(t);
    }

    /// Deletes a package's entries and record inside `txn`; false when absent.
    Result<bool> erase(MDB_txn* txn, std::string_view nevra) const
    {
        MDB_val k = val(nevra), v;
        int rc = mdb_get(txn, packages, &k, &v);
        if (rc == MDB_NOTFOUND) return false;
        if (rc) return lmdb_fail(rc, "read package");
        Bytes record(view(v).begin(), view(v).end());   // copied: deletes below may move pages
        ByteReader r(record, "trust db package record");
        std::uint32_t algo = 0;
        while (!r.empty()) {
            auto rec = r.record(record.size());
            if (!rec) return std::unexpected(Error{Errc::internal, "trust db: corrupt package record " + rec.error().message});
            if (rec->tag == rec_algo && rec->value.size() == 4) algo = *ByteReader(rec->value).u32();
            if (rec->tag != rec_entry) continue;
            ByteReader e(rec->value, "trust db entry");
            auto index = e.u32();
            if (!index) return std::unexpected(Error{Errc::internal, "trust db: corrupt entry"});
            Bytes key = file_key(algo, *e.bytes(e.remaining()), nevra, *index);
            MDB_val fk = val(ByteView(key));
            rc = mdb_del(txn, files, &fk, nullptr);
            if (rc == MDB_NOTFOUND) continue;   // not there: the index never counted it
            if (rc) return lmdb_fail(rc, "delete file entry");
            auto prefix = UMD_TRY(index_key_of(fk));
            UMD_TRY(index_remove(txn, prefix));
        }
        if ((rc = mdb_del(txn, packages, &k, nullptr))) return lmdb_fail(rc, "delete package");
        return true;
    }

    Status put(MDB_txn* txn, const VerifiedPackage& p, bool allow_weak_here) const
    {
        const PackageInfo& info = p.info();
        const std::string nevra = info.nevra();
        if (nevra.size() > max_nevra) return fail(Errc::bad_input, "trust db: NEVRA of {} bytes is too long", nevra.size());
        if (digest_size(info.digest_algo) == 0) return fail(Errc::bad_input, "trust db: unsupported digest algorithm {}", info.digest_algo);
        // (A package without file digests vouches for nothing, whatever its algorithm tag says.)
        const bool vouches = std::any_of(info.files.begin(), info.files.end(), [](const PackageFile& f) { return is_regular(f.mode) && !f.digest.empty(); });
        if (vouches && weak_digest_algo(info.digest_algo) && !allow_weak_here)
            return fail(Errc::rejected, "trust db: {} has {} file digests, too weak to vouch for files (allow them explicitly for old packages)",
                        nevra, digest_algo_name(info.digest_algo));
        UMD_TRY(erase(txn, nevra));

        ByteWriter rec;
        rec.record(rec_signer, as_bytes(p.signer()));
        rec.record(rec_header_sha256, as_bytes(p.header_sha256()));
        auto at = rec.begin_record(rec_added);
        rec.u64(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::system_clock::now().time_since_epoch()).count()));
        rec.end_record(at);
        at = rec.begin_record(rec_algo);
        rec.u32(info.digest_algo);
        rec.end_record(at);
        for (std::size_t i = 0; i < info.files.size(); ++i) {
            const PackageFile& f = info.files[i];
            if (!is_regular(f.mode) || f.digest.empty()) continue;
            const Bytes digest = unhex(f.digest);
            const Bytes key = file_key(info.digest_algo, digest, nevra, static_cast<std::uint32_t>(i));
            ByteWriter value;
            value.u32(f.mode);
            value.bytes(as_bytes(f.path));
            MDB_val k = val(ByteView(key)), v = val(ByteView(value.data()));
            // Only a new entry counts in the index; an existing one (never after
            // erase above, but the count must stay exact) is overwritten in place.
            int rc = mdb_put(txn, files, &k, &v, MDB_NOOVERWRITE);
            if (rc == MDB_KEYEXIST) {
                v = val(ByteView(value.data()));
                rc = mdb_put(txn, files, &k, &v, 0);
            } else if (rc == 0) {
                if (auto s = index_add(txn, ByteView(key).first(1 + digest.size())); !s) return s;
            }
            if (rc) return lmdb_fail(rc, "write file entry");
            at = rec.begin_record(rec_entry);
            rec.u32(static_cast<std::uint32_t>(i));
            rec.bytes(digest);
            rec.end_record(at);
        }
        MDB_val k = val(std::string_view(nevra)), v = val(ByteView(rec.data()));
        if (int rc = mdb_put(txn, packages, &k, &v, 0)) return lmdb_fail(rc, "write package");
        return {};
    }
};

Status check_admissible(const VerifiedPackage& package, const std::string& name, bool allow_weak_digests)
{
    const PackageInfo& info = package.info();
    const bool vouches = std::any_of(info.files.begin(), info.files.end(), [](const PackageFile& f) { return is_regular(f.mode) && !f.digest.empty(); });
    if (allow_weak_digests || !vouches || !weak_digest_algo(info.digest_algo)) return {};
    return fail(Errc::rejected, "{}: {} file digests are too weak to vouch for files (--allow-weak-digests allows them, for old packages)",
                name, digest_algo_name(info.digest_algo));
}

TrustDb::TrustDb(std::unique_ptr<Env> env) : env_(std::move(env)) {}
TrustDb::TrustDb(TrustDb&&) noexcept = default;
TrustDb& TrustDb::operator=(TrustDb&&) noexcept = default;
TrustDb::~TrustDb() = default;

Result<TrustDb> TrustDb::open(const std::string& path, TrustDbOptions options)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(path, ec)) {
        if (options.read_only || !options.create) return fail(Errc::not_found, "trust db: {} does not exist", path);
        std::filesystem::create_directories(path, ec);
        if (ec) return fail(Errc::io, "trust db: cannot create {}: {}", path, ec.message());
    }
    auto env = std::make_unique<Env>();
    env->allow_weak = options.allow_weak_digests;
    MDB_env* raw = nullptr;
    if (int rc = mdb_env_create(&raw)) return lmdb_fail(rc, "create environment");
    env->env.reset(raw);
    if (int rc = mdb_env_set_maxdbs(raw, 8)) return lmdb_fail(rc, "set max dbs");
    if (int rc = mdb_env_set_mapsize(raw, options.map_size)) return lmdb_fail(rc, "set map size");
    // MDB_NOTLS: read transactions are not tied to threads, so readers in any thread never block.
    unsigned flags = MDB_NOTLS | (options.read_only ? MDB_RDONLY : 0u);
    if (int rc = mdb_env_open(raw, path.c_str(), flags, 0644)) {
        Errc code = rc == ENOENT ? Errc::not_found : (rc == EACCES ? Errc::io : Errc::system);
        return std::unexpected(Error{code, fmt::format("trust db: open {}: {}", path, mdb_strerror(rc))});
    }
    int dead = 0;
    mdb_reader_check(raw, &dead);   // clear reader slots of processes that died

    auto txn = UMD_TRY(env->begin(!options.read_only));
    unsigned dbflags = options.read_only ? 0u : MDB_CREATE;
    if (int rc = mdb_dbi_open(txn.get(), "files", dbflags, &env->files)) return lmdb_fail(rc, "open files db");
    if (int rc = mdb_dbi_open(txn.get(), "packages", dbflags, &env->packages)) return lmdb_fail(rc, "open packages db");
    UMD_TRY(env->open_index(txn.get(), options.read_only));
    if (int rc = mdb_txn_commit(txn.release())) return lmdb_fail(rc, "commit");
    if (options.memory_index) {
        env->memory_index_enabled = true;
        UMD_TRY(env->build_memory_index());
    }
    return TrustDb(std::move(env));
}

/// Opens the digests index and the meta database inside the open transaction. A
/// writable open of a database without the index (format 1) builds it from files
/// and records the format, in that same transaction: either both exist after the
/// commit or neither does. A read-only open leaves such a database as it is.
Status TrustDb::Env::open_index(MDB_txn* txn, bool read_only)
{
    MDB_dbi meta = 0;
    std::uint32_t version = 1;
    int rc = mdb_dbi_open(txn, "meta", 0, &meta);
    if (rc == 0) {
        MDB_val k = val(format_key), v;
        rc = mdb_get(txn, meta, &k, &v);
        if (rc == 0) {
            if (v.mv_size != 4) return fail(Errc::internal, "trust db: corrupt format version");
            version = *ByteReader(view(v)).u32();
        } else if (rc != MDB_NOTFOUND) {
            return lmdb_fail(rc, "read format version");
        }
    } else if (rc != MDB_NOTFOUND) {
        return lmdb_fail(rc, "open meta db");
    }
    // A newer layout may index or store entries differently: writing it as this
    // version would leave it inconsistent, so refuse (reading still works if the
    // files tree is as we know it, but that is not guaranteed either).
    if (version > format_version) return fail(Errc::io, "trust db: format {} is newer than this program's ({})", version, format_version);

    rc = mdb_dbi_open(txn, "digests", 0, &digests);
    if (rc == 0) {
        has_index = true;
    } else if (rc != MDB_NOTFOUND) {
        return lmdb_fail(rc, "open digests db");
    }
    if (read_only) return {};   // without the index, contains() falls back to files
    if (!has_index) {
        if ((rc = mdb_dbi_open(txn, "digests", MDB_CREATE, &digests))) return lmdb_fail(rc, "create digests db");
        if (auto s = build_index(txn); !s) return s;
        has_index = true;
    }
    if (version < format_version) {
        if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &meta))) return lmdb_fail(rc, "create meta db");
        ByteWriter w;
        w.u32(format_version);
        MDB_val k = val(format_key), v = val(ByteView(w.data()));
        if ((rc = mdb_put(txn, meta, &k, &v, 0))) return lmdb_fail(rc, "write format version");
    }
    return {};
}

Status TrustDb::add(const VerifiedPackage& package)
{
    const VerifiedPackage* one[] = {&package};
    return add_batch(one);
}

Status TrustDb::add_batch(std::span<const VerifiedPackage* const> packages, const std::function<void(std::size_t)>& progress,
                          std::optional<bool> allow_weak_digests)
{
    const bool weak = allow_weak_digests.value_or(env_->allow_weak);
    auto txn = UMD_TRY(env_->begin(true));
    for (std::size_t i = 0; i < packages.size(); ++i) {
        if (auto s = env_->put(txn.get(), *packages[i], weak); !s) return s;   // the transaction aborts: nothing of the batch stays
        if (progress) progress(i);
    }
    if (int rc = mdb_txn_commit(txn.release())) return lmdb_fail(rc, "commit");
    return after_commit();
}

Status TrustDb::remove(const std::string& nevra)
{
    auto txn = UMD_TRY(env_->begin(true));
    auto gone = UMD_TRY(env_->erase(txn.get(), nevra));
    if (!gone) return fail(Errc::not_found, "trust db: no package {}", nevra);
    if (int rc = mdb_txn_commit(txn.release())) return lmdb_fail(rc, "commit");
    return after_commit();
}

Status TrustDb::after_commit()
{
    // The commit stands either way; a set that could not be rebuilt stays stale,
    // and a stale set is never used, so the queries stay right (only slower).
    if (env_->memory_index_enabled) (void)env_->build_memory_index();
    return {};
}

/// Builds the digest set from the latest snapshot: the digests index, or on a
/// read-only handle of a database without it, the distinct prefixes of `files`.
Status TrustDb::Env::build_memory_index()
{
    auto reader = UMD_TRY(borrow());
    MDB_cursor* raw = nullptr;
    if (int rc = mdb_cursor_open(reader.txn(), has_index ? digests : files, &raw)) return lmdb_fail(rc, "cursor");
    Cursor cursor(raw);
    // Views into the map: valid while the reader's snapshot is held, i.e. until the set is built.
    std::vector<ByteView> keys;
    MDB_stat stat{};
    if (mdb_stat(reader.txn(), has_index ? digests : files, &stat) == 0) keys.reserve(stat.ms_entries);
    MDB_val k, v;
    int rc = mdb_cursor_get(raw, &k, &v, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get(raw, &k, &v, MDB_NEXT)) {
        if (has_index) {
            if (vouch_count(v) > 0) keys.push_back(view(k));
            continue;
        }
        auto prefix = UMD_TRY(index_key_of(k));
        if (keys.empty() || keys.back().size() != prefix.size() || std::memcmp(keys.back().data(), prefix.data(), prefix.size()) != 0)
            keys.push_back(prefix);
    }
    if (rc != MDB_NOTFOUND) return lmdb_fail(rc, "read digest index");
    auto set = UMD_TRY(DigestSet::build(keys));
    auto built = std::make_shared<MemoryIndex>();
    built->set = std::move(set);
    built->txn_id = mdb_txn_id(reader.txn());
    install_memory_index(std::move(built));
    return {};
}

Result<bool> TrustDb::refresh_memory_index()
{
    if (!env_->memory_index_enabled) return fail(Errc::invalid_argument, "trust db: opened without the memory index");
    auto info = memory_index_info();
    if (info && info->current) return false;
    UMD_TRY(env_->build_memory_index());
    return true;
}

std::optional<MemoryIndexInfo> TrustDb::memory_index_info() const
{
    if (!env_->memory_index_enabled) return std::nullopt;
    MemoryIndexInfo info;
    auto memory = env_->newest_memory_index();
    if (!memory) return info;
    info.digests = memory->set.size();
    info.memory_bytes = memory->set.memory_bytes();
    info.built_at_txn = memory->txn_id;
    if (auto reader = env_->borrow()) info.current = memory->txn_id == mdb_txn_id(reader->txn());
    return info;
}

Result<std::vector<TrustedPackage>> TrustDb::list() const
{
    auto txn = UMD_TRY(env_->begin(false));
    MDB_cursor* raw = nullptr;
    if (int rc = mdb_cursor_open(txn.get(), env_->packages, &raw)) return lmdb_fail(rc, "cursor");
    Cursor cursor(raw);
    std::vector<TrustedPackage> out;
    MDB_val k, v;
    for (int rc = mdb_cursor_get(raw, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(raw, &k, &v, MDB_NEXT)) {
        TrustedPackage p;
        p.nevra = std::string(as_chars(view(k)));
        ByteReader r(view(v), "trust db package record");
        while (!r.empty()) {
            auto rec = r.record(v.mv_size);
            if (!rec) return std::unexpected(Error{Errc::internal, "trust db: corrupt record for " + p.nevra});
            ByteReader f(rec->value);
            switch (rec->tag) {
            case rec_signer: p.signer = std::string(as_chars(rec->value)); break;
            case rec_header_sha256: p.header_sha256 = std::string(as_chars(rec->value)); break;
            case rec_added: p.added = f.u64().value_or(0); break;
            case rec_algo: p.digest_algo = f.u32().value_or(0); break;
            case rec_entry: ++p.files; break;
            default: break;
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

Result<bool> TrustDb::contains(std::uint32_t algo, ByteView digest) const
{
    auto prefix = UMD_TRY(digest_prefix(algo, digest));
    if (weak_digest_algo(algo) && !env_->allow_weak) return false;   // never trusted by default
    auto reader = UMD_TRY(env_->borrow());
    if (env_->memory_index_enabled) {
        // The set answers only for the very snapshot it was built from; after a
        // commit it is stale and LMDB answers instead (fail closed: a removed
        // package must not stay trusted through an old copy).
        if (const DigestSet* set = reader.current_set()) return set->contains(algo, digest);
    }
    if (env_->has_index) {
        // One exact lookup in the compact index: a present key has a count of at least 1.
        MDB_val k = prefix.val(), v;
        int rc = mdb_get(reader.txn(), env_->digests, &k, &v);
        if (rc == MDB_NOTFOUND) return false;
        if (rc) return lmdb_fail(rc, "read digest index");
        return vouch_count(v) > 0;
    }
    // Fallback for a read-only handle on a database not yet indexed: the entries
    // of a digest are the files keys that start with its prefix; the first key at
    // or after the prefix decides.
    auto cursor = UMD_TRY(reader.files_cursor());
    MDB_val k = prefix.val(), v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) return false;
    if (rc) return lmdb_fail(rc, "read file entry");
    return prefix.starts(k);
}

Result<std::vector<Vouch>> TrustDb::lookup(std::uint32_t algo, ByteView digest, std::optional<bool> allow_weak_digests) const
{
    auto prefix = UMD_TRY(digest_prefix(algo, digest));
    if (weak_digest_algo(algo) && !allow_weak_digests.value_or(env_->allow_weak)) return std::vector<Vouch>{};   // never trusted by default
    auto reader = UMD_TRY(env_->borrow());
    auto files_cursor = UMD_TRY(reader.files_cursor());
    MDB_cursor* cursor = files_cursor;
    std::vector<Vouch> out;
    MDB_val k = prefix.val(), v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == 0 && prefix.starts(k); rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
        ByteView key = view(k);
        ByteView value = view(v);
        if (value.size() < 4) return fail(Errc::internal, "trust db: corrupt file entry");
        Vouch vouch;
        vouch.nevra = std::string(as_chars(key.subspan(prefix.size, key.size() - prefix.size - 4)));
        vouch.mode = *ByteReader(value.first(4)).u32();
        vouch.path = std::string(as_chars(value.subspan(4)));
        out.push_back(std::move(vouch));
    }
    if (rc && rc != MDB_NOTFOUND) return lmdb_fail(rc, "read file entry");
    return out;
}

Result<CheckResult> TrustDb::check_file(const std::string& path) const
{
    // One reader of files on this side: a regular file only (a FIFO or a device such as
    // /dev/zero is refused), its size fixed at open, constant memory.
    auto file = UMD_TRY(PackageSource::open(path));
    return check(file);
}

Result<std::vector<std::uint32_t>> TrustDb::algorithms(std::optional<bool> allow_weak_digests) const
{
    const bool weak = allow_weak_digests.value_or(env_->allow_weak);
    // Which algorithms are in use: the first key byte, strongest first.
    std::vector<std::uint32_t> algos;
    auto txn = UMD_TRY(env_->begin(false));
    MDB_cursor* raw = nullptr;
    if (int rc = mdb_cursor_open(txn.get(), env_->files, &raw)) return lmdb_fail(rc, "cursor");
    Cursor cursor(raw);
    for (std::uint32_t a : {digest_algo::sha256, digest_algo::sha512, digest_algo::sha384, digest_algo::sha224,
                            digest_algo::sha1, digest_algo::md5}) {
        if (weak_digest_algo(a) && !weak) continue;
        std::uint8_t first = static_cast<std::uint8_t>(a);
        MDB_val k = {1, &first}, v;
        if (mdb_cursor_get(raw, &k, &v, MDB_SET_RANGE) == 0 && v.mv_size > 0 && static_cast<const std::uint8_t*>(k.mv_data)[0] == first)
            algos.push_back(a);
    }
    return algos;
}

std::uint64_t TrustDb::last_commit() const noexcept
{
    MDB_envinfo info{};
    if (mdb_env_info(env_->env.get(), &info) != 0) return 0;
    return info.me_last_txnid;
}

Result<CheckResult> TrustDb::check(const PackageSource& file, std::optional<bool> allow_weak_digests) const
{
    const bool weak = allow_weak_digests.value_or(env_->allow_weak);
    auto algos = UMD_TRY(algorithms(weak));
    CheckResult out;
    if (algos.empty()) algos.push_back(digest_algo::sha256);   // still hash it: unreadable files are errors
    for (std::uint32_t a : algos) {
        auto hex = UMD_TRY(hash_file_range(file, 0, a));
        UMD_TRY(file.check_unchanged_end());
        out.digest = fmt::format("{}:{}", digest_algo_name(a), hex);
        auto found = UMD_TRY(lookup(a, unhex(hex), weak));
        if (!found.empty()) {
            out.vouchers = std::move(found);
            break;
        }
    }
    return out;
}

}  // namespace umd::rpm
