// drivers/rpm/tests/drivers_fixture.h — a test suite with both drivers of one Manager and the fixtures' keyring.
//
// Test-only. The embedded RPM and OpenPGP handlers, started through a Manager
// (strict sandbox by default), and the keyring of the three fixture keys, made
// once per suite. Suites derive from WithDrivers; tests skip without fixtures.
#pragma once

#include <gtest/gtest.h>

#include <umd/manager.h>

#include "drivers/pgp/trusted/keyring.h"
#include "drivers/rpm/tests/fixtures.h"

namespace umd::rpm::test {

class WithDrivers : public ::testing::Test {
protected:
    static void SetUpTestSuite();
    static void TearDownTestSuite();
    void SetUp() override { UMD_REQUIRE_FIXTURES(); }

    static inline Manager* manager_ = nullptr;
    static inline Driver* rpm_ = nullptr;
    static inline Driver* pgp_ = nullptr;
    static inline pgp::Keyring* keyring_ = nullptr;
};

}  // namespace umd::rpm::test
