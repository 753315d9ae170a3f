#!/usr/bin/env bash
# Builds the RPM driver's test fixtures in a fresh directory (argument 1):
# signing keys in a private GNUPGHOME (RSA 2048, RSA 4096, EdDSA), a small
# package built with rpmbuild in a private %_topdir, signed copies of it with
# rpmsign, an unsigned copy, a copy with MD5 file digests signed with the RSA
# 2048 key (md5.rpm), and a private rpmdb with the public keys imported
# so `rpmkeys --dbpath DIR/rpmdb -K` gives the reference verdict.
# With a count N as argument 2, also DIR/corpus/: N distinct packages (one
# spec with N subpackages, each owning one distinct small file: one rpmbuild
# run), all signed with the RSA 4096 key by one rpmsign call (for umd-bench).
# Nothing outside the directory is touched.
set -euo pipefail
out=$(realpath "$1")
corpus=${2:-0}
mkdir -p "$out"
export GNUPGHOME="$out/gnupg"
export HOME="$out/home"
mkdir -p "$GNUPGHOME" "$HOME"
chmod 700 "$GNUPGHOME"

gen_key() {  # name algo
    gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
        --quick-gen-key "umd test $1 <$1@example.org>" "$2" sign never 2>/dev/null
    gpg --batch --with-colons --list-keys "$1@example.org" 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}' > "$out/$1.fpr"
    gpg --batch --armor --export "$1@example.org" > "$out/$1.asc"
}
gen_key rsa2048 rsa2048
gen_key rsa4096 rsa4096
gen_key eddsa ed25519
gen_key other rsa2048

top="$out/rpmbuild"
mkdir -p "$top"/{SPECS,SOURCES,BUILD,RPMS,SRPMS}
cat > "$top/SPECS/umdtest.spec" <<'SPEC'
Name: umdtest
Version: 1.2
Release: 3
Epoch: 7
Summary: umd test package
License: MIT
BuildArch: noarch
%description
A small package for the umd RPM driver tests.
%install
mkdir -p %{buildroot}/usr/share/umdtest/sub %{buildroot}/usr/bin
echo "hello" > %{buildroot}/usr/share/umdtest/hello.txt
printf 'second file\n' > %{buildroot}/usr/share/umdtest/sub/two.txt
printf '#!/bin/sh\necho umdtest\n' > %{buildroot}/usr/bin/umdtest
chmod 755 %{buildroot}/usr/bin/umdtest
ln -s hello.txt %{buildroot}/usr/share/umdtest/link.txt
%files
/usr/share/umdtest
/usr/bin/umdtest
SPEC
rpmbuild --quiet --define "_topdir $top" --define "_binary_payload w.ufdio" -bb "$top/SPECS/umdtest.spec" >/dev/null 2>&1
cp "$top/RPMS/noarch/umdtest-1.2-3.noarch.rpm" "$out/unsigned.rpm"
# The same package with MD5 file digests (as rpm < 4.12 wrote them), for the weak-digest policy.
rpmbuild --quiet --define "_topdir $top" --define "_binary_payload w.ufdio" --define "_binary_filedigest_algorithm 1" \
    -bb "$top/SPECS/umdtest.spec" >/dev/null 2>&1
cp "$top/RPMS/noarch/umdtest-1.2-3.noarch.rpm" "$out/unsigned-md5.rpm"

sign() {  # key output [unsigned input]
    cp "$out/${3:-unsigned.rpm}" "$out/$2"
    rpmsign --define "__gpg $(command -v gpg)" --define "_gpg_name $(cat "$out/$1.fpr")" --define "_gpg_path $GNUPGHOME" --addsign "$out/$2" >/dev/null 2>&1
}
sign rsa2048 rsa2048.rpm
sign rsa4096 rsa4096.rpm
sign eddsa eddsa.rpm
sign other other.rpm
sign rsa2048 md5.rpm unsigned-md5.rpm

if [ "$corpus" -gt 0 ]; then
    ctop="$out/corpus-build"
    mkdir -p "$ctop"/{SPECS,SOURCES,BUILD,RPMS,SRPMS} "$out/corpus"
    {
        cat <<'SPEC'
Name: umdcorpus
Version: 1
Release: 1
Summary: umd benchmark corpus
License: MIT
BuildArch: noarch
%description
Distinct small packages for the umd RPM benchmark; the main package has no files and is not built.
SPEC
        for i in $(seq -f '%05g' 1 "$corpus"); do
            printf '%%package p%s\nSummary: corpus package %s\n%%description p%s\nCorpus package %s.\n%%files p%s\n/usr/share/umdcorpus/f%s\n' \
                "$i" "$i" "$i" "$i" "$i" "$i"
        done
        printf '%%install\nmkdir -p %%{buildroot}/usr/share/umdcorpus\n'
        printf 'for i in $(seq -f %%%%05g 1 %s); do echo "corpus file $i" > %%{buildroot}/usr/share/umdcorpus/f$i; done\n' "$corpus"
    } > "$ctop/SPECS/umdcorpus.spec"
    rpmbuild --quiet --define "_topdir $ctop" --define "_binary_payload w.ufdio" -bb "$ctop/SPECS/umdcorpus.spec" >/dev/null 2>&1
    mv "$ctop"/RPMS/noarch/*.rpm "$out/corpus/"
    rm -rf "$ctop"
    rpmsign --define "__gpg $(command -v gpg)" --define "_gpg_name $(cat "$out/rsa4096.fpr")" --define "_gpg_path $GNUPGHOME" \
        --addsign "$out"/corpus/*.rpm >/dev/null 2>&1
fi

mkdir -p "$out/rpmdb"
for k in rsa2048 rsa4096 eddsa; do rpmkeys --dbpath "$out/rpmdb" --import "$out/$k.asc"; done
gpgconf --kill all >/dev/null 2>&1 || true   # no agent outlives the fixtures
