#!/usr/bin/env bash
# tests/guard/guard_e2e.sh — the exec guard end to end: real signed packages, the real
# `umd` and `umdd`, the kernel's fanotify, on a tmpfs this test mounts in a mount
# namespace of its own (the machine's filesystems are never marked).
#
# Usage: guard_e2e.sh UMDD UMD PROG LIB CASE   (as root) with PROG a program linked
# against the shared library LIB with an rpath of $ORIGIN, and CASE one of
#   enforce     — trusted files of a signed package run (a script, an ELF program and its
#                 library); an unknown binary, a trusted one changed by a byte (also
#                 with mtime and size restored), a trusted program with an untrusted
#                 library are denied; `trust remove` denies; permissive mode allows and
#                 logs; `guard check` and `guard status`; a handler crash during `trust
#                 add` leaves enforcement alone; a restart of umdd keeps it;
#   concurrency — 8 loops × 500 execs of allowed and denied programs, every one right.
set -euo pipefail
if [ -z "${UMD_GUARD_E2E_NS:-}" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "guard_e2e: needs root (fanotify, a tmpfs mount)"; exit 77; }
    exec unshare --mount --propagation private env UMD_GUARD_E2E_NS=1 bash "$0" "$@"
fi
umdd=$(realpath "$1")
umd=$(realpath "$2")
prog=$(realpath "$3")
lib=$(realpath "$4")
case_name=$5
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/umd-guard-e2e.XXXXXX")
chmod 755 "$work"   # user nobody reaches the socket (and is refused)
pid=""
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    umount "$work/mnt" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' TERM INT
fx="$work/fx"
bash "$here/../../drivers/rpm/tests/make_fixtures.sh" "$fx" >/dev/null
export GNUPGHOME="$fx/gnupg" HOME="$fx/home"
sock="$work/umdd.sock"
export UMD_SOCKET="$sock"

source "$here/../lib/umdd_script.sh"

