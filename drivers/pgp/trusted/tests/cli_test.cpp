// End-to-end tests of `umd pgp verify` and `umd pgp show`: the real CLI, the
// sandboxed handler started from its embedded blob, and exit codes compared
// with sqv's on the same files (0 valid, 1 not valid; sqv has no "malformed"
// code, so exit 2 is checked on its own).
#include <gtest/gtest.h>

#include <ctime>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "drivers/pgp/trusted/tests/peer.h"

#ifndef UMD_CLI
#error "UMD_CLI must name the umd executable"
#endif

namespace umd::pgp::test {
namespace {

class Cli : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        gpg_ = new Gpg;
        fpr_ = gpg_->generate("Cli <cli@example.org>", "ed25519");
        key_ = gpg_->export_key(fpr_, "key.gpg");
        data_ = gpg_->file("data.txt");
        write_file(data_, "command line data\n");
        gpg_->gpg("--local-user " + fpr_ + " --detach-sign --output " + gpg_->file("data.sig") + " " + data_);
        gpg_->gpg("--local-user " + fpr_ + " --clearsign --output " + gpg_->file("data.asc") + " " + data_);
        gpg_->gpg("--local-user " + fpr_ + " --sign --output " + gpg_->file("data.gpg") + " " + data_);
    }
    static void TearDownTestSuite()
    {
        delete gpg_;
        gpg_ = nullptr;
    }
    static test::Run umd(const std::string& args) { return run(std::string(UMD_CLI) + " " + args + " 2>/dev/null"); }
    static std::string f(const std::string& name) { return gpg_->file(name); }

    static Gpg* gpg_;
    static std::string fpr_, key_, data_;
};
Gpg* Cli::gpg_ = nullptr;
std::string Cli::fpr_, Cli::key_, Cli::data_;

TEST_F(Cli, DetachedValidPrintsSignerLikeSqv)
{
    test::Run r = umd("pgp verify --keyring " + key_ + " --signature " + f("data.sig") + " " + data_);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, fpr_ + "\n");
    test::Run s = run("sqv --keyring " + key_ + " " + f("data.sig") + " " + data_ + " 2>/dev/null");
    EXPECT_EQ(s.status, 0);
    EXPECT_EQ(s.out, r.out);
}

TEST_F(Cli, TamperedDataIsExitOneLikeSqv)
{
    std::string other = f("other.txt");
    write_file(other, "command line data!\n");
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --signature " + f("data.sig") + " " + other).status, 1);
    EXPECT_EQ(run("sqv --keyring " + key_ + " " + f("data.sig") + " " + other + " >/dev/null 2>&1").status, 1);
}

TEST_F(Cli, MalformedUsageAndIoAreExitTwo)
{
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --signature " + data_ + " " + data_).status, 2);   // not OpenPGP
    EXPECT_EQ(umd("pgp verify --signature " + f("data.sig") + " " + data_).status, 2);                 // no keyring
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --signature " + f("data.sig") + " /nonexistent").status, 2);
    EXPECT_EQ(umd("pgp verify --keyring /nonexistent --signature " + f("data.sig") + " " + data_).status, 2);
    EXPECT_EQ(umd("pgp verify --keyring " + f("data.sig") + " --signature " + f("data.sig") + " " + data_).status, 2);
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --not-before yesterday " + f("data.asc")).status, 2);
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --signatures 0 " + f("data.asc")).status, 2);
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --output " + f("o") + " --signature " + f("data.sig") + " " + data_).status, 2);
}

TEST_F(Cli, AnUnknownWordIsNamed)
{
    // stderr joins stdout here: the message is what is checked.
    auto said = [](const std::string& args) { return run(std::string(UMD_CLI) + " " + args + " 2>&1"); };
    test::Run top = said("nosuch");
    EXPECT_EQ(top.status, 2);
    EXPECT_EQ(top.out, "umd: 'nosuch' is not a command of 'umd'; see umd --help\n");
    test::Run sub = said("pgp verfy --keyring " + key_ + " " + data_);
    EXPECT_EQ(sub.status, 2);
    EXPECT_EQ(sub.out.rfind("umd: 'verfy' is not a command of 'umd pgp'; see umd pgp --help\n", 0), 0u) << sub.out;
    test::Run option = said("pgp --bogus");
    EXPECT_EQ(option.status, 2);
    EXPECT_EQ(option.out, "umd: '--bogus' is not an option of 'umd pgp'; see umd pgp --help\n");
    EXPECT_EQ(said("").status, 2) << "no command at all is still a usage error";
}

