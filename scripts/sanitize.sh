#!/usr/bin/env bash
# Builds the trusted side with sanitizers and runs the tests under them:
# ASan+UBSan, then TSan. Handlers are static executables and stay uninstrumented.
#
# Usage: scripts/sanitize.sh [asan|tsan|all] [full|core]
#   full (default): every test, through ctest
#   core: only libumd's, umdd's, the exec guard's, the sample driver's, the sandbox's and the libcrypto table's test
#         programs (what CI runs: a few minutes instead of two full instrumented builds)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
scope=${2:-full}
core_tests=(tests/umd_core_tests tests/umd_umdd_tests tests/umd_guard_tests tests/sandbox/umd_sandbox_policy_test
            tests/sandbox/umd_sandbox_escape_test src/libcrypto/umd_libcrypto_tests)
scripts/setup-deps.sh
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
run() {
  local preset=$1 dir=build-$1
  cmake --preset "$preset" >/dev/null
  if [ "$scope" = core ]; then
    cmake --build --preset "$preset" -j "$(nproc)" --target $(for t in "${core_tests[@]}"; do basename "$t"; done) umd-cli
    local failed=0
    for t in "${core_tests[@]}"; do
      echo "== $preset: $t"
      "$dir/$t" --gtest_brief=1 || failed=1
    done
    echo "== $preset: sample selftest"
    tests/selftest/sample_selftest.sh "$dir/apps/umd/umd" || failed=1
    return $failed
  fi
  cmake --build --preset "$preset" -j "$(nproc)"
  ctest --preset "$preset"
}
case "$which" in
  asan) run asan ;;
  tsan) run tsan ;;
  all) run asan; run tsan ;;
  *) echo "usage: $0 [asan|tsan|all] [full|core]" >&2; exit 2 ;;
esac
