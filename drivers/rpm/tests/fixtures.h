// drivers/rpm/tests/fixtures.h — real packages and keys, generated once per test process.
//
// Test-only. Runs make_fixtures.sh (rpmbuild, rpmsign with gpg keys in a
// private GNUPGHOME, rpmkeys with a private rpmdb) into a temporary directory
// that is removed when the process exits. Tests skip when rpm tools are missing.
#pragma once

#include <string>

namespace umd::rpm::test {

/// The fixtures directory ("" when they could not be built).
const std::string& fixtures();
/// fixtures() + "/" + name.
std::string fixture(const std::string& name);

}  // namespace umd::rpm::test

#define UMD_REQUIRE_FIXTURES()                                                         \
    do {                                                                               \
        if (::umd::rpm::test::fixtures().empty()) GTEST_SKIP() << "rpm fixtures unavailable"; \
    } while (0)
