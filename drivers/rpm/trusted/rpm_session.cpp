// drivers/rpm/trusted/rpm_session.cpp — both drivers and a keyring, for front ends.
// Trusted side (Manager). See rpm_session.h.
#include "drivers/rpm/trusted/rpm_session.h"

#include "drivers/pgp/trusted/client.h"
#include "drivers/rpm/trusted/package_reader.h"
#include "drivers/rpm/trusted/trust_db.h"

namespace umd::rpm {

std::string RpmSession::default_keyring_dir_path() { return default_keyring_dir; }

Result<std::unique_ptr<RpmSession>> RpmSession::open(Manager& manager, const std::vector<std::string>& keyring_files,
                                                     const std::string& keyring_dir)
{
    auto rpm = UMD_TRY(manager.driver("rpm"));
    auto pgp = UMD_TRY(manager.driver("pgp"));
    auto files = UMD_TRY(keyrings_to_use(keyring_files, keyring_dir));
    // The OpenPGP library's keyring load: a handler that has seen no package parses
    // the keys, and every key it reports is found in the file's own bytes.
    auto ring = UMD_TRY(pgp::load_keyring(*pgp, pgp::FileRef::paths(files), {}));
    return std::unique_ptr<RpmSession>(new RpmSession(*rpm, *pgp, std::move(ring)));
}

namespace {

Result<std::pair<Parsed, PackageInfo>> inspect_with(Driver& rpm, const std::string& path)
{
    auto file = UMD_TRY(PackageSource::open(path));
    auto parsed = UMD_TRY(parse_with_handler(rpm, file));
    auto info = inspect_parsed(parsed, file);
    if (!info) return std::unexpected(with_context(info.error(), path));
    return std::pair{std::move(parsed), std::move(*info)};
}

}  // namespace

Result<VerifiedPackage> RpmSession::verify(const std::string& path)
{
    auto file = UMD_TRY(PackageSource::open(path));
    auto parsed = UMD_TRY(parse_with_handler(rpm_, file));
    auto v = verify_parsed(parsed, file, pgp_signature_check(pgp_, keyring_));
    if (!v) return std::unexpected(with_context(v.error(), path));
    return v;
}

Result<std::pair<Parsed, PackageInfo>> RpmSession::inspect(Manager& manager, const std::string& path)
{
    auto rpm = UMD_TRY(manager.driver("rpm"));
    return inspect_with(*rpm, path);
}

Result<std::pair<Parsed, PackageInfo>> RpmSession::inspect(const std::string& path) { return inspect_with(rpm_, path); }

}  // namespace umd::rpm
