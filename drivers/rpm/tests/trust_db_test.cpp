// drivers/rpm/tests/trust_db_test.cpp — the LMDB trust database: add, lookup, check,
// remove, list, batches, a writer SIGKILLed in the middle of a batch, and the
// allocation-free membership query `contains` (sizes, snapshots, many reader
// threads while a writer thread or another process commits), and the digests
// index behind it: checked against the files tree with raw LMDB reads, and
// built when a database written before it existed is opened for writing.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <thread>

// Counts operator new calls made by the current thread, so a test can show that
// a query allocates nothing. Forwards to malloc/free: harmless to the other tests.
// (GCC cannot see that this new and delete are a pair once it inlines them.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
thread_local std::size_t allocations_here = 0;
}
void* operator new(std::size_t size)
{
    ++allocations_here;
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/header_digest.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::rpm {
namespace {

using namespace test;

/// A package with one regular file whose content is `content`, a directory and a
/// symlink; its file digests of RPM algorithm `algo`.
VerifiedPackage make_package(const std::string& name, const std::string& content, const std::string& version = "1",
                             std::uint32_t algo = digest_algo::sha256)
{
    const std::string digest = hash_file_range(PackageSource::memory(as_bytes(content)), 0, algo).value();
    std::vector<TestEntry> e = {
        str(1000, name), str(1001, version), str(1002, "1"), str(1022, "noarch"),
        i16(1030, {0100644, 040755, 0120777}), str_array(1035, {digest, "", ""}), i32(1037, {0, 0, 0}),
        i32(1116, {0, 0, 0}), str_array(1117, {"file", "dir", "link"}), str_array(1118, {"/opt/" + name + "/"}),
        i32(5011, {algo}),
    };
    for (auto& x : payload_digest_entries()) e.push_back(std::move(x));
    Bytes file = build_package(build_header({bin(268, Bytes(8, 1))}, 62), build_header(e, 63));
    auto p = parse_package(file, file.size());
    if (!p) throw std::runtime_error(p.error().message);
    auto v = verify_parsed(*p, PackageSource::memory(file),
                           [](ByteView, std::span<const SignaturePacket>) -> Result<std::string> { return std::string("SIGNER"); });
    if (!v) throw std::runtime_error(v.error().message);
    return *v;
}

Bytes raw_sha256(const std::string& content)
{
    const std::string hex = sha256_hex(as_bytes(content));
    Bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    return out;
}

class TrustDbTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/umd-trustdb-test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string db() const { return dir_ + "/trust.mdb"; }
    std::string write(const std::string& name, const std::string& content) const
    {
        std::string path = dir_ + "/" + name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    std::string dir_;
};

TEST_F(TrustDbTest, AddCheckRemove)
{
    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->add(make_package("alpha", "alpha content\n")));
    ASSERT_TRUE(db->add(make_package("beta", "shared\n")));
    ASSERT_TRUE(db->add(make_package("gamma", "shared\n")));

    auto hit = db->check_file(write("a", "alpha content\n"));
    ASSERT_TRUE(hit) << hit.error().message;
    ASSERT_EQ(hit->vouchers.size(), 1u);
    EXPECT_EQ(hit->vouchers[0].nevra, "alpha-1-1.noarch");
    EXPECT_EQ(hit->vouchers[0].path, "/opt/alpha/file");
    EXPECT_EQ(hit->digest, "sha256:" + sha256_hex(as_bytes("alpha content\n")));

    auto shared = db->check_file(write("s", "shared\n"));
    ASSERT_TRUE(shared);
    EXPECT_EQ(shared->vouchers.size(), 2u);
    auto miss = db->check_file(write("m", "unknown\n"));
    ASSERT_TRUE(miss);
    EXPECT_TRUE(miss->vouchers.empty());

    auto list = db->list();
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 3u);
    EXPECT_EQ((*list)[0].nevra, "alpha-1-1.noarch");
    EXPECT_EQ((*list)[0].files, 1u);   // only the regular file enters
    EXPECT_EQ((*list)[0].signer, "SIGNER");

    ASSERT_TRUE(db->remove("beta-1-1.noarch"));
    shared = db->check_file(write("s", "shared\n"));
    ASSERT_EQ(shared->vouchers.size(), 1u);
    EXPECT_EQ(shared->vouchers[0].nevra, "gamma-1-1.noarch");
    auto again = db->remove("beta-1-1.noarch");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::not_found);
}

TEST_F(TrustDbTest, ReAddReplacesThePackagesEntries)
{
    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->add(make_package("alpha", "old\n")));
    ASSERT_TRUE(db->add(make_package("alpha", "new\n")));   // same NEVRA, new content
    EXPECT_TRUE(db->check_file(write("o", "old\n"))->vouchers.empty());
    EXPECT_EQ(db->check_file(write("n", "new\n"))->vouchers.size(), 1u);
    EXPECT_EQ(db->list()->size(), 1u);
}

TEST_F(TrustDbTest, UnreadableFileIsIoError)
{
    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db);
    auto r = db->check_file(dir_ + "/missing");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::io);
}

TEST_F(TrustDbTest, ReadOnlyOpenOfMissingDbIsNotFound)
{
    auto r = TrustDb::open(dir_ + "/nope", {.read_only = true});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::not_found);
}

