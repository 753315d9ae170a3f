#!/usr/bin/env bash
# scripts/demo.sh — the main job of umd, end to end, on this machine:
#   1. the sample driver: a sandboxed handler sets byte N of a 128 KiB reply;
#   2. OpenPGP: verify this machine's largest signed APT index (InRelease)
#      against the Debian archive keyring, signers named by their user IDs;
#   3. RPM: build and sign a small package (temporary key and GNUPGHOME),
#      verify it, print its signed file digests, add it to a temporary trust
#      database and check an extracted file and a modified copy against it;
#   4. umdd: start the resident Manager on a private socket, verify through it
#      (the same verdict, the handlers already warm), and stop it again;
#   5. the exec guard (as root; skipped otherwise, saying why): a umdd guarding a
#      tmpfs mounted in a private mount namespace trusts the package of step 3, runs
#      its program and refuses an unknown one (scripts/demo_guard.sh).
# Every parser runs in a sandboxed handler; this script only drives the CLI.
# Usage: scripts/demo.sh [UMD]   (default build/apps/umd/umd)
# Exit status: 0 when every step that should succeed did, 1 otherwise.
# Nothing outside a temporary directory is written.
set -uo pipefail
umd=${1:-build/apps/umd/umd}
if [ ! -x "$umd" ]; then
    echo "demo: no umd binary at $umd (build first, or pass its path)" >&2
    exit 2
