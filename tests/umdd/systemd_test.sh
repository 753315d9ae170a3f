#!/usr/bin/env bash
# umdd the way systemd runs it, on a machine whose pid 1 is not systemd:
#   units      — systemd-analyze verify accepts umdd.socket and umdd.service (with
#                ExecStart pointing at the built umdd);
#   activation — systemd-socket-activate holds a SOCK_SEQPACKET socket and starts
#                umdd on the first connection, as umdd.socket does; umdd takes the
#                socket it is passed (LISTEN_FDS) and a verification through it works.
# Usage: systemd_test.sh units|activation UMDD UMD SOURCE_DIR BUILD_DIR
set -euo pipefail
case_=$1 umdd=$2 umd=$3 src=$4 build=$5
tmp=$(mktemp -d "${TMPDIR:-/tmp}/umdd-systemd.XXXXXX")
activator=""
# Whatever fails, the systemd-socket-activate (and the umdd it started) ends.
trap '[ -n "$activator" ] && { pkill -KILL -P "$activator" 2>/dev/null; kill -KILL "$activator" 2>/dev/null; }; rm -rf "$tmp"' EXIT
trap 'exit 1' TERM INT

case "$case_" in
units)
  mkdir -p "$tmp/units"
  cp "$src/packaging/systemd/umdd.socket" "$tmp/units/"
  sed "s|^ExecStart=[^ ]*|ExecStart=$umdd|" "$build/packaging/umdd.service" > "$tmp/units/umdd.service"
  grep -q "^ExecStart=$umdd --foreground$" "$tmp/units/umdd.service"
  # --man=no: the man pages are not installed on the build machine.
  out=$(cd "$tmp/units" && systemd-analyze verify --man=no ./umdd.socket ./umdd.service 2>&1) || { echo "$out"; exit 1; }
  # Only complaints about this machine (no systemd as pid 1, other units) may remain.
  if echo "$out" | grep -i "umdd\.\(socket\|service\)" | grep -v "^$"; then
    echo "systemd-analyze verify found problems in the units"; exit 1
  fi
  echo "units: systemd-analyze verify accepts umdd.socket and umdd.service"
  ;;
activation)
  : > "$tmp/umdd.toml"
  systemd-socket-activate --seqpacket -l "$tmp/umdd.sock" \
    "$umdd" --foreground --config "$tmp/umdd.toml" --socket "$tmp/not-used.sock" --db "$tmp/trust.mdb" 2>"$tmp/umdd.log" &
  activator=$!
  for _ in $(seq 100); do [ -S "$tmp/umdd.sock" ] && break; sleep 0.1; done
  [ -S "$tmp/umdd.sock" ] || { echo "systemd-socket-activate made no socket"; exit 1; }
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  release=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease
  if [ -r "$release" ]; then
    "$umd" --socket "$tmp/umdd.sock" pgp verify --keyring "$keyring" "$release" > "$tmp/daemon.out"
    "$umd" --standalone pgp verify --keyring "$keyring" "$release" > "$tmp/standalone.out"
    cmp "$tmp/daemon.out" "$tmp/standalone.out"
  fi
  "$umd" --socket "$tmp/umdd.sock" sample write 7
  kill -TERM "$activator"
  wait "$activator" || true
  activator=""
  grep -q "listening on the socket systemd passed" "$tmp/umdd.log" || { cat "$tmp/umdd.log"; exit 1; }
  [ ! -e "$tmp/not-used.sock" ] || { echo "umdd made its own socket though one was passed"; exit 1; }
  echo "activation: umdd took the socket systemd-socket-activate passed, and served through it"
  ;;
*) echo "usage: $0 units|activation UMDD UMD SOURCE_DIR BUILD_DIR" >&2; exit 2 ;;
esac