TEST_F(TrustDbTest, ReaderSeesASnapshotWhileAWriterCommits)
{
    auto writer = TrustDb::open(this->db());
    ASSERT_TRUE(writer);
    auto reader = TrustDb::open(this->db());
    ASSERT_TRUE(reader);
    ASSERT_TRUE(writer->add(make_package("one", "1\n")));
    EXPECT_EQ(reader->list()->size(), 1u);
    ASSERT_TRUE(writer->add(make_package("two", "2\n")));
    EXPECT_EQ(reader->list()->size(), 2u);
}

TEST_F(TrustDbTest, LastCommitChangesWithEveryCommitByAnyProcessAndAlgorithmsAreThoseInUse)
{
    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db);
    EXPECT_TRUE(db->algorithms()->empty());
    const std::uint64_t before = db->last_commit();
    ASSERT_TRUE(db->add(make_package("one", "1\n")));
    const std::uint64_t after_own = db->last_commit();
    EXPECT_GT(after_own, before);
    EXPECT_EQ(*db->algorithms(), std::vector<std::uint32_t>{digest_algo::sha256});
    // Another process commits: this handle sees the new id without doing anything.
    pid_t pid = ::fork();
    if (pid == 0) {
        auto other = TrustDb::open(this->db());
        ::_exit(other && other->add(make_package("two", "2\n")) ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_GT(db->last_commit(), after_own);
    // A read changes nothing.
    const std::uint64_t now = db->last_commit();
    (void)db->list();
    EXPECT_EQ(db->last_commit(), now);
    // MD5 appears only for a caller that allows weak digests.
    ASSERT_TRUE(db->add_batch(std::vector<const VerifiedPackage*>{}, {}, true));
    auto old = make_package("old", "o\n", "1", digest_algo::md5);
    const VerifiedPackage* batch[] = {&old};
    ASSERT_TRUE(db->add_batch(batch, {}, true));
    EXPECT_EQ(*db->algorithms(), std::vector<std::uint32_t>{digest_algo::sha256});
    EXPECT_EQ(*db->algorithms(true), (std::vector<std::uint32_t>{digest_algo::sha256, digest_algo::md5}));
}

TEST_F(TrustDbTest, WriterKilledMidBatchLeavesCommittedDataIntact)
{
    {
        auto db = TrustDb::open(this->db());
        ASSERT_TRUE(db);
    }
    std::vector<VerifiedPackage> first, second;
    for (int i = 0; i < 20; ++i) first.push_back(make_package("committed" + std::to_string(i), "c" + std::to_string(i)));
    for (int i = 0; i < 200; ++i) second.push_back(make_package("lost" + std::to_string(i), "l" + std::to_string(i)));

    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(pipefd[0]);
        auto db = TrustDb::open(this->db());
        if (!db) _exit(10);
        std::vector<const VerifiedPackage*> a, b;
        for (auto& p : first) a.push_back(&p);
        for (auto& p : second) b.push_back(&p);
        if (!db->add_batch(a)) _exit(11);
        // Mid-batch: after half of the second batch is staged, tell the parent and wait to be killed.
        (void)db->add_batch(b, [&](std::size_t i) {
            if (i == b.size() / 2) {
                char c = 'k';
                if (::write(pipefd[1], &c, 1) != 1) _exit(12);
                for (;;) pause();
            }
        });
        _exit(13);
    }
    close(pipefd[1]);
    char c = 0;
    ASSERT_EQ(read(pipefd[0], &c, 1), 1);
    close(pipefd[0]);
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));

    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db) << db.error().message;
    auto list = db->list();
    ASSERT_TRUE(list);
    EXPECT_EQ(list->size(), first.size());
    for (const auto& p : *list) EXPECT_EQ(p.nevra.rfind("committed", 0), 0u) << p.nevra;
    EXPECT_EQ(db->check_file(write("c7", "c7"))->vouchers.size(), 1u);
    EXPECT_TRUE(db->check_file(write("l1", "l1"))->vouchers.empty());
    // And the database still takes writes.
    ASSERT_TRUE(db->add(make_package("after", "after")));
    EXPECT_EQ(db->list()->size(), first.size() + 1);
}

TEST_F(TrustDbTest, ContainsPresentAbsentAndAfterRemove)
{
    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->add(make_package("alpha", "alpha content\n")));
    ASSERT_TRUE(db->add(make_package("beta", "shared\n")));
    ASSERT_TRUE(db->add(make_package("gamma", "shared\n")));

    auto yes = db->contains(digest_algo::sha256, raw_sha256("alpha content\n"));
    ASSERT_TRUE(yes) << yes.error().message;
    EXPECT_TRUE(*yes);
    EXPECT_TRUE(*db->contains(digest_algo::sha256, raw_sha256("shared\n")));
    EXPECT_FALSE(*db->contains(digest_algo::sha256, raw_sha256("unknown\n")));
    // Keys sort right after a present digest's entries: a digest one higher is still absent.
    Bytes next = raw_sha256("alpha content\n");
    ++next.back();
    EXPECT_FALSE(*db->contains(digest_algo::sha256, next));
    // Directories and symlinks (empty digests) never enter: an all-zero digest is not trusted.
    EXPECT_FALSE(*db->contains(digest_algo::sha256, Bytes(32, 0)));

    // Each call sees the latest commit, although it reuses a pooled read transaction.
    ASSERT_TRUE(db->remove("alpha-1-1.noarch"));
    EXPECT_FALSE(*db->contains(digest_algo::sha256, raw_sha256("alpha content\n")));
    ASSERT_TRUE(db->remove("beta-1-1.noarch"));
    EXPECT_TRUE(*db->contains(digest_algo::sha256, raw_sha256("shared\n")));   // gamma still vouches
    ASSERT_TRUE(db->remove("gamma-1-1.noarch"));
    EXPECT_FALSE(*db->contains(digest_algo::sha256, raw_sha256("shared\n")));
    ASSERT_TRUE(db->add(make_package("alpha", "alpha content\n")));
    EXPECT_TRUE(*db->contains(digest_algo::sha256, raw_sha256("alpha content\n")));

    // A read-only handle answers the same.
    auto ro = TrustDb::open(this->db(), {.read_only = true});
    ASSERT_TRUE(ro) << ro.error().message;
    EXPECT_TRUE(*ro->contains(digest_algo::sha256, raw_sha256("alpha content\n")));
    EXPECT_FALSE(*ro->contains(digest_algo::sha256, raw_sha256("shared\n")));
}

