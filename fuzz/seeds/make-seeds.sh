#!/usr/bin/env bash
# Writes a seed corpus for every fuzz target, at run time, from the real peers the
# tests use (nothing here is committed):
#   - gpg and sq keys, signatures and messages (fuzz/pgp_handler/make-seeds.sh);
#   - rpmbuild + rpmsign packages (drivers/rpm/tests/make_fixtures.sh, as the RPM tests);
#   - the real handlers' replies to those inputs and umdd's messages (umd-fuzz-seed-writer);
#   - the lying-reply oracle's honest replies (the target writes them itself);
#   - real violation reports: the stderr of the sandbox escape test's handler, killed
#     by SIGSYS under the strict profile (needs a ci-preset build directory).
#   usage: fuzz/seeds/make-seeds.sh <fuzz-build-dir> <seed-root> <ci-build-dir>
# Writes <seed-root>/<target>/...; replaces what was there.
set -euo pipefail
trap 'echo "make-seeds: failed (status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
fuzz_build=$(realpath "${1:?usage: make-seeds.sh <fuzz-build-dir> <seed-root> <ci-build-dir>}")
root=${2:?usage: make-seeds.sh <fuzz-build-dir> <seed-root> <ci-build-dir>}
ci_build=$(realpath "${3:?usage: make-seeds.sh <fuzz-build-dir> <seed-root> <ci-build-dir>}")
rm -rf "$root"
mkdir -p "$root"
root=$(realpath "$root")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

writer="$fuzz_build/fuzz/seeds/umd-fuzz-seed-writer"
target() { find "$fuzz_build/fuzz" -type f -name "$1" -perm -u+x | head -n1; }

# OpenPGP material from gpg and sq, and the RPM fixtures (whose keys are OpenPGP material too).
"$src/fuzz/pgp_handler/make-seeds.sh" "$work/pgp" >/dev/null
"$src/drivers/rpm/tests/make_fixtures.sh" "$work/rpm" >/dev/null
"$writer" pgp "$root" "$work"/pgp/* "$work"/rpm/*.asc
"$writer" rpm "$root" "$work"/rpm/*.rpm
"$writer" umdd "$root"
"$writer" bpfilter "$root"
# The oracle's sixth fixture is a real signed package (fuzz.sh passes it the same way).
cp "$work/rpm/rsa4096.rpm" "$root/oracle-package.rpm"

mkdir -p "$root/fuzz_pgp_lying_reply"
UMD_FUZZ_WRITE_SEEDS="$root/fuzz_pgp_lying_reply" "$(target fuzz_pgp_lying_reply)" -runs=0 >/dev/null 2>&1

mkdir -p "$root/umd_fuzz_sandbox_violation_report"
UMD_WRITE_VIOLATION_REPORTS="$root/umd_fuzz_sandbox_violation_report" \
    "$ci_build/tests/sandbox/umd_sandbox_escape_test" --gtest_filter='Attempts/EscapeTest.StrictBlocksOrKills/*:EscapeTest.NoHandlerSurvivesAViolation:EscapeTest.NarrowedCallsAreRefusedByTheFilterItself' \
    >"$work/escape.log" 2>&1 || { cat "$work/escape.log" >&2; echo "make-seeds: the escape test failed" >&2; exit 1; }
reports=$(ls "$root/umd_fuzz_sandbox_violation_report" | wc -l)
[ "$reports" -gt 0 ] || { echo "make-seeds: no violation report was written" >&2; exit 1; }
printf '%-40s %s seeds\n' umd_fuzz_sandbox_violation_report "$reports"
printf '%-40s %s seeds\n' fuzz_pgp_lying_reply "$(ls "$root/fuzz_pgp_lying_reply" | wc -l)"
