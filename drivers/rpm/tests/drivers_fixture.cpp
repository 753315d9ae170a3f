// drivers/rpm/tests/drivers_fixture.cpp — see drivers_fixture.h.
#include "drivers/rpm/tests/drivers_fixture.h"

#include <umd_generated/pgp_loader.h>
#include <umd_generated/rpm_loader.h>

#include "drivers/pgp/trusted/client.h"
#include "drivers/rpm/trusted/pgp_signature_check.h"

namespace umd::rpm::test {

void WithDrivers::SetUpTestSuite()
{
    if (fixtures().empty()) return;
    auto registry = std::make_shared<LoaderRegistry>();
    registry->add_builtin(loader_module());
    registry->add_builtin(pgp::loader_module());
    manager_ = new Manager(registry);
    rpm_ = *manager_->driver("rpm");
    pgp_ = *manager_->driver("pgp");
    auto ring = pgp::load_keyring(*pgp_, {fixture("rsa2048.asc"), fixture("rsa4096.asc"), fixture("eddsa.asc")}, {});
    ASSERT_TRUE(ring) << ring.error().message;
    keyring_ = new pgp::Keyring(std::move(*ring));
}

void WithDrivers::TearDownTestSuite()
{
    delete keyring_;
    keyring_ = nullptr;
    delete manager_;
    manager_ = nullptr;
    rpm_ = pgp_ = nullptr;
}

}  // namespace umd::rpm::test