TEST_F(TrustDbTest, ContainsOnAnEmptyDatabaseIsFalse)
{
    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db);
    auto r = db->contains(digest_algo::sha256, raw_sha256("x"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(*r);
}

Bytes raw_digest(const std::string& content, std::uint32_t algo)
{
    const std::string hex = hash_file_range(PackageSource::memory(as_bytes(content)), 0, algo).value();
    Bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    return out;
}

TEST_F(TrustDbTest, WeakDigestsAreRefusedByDefault)
{
    const std::string content = "old package content\n";
    const std::string file = write("old-file", content);
    for (std::uint32_t algo : {digest_algo::md5, digest_algo::sha1}) {
        SCOPED_TRACE(algo);
        auto db = TrustDb::open(this->db());
        ASSERT_TRUE(db);
        auto added = db->add(make_package("old", content, "1", algo));
        ASSERT_FALSE(added) << "a package with weak file digests entered";
        EXPECT_EQ(added.error().code, Errc::rejected) << added.error().message;
        EXPECT_NE(added.error().message.find(digest_algo_name(algo)), std::string::npos) << added.error().message;
        EXPECT_TRUE(db->list()->empty());
        EXPECT_FALSE(db->contains(algo, raw_digest(content, algo)).value());
        EXPECT_TRUE(db->check_file(file)->vouchers.empty());
    }
}

TEST_F(TrustDbTest, WeakDigestsOnlyWithTheOptionAndOnlyForItsQueries)
{
    const std::string content = "old package content\n";
    const std::string file = write("old-file", content);
    const Bytes md5 = raw_digest(content, digest_algo::md5);
    {
        auto db = TrustDb::open(this->db(), {.allow_weak_digests = true});
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->add(make_package("old", content, "1", digest_algo::md5)));
        EXPECT_TRUE(db->contains(digest_algo::md5, md5).value());
        EXPECT_EQ(db->lookup(digest_algo::md5, md5)->size(), 1u);
        auto hit = db->check_file(file);
        ASSERT_TRUE(hit);
        ASSERT_EQ(hit->vouchers.size(), 1u);
        EXPECT_EQ(hit->digest.substr(0, 4), "md5:");
    }
    // A handle without the option never trusts what is in the database under a weak digest.
    for (TrustDbOptions o : {TrustDbOptions{}, TrustDbOptions{.read_only = true}, TrustDbOptions{.memory_index = true}}) {
        auto db = TrustDb::open(this->db(), o);
        ASSERT_TRUE(db);
        EXPECT_EQ(db->list()->size(), 1u);
        EXPECT_FALSE(db->contains(digest_algo::md5, md5).value());
        EXPECT_TRUE(db->lookup(digest_algo::md5, md5)->empty());
        auto miss = db->check_file(file);
        ASSERT_TRUE(miss);
        EXPECT_TRUE(miss->vouchers.empty());
    }
}

TEST_F(TrustDbTest, ContainsAndLookupRefuseWrongAlgorithmsAndSizes)
{
    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->add(make_package("alpha", "alpha content\n")));
    const Bytes digest = raw_sha256("alpha content\n");

    // The same bytes under another algorithm are another digest.
    auto sha512 = db->contains(digest_algo::sha512, Bytes(64, 0));
    ASSERT_TRUE(sha512);
    EXPECT_FALSE(*sha512);
    auto sha1 = db->contains(digest_algo::sha1, ByteView(digest).first(20));
    ASSERT_TRUE(sha1);
    EXPECT_FALSE(*sha1);

    auto expect_bad_input = [&](std::uint32_t algo, ByteView d, const char* what) {
        auto c = db->contains(algo, d);
        ASSERT_FALSE(c) << what;
        EXPECT_EQ(c.error().code, Errc::bad_input) << what;
        auto l = db->lookup(algo, d);
        ASSERT_FALSE(l) << what;
        EXPECT_EQ(l.error().code, Errc::bad_input) << what;
    };
    expect_bad_input(0, digest, "algorithm 0");
    expect_bad_input(99, digest, "unknown algorithm");
    expect_bad_input(digest_algo::sha256 + 256, digest, "algorithm that aliases sha256 in the key's byte");
    // A prefix of a present digest must not match it (fail closed).
    expect_bad_input(digest_algo::sha256, ByteView(digest).first(31), "31 bytes");
    expect_bad_input(digest_algo::sha256, ByteView(digest).first(1), "1 byte");
    expect_bad_input(digest_algo::sha256, ByteView{}, "empty");
    Bytes longer = digest;
    longer.push_back(0);
    expect_bad_input(digest_algo::sha256, longer, "33 bytes");
    expect_bad_input(digest_algo::sha512, digest, "sha512 of 32 bytes");
    // The refusals left the reader pool usable.
    EXPECT_TRUE(*db->contains(digest_algo::sha256, digest));
    EXPECT_EQ(db->lookup(digest_algo::sha256, digest)->size(), 1u);
}

