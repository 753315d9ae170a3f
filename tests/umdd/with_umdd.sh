#!/usr/bin/env bash
# Runs a command while a umdd serves on a private socket, with $UMD_SOCKET naming it,
# so that every `umd` the command runs goes through the daemon (a named socket that
# does not answer is an error, never a silent standalone run). Afterwards umdd must
# stop cleanly on SIGTERM and have logged no error. The daemon's trust database is
# $UMD_TEST_TRUST_DB, in the private directory (the RPM CLI suite uses it).
# Usage: with_umdd.sh UMDD COMMAND [ARG...]     Exit: the command's status, or 1.
set -u
umdd=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/umd-with-umdd.XXXXXX")
pid=""
# Whatever happens (a failing command, a timeout's SIGTERM), the umdd started here ends.
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 1' TERM INT
: > "$dir/umdd.toml"
"$umdd" --foreground --config "$dir/umdd.toml" --socket "$dir/umdd.sock" --db "$dir/trust.mdb" 2>"$dir/umdd.log" &
pid=$!
for _ in $(seq 100); do
  [ -S "$dir/umdd.sock" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -S "$dir/umdd.sock" ]; then
  echo "with_umdd: umdd did not start:" >&2
  cat "$dir/umdd.log" >&2
  exit 1
fi
UMD_SOCKET="$dir/umdd.sock" UMD_TEST_TRUST_DB="$dir/trust.mdb" "$@"
rc=$?
kill -TERM "$pid"
wait "$pid"
umdd_rc=$?
pid=
if [ "$umdd_rc" -ne 0 ] || grep -q '^<[0-3]>' "$dir/umdd.log"; then
  echo "with_umdd: umdd exited $umdd_rc; its log:" >&2
  cat "$dir/umdd.log" >&2
  exit 1
fi
exit "$rc"
