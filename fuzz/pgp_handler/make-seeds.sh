#!/bin/sh
# Generates a small seed corpus for the pgp_handler fuzzers with gpg and sq:
# keys of several algorithms (binary and armored), detached, cleartext and
# inline-signed messages with each compression algorithm.
#   usage: fuzz/pgp_handler/make-seeds.sh <output-dir>
set -eu
out=${1:?usage: make-seeds.sh <output-dir>}
mkdir -p "$out"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
chmod 700 "$home"
g() { gpg --homedir "$home" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' "$@" 2>/dev/null; }

for algo in rsa2048 dsa2048 nistp256 brainpoolP384r1 ed25519; do
    g --quick-gen-key "Seed $algo <$algo@example.org>" "$algo" sign never
    fpr=$(g --with-colons --list-keys "$algo@example.org" | awk -F: '/^fpr/{print $10; exit}')
    g --quick-add-key "$fpr" cv25519 encr never
    g --quick-add-key "$fpr" ed25519 sign never
    g --output "$out/key-$algo.pgp" --export "$fpr"
    g --armor --output "$out/key-$algo.asc" --export "$fpr"
done
printf 'seed text\n- dashed\n-----\ntrailing  \n' > "$home/data"
g --output "$out/detached.sig" --detach-sign "$home/data"
g --armor --output "$out/detached.asc" --detach-sign "$home/data"
g --output "$out/cleartext.asc" --clearsign "$home/data"
for z in none zip zlib bzip2; do
    g --compress-algo "$z" --output "$out/inline-$z.pgp" --sign "$home/data"
    g --armor --compress-algo "$z" --output "$out/inline-$z.asc" --sign "$home/data"
done
# From a pipe gpg streams the literal data with partial body lengths.
cat "$home/data" "$home/data" | g --compress-algo none --sign > "$out/inline-partial.pgp"
if command -v sq >/dev/null; then
    sq key generate --userid '<seed@example.org>' --cipher-suite cv25519 --export "$home/sq.key"
    sq key extract-cert --output "$out/sq-cert.asc" "$home/sq.key"
    sq sign --cleartext-signature --signer-key "$home/sq.key" --output "$out/sq-cleartext.asc" "$home/data"
fi
echo "seeds written to $out"
