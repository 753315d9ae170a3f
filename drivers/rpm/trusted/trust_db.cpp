// drivers/rpm/trusted/trust_db.cpp — the trust database on LMDB.
// Trusted side (Manager). See trust_db.h for the layout.
#include "drivers/rpm/trusted/trust_db.h"

#include <lmdb.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <utility>

#include "drivers/rpm/trusted/header_digest.h"

namespace umd::rpm {
namespace {

constexpr std::size_t max_nevra = 400;   // keeps files keys under LMDB's 511-byte limit

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

}  // namespace

struct TrustDb::Env {
    std::unique_ptr<MDB_env, EnvClose> env;
    MDB_dbi files = 0;
    MDB_dbi packages = 0;

    /// A read transaction with a cursor on `files`; the transaction is reset while idle.
    /// (Members in this order: the cursor closes first.)
    struct Reader {
        Txn txn;
        Cursor cursor;
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
        MDB_cursor* cursor() const { return r_.cursor.get(); }

    private:
        const Env* env_;
        Reader r_;
    };

    // MDB_NOTLS (set in open) is what lets a reader move between threads: its
    // reader slot belongs to the transaction, not to the thread that began it.
    // Declared after `env`, so idle readers end before the environment closes.
    mutable std::mutex pool_mutex;
    mutable std::vector<Reader> idle;   // capacity reserved at open: no allocation on return

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
        }
        if (r.txn) {
            int rc = mdb_txn_renew(r.txn.get());
            if (!rc) rc = mdb_cursor_renew(r.txn.get(), r.cursor.get());
            if (rc) return lmdb_fail(rc, "renew read transaction");   // r closes
            return Lease(*this, std::move(r));
        }
        MDB_txn* txn = nullptr;
        if (int rc = mdb_txn_begin(env.get(), nullptr, MDB_RDONLY, &txn)) return lmdb_fail(rc, "begin read transaction");
        r.txn.reset(txn);
        MDB_cursor* cursor = nullptr;
        if (int rc = mdb_cursor_open(txn, files, &cursor)) return lmdb_fail(rc, "cursor");
        r.cursor.reset(cursor);
        return Lease(*this, std::move(r));
    }

    /// Ends the reader's snapshot and keeps it for the next query (or closes it when enough are idle).
    void give_back(Reader r) const
    {
        mdb_txn_reset(r.txn.get());
        std::lock_guard lock(pool_mutex);
        if (idle.size() < max_idle_readers) idle.push_back(std::move(r));
    }

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
            if (rc && rc != MDB_NOTFOUND) return lmdb_fail(rc, "delete file entry");
        }
        if ((rc = mdb_del(txn, packages, &k, nullptr))) return lmdb_fail(rc, "delete package");
        return true;
    }

    Status put(MDB_txn* txn, const VerifiedPackage& p) const
    {
        const PackageInfo& info = p.info();
        const std::string nevra = info.nevra();
        if (nevra.size() > max_nevra) return fail(Errc::bad_input, "trust db: NEVRA of {} bytes is too long", nevra.size());
        if (digest_size(info.digest_algo) == 0) return fail(Errc::bad_input, "trust db: unsupported digest algorithm {}", info.digest_algo);
        if (auto gone = erase(txn, nevra); !gone) return std::unexpected(gone.error());

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
            if (int rc = mdb_put(txn, files, &k, &v, 0)) return lmdb_fail(rc, "write file entry");
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
    MDB_env* raw = nullptr;
    if (int rc = mdb_env_create(&raw)) return lmdb_fail(rc, "create environment");
    env->env.reset(raw);
    if (int rc = mdb_env_set_maxdbs(raw, 4)) return lmdb_fail(rc, "set max dbs");
    if (int rc = mdb_env_set_mapsize(raw, options.map_size)) return lmdb_fail(rc, "set map size");
    // MDB_NOTLS: read transactions are not tied to threads, so readers in any thread never block.
    unsigned flags = MDB_NOTLS | (options.read_only ? MDB_RDONLY : 0u);
    if (int rc = mdb_env_open(raw, path.c_str(), flags, 0644)) {
        Errc code = rc == ENOENT ? Errc::not_found : (rc == EACCES ? Errc::io : Errc::system);
        return std::unexpected(Error{code, fmt::format("trust db: open {}: {}", path, mdb_strerror(rc))});
    }
    int dead = 0;
    mdb_reader_check(raw, &dead);   // clear reader slots of processes that died

    auto txn = env->begin(!options.read_only);
    if (!txn) return std::unexpected(txn.error());
    unsigned dbflags = options.read_only ? 0u : MDB_CREATE;
    if (int rc = mdb_dbi_open(txn->get(), "files", dbflags, &env->files)) return lmdb_fail(rc, "open files db");
    if (int rc = mdb_dbi_open(txn->get(), "packages", dbflags, &env->packages)) return lmdb_fail(rc, "open packages db");
    if (int rc = mdb_txn_commit(txn->release())) return lmdb_fail(rc, "commit");
    return TrustDb(std::move(env));
}

