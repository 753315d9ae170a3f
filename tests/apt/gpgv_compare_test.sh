#!/bin/bash
# tests/apt/gpgv_compare_test.sh UMD_GPGV [UMDD] — umd-gpgv answers as gpgv does: the
# same exit status and the same status lines of the kinds apt reads (GOODSIG's key ID,
# VALIDSIG and ERRSIG field for field, BADSIG's key ID, NO_PUBKEY, NODATA), for
# detached signatures (what apt passes), cleartext messages and errors. With UMDD,
# everything again through a umdd started here (UMD_SOCKET names it: umd-gpgv must
# reach it, it never falls back to running standalone then).
set -euo pipefail
umd_gpgv=$1 umdd=${2:-}
command -v gpgv >/dev/null || { echo "SKIP: gpgv is not installed"; exit 77; }
. "$(dirname "$0")/../lib/gnupg_work.sh"
daemon_pid=
on_exit='[ -z "$daemon_pid" ] || kill "$daemon_pid"'
gnupg_work
new_key "one <one@example.org>" ed25519
new_key "two <two@example.org>" rsa2048
# A certificate whose signing key is a subkey (VALIDSIG names both).
new_key "three <three@example.org>" ed25519 cert
three=$(gpg --batch --with-colons --list-keys three@example.org | awk -F: '$1 == "fpr" { print $10; exit }')
gpg --batch --quiet --passphrase '' --quick-add-key "$three" ed25519 sign never
gpg --batch --export one@example.org > one.gpg
gpg --batch --export two@example.org > two.gpg
gpg --batch --export three@example.org > three.gpg
cat one.gpg two.gpg three.gpg > all.gpg
printf 'Origin: umd\nLabel: test\n' > data
gpg --batch --yes -u one@example.org --detach-sign -o one.sig data
gpg --batch --yes -u two@example.org --detach-sign --armor -o two.asc data
gpg --batch --yes -u "$three" --detach-sign -o three.sig data
gpg --batch --yes -u two@example.org --digest-algo SHA512 --clearsign -o message.asc data
cat one.sig > both.sig && gpg --batch --dearmor < two.asc >> both.sig
cp data tampered && echo x >> tampered
echo 'not OpenPGP' > garbage
mkdir home && cp one.gpg home/trustedkeys.gpg

# The status lines apt reads, with what apt reads of them.
normalize() {
    awk '$1 == "[GNUPG:]" {
        if ($2 == "GOODSIG" || $2 == "BADSIG" || $2 == "EXPKEYSIG" || $2 == "REVKEYSIG") print $2, $3
        else if ($2 == "VALIDSIG" || $2 == "ERRSIG" || $2 == "NO_PUBKEY" || $2 == "NODATA") print
        else if ($2 == "NEWSIG") print $2 }'
}
failures=0
pass=standalone
compare() {
    local what=$1; shift
    local want got want_status=0 got_status=0
    want_status=0; gpgv --status-fd 1 "$@" > want.out 2>/dev/null || want_status=$?
    got_status=0; "$umd_gpgv" --status-fd 1 "$@" > got.out 2>/dev/null || got_status=$?
    want=$(normalize < want.out) got=$(normalize < got.out)
    if [ "$want" != "$got" ] || [ "$want_status" != "$got_status" ]; then
        echo "DIFFER ($pass): $what: gpgv exits $want_status with"; echo "$want"
        echo "  umd-gpgv exits $got_status with"; echo "$got"
        failures=$((failures + 1))
    else
        echo "same ($pass): $what (exit $got_status, $(echo "$got" | grep -v NEWSIG | awk '{print $2}' | paste -sd' '))"
    fi
}
k=$work
suite() {
    compare "good" --keyring "$k/one.gpg" one.sig data
    compare "as apt-key calls it" --homedir "$k/home" --keyring "$k/all.gpg" --ignore-time-conflict one.sig data
    compare "armored, RSA" --keyring "$k/all.gpg" two.asc data
    compare "by a signing subkey" --keyring "$k/three.gpg" three.sig data
    compare "two signatures, both known" --keyring "$k/all.gpg" both.sig data
    compare "two signatures, one key unknown" --keyring "$k/one.gpg" both.sig data
    compare "unknown key" --keyring "$k/two.gpg" one.sig data
    compare "tampered data" --keyring "$k/all.gpg" both.sig tampered
    compare "not OpenPGP" --keyring "$k/all.gpg" garbage data
    compare "cleartext message" --keyring "$k/all.gpg" message.asc
    compare "keyring in the home directory" --homedir "$k/home" --keyring trustedkeys.gpg one.sig data
    compare "default keyring" --homedir "$k/home" one.sig data
    compare "missing data file" --keyring "$k/all.gpg" one.sig missing
    # Standard input ('-'): gpgv reads the signature from a file, umd-gpgv from its stdin.
    status=0; gpgv --status-fd 1 --keyring "$k/one.gpg" one.sig data 2>/dev/null | normalize > want.txt
    "$umd_gpgv" --status-fd 1 --keyring "$k/one.gpg" - data < one.sig 2>/dev/null | normalize > got.txt || status=$?
    cmp -s want.txt got.txt && [ "$status" = 0 ] || { echo "DIFFER: the signature on standard input"; failures=$((failures + 1)); }
    # The signed content of a message (-o), byte for byte.
    gpgv --keyring "$k/all.gpg" -o want.txt message.asc 2>/dev/null
    "$umd_gpgv" --keyring "$k/all.gpg" -o got.txt message.asc 2>/dev/null
    cmp -s want.txt got.txt || { echo "DIFFER: the content written by -o"; failures=$((failures + 1)); }
    # An option gpgv does not know: a usage error, exit 2, as gpgv.
    status=0; "$umd_gpgv" --no-such-option one.sig data 2>/dev/null || status=$?
    [ "$status" = 2 ] || { echo "DIFFER: an unknown option exits $status"; failures=$((failures + 1)); }
}
suite
if [ -n "$umdd" ]; then
    : > "$work/umdd.toml"
    "$umdd" --foreground --socket "$work/umdd.sock" --db "$work/trust.mdb" --config "$work/umdd.toml" \
        > "$work/umdd.log" 2>&1 &
    daemon_pid=$!
    for _ in $(seq 100); do [ -S "$work/umdd.sock" ] && break; sleep 0.1; done
    export UMD_SOCKET=$work/umdd.sock
    pass="through umdd"
    suite
fi
[ "$failures" = 0 ] || { echo "FAIL: $failures differences"; exit 1; }
echo PASS
