// main.cpp — verifies through the installed OpenPGP, RPM and trust database API,
// as a program outside the umd tree would (packaging/tests/install_test.sh runs it
// against signatures and packages made at test time with gpg and rpmsign).
//
//   umd-api-consumer pgp KEYRING SIGNATURE DATA
//       exit 0: a good signature by a key of KEYRING; 1: not valid; 2+: error
//   umd-api-consumer rpm KEYRING PACKAGE DB FILE
//       verifies PACKAGE, adds it to the trust database in directory DB, then
//       checks FILE against the database: exit 0 trusted, 1 not trusted
//       (or the package is not valid), 2+: error
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <umd/error.h>
#include <umd/loader.h>
#include <umd/manager.h>

#include <drivers/pgp/trusted/client.h>
#include <drivers/pgp/trusted/policy.h>
#include <drivers/pgp/trusted/verifier.h>
#include <drivers/rpm/trusted/rpm_session.h>
#include <drivers/rpm/trusted/trust_db.h>
#include <umd_generated/pgp_loader.h>
#include <umd_generated/rpm_loader.h>

namespace {

int fail(const umd::Error& error)
{
    std::fprintf(stderr, "error: %s\n", error.message.c_str());
    return umd::exit_code(error.code);
}

int verify_signature(umd::Manager& manager, const char* keyring, const char* signature, const char* data)
{
    auto driver = manager.driver("pgp");
    if (!driver) return fail(driver.error());
    umd::pgp::Policy policy;
    auto ring = umd::pgp::load_keyring(**driver, {std::string(keyring)}, policy);
    if (!ring) return fail(ring.error());
    auto parsed = umd::pgp::parse_file(**driver, std::string(signature));
    if (!parsed) return fail(parsed.error());
    auto bytes = umd::pgp::read_input_file(std::string(data));
    if (!bytes) return fail(bytes.error());
    auto verdict = umd::pgp::verify_detached(*ring, *parsed, umd::ByteView(*bytes), policy);
    if (!verdict) return fail(verdict.error());
    if (!verdict->valid()) {
        for (const auto& bad : verdict->bad) std::printf("bad signature: %s\n", bad.reason.c_str());
        return 1;
    }
    std::printf("good signature by %s\n", verdict->good_signers.front().c_str());
    return 0;
}

int trust_package(umd::Manager& manager, const char* keyring, const char* package, const char* db_dir,
                  const char* file)
{
    auto session = umd::rpm::RpmSession::open(manager, {std::string(keyring)});
    if (!session) return fail(session.error());
    auto verified = (*session)->verify(package);
    if (!verified) {
        std::printf("package not valid: %s\n", verified.error().message.c_str());
        return verified.error().code == umd::Errc::rejected ? 1 : fail(verified.error());
    }
    std::printf("package %s signed by %s\n", verified->info().nevra().c_str(), verified->signer().c_str());
    auto db = umd::rpm::TrustDb::open(db_dir);
    if (!db) return fail(db.error());
    if (auto added = db->add(*verified); !added) return fail(added.error());
    auto check = db->check_file(file);
    if (!check) return fail(check.error());
    if (check->vouchers.empty()) {
        std::printf("%s: not trusted (%s)\n", file, check->digest.c_str());
        return 1;
    }
    std::printf("%s: trusted (%s)\n", file, check->digest.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    const std::string_view command = argc > 1 ? argv[1] : "";
    auto registry = std::make_shared<umd::LoaderRegistry>();
    registry->add_builtin(umd::pgp::loader_module());
    registry->add_builtin(umd::rpm::loader_module());
    umd::Manager manager(registry);
    if (command == "pgp" && argc == 5) return verify_signature(manager, argv[2], argv[3], argv[4]);
    if (command == "rpm" && argc == 6) return trust_package(manager, argv[2], argv[3], argv[4], argv[5]);
    std::fprintf(stderr, "usage: %s pgp KEYRING SIGNATURE DATA\n       %s rpm KEYRING PACKAGE DB FILE\n", argv[0], argv[0]);
    return 2;
}