TEST_F(Cli, HelpVersionAndUsageErrorsReachTheirStreams)
{
    // CLI11's output is collected and written with stdio (apps/umd/cli11.h): help and
    // the version on stdout, a usage error on stderr, nothing lost or swapped.
    test::Run help = run(std::string(UMD_CLI) + " pgp verify --help 2>/dev/null");
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("Usage: "), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--keyring"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("Exit status: 0 valid"), std::string::npos) << help.out;
    test::Run version = run(std::string(UMD_CLI) + " --version 2>/dev/null");
    EXPECT_EQ(version.status, 0);
    EXPECT_EQ(version.out.rfind("umd ", 0), 0u) << version.out;
    test::Run missing = run(std::string(UMD_CLI) + " pgp verify --keyring " + key_ + " 2>&1 >/dev/null");
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.out.find("FILE is required"), std::string::npos) << missing.out;
}

TEST_F(Cli, ALibcryptoThatIsNotOpenSsl3IsNamedAndNothingIsVerified)
{
    // libcrypto is loaded when first needed (src/libcrypto/): a library of that name
    // without OpenSSL 3's functions must stop the verification with a message, like
    // the dynamic loader would, and leave commands that verify nothing working.
    std::string dir = f("fake-libcrypto");
    ASSERT_EQ(run("mkdir -p " + dir + " && cc -shared -fPIC -o " + dir + "/libcrypto.so.3 -x c /dev/null").status, 0);
    std::string env = "LD_LIBRARY_PATH=" + dir + " ";
    // --standalone: this is about the libcrypto of the process that verifies (through a
    // umdd, the CLI loads none).
    test::Run r = run(env + UMD_CLI + " --standalone pgp verify --keyring " + key_ + " " + f("data.asc") + " 2>&1");
    EXPECT_EQ(r.status, 127);
    EXPECT_NE(r.out.find("libcrypto.so.3 has no "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(fpr_), std::string::npos) << "no signer may be printed";
    EXPECT_EQ(run(env + UMD_CLI + " --help >/dev/null 2>&1").status, 0);
}

TEST_F(Cli, MessagesWithOutputAndJson)
{
    std::string out = f("out.txt");
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --output " + out + " " + f("data.gpg")).status, 0);
    EXPECT_EQ(read_file(out), "command line data\n");
    test::Run c = umd("pgp verify --keyring " + key_ + " --output - " + f("data.asc"));
    EXPECT_EQ(c.status, 0);
    EXPECT_EQ(c.out, "command line data\n");   // as gpgv --output and sq verify write it
    test::Run j = umd("pgp verify --json --keyring " + key_ + " " + f("data.asc"));
    EXPECT_EQ(j.status, 0);
    ASSERT_TRUE(nlohmann::json::accept(j.out)) << j.out;
    auto doc = nlohmann::json::parse(j.out);   // schema umd/1: docs/json.md
    EXPECT_EQ(doc["schema"], "umd/1");
    EXPECT_EQ(doc["results"][0]["verdict"], "yes");
    EXPECT_EQ(doc["results"][0]["good_signers"], nlohmann::json::array({fpr_}));
}

/// `umd pgp verify --output` writes a cleartext message's text byte for byte as
/// gpgv --output and sq verify --output do: trailing blanks gone, dash escapes
/// removed, every line with the line ending it has in the file, the last included.
TEST_F(Cli, CleartextOutputMatchesGpgvAndSqByteForByte)
{
    const std::vector<std::pair<std::string, std::string>> texts{
        {"plain", "command line data\n"},
        {"no-final-eol", "line one  \n- dash\n\ttabbed\t\nlast"},
        {"crlf", "crlf line \r\nsecond\r\n\r\n"},
        {"blank-end", "ends with a blank line\n\n"},
        {"empty", ""},
        {"dashes", "-----BEGIN PGP SIGNATURE-----\n- - x\n--\n"},
    };
    std::vector<std::string> files;
    for (const auto& [name, text] : texts) {
        write_file(f(name + ".txt"), text);
        ASSERT_EQ(gpg_->gpg("--local-user " + fpr_ + " --clearsign --output " + f(name + ".asc") + " " + f(name + ".txt")).status, 0);
        files.push_back(f(name + ".asc"));
    }
    std::string sq_cert = f("key.pub");
    ASSERT_EQ(gpg_->gpg("--export --output " + sq_cert + " " + fpr_).status, 0);
    for (const auto& file : files) {
        SCOPED_TRACE(file);
        for (const char* out : {"umd.out", "gpgv.out", "sq.out"}) std::filesystem::remove(f(out));   // sq never overwrites
        ASSERT_EQ(umd("pgp verify --keyring " + key_ + " --output " + f("umd.out") + " " + file).status, 0);
        ASSERT_EQ(run("gpgv --keyring " + key_ + " --output " + f("gpgv.out") + " " + file + " 2>/dev/null").status, 0);
        ASSERT_EQ(run("sq verify --signer-cert " + sq_cert + " --output " + f("sq.out") + " " + file + " 2>/dev/null").status, 0);
        EXPECT_EQ(read_file(f("umd.out")), read_file(f("gpgv.out")));
        EXPECT_EQ(read_file(f("umd.out")), read_file(f("sq.out")));
    }
}

/// A line inserted into a clear-signed text: gpg says BAD, and so must umd, whatever
/// the handler claims (the honest handler's claim fails the signature; a lying one that
/// leaves the line out is refused by the framing check: tests in lying_handler_test).
TEST_F(Cli, AnInsertedLineIsNotValidLikeGpgv)
{
    std::string text = read_file(f("data.asc"));
    const std::size_t at = text.find("command line data");
    ASSERT_NE(at, std::string::npos);
    text.insert(at, "an unsigned line\n");
    write_file(f("inserted.asc"), text);
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " " + f("inserted.asc")).status, 1);
    EXPECT_NE(run("gpgv --keyring " + key_ + " " + f("inserted.asc") + " 2>/dev/null").status, 0);
}

