#!/usr/bin/env bash
# tests/selftest/sample_selftest.sh — the seed's sample-driver selftest, through the CLI.
# Usage: sample_selftest.sh path/to/umd [extra umd options...]
set -u
umd=$1; shift
pass=0 failed=0
expect() {  # expect EXIT OFFSET [umd options...]
    local want=$1 offset=$2 got
    shift 2
    "$umd" "$@" sample write -- "$offset" >/dev/null 2>"${TMPDIR:-/tmp}/umd-selftest.err"
    got=$?
    if [ "$got" -eq "$want" ]; then pass=$((pass + 1))
    else failed=$((failed + 1)); echo "FAIL: umd sample write $offset: exit $got, expected $want: $(cat "${TMPDIR:-/tmp}/umd-selftest.err")"
    fi
}
for offset in 0 1 65535 65536 131071; do expect 0 "$offset" "$@"; done
for offset in 131072 -1 text 18446744073709551616 99999999999999999999999 "" 0x10 " 5" 5.0; do expect 2 "$offset" "$@"; done
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
