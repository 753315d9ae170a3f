#!/bin/bash
# tests/cli/script_safe_test.sh UMD — output a script can trust (docs/output.md):
# every input's verdict on stdout, one line whatever its name holds, diagnostics on
# stderr; `-` reads standard input. Inputs are made here with gpg.
set -euo pipefail
umd=$1
. "$(dirname "$0")/../lib/gnupg_work.sh"
gnupg_work
new_key "one <one@example.org>" ed25519
gpg --batch --export one@example.org > one.gpg
fpr=$(gpg --batch --with-colons --list-keys one@example.org | awk -F: '$1 == "fpr" { print $10; exit }')
printf 'data\n' > data
gpg --batch --yes -u one@example.org --detach-sign -o data.sig data
gpg --batch --yes -u one@example.org --clearsign -o message.asc data
echo 'not a package' > "bad
name.rpm"
fail() { echo "FAIL: $*"; exit 1; }
# run WANT_STATUS CMD...: stdout in $out, stderr in $err.
run() {
    local want=$1 status=0; shift
    out=$("$@" 2>"$work/err") || status=$?
    err=$(cat "$work/err")
    [ "$status" = "$want" ] || fail "exit $status, wanted $want: $*"$'\n'"stdout: $out"$'\n'"stderr: $err"
}
lines() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }

# `-` for the signature, for the signed data, for a message, for `pgp show`.
run 0 "$umd" --standalone pgp verify --keyring one.gpg --signature - data < data.sig
[ "$out" = "$fpr" ] || fail "signature on stdin: [$out]"
run 0 "$umd" --standalone pgp verify --keyring one.gpg --signature data.sig - < data
[ "$out" = "$fpr" ] || fail "data on stdin: [$out]"
run 0 "$umd" --standalone pgp verify --keyring one.gpg --output - - < message.asc
[ "$out" = data ] || fail "message on stdin, content on stdout: [$out]"
[ "$err" = "$fpr" ] || fail "with the content on stdout, the signer goes to stderr: [$err]"
run 2 "$umd" --standalone pgp verify --keyring one.gpg --signature - - < data
# A keyring on standard input; with it, nothing else may be `-`.
run 0 "$umd" --standalone pgp verify --keyring - --signature data.sig data < one.gpg
[ "$out" = "$fpr" ] || fail "keyring on stdin: [$out]"
run 2 "$umd" --standalone pgp verify --keyring - --signature - data < one.gpg
[ -z "$out" ] || fail "two dashes: nothing on stdout, got [$out]"
# The JSON verdict and the content never share stdout.
run 2 "$umd" --standalone pgp verify --json --keyring one.gpg --output - message.asc
[ -z "$out" ] || fail "--json --output -: nothing on stdout, got [$out]"
run 0 "$umd" --standalone pgp verify --json --keyring one.gpg --output content.txt message.asc
python3 -c 'import json, sys; assert json.loads(sys.argv[1])["results"][0]["verdict"] == "yes"' "$out" || fail "--json --output FILE: [$out]"
[ "$(cat content.txt)" = data ] || fail "--json --output FILE: the content"
run 0 "$umd" --standalone pgp show - < data.sig
case $out in "kind: detached-signature"*) ;; *) fail "pgp show -: [$out]" ;; esac
# The same through the umd-gpgv-style tools is in tests/apt.

# rpm verify: every package's verdict on stdout (good or not), the reason on stderr,
# each name on one line whatever it holds.
run 2 "$umd" --standalone rpm verify --keyring one.gpg "bad
name.rpm" "missing
too.rpm"
[ "$(lines "$out")" = 2 ] || fail "two packages, two verdict lines: [$out]"
printf '%s\n' "$out" | sed -n 1p | grep -qx 'bad\\x0aname.rpm: FAILED (bad_input)' || fail "first verdict: [$out]"
printf '%s\n' "$out" | sed -n 2p | grep -qx 'missing\\x0atoo.rpm: FAILED (io)' || fail "second verdict: [$out]"
[ "$(lines "$err")" = 2 ] || fail "two diagnostics, one line each: [$err]"
echo PASS
