#!/bin/sh
# install_test.sh — installs a built umd tree into a temporary prefix and uses it
# from outside the tree, as a user would (build side; runs no umd code as root
# beyond the installed CLI's sample driver):
#   1. cmake --install BUILD --prefix TMP, and the expected files are there;
#   2. the installed `umd` runs its built-in sample driver;
#   3. consumer/ (find_package(umd), its own sandboxed handler) configures, builds, runs;
#   4. consumer/main.cpp builds from `pkg-config --cflags --libs umd` alone, and runs;
#   5. the installed man pages format without warnings;
#   6. outside_consumers.sh: the OpenPGP/RPM/trust database API and a copy of
#      drivers/sample/ from the installed package;
#   7. find_package(umd 1.0) is refused (0.x: only the same minor version matches).
# Usage: install_test.sh BUILD_DIR CMAKE CXX GENERATOR [EXPECT_BENCH=0|1]
set -eu

build=$1
cmake=$2
cxx=$3
generator=$4
expect_bench=${5:-0}
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/umd-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { printf '== %s\n' "$*"; }
die() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
need() { [ -e "$1" ] || die "not installed: ${1#$prefix/}"; }

step "cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; die "cmake --install"; }

step "installed files"
libdir=$(dirname "$(find "$prefix" -name libumd.a -o -name 'libumd.so' | head -n 1)")
[ -n "$libdir" ] && [ "$libdir" != . ] || die "libumd not installed"
need "$prefix/bin/umd"
need "$prefix/sbin/umdd"
need "$prefix/etc/umd/umdd.toml"
need "$prefix/lib/systemd/system/umdd.socket"
need "$prefix/lib/systemd/system/umdd.service"
[ "$expect_bench" = 0 ] || need "$prefix/bin/umd-bench"
for h in error.h wire.h frame.h handler.h blob.h manager.h loader.h sandbox.h; do
  need "$prefix/include/umd/$h"
done
for f in umdConfig.cmake umdConfigVersion.cmake umdTargets.cmake UmdHandler.cmake; do
  need "$libdir/cmake/umd/$f"
done
need "$libdir/libumd_sandbox.a"
need "$libdir/libumd_handler_runtime.a"
need "$libdir/pkgconfig/umd.pc"
need "$libdir/pkgconfig/umd-pgp.pc"
need "$libdir/pkgconfig/umd-rpm.pc"
for lib in umd_pgp_trusted umd_pgp_loader umd_pgp_verifier umd_libcrypto umd_rpm_trusted umd_rpm_loader umd_rpm_core; do
  need "$libdir/lib$lib.a"
done
need "$prefix/include/umd-drivers/drivers/pgp/trusted/verify_files.h"
need "$prefix/include/umd-drivers/umd_generated/pgp_loader.h"
need "$prefix/etc/umd/keys.d/README"
need "$prefix/share/man/man1/umd.1"
[ "$expect_bench" = 0 ] || need "$prefix/share/man/man1/umd-bench.1"
need "$prefix/share/doc/umd/README.md"
need "$prefix/share/doc/umd/architecture.md"
need "$prefix/share/doc/umd/json.md"
need "$prefix/share/doc/umd/schema/umd-1.json"
if grep -rq "$(cd "$here/../.." && pwd)" "$libdir/cmake/umd" "$libdir"/pkgconfig/umd*.pc "$prefix/include"; then
  die "the installed package refers to the source tree"
fi

step "installed umd runs the sample driver"
"$prefix/bin/umd" sample write 7 || die "umd sample write 7 exited $?"
status=0
"$prefix/bin/umd" sample write 999999999 2>/dev/null || status=$?
[ "$status" = 2 ] || die "umd sample write out of range exited $status, expected 2"

step "consumer project: find_package(umd) with a handler of its own"
"$cmake" -S "$here/consumer" -B "$tmp/consumer-build" -G "$generator" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release \
  >"$tmp/consumer-configure.log" 2>&1 || { cat "$tmp/consumer-configure.log"; die "consumer configure"; }
"$cmake" --build "$tmp/consumer-build" -j 2 >"$tmp/consumer-build.log" 2>&1 \
  || { cat "$tmp/consumer-build.log"; die "consumer build"; }
"$tmp/consumer-build/umd-consumer" || die "consumer run"

step "pkg-config consumer"
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs umd) || die "pkg-config umd"
printf '   pkg-config --cflags --libs umd: %s\n' "$flags"
# shellcheck disable=SC2086 # the flags are words on purpose
"$cxx" -std=c++23 -o "$tmp/pc-consumer" "$here/consumer/main.cpp" $flags || die "pkg-config build"
"$tmp/pc-consumer" || die "pkg-config consumer run"

step "man pages"
need "$prefix/share/man/man8/umdd.8"
need "$prefix/share/man/man5/umdd.toml.5"
for page in "$prefix"/share/man/man1/*.1 "$prefix"/share/man/man8/*.8 "$prefix"/share/man/man5/*.5; do
  warnings=$(LC_ALL=C.UTF-8 groff -t -man -ww -z -Tutf8 "$page" 2>&1) || die "groff $page"
  [ -z "$warnings" ] || { printf '%s\n' "$warnings"; die "groff warnings in ${page##*/}"; }
done

step "outside programs: the driver API and a driver copied out of the tree"
sh "$here/outside_consumers.sh" "$prefix" "$cmake" "$cxx" "$generator" \
  "$prefix/share/umd/sample-driver" "$tmp/outside" || die "outside_consumers.sh"

step "find_package(umd 1.0) is refused"
mkdir "$tmp/too-new"
cat >"$tmp/too-new/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(too_new LANGUAGES CXX)
find_package(umd 1.0 REQUIRED)
CMAKE
if "$cmake" -S "$tmp/too-new" -B "$tmp/too-new/build" -G "$generator" -DCMAKE_PREFIX_PATH="$prefix" \
     -DCMAKE_CXX_COMPILER="$cxx" >"$tmp/too-new.log" 2>&1; then
  die "find_package(umd 1.0) accepted version 0.x"
fi
grep -q "not compatible\|not suitable\|version" "$tmp/too-new.log" || { cat "$tmp/too-new.log"; die "unexpected failure"; }

step "all good"