TEST_F(TrustDbTest, ContainsAllocatesNothingOnceWarm)
{
    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->add(make_package("alpha", "alpha content\n")));
    const Bytes present = raw_sha256("alpha content\n"), absent = raw_sha256("nope");
    ASSERT_TRUE(*db->contains(digest_algo::sha256, present));   // warms the reader pool
    const std::size_t before = allocations_here;
    std::size_t hits = 0;
    for (int i = 0; i < 1000; ++i) {
        auto a = db->contains(digest_algo::sha256, present);
        auto b = db->contains(digest_algo::sha256, absent);
        hits += (a && *a) + (b && *b);
    }
    EXPECT_EQ(allocations_here - before, 0u);
    EXPECT_EQ(hits, 1000u);
    // lookup, by contrast, builds its answer.
    const std::size_t at = allocations_here;
    EXPECT_EQ(db->lookup(digest_algo::sha256, present)->size(), 1u);
    EXPECT_GT(allocations_here - at, 0u);
}

/// Reader threads query `stable` (must always be present) and `added` (entered
/// one package per commit, in order) in descending order: each query sees a
/// snapshot at least as new as the previous one, so once added[i] is seen every
/// added[j < i] must be seen too. Counts violations and errors.
struct ReaderCheck {
    const TrustDb& db;
    const std::vector<Bytes>& stable;
    const std::vector<Bytes>& added;
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> errors{0}, stable_missing{0}, order_violations{0}, rounds{0};

    void run()
    {
        while (!stop.load()) {
            for (const Bytes& d : stable) {
                auto r = db.contains(digest_algo::sha256, d);
                if (!r) ++errors;
                else if (!*r) ++stable_missing;
            }
            bool seen_later = false;
            for (std::size_t i = added.size(); i-- > 0;) {
                auto r = db.contains(digest_algo::sha256, added[i]);
                if (!r) ++errors;
                else if (*r) seen_later = true;
                else if (seen_later) ++order_violations;
            }
            ++rounds;
        }
    }
};

/// Reader threads check snapshots while the test's thread adds and removes
/// packages through the same handle (with the memory index: each commit also
/// replaces the in-memory set under the readers' feet).
void check_readers_while_a_writer_thread_commits(const std::string& path, TrustDbOptions options)
{
    auto db = TrustDb::open(path, options);
    ASSERT_TRUE(db);
    std::vector<Bytes> stable, added;
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(db->add(make_package("stable" + std::to_string(i), "s" + std::to_string(i))));
        stable.push_back(raw_sha256("s" + std::to_string(i)));
    }
    std::vector<VerifiedPackage> packages;
    for (int i = 0; i < 60; ++i) {
        packages.push_back(make_package("added" + std::to_string(i), "a" + std::to_string(i)));
        added.push_back(raw_sha256("a" + std::to_string(i)));
    }
    VerifiedPackage flicker = make_package("flicker", "f");

    ReaderCheck check{*db, stable, added};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) readers.emplace_back([&] { check.run(); });
    std::size_t write_errors = 0;
    for (const auto& p : packages) {
        write_errors += !db->add(p);
        write_errors += !db->add(flicker);   // a package that comes and goes
        write_errors += !db->remove("flicker-1-1.noarch");
    }
    // Let the readers run a few more rounds after the last commit.
    const std::size_t after = check.rounds.load();
    while (check.rounds.load() < after + readers.size()) std::this_thread::yield();
    check.stop = true;
    for (auto& t : readers) t.join();

    EXPECT_EQ(write_errors, 0u);
    EXPECT_EQ(check.errors.load(), 0u);
    EXPECT_EQ(check.stable_missing.load(), 0u);
    EXPECT_EQ(check.order_violations.load(), 0u);
    // Fresh snapshots for every pooled reader: all added, flicker gone, from any thread.
    std::atomic<std::size_t> wrong{0};
    std::vector<std::thread> finals;
    for (int t = 0; t < 4; ++t)
        finals.emplace_back([&] {
            for (const Bytes& d : added) wrong += !*db->contains(digest_algo::sha256, d);
            wrong += *db->contains(digest_algo::sha256, raw_sha256("f"));
        });
    for (auto& t : finals) t.join();
    EXPECT_EQ(wrong.load(), 0u);
    if (options.memory_index) {
        EXPECT_TRUE(db->memory_index_info()->current);
    }
}

TEST_F(TrustDbTest, ContainsFromManyThreadsWhileAWriterThreadCommits)
{
    check_readers_while_a_writer_thread_commits(db(), {});
}

TEST_F(TrustDbTest, MemoryIndexFromManyThreadsWhileAWriterThreadCommits)
{
    check_readers_while_a_writer_thread_commits(db(), {.memory_index = true});
}

