#!/usr/bin/env bash
# scripts/demo_guard.sh — step 5 of the main job (scripts/demo.sh): the exec guard.
# Run by demo.sh as root inside a mount namespace of its own (unshare --mount): mounts a
# tmpfs, starts a umdd guarding it, trusts a signed package, runs one of its programs
# (allowed) and an unknown one (denied), then stops umdd and unmounts.
# Usage: demo_guard.sh UMD UMDD PACKAGE KEY WORKDIR     Exit: the number of failed checks.
set -uo pipefail
umd=$1 umdd=$2 pkg=$3 key=$4 work=$5
failed=0
ok() { printf '   ok: %s\n' "$*"; }
bad() { printf '   FAILED: %s\n' "$*"; failed=$((failed + 1)); }
indent() { sed 's/^/   /'; }

g="$work/guarded"
mkdir -p "$g"
# Proven before umdd marks it: a mark on the filesystem below would guard the machine.
if ! mount -t tmpfs -o size=64m umd-demo-guard "$g" || ! mountpoint -q "$g" || [ "$(stat -f -c %T "$g")" != tmpfs ]; then
    bad "could not mount a tmpfs of our own"
    exit "$failed"
fi
sock="$work/guard.sock"
pid=""
# Whatever ends this script, the umdd it started ends too (and its namespace's mounts with it).
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null' EXIT
"$umdd" --foreground --config /dev/null --socket "$sock" --db "$work/guard-trust.mdb" --guard "$g" 2>"$work/guard-umdd.log" &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
if [ ! -S "$sock" ]; then
    indent <"$work/guard-umdd.log"
    bad "umdd with the guard did not start"
else
    export UMD_SOCKET="$sock"
    echo "   \$ umdd --guard <a tmpfs>            (pid $pid)"
    echo "   \$ umd trust add --keyring demo.asc $(basename "$pkg")"
    if "$umd" trust add --keyring "$key" "$pkg" 2>&1 | indent; then ok "the package vouches for its files"; else bad "umd trust add"; fi
    (cd "$g" && rpm2cpio "$pkg" | cpio -idm --quiet)
    echo "   \$ <guarded>/usr/bin/umddemo            (a file of the signed package)"
    if "$g/usr/bin/umddemo" 2>&1 | indent; then ok "allowed: its digest is in a verified, signed header"; else bad "the trusted program did not run"; fi
    cp /bin/true "$g/unknown"
    echo "   \$ <guarded>/unknown                    (a copy of /bin/true no package here vouches for)"
    "$g/unknown" 2>&1 | sed "s|$g|<guarded>|" | indent
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 126 ]; then ok "denied (EPERM): no trusted package vouches for it"; else bad "unknown program: exit $rc, wanted 126"; fi
    "$umd" guard status 2>&1 | sed -n '1p;4p' | sed "s|$g|<guarded>|" | indent
    grep '^<4>guard: denied exec' "$work/guard-umdd.log" | head -1 | sed "s|$g|<guarded>|" | indent
    kill -TERM "$pid"
    if wait "$pid"; then ok "umdd stopped; the guard with it"; else bad "umdd exit status $?"; fi
    pid=""
fi
umount "$g" || bad "could not unmount the tmpfs"
exit "$failed"