# A signed package with an ELF program and its shared library, built here.
pkg_top="$work/rpmbuild"
mkdir -p "$pkg_top"/{SPECS,SOURCES,BUILD,RPMS,SRPMS}
cp "$prog" "$pkg_top/SOURCES/umdguard-prog"
cp "$lib" "$pkg_top/SOURCES/$(basename "$lib")"
cat > "$pkg_top/SPECS/umdguard.spec" <<SPEC
Name: umdguard
Version: 1
Release: 1
Summary: umd exec guard test package
License: MIT
%global debug_package %{nil}
%global __os_install_post %{nil}
%description
A program and its library, for the exec guard's tests.
%install
mkdir -p %{buildroot}/opt/umdguard
install -m 755 %{_sourcedir}/umdguard-prog %{buildroot}/opt/umdguard/umdguard-prog
install -m 755 %{_sourcedir}/$(basename "$lib") %{buildroot}/opt/umdguard/$(basename "$lib")
%files
/opt/umdguard
SPEC
rpmbuild --quiet --define "_topdir $pkg_top" --define "_binary_payload w.ufdio" -bb "$pkg_top/SPECS/umdguard.spec" >/dev/null 2>&1
cp "$pkg_top"/RPMS/*/umdguard-1-1.*.rpm "$fx/umdguard.rpm"
rpmsign --define "__gpg $(command -v gpg)" --define "_gpg_name $(cat "$fx/rsa2048.fpr")" --define "_gpg_path $GNUPGHOME" \
    --addsign "$fx/umdguard.rpm" >/dev/null 2>&1

# The guarded filesystem: a tmpfs of this test's own, in this mount namespace only.
mkdir -p "$work/mnt"
mount -t tmpfs -o size=256m umd-guard-e2e "$work/mnt"
g="$work/mnt"
# Proven before umdd marks it: a mark on the filesystem below would guard the machine.
if ! mountpoint -q "$g" || [ "$(stat -f -c %T "$g")" != tmpfs ]; then echo "guard_e2e: $g is not our tmpfs"; exit 1; fi

start_umdd() {
    "$umdd" --foreground --config /dev/null --socket "$sock" --db "$work/trust.mdb" --guard "$g" "$@" 2>>"$work/umdd.log" &
    pid=$!
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || { echo "umdd did not start:"; cat "$work/umdd.log"; exit 1; }
}
stop_umdd() {
    kill -TERM "$pid"
    wait "$pid" || fail "umdd exited $? on SIGTERM"
    pid=""
    rm -f "$sock"
}
install_package() {  # PACKAGE: its files onto the guarded filesystem, as rpm would put them
    (cd "$g" && rpm2cpio "$fx/$1" | cpio -idm --quiet)
}

script="$g/usr/bin/umdtest"
elf="$g/opt/umdguard/umdguard-prog"
nevra="umdtest-7:1.2-3.noarch"

case_enforce() {
    start_umdd
    run 0 "$umd" trust add --keyring "$fx/rsa2048.asc" "$fx/rsa2048.rpm" "$fx/umdguard.rpm"
    install_package rsa2048.rpm
    install_package umdguard.rpm

    # Trusted: a script, an ELF program with its library.
    run 0 "$script"
    contains "$out" "umdtest" "trusted script runs"
    run 0 "$elf"
    run 0 "$umd" guard check "$script" "$elf"
    contains "$out" "$elf: exec allowed, open allowed (trusted, sha256:" "guard check of the program"
    contains "$out" "umdguard-1-1" "guard check names the package"

    # Unknown: denied (EPERM: the shell says "Operation not permitted", exit 126).
    cp /bin/true "$g/unknown"
    run 126 "$g/unknown"
    contains "$err" "Operation not permitted" "unknown binary denied"
    run 1 "$umd" guard check "$g/unknown"
    contains "$out" "exec DENIED" "guard check of the unknown binary"
    logged "guard: denied exec of $g/unknown by pid [0-9]* (.*): untrusted, sha256:" || fail "no audit line for the unknown binary"

    # A trusted program changed by one byte: denied, also once mtime and size are put back.
    # (Through one descriptor opened while the file was trusted: once it is an untrusted
    # ELF file, the guard refuses every open of it, for writing too.)
    cp -p "$elf" "$g/opt/umdguard/copy"   # a trusted copy (same content)
    run 0 "$g/opt/umdguard/copy"
    python3 - "$g/opt/umdguard/copy" <<'PY'
import os, sys
path = sys.argv[1]
st = os.stat(path)
with open(path, "r+b") as f:
    f.seek(400); f.write(b"\x01")          # one byte changed
    f.seek(0, 2); f.write(b"\x00" * 16)     # and the file made longer...
    f.flush(); os.ftruncate(f.fileno(), st.st_size)   # ...then cut back to its size
os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))   # mtime restored, as touch -r does
PY
    [ "$(stat -c '%s %Y' "$g/opt/umdguard/copy")" = "$(stat -c '%s %Y' "$elf")" ] || fail "size and mtime not restored"
    run 126 "$g/opt/umdguard/copy"
    contains "$err" "Operation not permitted" "changed binary denied"

    # A trusted program whose library is not trusted cannot start.
    local libname
    libname=$(basename "$lib")
    cp "$g/opt/umdguard/$libname" "$work/lib.orig"
    printf '\x02' | dd of="$g/opt/umdguard/$libname" bs=1 seek=300 conv=notrunc status=none
    run 127 "$elf"
    logged "guard: denied open of $g/opt/umdguard/$libname" || fail "no audit line for the library"
    rm -f "$g/opt/umdguard/$libname"   # (an untrusted ELF file cannot be opened, to be overwritten either)
    cp "$work/lib.orig" "$g/opt/umdguard/$libname"
    run 0 "$elf"

    # A handler killed while `trust add` runs: that request fails, enforcement does not.
    local rpm_pid
    rpm_pid=$("$umd" status --json | python3 -c 'import json,sys; print([d["pid"] for d in json.load(sys.stdin)["drivers"] if d["driver"].startswith("rpm") and d["pid"] > 0][0])')
    kill -KILL "$rpm_pid"
    "$umd" trust add --keyring "$fx/rsa4096.asc" "$fx/rsa4096.rpm" >/dev/null 2>&1 || true
    run 126 "$g/unknown"
    run 0 "$elf"
    run 0 "$umd" trust add --keyring "$fx/rsa4096.asc" "$fx/rsa4096.rpm"   # the driver serves again

    # Removing the package denies its files.
    run 0 "$umd" trust remove "$nevra"
    run 126 "$script"
    run 0 "$elf"   # the other package still vouches for it

    # Permissive: allowed, and logged as what would have been denied.
    run 0 "$umd" guard mode permissive
    run 0 "$script"
    logged "guard: would deny (permissive) exec of $script" || fail "permissive deny not logged"
    run 0 "$umd" guard status --json
    python3 -c 'import json,sys; j=json.loads(sys.argv[1])["guard"]; assert j["mode"]=="permissive" and j["verdicts"]["denies"]>=4 and j["marks"]==1, j' "$out" ||
        fail "guard status: $out"
    run 0 "$umd" guard mode enforcing
    run 126 "$script"

    # Nobody may switch the mode.
    run 4 setpriv --reuid=65534 --regid=65534 --clear-groups "$umd" guard mode permissive

    # A restart keeps the database and enforcement (the mode comes from the configuration).
    stop_umdd
    start_umdd
    run 126 "$g/unknown"
    run 0 "$elf"
    run 126 "$script"
    stop_umdd
}

case_concurrency() {
    start_umdd
    run 0 "$umd" trust add --keyring "$fx/rsa2048.asc" "$fx/umdguard.rpm"
    install_package umdguard.rpm
    cp /bin/true "$g/unknown"
    local loop
    for loop in $(seq 8); do
        (
            wrong=0
            for i in $(seq 500); do
                if [ $((i % 2)) -eq 0 ]; then "$elf" >/dev/null 2>&1 || wrong=$((wrong + 1))
                else "$g/unknown" 2>/dev/null && wrong=$((wrong + 1)); fi
            done
            echo "$wrong" > "$work/loop$loop"
        ) &
    done
    wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
    for loop in $(seq 8); do
        [ "$(cat "$work/loop$loop" 2>/dev/null)" = 0 ] || fail "loop $loop: $(cat "$work/loop$loop" 2>/dev/null) wrong decisions"
    done
    run 0 "$umd" guard status --json
    python3 -c 'import json,sys; j=json.loads(sys.argv[1])["guard"]; e=j["events"]["exec"]; assert e>=4000, e' "$out" || fail "not every exec was seen: $out"
    stop_umdd
}

"case_$case_name"
if grep -q '^<[0-3]>' "$work/umdd.log"; then fail "umdd logged an error: $(grep '^<[0-3]>' "$work/umdd.log")"; fi
if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s); umdd's log:" >&2
    cat "$work/umdd.log" >&2
    exit 1
fi
echo "guard_e2e $case_name: ok"