TEST_F(TrustDbTest, ContainsFromManyThreadsWhileAnotherProcessCommits)
{
    std::vector<Bytes> stable, added;
    std::vector<VerifiedPackage> packages;
    for (int i = 0; i < 40; ++i) {
        packages.push_back(make_package("added" + std::to_string(i), "a" + std::to_string(i)));
        added.push_back(raw_sha256("a" + std::to_string(i)));
    }
    {
        auto db = TrustDb::open(this->db());
        ASSERT_TRUE(db);
        for (int i = 0; i < 10; ++i) {
            ASSERT_TRUE(db->add(make_package("stable" + std::to_string(i), "s" + std::to_string(i))));
            stable.push_back(raw_sha256("s" + std::to_string(i)));
        }
        ASSERT_TRUE(db->add(make_package("doomed", "d")));
    }
    // The writer is forked before this process opens the database or starts threads.
    int go[2];
    ASSERT_EQ(pipe(go), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(go[1]);
        char c = 0;
        if (::read(go[0], &c, 1) != 1) _exit(10);
        auto db = TrustDb::open(this->db());
        if (!db) _exit(11);
        for (const auto& p : packages)
            if (!db->add(p)) _exit(12);
        if (!db->remove("doomed-1-1.noarch")) _exit(13);
        _exit(0);
    }
    close(go[0]);
    auto db = TrustDb::open(this->db(), {.read_only = true});
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(*db->contains(digest_algo::sha256, raw_sha256("d")));
    ReaderCheck check{*db, stable, added};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) readers.emplace_back([&] { check.run(); });
    char c = 'g';
    ASSERT_EQ(::write(go[1], &c, 1), 1);
    close(go[1]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    // Let the readers run a few more rounds after the last commit.
    const std::size_t after = check.rounds.load();
    while (check.rounds.load() < after + readers.size()) std::this_thread::yield();
    check.stop = true;
    for (auto& t : readers) t.join();

    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer status " << status;
    EXPECT_EQ(check.errors.load(), 0u);
    EXPECT_EQ(check.stable_missing.load(), 0u);
    EXPECT_EQ(check.order_violations.load(), 0u);
    for (const Bytes& d : added) EXPECT_TRUE(*db->contains(digest_algo::sha256, d));
    EXPECT_FALSE(*db->contains(digest_algo::sha256, raw_sha256("d")));
}

// ---- The digests index, read with raw LMDB calls (independent of TrustDb) ----

struct RawEnv {
    MDB_env* env = nullptr;
    explicit RawEnv(const std::string& path, bool read_only)
    {
        EXPECT_EQ(mdb_env_create(&env), 0);
        EXPECT_EQ(mdb_env_set_maxdbs(env, 8), 0);
        EXPECT_EQ(mdb_env_set_mapsize(env, std::size_t{1} << 30), 0);
        if (!read_only) std::filesystem::create_directories(path);
        EXPECT_EQ(mdb_env_open(env, path.c_str(), MDB_NOTLS | (read_only ? MDB_RDONLY : 0u), 0644), 0);
    }
    ~RawEnv() { mdb_env_close(env); }
    RawEnv(const RawEnv&) = delete;
    RawEnv& operator=(const RawEnv&) = delete;
};

using Counts = std::map<Bytes, std::uint32_t>;

/// Everything a sub-database holds, as key → value.
std::optional<std::map<Bytes, Bytes>> read_all(MDB_txn* txn, const char* name)
{
    MDB_dbi dbi = 0;
    if (mdb_dbi_open(txn, name, 0, &dbi) != 0) return std::nullopt;
    MDB_cursor* c = nullptr;
    EXPECT_EQ(mdb_cursor_open(txn, dbi, &c), 0);
    std::map<Bytes, Bytes> out;
    MDB_val k, v;
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        auto b = [](const MDB_val& x) { return Bytes(static_cast<const std::uint8_t*>(x.mv_data), static_cast<const std::uint8_t*>(x.mv_data) + x.mv_size); };
        out.emplace(b(k), b(v));
    }
    mdb_cursor_close(c);
    return out;
}

/// What a database says about its digests: counted from the files tree (sha256
/// keys: [8][32-byte digest][nevra][index]), read from the index, and the format.
struct IndexState {
    Counts from_files;
    std::optional<Counts> index;   // nullopt: no digests database
    std::optional<std::uint32_t> format;
};

std::uint32_t le32(const Bytes& b) { return b.size() == 4 ? b[0] | b[1] << 8 | b[2] << 16 | static_cast<std::uint32_t>(b[3]) << 24 : 0xffffffff; }

IndexState read_index_state(const std::string& path)
{
    RawEnv env(path, true);
    MDB_txn* txn = nullptr;
    EXPECT_EQ(mdb_txn_begin(env.env, nullptr, MDB_RDONLY, &txn), 0);
    IndexState st;
    for (const auto& [k, v] : read_all(txn, "files").value_or(std::map<Bytes, Bytes>{})) {
        EXPECT_EQ(k[0], digest_algo::sha256);
        ++st.from_files[Bytes(k.begin(), k.begin() + 33)];
    }
    if (auto idx = read_all(txn, "digests")) {
        st.index = Counts{};
        for (const auto& [k, v] : *idx) (*st.index)[k] = le32(v);
    }
    if (auto meta = read_all(txn, "meta")) {
        const std::string key = "format";
        if (auto it = meta->find(Bytes(key.begin(), key.end())); it != meta->end()) st.format = le32(it->second);
    }
    mdb_txn_abort(txn);
    return st;
}

