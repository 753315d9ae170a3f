#!/bin/bash
# tests/apt/sqv_compare_test.sh UMD_SQV — umd-sqv answers as sqv does: the same
# standard output (the good signers' fingerprints) and the same exit status, for
# the argument forms apt 3.x and scripts use. Signatures are made here with gpg.
set -euo pipefail
umd_sqv=$1
command -v sqv >/dev/null || { echo "SKIP: sqv is not installed (scripts/deps/pgp.txt)"; exit 77; }
. "$(dirname "$0")/../lib/gnupg_work.sh"
gnupg_work
new_key "one <one@example.org>" ed25519
new_key "two <two@example.org>" rsa2048
gpg --batch --export one@example.org > one.gpg
gpg --batch --export two@example.org > two.gpg
cat one.gpg two.gpg > both.gpg
printf 'Origin: umd\nLabel: test\n' > data
gpg --batch --yes -u one@example.org --detach-sign -o one.sig data
gpg --batch --yes -u two@example.org --detach-sign --armor -o two.asc data
cat one.sig > both.sig && gpg --batch --dearmor < two.asc >> both.sig
cp data tampered && echo x >> tampered
printf 'weird\nname' > "$work/new
line"

failures=0
compare() {
    local what=$1; shift
    local want got want_status=0 got_status=0
    want=$(sqv "$@" 2>/dev/null) || want_status=$?
    got=$("$umd_sqv" "$@" 2>/dev/null) || got_status=$?
    if [ "$want" != "$got" ] || [ "$want_status" != "$got_status" ]; then
        echo "DIFFER: $what: sqv exits $want_status with [$want], umd-sqv exits $got_status with [$got]"
        failures=$((failures + 1))
    else
        echo "same: $what (exit $got_status)"
    fi
}
compare "one good signature" --keyring one.gpg one.sig data
compare "armored signature" --keyring both.gpg two.asc data
compare "two signers, sorted" --keyring both.gpg both.sig data
compare "two keyrings" --keyring two.gpg --keyring one.gpg both.sig data
compare "two required, two made" --keyring both.gpg --signatures 2 both.sig data
compare "two required, one known" --keyring one.gpg -n 2 both.sig data
compare "unknown key" --keyring two.gpg one.sig data
compare "tampered data" --keyring both.gpg both.sig tampered
compare "not before, in the future" --keyring one.gpg --not-before 2099-01-01 one.sig data
compare "not after, in the past" --keyring one.gpg --not-after 2001-01-01T00:00:00+02:00 one.sig data
compare "not a date" --keyring one.gpg --not-after 2026-02-31 one.sig data
compare "missing signature file" --keyring one.gpg missing.sig data
compare "data is the signature" --keyring one.gpg one.sig one.sig
compare "no keyring" one.sig data
compare "a count of zero" --keyring one.gpg -n 0 one.sig data
# Standard input: sqv 1.1 has no '-'; umd-sqv takes it (checked against a file).
want=$("$umd_sqv" --keyring one.gpg one.sig data)
got=$("$umd_sqv" --keyring one.gpg - data < one.sig)
[ "$want" = "$got" ] || { echo "DIFFER: the signature on standard input: [$got], from the file: [$want]"; failures=$((failures + 1)); }
got=$("$umd_sqv" --keyring one.gpg one.sig - < data)
[ "$want" = "$got" ] || { echo "DIFFER: the data on standard input: [$got], from the file: [$want]"; failures=$((failures + 1)); }
# A file name with a line feed: the diagnostic quotes it on one line.
status=0
err=$("$umd_sqv" --keyring one.gpg one.sig "$work/new
line" 2>&1 >/dev/null) || status=$?
[ "$status" = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || { echo "DIFFER: a name with a line feed: exit $status, [$err]"; failures=$((failures + 1)); }
[ "$failures" = 0 ] || { echo "FAIL: $failures differences"; exit 1; }
echo PASS
