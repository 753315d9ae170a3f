// drivers/pgp/handler/tests/differential_corpus.cpp — makes the differential corpus with gpg and sq (test-only).
#include "differential_corpus.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "drivers/pgp/trusted/tests/rfc9580_vectors.h"

namespace umd::pgp::differential {
namespace {

using testing::quote;
using testing::run;

// A dash-escaped line, trailing spaces and no final newline exercise the cleartext rules.
constexpr char kText[] = "Differential parse corpus.\n- a line that cleartext signing dash-escapes\ntrailing spaces   \nlast line";

bool exists(const std::string& path)
{
    std::error_code ec;
    return std::filesystem::exists(path, ec);
}

}  // namespace

std::vector<std::string> gpg_corpus(const testing::Gpg& gpg, const std::string& algo)
{
    // try_run: gpg 2.2 cannot make every key (ed448), which is a skip, not a failure.
    if (gpg.try_run("--quick-gen-key " + quote("Alice <alice@example.org>") + " " + algo + " sign never").status != 0)
        return {};
    const auto fprs = gpg.fingerprints("alice@example.org");
    if (fprs.empty()) return {};
    const std::string fpr = fprs[0];
    // gpg 2.2 takes a curve name for a subkey as ECDH, refusing "sign": then an Ed25519 one.
    if (gpg.try_run("--quick-add-key " + fpr + " " + algo + " sign 2y").status != 0)
        gpg("--quick-add-key " + fpr + " ed25519 sign 2y");
    gpg("--quick-add-key " + fpr + " cv25519 encr never");
    gpg("--quick-add-uid " + fpr + " " + quote("Alice Two <alice2@example.org>"));
    gpg("--quick-revoke-uid " + fpr + " " + quote("Alice Two <alice2@example.org>"));
    const std::string data = gpg.file("data.txt");
    testing::write_file(data, kText);
    gpg("--output " + gpg.file("cert.pgp") + " --export " + fpr);
    gpg("--armor --output " + gpg.file("cert.asc") + " --export " + fpr);
    gpg("--output " + gpg.file("data.sig") + " --detach-sign " + data);
    gpg("--local-user " + fpr + "! --digest-algo SHA512 --default-sig-expire 3d --armor --output " +
        gpg.file("data.sig.asc") + " --detach-sign " + data);
    gpg("--output " + gpg.file("data.clear.asc") + " --clearsign " + data);
    // Two signers in one file, and a hashed area with notations, a policy URL and a preferred key server.
    const auto keys = gpg.fingerprints(fpr);   // primary, signing subkey, encryption subkey
    if (keys.size() < 2) return {};
    gpg("--local-user " + fpr + "! --local-user " + keys[1] + "! --output " + gpg.file("data.two.sig") +
        " --detach-sign " + data);
    gpg("--sig-notation " + quote("note@example.org=a value") + " --sig-policy-url https://example.org/policy"
        " --sig-keyserver-url https://keys.example.org --output " + gpg.file("data.notes.sig") + " --detach-sign " +
        data);
    gpg("--compress-algo zlib --set-filename inline.txt --output " + gpg.file("data.zlib.gpg") + " --sign " + data);
    gpg("--compress-algo bzip2 --textmode --armor --output " + gpg.file("data.bzip2.asc") + " --sign " + data);
    gpg("--compress-algo none --output " + gpg.file("data.plain.gpg") + " --sign " + data);
    std::vector<std::string> files;
    for (const char* name : {"cert.pgp", "cert.asc", "data.sig", "data.sig.asc", "data.clear.asc", "data.two.sig",
                             "data.notes.sig", "data.zlib.gpg", "data.bzip2.asc", "data.plain.gpg"})
        files.push_back(gpg.file(name));
    return files;
}

std::vector<std::string> gpg_expired_corpus(const testing::Gpg& gpg)
{
    const std::string past = "--faked-system-time 20200101T000000 ";
    gpg(past + "--quick-gen-key " + quote("Old <old@example.org>") + " rsa2048 sign 400d");
    const std::string data = gpg.file("data.txt");
    testing::write_file(data, kText);
    gpg("--output " + gpg.file("expired.pgp") + " --export old@example.org");
    gpg(past + "--output " + gpg.file("expired-data.sig") + " --detach-sign " + data);
    return {gpg.file("expired.pgp"), gpg.file("expired-data.sig")};
}

std::vector<std::string> gpg_revoked_corpus(const testing::Gpg& gpg)
{
    const std::string fpr = gpg.generate("Gone <gone@example.org>", "ed25519");
    if (fpr.empty()) return {};
    // gpg stores a revocation certificate with its armor line disarmed by a leading ':'.
    const std::string stored = gpg.file("openpgp-revocs.d/" + fpr + ".rev");
    const std::string armed = gpg.file("revocation.asc");
    run("sed 's/^:-----BEGIN/-----BEGIN/' " + quote(stored) + " > " + quote(armed));
    gpg("--import " + armed);
    gpg("--output " + gpg.file("revoked.pgp") + " --export " + fpr);
    gpg("--armor --output " + gpg.file("revocation-only.asc") + " --export " + fpr);
    return {gpg.file("revoked.pgp"), gpg.file("revocation-only.asc")};
}

std::vector<std::string> sq_corpus(const testing::TempDir& dir, const std::string& cipher_suite)
{
    // HOME in the temp dir: sq keeps nothing outside it.
    const std::string sq = "HOME=" + quote(dir.path()) + " sq ";
    auto f = [&](const std::string& name) { return quote(dir.file(name)); };
    const std::string data = dir.file("data.txt");
    testing::write_file(data, kText);
    auto ok = [&](const std::string& args) {
        auto r = run(sq + args + " 2>/dev/null");
        EXPECT_EQ(r.status, 0) << "sq " << args;
    };
    ok("key generate --userid " + quote("Bob <bob@example.org>") + " --cipher-suite " + cipher_suite +
       " --export " + f("key.pgp"));
    ok("key extract-cert --output " + f("cert.asc") + " " + f("key.pgp"));
    ok("key extract-cert --binary --output " + f("cert.pgp") + " " + f("key.pgp"));
    ok("sign --detached --signer-key " + f("key.pgp") + " --output " + f("data.sig.asc") + " " + quote(data));
    ok("sign --detached --binary --signer-key " + f("key.pgp") + " --output " + f("data.sig") + " " + quote(data));
    ok("sign --cleartext-signature --signer-key " + f("key.pgp") + " --output " + f("data.clear.asc") + " " +
       quote(data));
    ok("sign --binary --signer-key " + f("key.pgp") + " --output " + f("data.inline.pgp") + " " + quote(data));
    std::vector<std::string> files;
    for (const char* name : {"cert.asc", "cert.pgp", "data.sig.asc", "data.sig", "data.clear.asc", "data.inline.pgp"})
        if (exists(dir.file(name))) files.push_back(dir.file(name));
    return files;
}

std::vector<std::string> rfc9580_corpus(const testing::TempDir& dir)
{
    testing::write_file(dir.file("rfc9580-a3.asc"), test::rfc9580_a3_certificate);
    testing::write_file(dir.file("rfc9580-a6.asc"), test::rfc9580_a6_cleartext);
    return {dir.file("rfc9580-a3.asc"), dir.file("rfc9580-a6.asc")};
}

std::vector<std::string> files_ending(const std::string& dir, const std::string& suffix)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.path().string().ends_with(suffix)) out.push_back(entry.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace umd::pgp::differential
