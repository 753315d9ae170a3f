#!/bin/sh
# Generates a small seed corpus for the pgp_handler fuzzers with gpg and sq:
# keys of several algorithms (binary and armored), detached, cleartext and
# inline-signed messages with each compression algorithm, and the cases the policy
# or the handler refuses (text mode, SHA-1, a small RSA key, an expired key, a secret key).
#   usage: fuzz/pgp_handler/make-seeds.sh <output-dir>
set -eu
out=${1:?usage: make-seeds.sh <output-dir>}
mkdir -p "$out"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
chmod 700 "$home"
# Keys and signatures are made as of 2023-01-01: the trusted-side targets judge them at a
# fixed time in November 2023 (fuzz_pgp_verify_reply's policy.now), when they are valid.
g() { gpg --homedir "$home" --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' \
          --faked-system-time 20230101T000000 "$@" 2>/dev/null; }

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
# fuzz_pgp_verify_reply checks detached signatures over "fuzzed data\n": one by each key
# (paired with that key's keyring they verify, so the target starts from good verdicts).
printf 'fuzzed data\n' > "$home/fuzzed"
for algo in rsa2048 dsa2048 nistp256 brainpoolP384r1 ed25519; do
    g --local-user "$algo@example.org" --output "$out/fuzzed-$algo.sig" --detach-sign "$home/fuzzed"
done
# Text-mode signatures (type 0x01: the trusted side canonicalises line endings), a SHA-1
# signature (refused by policy), a 1024-bit RSA key (under the policy's minimum), a key
# made to expire in the past, and secret key material (the handler refuses it).
g --textmode --output "$out/detached-text.sig" --detach-sign "$home/data"
g --textmode --compress-algo none --output "$out/inline-text.pgp" --sign "$home/data"
g --digest-algo SHA1 --output "$out/detached-sha1.sig" --detach-sign "$home/data"
g --quick-gen-key "Seed rsa1024 <rsa1024@example.org>" rsa1024 sign never
g --output "$out/key-rsa1024.pgp" --export rsa1024@example.org
g --local-user rsa1024@example.org --output "$out/detached-rsa1024.sig" --detach-sign "$home/data"
g --faked-system-time 20220101T000000 --quick-gen-key "Seed expired <expired@example.org>" ed25519 sign 1d
g --output "$out/key-expired.pgp" --export expired@example.org
g --output "$out/secret-ed25519.pgp" --export-secret-keys ed25519@example.org
# From a pipe gpg streams the literal data with partial body lengths.
cat "$home/data" "$home/data" | g --compress-algo none --sign > "$out/inline-partial.pgp"
if command -v sq >/dev/null; then
    sq key generate --userid '<seed@example.org>' --cipher-suite cv25519 --export "$home/sq.key"
    sq key extract-cert --output "$out/sq-cert.asc" "$home/sq.key"
    sq sign --cleartext-signature --signer-key "$home/sq.key" --output "$out/sq-cleartext.asc" "$home/data"
fi
echo "seeds written to $out"
