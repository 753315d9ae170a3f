// drivers/rpm/tests/trust_db_test.cpp — the LMDB trust database: add, lookup, check,
// remove, list, batches, and a writer SIGKILLed in the middle of a batch.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "drivers/rpm/handler/package_parser.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/header_digest.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::rpm {
namespace {

using namespace test;

/// A package with one regular file whose content is `content`, a directory and a symlink.
VerifiedPackage make_package(const std::string& name, const std::string& content, const std::string& version = "1")
{
    const std::string digest = sha256_hex(as_bytes(content));
    std::vector<TestEntry> e = {
        str(1000, name), str(1001, version), str(1002, "1"), str(1022, "noarch"),
        i16(1030, {0100644, 040755, 0120777}), str_array(1035, {digest, "", ""}), i32(1037, {0, 0, 0}),
        i32(1116, {0, 0, 0}), str_array(1117, {"file", "dir", "link"}), str_array(1118, {"/opt/" + name + "/"}),
        i32(5011, {8}),
    };
    Bytes file = build_package(build_header({bin(268, Bytes(8, 1))}, 62), build_header(e, 63));
    auto p = parse_package(file, file.size());
    if (!p) throw std::runtime_error(p.error().message);
    auto v = verify_parsed(*p, [](ByteView, std::span<const SignaturePacket>) -> Result<std::string> { return std::string("SIGNER"); });
    if (!v) throw std::runtime_error(v.error().message);
    return *v;
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

}  // namespace
}  // namespace umd::rpm
