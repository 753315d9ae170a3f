# tests/lib/umdd_script.sh — what the shell tests that run a umdd share (sourced, not run).
# Needs $work (a directory of the test's own); umdd's log is $work/umdd.log.
#   run EXPECTED_RC CMD...   runs CMD, keeps stdout in $out and stderr in $err, and fails
#                            the test unless it exits EXPECTED_RC
#   contains HAYSTACK NEEDLE WHAT, fail MESSAGE
#   logged REGEX             umdd's log comes to match REGEX (its lines are written by a
#                            thread of their own, so one may follow the reply it belongs
#                            to; waits up to 10 s)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
run() {
    local want=$1 rc=0
    shift
    out=$("$@" 2>"$work/stderr") || rc=$?
    err=$(cat "$work/stderr")
    [ "$rc" -eq "$want" ] || fail "exit $rc, wanted $want: $*"$'\n'"  stdout: $out"$'\n'"  stderr: $err"
}
contains() { grep -qF -- "$2" <<<"$1" || fail "$3: '$2' not in: $1"; }
logged() {
    for _ in $(seq 500); do grep -q -- "$1" "$work/umdd.log" && return 0; sleep 0.02; done
    return 1
}