Bytes sha256_key(const std::string& content)
{
    Bytes k = raw_sha256(content);
    k.insert(k.begin(), static_cast<std::uint8_t>(digest_algo::sha256));
    return k;
}

/// The index holds exactly one key per digest of the files tree, with its count.
void expect_index_agrees(const std::string& path, const Counts& expected)
{
    const IndexState st = read_index_state(path);
    ASSERT_TRUE(st.index) << "no digests index";
    EXPECT_EQ(*st.index, st.from_files);
    EXPECT_EQ(st.from_files, expected);
    EXPECT_EQ(st.format, 2u);
}

TEST_F(TrustDbTest, DigestIndexAgreesWithFilesAfterAddReAddAndRemove)
{
    auto check = [&](const Counts& expected) { expect_index_agrees(db(), expected); };
    {
        auto db = TrustDb::open(this->db());
        ASSERT_TRUE(db) << db.error().message;
    }
    check({});
    {
        auto db = TrustDb::open(this->db());
        ASSERT_TRUE(db->add(make_package("alpha", "old\n")));
        ASSERT_TRUE(db->add(make_package("beta", "shared\n")));
        ASSERT_TRUE(db->add(make_package("gamma", "shared\n")));
    }
    check({{sha256_key("old\n"), 1}, {sha256_key("shared\n"), 2}});
    {
        // Re-adding a NEVRA replaces its entries: the old digest leaves the index.
        auto db = TrustDb::open(this->db());
        ASSERT_TRUE(db->add(make_package("alpha", "new\n")));
        ASSERT_TRUE(db->add(make_package("alpha", "new\n")));   // the same again: still counted once
        EXPECT_FALSE(*db->contains(digest_algo::sha256, raw_sha256("old\n")));
        EXPECT_TRUE(*db->contains(digest_algo::sha256, raw_sha256("new\n")));
    }
    check({{sha256_key("new\n"), 1}, {sha256_key("shared\n"), 2}});
    {
        auto db = TrustDb::open(this->db());
        ASSERT_TRUE(db->remove("beta-1-1.noarch"));
        EXPECT_TRUE(*db->contains(digest_algo::sha256, raw_sha256("shared\n")));   // gamma still vouches
    }
    check({{sha256_key("new\n"), 1}, {sha256_key("shared\n"), 1}});
    {
        auto db = TrustDb::open(this->db());
        ASSERT_TRUE(db->remove("gamma-1-1.noarch"));
        EXPECT_FALSE(*db->contains(digest_algo::sha256, raw_sha256("shared\n")));
        // A batch, then removing everything, leaves both trees empty.
        VerifiedPackage a = make_package("delta", "delta\n"), b = make_package("epsilon", "shared\n");
        std::vector<const VerifiedPackage*> batch = {&a, &b};
        ASSERT_TRUE(db->add_batch(batch));
        ASSERT_TRUE(db->remove("delta-1-1.noarch"));
        ASSERT_TRUE(db->remove("epsilon-1-1.noarch"));
        ASSERT_TRUE(db->remove("alpha-1-1.noarch"));
    }
    check({});
}

/// Writes a database as the format before the index had it (files and packages
/// only, no meta), with raw LMDB calls. Each package vouches for one sha256 file.
void write_old_format(const std::string& path, const std::vector<std::pair<std::string, std::string>>& packages)
{
    RawEnv env(path, false);
    MDB_txn* txn = nullptr;
    ASSERT_EQ(mdb_txn_begin(env.env, nullptr, 0, &txn), 0);
    MDB_dbi files = 0, pkgs = 0;
    ASSERT_EQ(mdb_dbi_open(txn, "files", MDB_CREATE, &files), 0);
    ASSERT_EQ(mdb_dbi_open(txn, "packages", MDB_CREATE, &pkgs), 0);
    for (const auto& [nevra, content] : packages) {
        const Bytes digest = raw_sha256(content);
        const std::uint32_t index = 0;
        Bytes key = sha256_key(content);
        key.insert(key.end(), nevra.begin(), nevra.end());
        key.insert(key.end(), {0, 0, 0, 0});   // file index 0, big-endian
        ByteWriter value;
        value.u32(0100644);
        value.bytes(as_bytes("/opt/" + nevra + "/file"));
        MDB_val k = {key.size(), key.data()}, v = {value.data().size(), const_cast<std::uint8_t*>(value.data().data())};
        ASSERT_EQ(mdb_put(txn, files, &k, &v, 0), 0);
        ByteWriter rec;   // signer 1, header sha256 2, added 3 (u64), algo 4 (u32), entry 5 ([index u32][digest])
        rec.record(1, as_bytes(std::string("OLDSIGNER")));
        rec.record(2, as_bytes(std::string(64, '0')));
        auto at = rec.begin_record(3);
        rec.u64(1700000000);
        rec.end_record(at);
        at = rec.begin_record(4);
        rec.u32(digest_algo::sha256);
        rec.end_record(at);
        at = rec.begin_record(5);
        rec.u32(index);
        rec.bytes(digest);
        rec.end_record(at);
        MDB_val pk = {nevra.size(), const_cast<char*>(nevra.data())}, pv = {rec.data().size(), const_cast<std::uint8_t*>(rec.data().data())};
        ASSERT_EQ(mdb_put(txn, pkgs, &pk, &pv, 0), 0);
    }
    ASSERT_EQ(mdb_txn_commit(txn), 0);
}

