#!/bin/sh
# deb_test.sh — builds the Debian packages from a clean copy of the tree as a
# distribution would, checks them with lintian, unpacks them into a scratch root
# (dpkg -x: nothing is installed on the machine) and checks what they hold:
#   1. the tracked files (git ls-files) copied to a temporary directory;
#   2. dpkg-buildpackage -b -us -uc (timed);
#   3. lintian --fail-on error,warning on the .changes (overrides: debian/*.lintian-overrides);
#   4. layout: libumd's SONAME and symlinks, the -dev files, umd's programs, man
#      pages, systemd units and their maintainer scripts, conffiles, /etc/umd/keys.d
#      with its README, /var/lib/umd, Depends naming libssl3;
#   5. the unpacked umd runs its sample driver; outside_consumers.sh builds and runs
#      programs against the unpacked libumd-dev alone.
# Usage: deb_test.sh SOURCE_DIR CMAKE CXX GENERATOR
set -eu

src=$1
cmake=$2
cxx=$3
generator=$4
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/umd-deb-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

step() { printf '== %s\n' "$*"; }
die() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
need() { [ -e "$root/$1" ] || [ -L "$root/$1" ] || die "not in the packages: /$1"; }

step "a clean copy of the tree (git ls-files)"
mkdir "$tmp/umd"
( cd "$src" && git ls-files -z --cached --others --exclude-standard ) \
  | ( cd "$src" && xargs -0 cp --parents -t "$tmp/umd" )
[ -f "$tmp/umd/debian/control" ] || die "no debian/control in the copy"

step "dpkg-buildpackage -b -us -uc"
start=$(date +%s)
( cd "$tmp/umd" && dpkg-buildpackage -b -us -uc -j2 ) >"$tmp/build.log" 2>&1 \
  || { tail -n 60 "$tmp/build.log"; die "dpkg-buildpackage"; }
printf '   built in %s s\n' "$(( $(date +%s) - start ))"
changes=$(ls "$tmp"/umd_*.changes)
ls "$tmp"/*.deb

step "lintian"
lintian --fail-on error,warning --display-info "$changes" >"$tmp/lintian.log" 2>&1 \
  || { cat "$tmp/lintian.log"; die "lintian"; }
cat "$tmp/lintian.log"

step "unpacked into a scratch root (dpkg -x)"
root=$tmp/root
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$root"; done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=usr/lib/$multiarch
version=$(dpkg-parsechangelog -l "$tmp/umd/debian/changelog" -S Version)
soversion=$(printf '%s' "$version" | cut -d. -f1-2)

step "libumd$soversion: the shared library and its SONAME"
need "$libdir/libumd.so.$version"
[ "$(readlink "$root/$libdir/libumd.so.$soversion")" = "libumd.so.$version" ] || die "libumd.so.$soversion symlink"
soname=$(objdump -p "$root/$libdir/libumd.so.$version" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = "libumd.so.$soversion" ] || die "SONAME is '$soname', expected libumd.so.$soversion"
dpkg-deb -f "$tmp/libumd${soversion}_${version}_"*.deb Package | grep -qx "libumd$soversion" \
  || die "the library package is not named after the SONAME"

step "libumd-dev: headers, CMake package, pkg-config, static API archives, driver template"
[ "$(readlink "$root/$libdir/libumd.so")" = "libumd.so.$soversion" ] || die "libumd.so symlink"
for f in include/umd/manager.h include/umd-drivers/drivers/pgp/trusted/verify_files.h \
         include/umd-drivers/drivers/rpm/trusted/trust_db.h include/umd-drivers/umd_generated/rpm_loader.h \
         "$libdir/cmake/umd/umdConfig.cmake" "$libdir/cmake/umd/UmdDriver.cmake" \
         "$libdir/pkgconfig/umd.pc" "$libdir/pkgconfig/umd-pgp.pc" "$libdir/pkgconfig/umd-rpm.pc" \
         "$libdir/libumd_pgp_trusted.a" "$libdir/libumd_rpm_core.a" share/umd/sample-driver/CMakeLists.txt; do
  need "usr/${f#usr/}"
done

step "umd: programs, man pages, units, configuration, directories"
for f in usr/bin/umd usr/bin/umd-gpgv usr/bin/umd-sqv usr/sbin/umdd "$libdir/umd/libumd-bpfilter-preload.so" \
         usr/share/man/man1/umd.1.gz usr/share/man/man1/umd-gpgv.1.gz usr/share/man/man8/umdd.8.gz \
         usr/share/man/man5/umdd.toml.5.gz lib/systemd/system/umdd.socket lib/systemd/system/umdd.service \
         etc/umd/umdd.toml etc/umd/keys.d/README var/lib/umd usr/share/doc/umd/copyright \
         usr/share/doc/umd/schema/umd-1.json; do
  need "$f"
done
deb=$(ls "$tmp"/umd_"$version"_*.deb)
dpkg-deb -e "$deb" "$tmp/control"
grep -qx /etc/umd/umdd.toml "$tmp/control/conffiles" || die "/etc/umd/umdd.toml is not a conffile"
grep -q 'deb-systemd-helper.*umdd.socket' "$tmp/control/postinst" || die "postinst does not enable umdd.socket"
dpkg-deb -f "$deb" Depends | grep -q 'libssl3' || die "umd does not depend on libssl3 (libcrypto is dlopened)"

step "the unpacked umd runs"
LD_LIBRARY_PATH=$root/$libdir "$root/usr/bin/umd" sample write 7 || die "umd sample write 7"

step "outside programs against the unpacked libumd-dev"
sh "$here/outside_consumers.sh" "$root/usr" "$cmake" "$cxx" "$generator" \
  "$root/usr/share/umd/sample-driver" "$tmp/outside" || die "outside_consumers.sh"

step "all good"
