// drivers/rpm/tests/driver_test.cpp — the RPM driver end to end through a Manager (real handler, real OpenPGP driver).