TEST_F(TrustDbTest, DatabaseWithoutIndexIsAnsweredReadOnlyAndMigratedOnWritableOpen)
{
    ASSERT_NO_FATAL_FAILURE(write_old_format(db(), {{"one-1-1.noarch", "shared\n"}, {"two-1-1.noarch", "shared\n"}, {"three-1-1.noarch", "three\n"}}));
    const IndexState before = read_index_state(db());
    ASSERT_FALSE(before.index);
    ASSERT_FALSE(before.format);

    // Read-only: answered from the files tree; the database is left as it is.
    auto ro = TrustDb::open(db(), {.read_only = true});
    ASSERT_TRUE(ro) << ro.error().message;
    EXPECT_TRUE(*ro->contains(digest_algo::sha256, raw_sha256("shared\n")));
    EXPECT_TRUE(*ro->contains(digest_algo::sha256, raw_sha256("three\n")));
    EXPECT_FALSE(*ro->contains(digest_algo::sha256, raw_sha256("absent\n")));
    Bytes next = raw_sha256("three\n");
    ++next.back();
    EXPECT_FALSE(*ro->contains(digest_algo::sha256, next));
    EXPECT_EQ(ro->lookup(digest_algo::sha256, raw_sha256("shared\n"))->size(), 2u);
    EXPECT_EQ(ro->list()->size(), 3u);
    EXPECT_FALSE(read_index_state(db()).index);

    // Writable: the index is built from files in the open transaction.
    {
        auto rw = TrustDb::open(db());
        ASSERT_TRUE(rw) << rw.error().message;
        EXPECT_TRUE(*rw->contains(digest_algo::sha256, raw_sha256("shared\n")));
        EXPECT_FALSE(*rw->contains(digest_algo::sha256, raw_sha256("absent\n")));
    }
    expect_index_agrees(db(), {{sha256_key("shared\n"), 2}, {sha256_key("three\n"), 1}});

    // Packages written before the migration are removed exactly, index included;
    // the read-only handle opened before the migration still answers right (from files).
    {
        auto rw = TrustDb::open(db());
        ASSERT_TRUE(rw->remove("one-1-1.noarch"));
        EXPECT_TRUE(*rw->contains(digest_algo::sha256, raw_sha256("shared\n")));
        EXPECT_TRUE(*ro->contains(digest_algo::sha256, raw_sha256("shared\n")));
        ASSERT_TRUE(rw->remove("two-1-1.noarch"));
        EXPECT_FALSE(*rw->contains(digest_algo::sha256, raw_sha256("shared\n")));
        EXPECT_FALSE(*ro->contains(digest_algo::sha256, raw_sha256("shared\n")));
        EXPECT_TRUE(*ro->contains(digest_algo::sha256, raw_sha256("three\n")));
        ASSERT_TRUE(rw->add(make_package("four", "four\n")));
    }
    expect_index_agrees(db(), {{sha256_key("three\n"), 1}, {sha256_key("four\n"), 1}});
    // A second writable open finds the index and leaves it alone.
    ASSERT_TRUE(TrustDb::open(db()));
    expect_index_agrees(db(), {{sha256_key("three\n"), 1}, {sha256_key("four\n"), 1}});
}

TEST_F(TrustDbTest, CorruptIndexCountFailsClosed)
{
    {
        auto db = TrustDb::open(this->db());
        ASSERT_TRUE(db->add(make_package("alpha", "alpha\n")));
    }
    {
        // A count that is not 4 bytes reads as 0: not trusted (never as "many").
        RawEnv env(db(), false);
        MDB_txn* txn = nullptr;
        ASSERT_EQ(mdb_txn_begin(env.env, nullptr, 0, &txn), 0);
        MDB_dbi digests = 0;
        ASSERT_EQ(mdb_dbi_open(txn, "digests", 0, &digests), 0);
        Bytes key = sha256_key("alpha\n");
        std::uint8_t two[2] = {1, 0};
        MDB_val k = {key.size(), key.data()}, v = {2, two};
        ASSERT_EQ(mdb_put(txn, digests, &k, &v, 0), 0);
        ASSERT_EQ(mdb_txn_commit(txn), 0);
    }
    auto db = TrustDb::open(this->db());
    ASSERT_TRUE(db);
    EXPECT_FALSE(*db->contains(digest_algo::sha256, raw_sha256("alpha\n")));
    ASSERT_TRUE(db->remove("alpha-1-1.noarch"));   // and removal still works, deleting the key
    ASSERT_TRUE(db->add(make_package("alpha", "alpha\n")));
    EXPECT_TRUE(*db->contains(digest_algo::sha256, raw_sha256("alpha\n")));
}

TEST_F(TrustDbTest, NewerFormatIsRefusedForWriting)
{
    {
        RawEnv env(db(), false);
        MDB_txn* txn = nullptr;
        ASSERT_EQ(mdb_txn_begin(env.env, nullptr, 0, &txn), 0);
        MDB_dbi meta = 0;
        ASSERT_EQ(mdb_dbi_open(txn, "meta", MDB_CREATE, &meta), 0);
        std::string key = "format";
        std::uint8_t three[4] = {3, 0, 0, 0};
        MDB_val k = {key.size(), key.data()}, v = {4, three};
        ASSERT_EQ(mdb_put(txn, meta, &k, &v, 0), 0);
        ASSERT_EQ(mdb_txn_commit(txn), 0);
    }
    auto rw = TrustDb::open(db());
    ASSERT_FALSE(rw);
    EXPECT_NE(rw.error().message.find("newer"), std::string::npos) << rw.error().message;
}

}  // namespace
}  // namespace umd::rpm