TEST_F(Cli, TimeWindowAndSignatureCount)
{
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --not-after 2001-01-01 " + f("data.asc")).status, 1);
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --not-before 2001-01-01T00:00:00Z " + f("data.asc")).status, 0);
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --signatures 2 --signature " + f("data.sig") + " " + data_).status, 1);
    EXPECT_EQ(run("sqv --signatures 2 --keyring " + key_ + " " + f("data.sig") + " " + data_ + " >/dev/null 2>&1").status, 1);
}

/// `when` (Unix seconds) as ISO 8601 wall-clock time in the zone `offset_minutes` east of UTC.
std::string iso_in_zone(std::time_t when, int offset_minutes)
{
    std::time_t wall = when + offset_minutes * 60;
    std::tm tm{};
    ::gmtime_r(&wall, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    return fmt::format("{}{}{:02}:{:02}", text, offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
}

TEST_F(Cli, TimesWithZonesAreHonouredAndDatesThatDoNotExistRefusedAsSqvDoes)
{
    // The signature was made minutes ago. One hour from now, written as wall-clock time
    // two hours west of UTC, reads as an hour ago if the zone were dropped: honoured, the
    // signature is before it (not valid); dropped, it would be valid.
    const std::time_t later = std::time(nullptr) + 3600;
    const std::string west = iso_in_zone(later, -120);
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --not-before " + west + " " + f("data.asc")).status, 1) << west;
    EXPECT_EQ(run("sqv --not-before " + west + " --keyring " + key_ + " " + f("data.sig") + " " + data_ + " >/dev/null 2>&1").status, 1) << west;
    // The same instant written in UTC and at +05:30 gives the same verdict.
    for (int zone : {0, 330})
        EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --not-before " + iso_in_zone(later, zone) + " " + f("data.asc")).status, 1);
    // An hour ago, written east of UTC: valid.
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --not-before " + iso_in_zone(later - 7200, 120) + " " + f("data.asc")).status, 0);
    // Dates that do not exist are usage errors, never rolled over into March.
    for (const char* date : {"2026-02-31", "2025-02-29", "2026-04-31", "2026-13-01", "2026-01-01T24:00", "2026-01-01T10:00+25:00"}) {
        EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --not-after " + date + " " + f("data.asc")).status, 2) << date;
        EXPECT_NE(run("sqv --not-after " + std::string(date) + " --keyring " + key_ + " " + f("data.sig") + " " + data_ + " >/dev/null 2>&1").status, 0) << date;
    }
    EXPECT_EQ(umd("pgp verify --keyring " + key_ + " --not-before 2024-02-29 " + f("data.asc")).status, 0);   // a leap day
}

TEST_F(Cli, ShowPrintsComputedFingerprint)
{
    test::Run r = umd("pgp show " + key_);
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find(fpr_), std::string::npos);
    test::Run j = umd("pgp show --json " + f("data.sig"));
    EXPECT_EQ(j.status, 0);
    EXPECT_NE(j.out.find("detached-signature"), std::string::npos);
    EXPECT_EQ(umd("pgp show " + data_).status, 2);
}

/// Valid UTF-8 with no control character (line feeds aside): what a terminal may get.
bool terminal_safe(const std::string& s)
{
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto u = static_cast<unsigned char>(s[i]);
        if ((u < 0x20 && u != '\n') || u == 0x7F) return false;
        if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return false;   // C1
    }
    try {
        (void)nlohmann::json(s).dump();   // throws on invalid UTF-8
    } catch (const nlohmann::json::exception&) {
        return false;
    }
    return true;
}

