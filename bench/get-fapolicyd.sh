#!/usr/bin/env bash
# bench/get-fapolicyd.sh DIR — unpacks Debian's fapolicyd into DIR for `umd-bench guard
# --fapolicyd DIR`, without installing it: its package ships a deny-all-exec rule and
# starts the daemon from its maintainer script, so it is only downloaded (apt-get
# download) and unpacked (dpkg -x). Nothing outside DIR changes.
set -euo pipefail
dir=${1:?usage: bench/get-fapolicyd.sh DIR}
mkdir -p "$dir"
cd "$dir"
apt-get download fapolicyd
dpkg -x fapolicyd_*.deb root
echo "fapolicyd unpacked: umd-bench guard --fapolicyd $(pwd)/root"
