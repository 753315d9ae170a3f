// drivers/rpm/tests/driver_test.cpp — the RPM driver end to end through a Manager: the
// embedded RPM handler parses, the OpenPGP driver verifies the header signature, the
// claims are checked; verdicts compared with `rpmkeys -K` and digests with `rpm -qp`.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "drivers/rpm/tests/drivers_fixture.h"
#include "drivers/rpm/tests/fixtures.h"
#include "drivers/rpm/tests/rpm_builder.h"
#include "drivers/rpm/trusted/package_reader.h"
#include "drivers/rpm/trusted/pgp_signature_check.h"
#include "drivers/rpm/trusted/rpm_session.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::rpm {
namespace {

using namespace test;

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

class RpmDriver : public WithDrivers {
protected:
    static Result<VerifiedPackage> verify_file(const std::string& path)
    {
        auto file = PackageSource::open(path);
        if (!file) return std::unexpected(file.error());
        auto parsed = parse_with_handler(*rpm_, *file);
        if (!parsed) return std::unexpected(parsed.error());
        return verify_parsed(*parsed, *file, pgp_signature_check(*pgp_, *keyring_));
    }
    static int rpmkeys(const std::string& path)
    {
        return std::system(("rpmkeys --dbpath '" + fixture("rpmdb") + "' -K '" + path + "' >/dev/null 2>&1").c_str());
    }
    /// A copy of the fixture `name` with `edit` applied.
    template <class Edit>
    std::string edited(const std::string& name, Edit edit)
    {
        Bytes b = read_file(fixture(name));
        edit(b);
        std::string out = fixture("edited-" + name);
        std::ofstream(out, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<long>(b.size()));
        return out;
    }

};

TEST_F(RpmDriver, SignedPackagesVerifyLikeRpmkeys)
{
    for (const char* key : {"rsa2048", "rsa4096", "eddsa"}) {
        SCOPED_TRACE(key);
        const std::string pkg = fixture(std::string(key) + ".rpm");
        ASSERT_EQ(rpmkeys(pkg), 0);
        auto v = verify_file(pkg);
        ASSERT_TRUE(v) << v.error().message;
        std::string fpr = trim(run("cat '" + fixture(std::string(key) + ".fpr") + "'"));
        EXPECT_EQ(v->signer(), fpr);
        EXPECT_EQ(v->info().nevra(), "umdtest-7:1.2-3.noarch");
    }
}

TEST_F(RpmDriver, DigestsEqualRpmQuery)
{
    const std::string pkg = fixture("rsa4096.rpm");
    auto v = verify_file(pkg);
    ASSERT_TRUE(v) << v.error().message;
    std::ostringstream ours;
    for (const auto& f : v->info().files) ours << f.digest << "  " << f.path << "\n";
    EXPECT_EQ(ours.str(), run("rpm -qp --nosignature --qf '[%{FILEDIGESTS}  %{FILENAMES}\\n]' '" + pkg + "' 2>/dev/null"));
}

TEST_F(RpmDriver, UnknownKeyIsRejected)
{
    EXPECT_NE(rpmkeys(fixture("other.rpm")), 0);
    auto v = verify_file(fixture("other.rpm"));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::rejected) << v.error().message;
}

TEST_F(RpmDriver, UnsignedIsRejected)
{
    auto v = verify_file(fixture("unsigned.rpm"));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::rejected) << v.error().message;
}

TEST_F(RpmDriver, ChangedByteInSignedHeaderIsRejected)
{
    // Change one hex digit of a file digest inside the main header: still well formed.
    auto pkg = edited("rsa2048.rpm", [](Bytes& b) {
        const std::string digit = "10d46348e2935925";
        auto at = std::search(b.begin(), b.end(), digit.begin(), digit.end());
        ASSERT_NE(at, b.end());
        *at = '2';
    });
    EXPECT_NE(rpmkeys(pkg), 0);
    auto v = verify_file(pkg);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::rejected) << v.error().message;
}

