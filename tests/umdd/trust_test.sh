#!/usr/bin/env bash
# tests/umdd/trust_test.sh — the trust database served by umdd, with the real `umd`.
#
# Usage: trust_test.sh UMDD UMD CASE (as root: it switches to user nobody, uid 65534,
# with setpriv; it creates no user or group) with CASE one of
#   privileges — anyone may check, list and verify through umdd; only root or a
#                process in umdd's admin_group ("staff", which every Debian system
#                has; the test gives it to a process, never to a user) may add or
#                remove, and the refusal is exit 4 and logged with who asked;
#   sigkill    — umdd killed (SIGKILL) in the middle of `umd trust add`: the client
#                says so and exits 3, what was committed before stays, the database
#                opens clean standalone and under a restarted umdd.
# Fixtures (keys, signed packages) are built at test time by make_fixtures.sh.
set -euo pipefail
umdd=$(realpath "$1")
umd=$(realpath "$2")
case_name=$3
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "trust_test: needs root (to switch to user nobody)"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/umd-umdd-trust.XXXXXX")
pid=""
# Whatever happens, the umdd started here ends.
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 1' TERM INT
chmod 755 "$work"
fx="$work/fx"
bash "$here/../../drivers/rpm/tests/make_fixtures.sh" "$fx" >/dev/null
chmod -R a+rX "$fx"
cd "$fx"
export GNUPGHOME="$fx/gnupg" HOME="$fx/home"
nevra="umdtest-7:1.2-3.noarch"
db="$work/trust.mdb"
sock="$work/umdd.sock"
export UMD_SOCKET="$sock"

source "$here/../lib/umdd_script.sh"

start_umdd() {  # start_umdd CONFIG_TEXT
    printf '%s\n' "$1" > "$work/umdd.toml"
    "$umdd" --foreground --config "$work/umdd.toml" --socket "$sock" --db "$db" --log-level debug 2>>"$work/umdd.log" &
    pid=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || { echo "umdd did not start:"; cat "$work/umdd.log"; exit 1; }
}
stop_umdd() {
    kill -TERM "$pid"
    wait "$pid" || fail "umdd exited $? on SIGTERM"
    pid=""
}

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_staff() { setpriv --reuid=65534 --regid=65534 --groups=staff "$@"; }

# The packaged files, as rpm2cpio unpacks them (readable by everyone).
mkdir -p "$work/x"
(cd "$work/x" && rpm2cpio "$fx/rsa2048.rpm" | cpio -idm --quiet)
chmod -R a+rX "$work/x"
hello="$work/x/usr/share/umdtest/hello.txt"

case_privileges() {
    start_umdd 'admin_group = "staff"'
    run 0 "$umd" trust add --keyring rsa2048.asc rsa2048.rpm
    contains "$out" "trust: added 1 package, refused 0" "root adds"

    # Anyone may check, list and verify, though the database is root's alone.
    run 0 as_nobody "$umd" trust check "$hello"
    contains "$out" "trusted, $nevra as /usr/share/umdtest/hello.txt" "nobody checks"
    run 0 as_nobody "$umd" trust list
    contains "$out" "$nevra  files=3" "nobody lists"
    run 0 as_nobody "$umd" rpm verify --keyring rsa2048.asc rsa2048.rpm
    run 0 as_nobody "$umd" status

    # Nobody may not change it: exit 4, with who may.
    run 4 as_nobody "$umd" trust add --keyring rsa4096.asc rsa4096.rpm
    contains "$err" "trust add needs root or a member of group staff; uid 65534 may not" "add refused"
    run 4 as_nobody "$umd" trust remove "$nevra"
    contains "$err" "trust remove needs root or a member of group staff" "remove refused"
    run 4 as_nobody "$umd" reload
    contains "$err" "reload needs root or a member of group staff" "reload refused"
    run 0 as_nobody "$umd" trust check "$hello"   # still there
    logged "refused: trust add needs root.*(pid [0-9]* uid 65534 ($umd))" ||
        fail "the refusal is not logged with who asked: $(cat "$work/umdd.log")"

    # A process in the admin group may (the kernel's groups of the process decide).
    run 0 as_staff "$umd" trust add --keyring rsa4096.asc rsa4096.rpm
    contains "$out" "trust: added 1 package, refused 0" "staff adds"
    run 0 as_staff "$umd" trust remove "$nevra"
    run 0 as_staff "$umd" reload
    run 1 as_nobody "$umd" trust check "$hello"
    contains "$out" "NOT TRUSTED" "removed by staff"
    stop_umdd
}

case_sigkill() {
    start_umdd ''
    # Eight packages in the first request, committed together; then a package with
    # 3 GiB of zeros appended (sparse), whose payload umdd is still hashing when it
    # is killed.
    cp rsa2048.rpm "$work/big.rpm"
    truncate -s +3G "$work/big.rpm"
    local batch=()
    for _ in $(seq 8); do batch+=(rsa2048.rpm); done
    "$umd" trust add --keyring rsa2048.asc "${batch[@]}" "$work/big.rpm" >"$work/add.out" 2>"$work/add.err" &
    local client=$!
    logged "trust add by uid 0: 8 added" || fail "the first request was not committed: $(cat "$work/umdd.log")"
    sleep 0.2
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    local rc=0
    wait "$client" || rc=$?
    [ "$rc" -eq 3 ] || fail "the client exited $rc, wanted 3: $(cat "$work/add.out" "$work/add.err")"
    contains "$(cat "$work/add.err")" "umdd closed the connection without an answer; the request's outcome is unknown" "client error"

    # What was committed stays; the database opens clean without umdd ...
    run 0 "$umd" --standalone trust list --db "$db"
    contains "$out" "$nevra  files=3" "committed package kept"
    run 0 "$umd" --standalone trust check --db "$db" "$hello"
    # ... and under a new umdd, which serves and writes it.
    rm -f "$sock"
    start_umdd ''
    run 0 "$umd" trust check "$hello"
    run 0 "$umd" trust add --keyring rsa4096.asc rsa4096.rpm
    run 0 "$umd" trust list
    contains "$out" "$nevra  files=3" "after restart"
    stop_umdd
}

"case_$case_name"
if grep -q '^<[0-3]>' "$work/umdd.log"; then
    fail "umdd logged an error: $(grep '^<[0-3]>' "$work/umdd.log")"
fi
if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s); umdd's log:" >&2
    cat "$work/umdd.log" >&2
    exit 1
fi
echo "trust_test $case_name: ok"