// Issue 12: a handler quotes input bytes in its bad_input message; `--json` aborted
// (exit 134: nlohmann::json threw on the invalid UTF-8). Now: exit 2 and valid JSON,
// the bytes written as \xNN; the human form puts no raw byte on stderr either.
TEST_F(Cli, HandlerWordsQuotingInvalidUtf8AreExitTwoWithValidJson)
{
    std::string text = read_file(f("data.asc"));
    auto hash = text.find("Hash: ");
    ASSERT_NE(hash, std::string::npos);
    text.replace(hash, text.find('\n', hash) - hash, "Hash: \xff\xfe\x1b[2J");
    std::string bad = f("bad-hash.asc");
    write_file(bad, text);
    test::Run j = umd("pgp verify --json --keyring " + key_ + " " + bad);
    EXPECT_EQ(j.status, 2) << j.out;
    ASSERT_TRUE(nlohmann::json::accept(j.out)) << j.out;
    auto parsed = nlohmann::json::parse(j.out);
    const auto& entry = parsed["results"][0];
    EXPECT_EQ(entry["verdict"], "failed");
    EXPECT_EQ(entry["error"]["kind"], "bad_input");
    std::string message = entry["error"]["message"];
    EXPECT_NE(message.find("\\xff\\xfe\\x1b[2J"), std::string::npos) << message;

    test::Run human = run(std::string(UMD_CLI) + " pgp verify --keyring " + key_ + " " + bad + " 2>&1");
    EXPECT_EQ(human.status, 2);
    EXPECT_TRUE(terminal_safe(human.out)) << human.out;
    EXPECT_NE(human.out.find("\\xff\\xfe"), std::string::npos) << human.out;
}

// A user ID is the input's bytes even when its self-signature is good: `show --json`
// aborted on one with invalid UTF-8, and `show` copied terminal escapes to stdout.
TEST_F(Cli, ShowMakesUserIdsSafeForJsonAndTerminals)
{
    Gpg gpg;
    std::string fpr = gpg.generate("Plain <plain@example.org>", "ed25519");
    ASSERT_EQ(gpg.gpg("--quick-add-uid " + fpr + " \"$(printf 'Evil \\033[2J\\377\\376 \\342\\200\\256 <e@example.org>')\"").status, 0);
    std::string key = gpg.export_key(fpr, "evil.gpg");
    ASSERT_NE(read_file(key).find("Evil \x1b[2J\xff\xfe"), std::string::npos) << "gpg kept the raw bytes";

    test::Run j = umd("pgp show --json " + key);
    EXPECT_EQ(j.status, 0);
    ASSERT_TRUE(nlohmann::json::accept(j.out)) << j.out;
    auto uids = nlohmann::json::parse(j.out)["results"][0]["description"]["certificates"][0]["verified_user_ids"];
    ASSERT_EQ(uids.size(), 2u) << j.out;
    EXPECT_EQ(uids[0], "Plain <plain@example.org>");
    // JSON carries valid UTF-8 as it is (the escape is JSON-escaped) and invalid bytes as \xNN.
    EXPECT_EQ(uids[1], "Evil \x1b[2J\\xff\\xfe \xe2\x80\xae <e@example.org>");

    test::Run h = umd("pgp show " + key);
    EXPECT_EQ(h.status, 0);
    EXPECT_TRUE(terminal_safe(h.out)) << h.out;
    EXPECT_NE(h.out.find("user ID Evil \\x1b[2J\\xff\\xfe \\xe2\\x80\\xae <e@example.org>\n"), std::string::npos) << h.out;
}

}  // namespace
}  // namespace umd::pgp::test
