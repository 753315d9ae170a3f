#!/bin/sh
# outside_consumers.sh — programs outside the umd tree, built against an installed
# umd only (a `cmake --install` prefix, or a root the Debian packages were
# unpacked into), verify and run through it:
#   1. api_consumer/ (umd::pgp, umd::rpm, umd::trustdb) verifies a detached
#      OpenPGP signature made now with gpg, refuses it over changed data and by an
#      unknown key; verifies an RPM built and signed now (rpmbuild, rpmsign), adds
#      it to a trust database and finds one of its files trusted, a changed copy
#      not, and refuses a package signed by an unknown key;
#   2. drivers/sample/ copied out of the tree builds on its own, as
#      docs/writing-a-driver.md says, and a program runs it through the sandbox.
# Usage: outside_consumers.sh PREFIX CMAKE CXX GENERATOR SAMPLE_DIR WORK_DIR
#   PREFIX      where umd is installed (CMAKE_PREFIX_PATH)
#   SAMPLE_DIR  the installed driver template (PREFIX/share/umd/sample-driver)
set -eu

prefix=$1
cmake=$2
cxx=$3
generator=$4
sample=$5
work=$6
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$work"

step() { printf '== %s\n' "$*"; }
die() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
build() {  # name source-dir [cmake args...]
  name=$1 src=$2
  shift 2
  "$cmake" -S "$src" -B "$work/$name" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release "$@" >"$work/$name.log" 2>&1 \
    || { cat "$work/$name.log"; die "$name: configure"; }
  "$cmake" --build "$work/$name" -j 2 >>"$work/$name.log" 2>&1 || { cat "$work/$name.log"; die "$name: build"; }
}
expect() {  # status command...
  want=$1
  shift
  got=0
  "$@" || got=$?
  [ "$got" = "$want" ] || die "$* exited $got, expected $want"
}

step "fixtures: keys, a signature (gpg), signed packages (rpmbuild, rpmsign)"
fixtures=$work/fixtures
bash "$repo/drivers/rpm/tests/make_fixtures.sh" "$fixtures" >"$work/fixtures.log" 2>&1 \
  || { cat "$work/fixtures.log"; die "make_fixtures.sh"; }
printf 'data signed at test time\n' >"$work/data"
GNUPGHOME=$fixtures/gnupg gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
  --local-user rsa2048@example.org --detach-sign --output "$work/data.sig" "$work/data"
GNUPGHOME=$fixtures/gnupg gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
  --local-user other@example.org --detach-sign --output "$work/data.other.sig" "$work/data"
GNUPGHOME=$fixtures/gnupg gpgconf --kill all >/dev/null 2>&1 || true
printf 'data signed at test time!\n' >"$work/data.changed"
printf 'hello\n' >"$work/hello.txt"       # /usr/share/umdtest/hello.txt of the package
printf 'hellO\n' >"$work/hello.changed"

step "api consumer: find_package(umd) → umd::pgp, umd::rpm, umd::trustdb"
build api "$here/api_consumer"
api=$work/api/umd-api-consumer
expect 0 "$api" pgp "$fixtures/rsa2048.asc" "$work/data.sig" "$work/data"
expect 1 "$api" pgp "$fixtures/rsa2048.asc" "$work/data.sig" "$work/data.changed"
expect 1 "$api" pgp "$fixtures/rsa2048.asc" "$work/data.other.sig" "$work/data"
expect 0 "$api" rpm "$fixtures/rsa2048.asc" "$fixtures/rsa2048.rpm" "$work/trustdb" "$work/hello.txt"
expect 1 "$api" rpm "$fixtures/rsa2048.asc" "$fixtures/rsa2048.rpm" "$work/trustdb" "$work/hello.changed"
expect 1 "$api" rpm "$fixtures/rsa2048.asc" "$fixtures/other.rpm" "$work/trustdb-other" "$work/hello.txt"

step "api consumer: pkg-config umd-rpm (umd-pgp, umd) alone"
pcpath=$(dirname "$(find "$prefix" -name umd-rpm.pc | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pcpath" pkg-config --cflags --libs umd-rpm) || die "pkg-config umd-rpm"
# shellcheck disable=SC2086 # the flags are words on purpose
"$cxx" -std=c++23 -o "$work/api-pc" "$here/api_consumer/main.cpp" $flags \
  -Wl,-rpath,"$(dirname "$(find "$prefix" -name 'libumd.so*' -o -name libumd.a | head -n 1)")" || die "pkg-config build"
expect 0 "$work/api-pc" pgp "$fixtures/rsa2048.asc" "$work/data.sig" "$work/data"

step "drivers/sample copied out of the tree builds against the installed umd"
cp -r "$sample" "$work/my-driver"
build my-driver "$work/my-driver"
[ -x "$work/my-driver/umd-sample-handler" ] || die "the copied driver built no handler"
build sample-user "$here/sample_driver_user" -DUMD_SAMPLE_DIR="$work/my-driver"
expect 0 "$work/sample-user/umd-sample-user"
