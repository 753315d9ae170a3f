#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (ctest).
# Usage: scripts/test.sh            — the test command of the README and of CI
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cmake --preset default
cmake --build --preset default -j "$(nproc)"
ctest --preset default