Status TrustDb::add(const VerifiedPackage& package)
{
    const VerifiedPackage* one[] = {&package};
    return add_batch(one);
}

Status TrustDb::add_batch(std::span<const VerifiedPackage* const> packages, const std::function<void(std::size_t)>& progress)
{
    auto txn = env_->begin(true);
    if (!txn) return std::unexpected(txn.error());
    for (std::size_t i = 0; i < packages.size(); ++i) {
        if (auto s = env_->put(txn->get(), *packages[i]); !s) return s;   // the transaction aborts: nothing of the batch stays
        if (progress) progress(i);
    }
    if (int rc = mdb_txn_commit(txn->release())) return lmdb_fail(rc, "commit");
    return {};
}

Status TrustDb::remove(const std::string& nevra)
{
    auto txn = env_->begin(true);
    if (!txn) return std::unexpected(txn.error());
    auto gone = env_->erase(txn->get(), nevra);
    if (!gone) return std::unexpected(gone.error());
    if (!*gone) return fail(Errc::not_found, "trust db: no package {}", nevra);
    if (int rc = mdb_txn_commit(txn->release())) return lmdb_fail(rc, "commit");
    return {};
}

Result<std::vector<TrustedPackage>> TrustDb::list() const
{
    auto txn = env_->begin(false);
    if (!txn) return std::unexpected(txn.error());
    MDB_cursor* raw = nullptr;
    if (int rc = mdb_cursor_open(txn->get(), env_->packages, &raw)) return lmdb_fail(rc, "cursor");
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
    auto prefix = digest_prefix(algo, digest);
    if (!prefix) return std::unexpected(prefix.error());
    auto reader = env_->borrow();
    if (!reader) return std::unexpected(reader.error());
    // The entries of a digest are the keys that start with its prefix; the first key at or after the prefix decides.
    MDB_val k = prefix->val(), v;
    int rc = mdb_cursor_get(reader->cursor(), &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) return false;
    if (rc) return lmdb_fail(rc, "read file entry");
    return prefix->starts(k);
}

Result<std::vector<Vouch>> TrustDb::lookup(std::uint32_t algo, ByteView digest) const
{
    auto prefix = digest_prefix(algo, digest);
    if (!prefix) return std::unexpected(prefix.error());
    auto reader = env_->borrow();
    if (!reader) return std::unexpected(reader.error());
    MDB_cursor* cursor = reader->cursor();
    std::vector<Vouch> out;
    MDB_val k = prefix->val(), v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == 0 && prefix->starts(k); rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
        ByteView key = view(k);
        ByteView value = view(v);
        if (value.size() < 4) return fail(Errc::internal, "trust db: corrupt file entry");
        Vouch vouch;
        vouch.nevra = std::string(as_chars(key.subspan(prefix->size, key.size() - prefix->size - 4)));
        vouch.mode = *ByteReader(value.first(4)).u32();
        vouch.path = std::string(as_chars(value.subspan(4)));
        out.push_back(std::move(vouch));
    }
    if (rc && rc != MDB_NOTFOUND) return lmdb_fail(rc, "read file entry");
    return out;
}

Result<CheckResult> TrustDb::check_file(const std::string& path) const
{
    // Which algorithms are in use: the first key byte.
    std::vector<std::uint32_t> algos;
    {
        auto txn = env_->begin(false);
        if (!txn) return std::unexpected(txn.error());
        MDB_cursor* raw = nullptr;
        if (int rc = mdb_cursor_open(txn->get(), env_->files, &raw)) return lmdb_fail(rc, "cursor");
        Cursor cursor(raw);
        for (std::uint32_t a : {digest_algo::sha256, digest_algo::sha512, digest_algo::sha384, digest_algo::sha224,
                                digest_algo::sha1, digest_algo::md5}) {
            std::uint8_t first = static_cast<std::uint8_t>(a);
            MDB_val k = {1, &first}, v;
            if (mdb_cursor_get(raw, &k, &v, MDB_SET_RANGE) == 0 && v.mv_size > 0 && static_cast<const std::uint8_t*>(k.mv_data)[0] == first)
                algos.push_back(a);
        }
    }
    CheckResult out;
    if (algos.empty()) algos.push_back(digest_algo::sha256);   // still hash it: unreadable files are errors
    for (std::uint32_t a : algos) {
        auto hex = hash_file(path, a);
        if (!hex) return std::unexpected(hex.error());
        out.digest = fmt::format("{}:{}", digest_algo_name(a), *hex);
        auto found = lookup(a, unhex(*hex));
        if (!found) return std::unexpected(found.error());
        if (!found->empty()) {
            out.vouchers = std::move(*found);
            break;
        }
    }
    return out;
}

}  // namespace umd::rpm