TEST_F(RpmDriver, ChangedSignatureIsRejected)
{
    auto source = PackageSource::open(fixture("rsa2048.rpm"));
    ASSERT_TRUE(source);
    auto parsed = parse_with_handler(*rpm_, *source);
    ASSERT_TRUE(parsed);
    ASSERT_FALSE(parsed->signatures.empty());
    const Bytes packet = parsed->signatures.front().packet;
    auto pkg = edited("rsa2048.rpm", [&](Bytes& b) {
        auto at = std::search(b.begin(), b.end(), packet.begin(), packet.end());
        ASSERT_NE(at, b.end());
        *(at + static_cast<long>(packet.size()) - 5) ^= 0x40;   // inside the RSA value
    });
    EXPECT_NE(rpmkeys(pkg), 0);
    auto v = verify_file(pkg);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::rejected) << v.error().message;
}

TEST_F(RpmDriver, TruncatedAndGarbageAreBadInput)
{
    Bytes whole = read_file(fixture("rsa2048.rpm"));
    for (std::size_t n : {std::size_t{0}, std::size_t{50}, std::size_t{200}, whole.size() / 2}) {
        auto pkg = edited("rsa2048.rpm", [n](Bytes& b) { b.resize(std::min(n, b.size())); });
        auto v = verify_file(pkg);
        ASSERT_FALSE(v) << n;
        EXPECT_EQ(v.error().code, Errc::bad_input) << v.error().message;
    }
    auto garbage = edited("rsa2048.rpm", [](Bytes& b) { std::fill(b.begin(), b.end(), 0x5a); });
    auto v = verify_file(garbage);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, Errc::bad_input);
    auto missing = verify_file(fixture("does-not-exist.rpm"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::io);
}

TEST_F(RpmDriver, VerifiedPackageVouchesForItsFilesInTheTrustDb)
{
    auto v = verify_file(fixture("eddsa.rpm"));
    ASSERT_TRUE(v) << v.error().message;
    const std::string dbdir = fixture("trust.mdb");
    auto db = TrustDb::open(dbdir);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->add(*v));
    const std::string file = fixture("hello.txt");
    std::ofstream(file) << "hello\n";
    auto hit = db->check_file(file);
    ASSERT_TRUE(hit) << hit.error().message;
    ASSERT_EQ(hit->vouchers.size(), 1u);
    EXPECT_EQ(hit->vouchers[0].path, "/usr/share/umdtest/hello.txt");
    EXPECT_EQ(hit->vouchers[0].nevra, "umdtest-7:1.2-3.noarch");
}

TEST_F(RpmDriver, KeyringDirectoryLoadsOnlyGpgAndAscFiles)
{
    // As apt reads trusted.gpg.d: a README or a key renamed to retire it is not a key.
    const std::string dir = fixture("keys.d");
    std::filesystem::create_directories(dir + "/sub.asc");   // a directory, even with a key's name
    std::filesystem::copy_file(fixture("rsa2048.asc"), dir + "/rsa2048.asc");
    std::filesystem::copy_file(fixture("rsa4096.asc"), dir + "/zz-rsa4096.gpg");
    std::filesystem::copy_file(fixture("eddsa.asc"), dir + "/eddsa.asc.revoked-do-not-use");
    std::filesystem::copy_file(fixture("eddsa.asc"), dir + "/.eddsa.asc");   // hidden
    std::ofstream(dir + "/README") << "Put OpenPGP certificates here, one per file, named *.asc or *.gpg.\n";
    auto files = keyring_files(dir);
    ASSERT_TRUE(files) << files.error().message;
    EXPECT_EQ(*files, (std::vector<std::string>{dir + "/rsa2048.asc", dir + "/zz-rsa4096.gpg"}));

    auto session = RpmSession::open(*manager_, {}, dir);
    ASSERT_TRUE(session) << session.error().message;   // the README does not fail every verification
    auto good = (*session)->verify(fixture("rsa2048.rpm"));
    EXPECT_TRUE(good) << good.error().message;
    auto gpg = (*session)->verify(fixture("rsa4096.rpm"));
    EXPECT_TRUE(gpg) << gpg.error().message;
    auto revoked = (*session)->verify(fixture("eddsa.rpm"));   // its key was retired by renaming
    ASSERT_FALSE(revoked);
    EXPECT_EQ(revoked.error().code, Errc::rejected) << revoked.error().message;

    auto missing = keyring_files(fixture("no-such-keys.d"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::not_found);
}

}  // namespace
}  // namespace umd::rpm
