#!/bin/bash
# tests/apt/apt_update_test.sh UMD_GPGV CASE — apt itself verifies a local repository
# through umd-gpgv, and the outcome is the one real gpgv gives (docs/apt.md).
#
# A signed repository is made here (a tiny .deb by dpkg-deb, Packages and Release by
# apt-ftparchive, InRelease and Release.gpg by gpg with a key made here), and
# `apt-get update` runs in a private apt root (its own lists, cache, status and
# sources; the machine's apt state is never touched) twice: with
# APT::Key::gpgvcommand set to umd-gpgv, then to gpgv. Both must succeed or both
# fail, with the same status keyword (BADSIG, NO_PUBKEY) for the same key ID. That
# umd-gpgv ran, not gpgv (apt-key falls back to gpgv when the command is missing),
# shows in apt's debug log of the status lines: gpgv's NEWSIG line names the
# signer's user ID, umd-gpgv's names nothing.
#
# CASE: good (InRelease), good-detached (Release + Release.gpg only), tampered
# (Release changed after signing), unknown-key (signed by a key apt does not trust).
set -euo pipefail
umd_gpgv=$1 case=$2
for tool in apt-get apt-ftparchive dpkg-deb gpg gpgv; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/deps/apt.txt)"; exit 77; }
done
[ -x "$umd_gpgv" ] || { echo "FAIL: $umd_gpgv is not executable"; exit 1; }

. "$(dirname "$0")/../lib/gnupg_work.sh"
gnupg_work
new_key "umd apt test <repo@example.org>" ed25519
new_key "stranger <stranger@example.org>" ed25519
gpg --batch --export "repo@example.org" > "$work/repo-key.gpg"
key_id() { gpg --batch --with-colons --list-keys "$1" | awk -F: '$1 == "pub" { print $5; exit }'; }
signer="repo@example.org"
[ "$case" = unknown-key ] && signer="stranger@example.org"
expected_key=$(key_id "$signer")

# The repository: one package, flat layout (deb file:DIR ./).
repo=$work/repo
mkdir -p "$repo" "$work/pkg/DEBIAN"
cat > "$work/pkg/DEBIAN/control" <<CONTROL
Package: umd-apt-test
Version: 1.0
Architecture: all
Maintainer: umd tests <repo@example.org>
Description: a package for the apt test of umd-gpgv
CONTROL
dpkg-deb --build --root-owner-group "$work/pkg" "$repo/umd-apt-test_1.0_all.deb" >/dev/null
(cd "$repo" && apt-ftparchive packages . > Packages && apt-ftparchive release . > Release)
gpg --batch --yes --local-user "$signer" --clearsign -o "$repo/InRelease" "$repo/Release"
gpg --batch --yes --local-user "$signer" --detach-sign --armor -o "$repo/Release.gpg" "$repo/Release"
case $case in
    good | unknown-key) ;;
    good-detached) rm "$repo/InRelease" ;;
    tampered)
        # The same change in both forms, after signing: apt must refuse the repository.
        sed -i 's/^Date: /Date: 1/' "$repo/Release" "$repo/InRelease"
        grep -q '^Date: 1' "$repo/InRelease" ;;
    *) echo "FAIL: unknown case $case"; exit 1 ;;
esac

# One apt-get update in a fresh private root with the given gpgv command; prints its
# exit status, keeps its output in $work/out.<name>.
update() {
    local name=$1 gpgv_command=$2 root=$work/root.$1
    mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/apt/sources.list.d" "$root/etc/apt/trusted.gpg.d" \
             "$root/etc/apt/preferences.d" "$root/var/lib/apt/lists/partial" "$root/var/cache/apt/archives/partial" \
             "$root/var/lib/dpkg" "$root/var/log/apt"
    : > "$root/var/lib/dpkg/status"
    echo "deb [signed-by=$work/repo-key.gpg] file:$repo ./" > "$root/etc/apt/sources.list"
    local status=0
    apt-get -q -o Dir="$root" -o Dir::State::status="$root/var/lib/dpkg/status" \
        -o Dir::Etc::SourceList="$root/etc/apt/sources.list" -o Dir::Etc::SourceParts="$root/etc/apt/sources.list.d" \
        -o Dir::Etc::Trusted="$root/etc/apt/trusted.gpg" -o Dir::Etc::TrustedParts="$root/etc/apt/trusted.gpg.d" \
        -o Dir::Etc::Parts="$root/etc/apt/apt.conf.d" -o Dir::Etc::Preferences="$root/etc/apt/preferences" \
        -o Dir::Etc::PreferencesParts="$root/etc/apt/preferences.d" -o Dir::Log="$root/var/log/apt" \
        -o APT::Sandbox::User=root -o Debug::Acquire::gpgv=1 \
        -o APT::Key::gpgvcommand="$gpgv_command" update > "$work/out.$name" 2>&1 || status=$?
    echo "$status"
}
umd_status=$(update umd "$umd_gpgv")
gpgv_status=$(update gpgv "$(command -v gpgv)")
show() { echo "--- apt-get update through $1 (exit $2):"; cat "$work/out.$1"; }
fail() { echo "FAIL: $*"; show umd "$umd_status"; show gpgv "$gpgv_status"; exit 1; }

# umd-gpgv, not gpgv, answered the first run; gpgv the second. gpgv's NEWSIG names
# the signer's user ID (gpg puts it in the signature), umd-gpgv's names nothing.
grep -qx 'Read: \[GNUPG:\] NEWSIG' "$work/out.umd" || fail "apt read no status line of umd-gpgv in the run through it"
grep -q "^Read: \[GNUPG:\] NEWSIG $signer" "$work/out.umd" && fail "the run through umd-gpgv reads like gpgv's"
grep -q "^Read: \[GNUPG:\] NEWSIG $signer" "$work/out.gpgv" || fail "the run through gpgv did not reach gpgv"

# The same verdict: success of the update, and the status keyword for the same key.
[ "$umd_status" = "$gpgv_status" ] || fail "apt-get update exits $umd_status through umd-gpgv, $gpgv_status through gpgv"
# The package list apt stored (compressed as apt chooses: _Packages, _Packages.lz4, ...).
lists() { ls "$work/root.$1/var/lib/apt/lists" | grep -c '_Packages' || true; }
case $case in
    good | good-detached)
        [ "$umd_status" = 0 ] || fail "apt-get update failed on a well-signed repository"
        grep -q "^Read: \[GNUPG:\] GOODSIG $expected_key" "$work/out.umd" || fail "no GOODSIG $expected_key"
        grep -q "^Read: \[GNUPG:\] VALIDSIG " "$work/out.umd" || fail "no VALIDSIG"
        [ "$(lists umd)" = 1 ] && [ "$(lists gpgv)" = 1 ] || fail "the package list was not stored by both runs"
        if [ "$case" = good-detached ]; then
            grep -q 'Release.gpg' "$work/out.umd" || fail "apt did not fetch Release.gpg"
        fi ;;
    tampered | unknown-key)
        [ "$umd_status" != 0 ] || fail "apt-get update accepted a repository it must refuse"
        keyword=BADSIG
        [ "$case" = unknown-key ] && keyword=NO_PUBKEY
        for run in umd gpgv; do
            grep -q "$keyword $expected_key" "$work/out.$run" || fail "apt does not report $keyword $expected_key through $run"
        done
        [ "$(lists umd)" = 0 ] || fail "a package list was stored from a refused repository" ;;
esac
echo "PASS: $case: apt-get update exits $umd_status through umd-gpgv and through gpgv"