fi
umd=$(realpath "$umd")
work=$(mktemp -d "${TMPDIR:-/tmp}/umd-demo.XXXXXX")
cleanup() {
    GNUPGHOME="$work/gnupg" gpgconf --kill all >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

failed=0
step() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
bad() { printf '   FAILED: %s\n' "$*"; failed=$((failed + 1)); }
indent() { sed 's/^/   /'; }

# ---------------------------------------------------------------------------
step "1. sample driver: umd sample write 65536"
if "$umd" sample write 65536 2>&1 | indent; then ok "handler reply validated"; else bad "umd sample write"; fi

# ---------------------------------------------------------------------------
step "2. OpenPGP: verify the largest APT InRelease with the Debian archive keyring"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
lists=${UMD_DEMO_APT_LISTS:-/var/lib/apt/lists}   # overridable so the skip path can be exercised
inrelease=$(ls -S "$lists"/*_InRelease 2>/dev/null | head -n 1)
if [ -z "$inrelease" ]; then
    echo "   skipped: no $lists/*_InRelease (apt-get update never ran here)"
elif [ ! -r "$keyring" ]; then
    echo "   skipped: no $keyring (package debian-archive-keyring not installed)"
else
    echo "   file:    $inrelease ($(stat -c %s "$inrelease") bytes)"
    signers=$("$umd" pgp verify --keyring "$keyring" "$inrelease" 2>"$work/pgp.err")
    rc=$?
    # Name each signer: the keyring's verified user IDs, by primary fingerprint.
    "$umd" pgp show --json "$keyring" >"$work/keyring.json" 2>/dev/null || true
    for fpr in $signers; do
        uid=""
        if command -v python3 >/dev/null && [ -s "$work/keyring.json" ]; then
            uid=$(python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["results"][0]["description"].get("certificates", []):
    if c["primary"]["fingerprint"] == sys.argv[2]:
        print((c.get("verified_user_ids") or [""])[0]); break
' "$work/keyring.json" "$fpr" 2>/dev/null)
        fi
        echo "   signer:  $fpr${uid:+  $uid}"
    done
    if [ $rc -eq 0 ]; then
        ok "valid ($(wc -w <<<"$signers") good signature(s))"
    else
        indent <"$work/pgp.err"
        bad "umd pgp verify exit $rc (1 not valid, 2 bad input, 3+ failure)"
    fi
fi

# ---------------------------------------------------------------------------
step "3. RPM: build and sign a package, verify it, trust its files"
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
top="$work/rpmbuild"
mkdir -p "$top"/{SPECS,SOURCES,BUILD,RPMS,SRPMS}
cat >"$top/SPECS/umddemo.spec" <<'SPEC'
Name: umddemo
Version: 1.0
Release: 1
Summary: umd demo package
License: MIT
BuildArch: noarch
%description
A small signed package for the umd demo.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/umddemo
printf '#!/bin/sh\necho umd demo\n' > %{buildroot}/usr/bin/umddemo
chmod 755 %{buildroot}/usr/bin/umddemo
echo "hello from umd" > %{buildroot}/usr/share/umddemo/readme.txt
%files
/usr/bin/umddemo
/usr/share/umddemo
SPEC
pkg="$work/umddemo-1.0-1.noarch.rpm"
if ! gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
        --quick-gen-key "umd demo <demo@example.org>" ed25519 sign never >/dev/null 2>&1 ||
   ! gpg --batch --armor --export demo@example.org >"$work/demo.asc" 2>/dev/null; then
    bad "gpg could not make a signing key"
elif ! HOME="$work" rpmbuild --quiet --define "_topdir $top" -bb "$top/SPECS/umddemo.spec" >"$work/build.log" 2>&1; then
    indent <"$work/build.log" | tail -5
    bad "rpmbuild"
else
    cp "$top/RPMS/noarch/umddemo-1.0-1.noarch.rpm" "$pkg"
    fpr=$(gpg --batch --with-colons --list-keys demo@example.org 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')
    if ! HOME="$work" rpmsign --define "__gpg $(command -v gpg)" --define "_gpg_name $fpr" \
            --define "_gpg_path $GNUPGHOME" --addsign "$pkg" >"$work/sign.log" 2>&1; then
        indent <"$work/sign.log" | tail -5
        bad "rpmsign"
    else
        echo "   package: $(basename "$pkg"), signed by $fpr (Ed25519)"

        echo "   \$ umd rpm verify --keyring demo.asc $(basename "$pkg")"
        if "$umd" rpm verify --keyring "$work/demo.asc" "$pkg" 2>&1 | sed "s|$work/||" | indent; then ok "header signature valid"; else bad "umd rpm verify"; fi

        echo "   \$ umd rpm digests --keyring demo.asc $(basename "$pkg")"
        "$umd" rpm digests --keyring "$work/demo.asc" "$pkg" >"$work/digests" 2>"$work/digests.err"
        rc=$?
        sed "s/^\(sha256:.\{16\}\)[0-9a-f]*/\1…/" "$work/digests" | indent
        ref=$(rpm -qp --nosignature --qf '[%{FILEMODES:octal} %{FILEDIGESTS}  %{FILENAMES}\n]' "$pkg" 2>/dev/null |
              awk '$1 ~ /^100/ && $2 != "" { sub(/^[0-7]+ /, ""); print "sha256:" $0 }')
        if [ $rc -ne 0 ]; then
            indent <"$work/digests.err"
            bad "umd rpm digests exit $rc"
        elif [ "$(cat "$work/digests")" != "$ref" ]; then
            bad "digests differ from rpm -qp"
        else
            ok "signed file digests, identical to rpm -qp"
        fi

        db="$work/trust.mdb"
        echo "   \$ umd trust add --db trust.mdb --keyring demo.asc $(basename "$pkg")"
        if "$umd" trust add --db "$db" --keyring "$work/demo.asc" "$pkg" 2>&1 | indent; then ok "package vouches for its files"; else bad "umd trust add"; fi

        if mkdir -p "$work/root" && (cd "$work/root" && rpm2cpio "$pkg" | cpio -idm --quiet) 2>/dev/null; then
            file="$work/root/usr/bin/umddemo"
            echo "   \$ umd trust check --db trust.mdb <extracted /usr/bin/umddemo>"
            if "$umd" trust check --db "$db" "$file" 2>&1 | sed "s|$work/root||" | indent; then ok "extracted file trusted"; else bad "umd trust check of the packaged file"; fi
            cp "$file" "$work/modified"
            echo 'echo and something else' >>"$work/modified"
            echo "   \$ umd trust check --db trust.mdb <a modified copy>"
            "$umd" trust check --db "$db" "$work/modified" 2>&1 | sed "s|$work/||" | indent
            rc=${PIPESTATUS[0]}
            if [ "$rc" -eq 1 ]; then ok "modified copy not trusted (exit 1)"; else bad "modified copy: exit $rc, wanted 1"; fi
        else
            bad "rpm2cpio | cpio could not extract the package"
        fi
    fi
fi

# ---------------------------------------------------------------------------
step "4. umdd: the resident Manager on a private socket, umd as its client"
umdd=""
for candidate in "$(dirname "$umd")/../umdd/umdd" "$(dirname "$umd")/../sbin/umdd" "$(command -v umdd || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then umdd=$candidate; break; fi
done
if [ -z "$umdd" ]; then
    bad "no umdd next to $umd"
else
    : >"$work/umdd.toml"
    "$umdd" --foreground --config "$work/umdd.toml" --socket "$work/umdd.sock" --db "$work/umdd-trust.mdb" 2>"$work/umdd.log" &
    umdd_pid=$!
    for _ in $(seq 100); do [ -S "$work/umdd.sock" ] && break; sleep 0.1; done
    if [ ! -S "$work/umdd.sock" ]; then
        indent <"$work/umdd.log"
        bad "umdd did not start"
    else
        echo "   umdd pid $umdd_pid on $work/umdd.sock"
        if "$umd" --socket "$work/umdd.sock" sample write 4096 2>&1 | indent; then ok "sample write through umdd"; else bad "sample write through umdd"; fi
        if [ -n "$inrelease" ] && [ -r "$keyring" ]; then
            "$umd" --socket "$work/umdd.sock" pgp verify --keyring "$keyring" "$inrelease" >"$work/daemon.out" 2>&1
            rc=$?
            "$umd" --standalone pgp verify --keyring "$keyring" "$inrelease" >"$work/standalone.out" 2>&1
            if [ $rc -eq 0 ] && cmp -s "$work/daemon.out" "$work/standalone.out"; then
                ok "the InRelease verified through umdd: the same signers as standalone"
            else
                bad "verification through umdd: exit $rc, or output unlike standalone"
            fi
        fi
        kill -TERM "$umdd_pid"
        if wait "$umdd_pid"; then ok "umdd stopped cleanly (SIGTERM)"; else bad "umdd exit status $?"; fi
    fi
fi

# ---------------------------------------------------------------------------
step "5. the exec guard: code runs only when a signed package vouches for it"
if [ "$(id -u)" -ne 0 ]; then
    echo "   skipped: the guard needs root (fanotify) and a filesystem of its own to guard"
    echo "   (a tmpfs mounted in a private mount namespace); run the demo as root to see it"
elif [ -z "$umdd" ] || [ ! -f "$pkg" ]; then
    bad "no umdd, or no signed package from step 3"
else
    unshare --mount --propagation private bash "$(dirname "$0")/demo_guard.sh" "$umd" "$umdd" "$pkg" "$work/demo.asc" "$work"
    failed=$((failed + $?))
fi

echo
if [ $failed -eq 0 ]; then
    echo "demo: all steps succeeded"
    exit 0
fi
echo "demo: $failed step(s) failed"
exit 1
