#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (ctest).
# Usage: scripts/test.sh            — the test command of the README and of CI
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
# The ci preset is the default build with every compiler warning an error.
cmake --preset ci
cmake --build --preset ci -j "$(nproc)"
ctest --preset ci