namespace umd::rpm {
namespace {

// --- The in-memory digest set (TrustDbOptions::memory_index) --------------------

TEST_F(TrustDbTest, MemoryIndexIsUsedOnlyWhileTheDatabaseIsUnchanged)
{
    auto writer = TrustDb::open(db());
    ASSERT_TRUE(writer);
    ASSERT_TRUE(writer->add(make_package("alpha", "alpha content\n")));
    ASSERT_TRUE(writer->add(make_package("beta", "beta content\n")));
    EXPECT_FALSE(writer->memory_index_info().has_value());
    EXPECT_EQ(writer->refresh_memory_index().error().code, Errc::invalid_argument);

    auto daemon = TrustDb::open(db(), {.read_only = true, .memory_index = true});
    ASSERT_TRUE(daemon);
    auto info = daemon->memory_index_info();
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->current);
    EXPECT_EQ(info->digests, 2u);
    EXPECT_GT(info->memory_bytes, 0u);
    EXPECT_TRUE(*daemon->contains(digest_algo::sha256, raw_sha256("alpha content\n")));
    EXPECT_FALSE(*daemon->contains(digest_algo::sha256, raw_sha256("gamma content\n")));
    EXPECT_EQ(*daemon->refresh_memory_index(), false);   // nothing changed

    // Another handle commits: the set is stale, and the answers follow the database at once.
    ASSERT_TRUE(writer->add(make_package("gamma", "gamma content\n")));
    ASSERT_TRUE(writer->remove("alpha-1-1.noarch"));
    EXPECT_FALSE(daemon->memory_index_info()->current);
    EXPECT_TRUE(*daemon->contains(digest_algo::sha256, raw_sha256("gamma content\n")));
    EXPECT_FALSE(*daemon->contains(digest_algo::sha256, raw_sha256("alpha content\n")));   // never trusted from the old copy

    EXPECT_EQ(*daemon->refresh_memory_index(), true);
    info = daemon->memory_index_info();
    EXPECT_TRUE(info->current);
    EXPECT_EQ(info->digests, 2u);
    EXPECT_TRUE(*daemon->contains(digest_algo::sha256, raw_sha256("gamma content\n")));
    EXPECT_FALSE(*daemon->contains(digest_algo::sha256, raw_sha256("alpha content\n")));
    EXPECT_TRUE(*daemon->contains(digest_algo::sha256, raw_sha256("beta content\n")));
    // Sizes are still checked before the set is asked.
    EXPECT_EQ(daemon->contains(digest_algo::sha256, Bytes(31, 1)).error().code, Errc::bad_input);
}

TEST_F(TrustDbTest, MemoryIndexFollowsTheHandlesOwnWrites)
{
    auto db = TrustDb::open(this->db(), {.memory_index = true});
    ASSERT_TRUE(db);
    EXPECT_EQ(db->memory_index_info()->digests, 0u);
    EXPECT_FALSE(*db->contains(digest_algo::sha256, raw_sha256("alpha content\n")));
    ASSERT_TRUE(db->add(make_package("alpha", "alpha content\n")));
    EXPECT_TRUE(db->memory_index_info()->current);
    EXPECT_EQ(db->memory_index_info()->digests, 1u);
    EXPECT_TRUE(*db->contains(digest_algo::sha256, raw_sha256("alpha content\n")));
    ASSERT_TRUE(db->remove("alpha-1-1.noarch"));
    EXPECT_TRUE(db->memory_index_info()->current);
    EXPECT_FALSE(*db->contains(digest_algo::sha256, raw_sha256("alpha content\n")));
}

TEST_F(TrustDbTest, MemoryIndexAllocatesNothingOnceWarm)
{
    auto db = TrustDb::open(this->db(), {.memory_index = true});
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->add(make_package("alpha", "alpha content\n")));
    const Bytes present = raw_sha256("alpha content\n"), absent = raw_sha256("nope");
    ASSERT_TRUE(*db->contains(digest_algo::sha256, present));
    const std::size_t before = allocations_here;
    std::size_t hits = 0;
    for (int i = 0; i < 1000; ++i) hits += *db->contains(digest_algo::sha256, present) + *db->contains(digest_algo::sha256, absent);
    EXPECT_EQ(allocations_here - before, 0u);
    EXPECT_EQ(hits, 1000u);
}

TEST_F(TrustDbTest, MemoryIndexOfADatabaseWithoutTheDigestsIndex)
{
    write_old_format(db(), {{"alpha", "alpha content\n"}, {"beta", "beta content\n"}});
    auto daemon = TrustDb::open(db(), {.read_only = true, .memory_index = true});
    ASSERT_TRUE(daemon);
    EXPECT_EQ(daemon->memory_index_info()->digests, 2u);
    EXPECT_TRUE(*daemon->contains(digest_algo::sha256, raw_sha256("beta content\n")));
    EXPECT_FALSE(*daemon->contains(digest_algo::sha256, raw_sha256("gamma content\n")));
}

}  // namespace
}  // namespace umd::rpm
