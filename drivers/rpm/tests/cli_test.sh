#!/usr/bin/env bash
# drivers/rpm/tests/cli_test.sh — end-to-end tests of the real `umd` binary's
# `rpm verify|digests|show` and `trust add|list|check|remove` commands (the
# trusted CLI driving the sandboxed RPM and OpenPGP handlers).
#
# Usage: cli_test.sh UMD CASE   with CASE one of verify, digests, show, trust, stdin,
# concurrency, rpmkeys (verdicts agree with rpmkeys -K on tampered files),
# weak (MD5 file digests and --allow-weak-digests). Fixtures (keys, signed packages) are built at test time by
# make_fixtures.sh in a temporary directory; reference answers come from the
# real rpm tools (rpm -qp, rpm2cpio). Nothing outside the directory is touched.
set -euo pipefail
umd=$(realpath "$1")
case_name=$2
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/umd-rpm-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
fx="$work/fx"
bash "$here/make_fixtures.sh" "$fx" >/dev/null
cd "$fx"
export GNUPGHOME="$fx/gnupg" HOME="$fx/home"

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The trust database the commands name: the one a umdd serves when the suite runs
# through one (tests/umdd/with_umdd.sh sets UMD_TEST_TRUST_DB), else one of our own.
trust_db=${UMD_TEST_TRUST_DB:-$work/trust.mdb}

# run EXPECTED_RC CMD...: runs CMD, keeps stdout in $out and stderr in $err,
# and fails the test when the exit status is not EXPECTED_RC.
run() {
    local want=$1 rc=0
    shift
    out=$("$@" 2>"$work/stderr") || rc=$?
    err=$(cat "$work/stderr")
    if [ "$rc" -ne "$want" ]; then
        fail "exit $rc, wanted $want: $*"$'\n'"  stdout: $out"$'\n'"  stderr: $err"
    fi
}
# contains HAYSTACK NEEDLE WHAT
contains() { grep -qF -- "$2" <<<"$1" || fail "$3: '$2' not in: $1"; }
lacks() { ! grep -qF -- "$2" <<<"$1" || fail "$3: '$2' unexpectedly in: $1"; }

# A header-tampered copy: one byte of a file name in the signed header changes,
# the structure stays well formed, so the verdict must be "not valid" (1).
python3 - <<'EOF'
data = open("rsa2048.rpm", "rb").read()
at = data.find(b"hello.txt")
assert at > 0
open("tampered.rpm", "wb").write(data[:at] + b"j" + data[at + 1:])
EOF
printf 'not an rpm at all' > garbage.rpm
head -c 200 rsa2048.rpm > truncated.rpm
nevra="umdtest-7:1.2-3.noarch"
all_keys=(--keyring rsa2048.asc --keyring rsa4096.asc --keyring eddsa.asc)

# The reference: `sha256:<hex>  <path>` for each regular file, from rpm itself.
rpm_digests() {
    rpm -qp --nosignature --qf '[%{FILEMODES:octal} %{FILEDIGESTS}  %{FILENAMES}\n]' "$1" 2>/dev/null |
        awk '$1 ~ /^100/ && $2 != "" { sub(/^[0-7]+ /, ""); print "sha256:" $0 }'
}

case_verify() {
    run 0 "$umd" rpm verify --keyring rsa2048.asc rsa2048.rpm
    contains "$out" "rsa2048.rpm: OK $nevra signed by $(cat rsa2048.fpr)" "verify prints the signer"
    run 0 "$umd" rpm verify "${all_keys[@]}" rsa2048.rpm rsa4096.rpm eddsa.rpm
    [ "$(wc -l <<<"$out")" -eq 3 ] || fail "three OK lines wanted: $out"
    contains "$out" "eddsa.rpm: OK $nevra signed by $(cat eddsa.fpr)" "EdDSA signer"
    # Wrong key, tampered header, no signature: not valid (1), nothing vouched for.
    run 1 "$umd" rpm verify --keyring rsa2048.asc other.rpm
    lacks "$out" "OK" "wrong key"
    contains "$err" "other.rpm" "the refusal names the package"
    run 1 "$umd" rpm verify --keyring rsa2048.asc tampered.rpm
    lacks "$out" "OK" "tampered"
    run 1 "$umd" rpm verify --keyring rsa2048.asc unsigned.rpm
    run 1 "$umd" rpm verify --keyring rsa2048.asc rsa2048.rpm tampered.rpm
    contains "$out" "rsa2048.rpm: OK" "the valid one of a mixed batch is still reported"
    # Malformed or unreadable: 2, and it wins over a "not valid".
    run 2 "$umd" rpm verify --keyring rsa2048.asc garbage.rpm
    run 2 "$umd" rpm verify --keyring rsa2048.asc truncated.rpm
    run 2 "$umd" rpm verify --keyring rsa2048.asc "$work/does-not-exist.rpm"
    run 2 "$umd" rpm verify --keyring rsa2048.asc rsa2048.rpm tampered.rpm garbage.rpm
    run 2 "$umd" rpm verify --keyring "$work/no-such-keyring.asc" rsa2048.rpm
    run 2 "$umd" rpm verify --keyring rsa2048.asc   # usage: no package
    if [ ! -e /etc/umd/keys.d ]; then   # no --keyring and no system keys: bad input, not a verdict
        run 2 "$umd" rpm verify rsa2048.rpm
        lacks "$out" "OK" "no keys"
    fi
    # The reference verdicts agree: rpmkeys accepts what umd accepts.
    rpmkeys --dbpath "$fx/rpmdb" -K rsa2048.rpm >/dev/null 2>&1 || fail "rpmkeys rejects rsa2048.rpm"
}

# Files tampered with outside the signed header: one payload byte, junk after
# the payload, an unsigned package with a signed one appended (and tampered.rpm:
# one header byte). rpmkeys -K (private rpmdb with the test keys) is the reference.
make_tampered() {
    python3 - <<'EOF'
signed = open("rsa2048.rpm", "rb").read()
unsigned = open("unsigned.rpm", "rb").read()
at = len(signed) - 100   # in the payload (the last bytes of the file)
open("payload-byte.rpm", "wb").write(signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1:])
open("junk-appended.rpm", "wb").write(signed + b"junk\n")
open("unsigned+signed.rpm", "wb").write(unsigned + signed)
EOF
}

case_rpmkeys() {
    make_tampered
    local f ref ours
    for f in rsa2048.rpm eddsa.rpm payload-byte.rpm tampered.rpm unsigned+signed.rpm junk-appended.rpm; do
        ref=0
        rpmkeys --dbpath "$fx/rpmdb" -K "$f" >/dev/null 2>&1 || ref=$?
        ours=0
        "$umd" rpm verify "${all_keys[@]}" "$f" >"$work/out" 2>"$work/err" || ours=$?
        case "$f" in
            rsa2048.rpm|eddsa.rpm) [ "$ref" -eq 0 ] || fail "rpmkeys rejects the good $f" ;;
            *) [ "$ref" -ne 0 ] || fail "rpmkeys accepts the tampered $f" ;;
        esac
        if [ "$ref" -eq 0 ]; then
            [ "$ours" -eq 0 ] || fail "$f: rpmkeys OK, umd exit $ours: $(cat "$work/err")"
        else
            [ "$ours" -eq 1 ] || fail "$f: rpmkeys NOT OK, umd exit $ours (1 wanted): $(cat "$work/out" "$work/err")"
            lacks "$(cat "$work/out")" "OK" "$f"
        fi
    done
    # The payload is checked by every command that trusts a package (one verify path).
    run 1 "$umd" rpm verify --keyring rsa2048.asc payload-byte.rpm
    contains "$err" "payload digest mismatch" "verify names the payload"
    run 1 "$umd" rpm digests --keyring rsa2048.asc payload-byte.rpm
    [ -z "$out" ] || fail "digests printed for a package with a tampered payload: $out"
    run 1 "$umd" rpm digests --keyring rsa2048.asc junk-appended.rpm
    [ -z "$out" ] || fail "digests printed for a package with junk appended: $out"
    run 1 "$umd" trust add --db "$work/trust.mdb" --keyring rsa2048.asc payload-byte.rpm junk-appended.rpm
    contains "$out" "trust: added 0 packages, refused 2" "trust add refuses a tampered payload"
}

case_weak() {
    local db="$trust_db" x="$work/extracted"
    extract md5.rpm "$x"
    [ "$(rpm -qp --nosignature --qf '%{FILEDIGESTALGO}' md5.rpm 2>/dev/null)" != 8 ] || fail "md5.rpm has SHA-256 digests"
    # Verifying is not vouching: the package itself is valid.
    run 0 "$umd" rpm verify --keyring rsa2048.asc md5.rpm
    run 0 "$umd" rpm digests --keyring rsa2048.asc md5.rpm
    contains "$out" "md5:" "digests name the algorithm"
    # By default it does not enter the trust database; the others of the batch do.
    run 1 "$umd" trust add --db "$db" --keyring rsa2048.asc md5.rpm
    contains "$out" "trust: added 0 packages, refused 1" "md5 package refused"
    contains "$err" "md5 file digests are too weak" "why"
    contains "$err" "--allow-weak-digests" "the way out is named"
    run 1 "$umd" trust add --db "$db" --keyring rsa2048.asc --keyring rsa4096.asc md5.rpm rsa4096.rpm
    contains "$out" "trust: added 1 package, refused 1" "mixed batch"
    run 0 "$umd" trust remove --db "$db" "$nevra"
    run 1 "$umd" trust check --db "$db" "$x/usr/bin/umdtest"
    # With the option, loudly.
    run 0 "$umd" trust add --db "$db" --keyring rsa2048.asc --allow-weak-digests md5.rpm
    contains "$err" "WARNING: --allow-weak-digests" "the option warns"
    run 0 "$umd" trust list --db "$db" --json
    contains "$out" '"digest_algorithm": 1' "stored as MD5"
    # A check never counts a weak digest as trusted, unless it too is told to.
    run 1 "$umd" trust check --db "$db" "$x/usr/bin/umdtest"
    contains "$out" "NOT TRUSTED" "weak digest not trusted by default"
    run 0 "$umd" trust check --db "$db" --allow-weak-digests "$x/usr/bin/umdtest"
    contains "$out" "trusted, $nevra as /usr/bin/umdtest" "trusted with the option"
    contains "$err" "WARNING: --allow-weak-digests" "check warns too"
}

case_digests() {
    local want
    want=$(rpm_digests rsa2048.rpm)
    [ -n "$want" ] || fail "rpm -qp gave no digests"
    run 0 "$umd" rpm digests --keyring rsa2048.asc rsa2048.rpm
    [ "$out" = "$want" ] || fail "digests differ from rpm -qp:"$'\n'"umd:"$'\n'"$out"$'\n'"rpm:"$'\n'"$want"
    # The same for every signature algorithm.
    run 0 "$umd" rpm digests "${all_keys[@]}" rsa4096.rpm eddsa.rpm
    [ "$out" = "$(rpm_digests rsa4096.rpm; rpm_digests eddsa.rpm)" ] || fail "digests of rsa4096+eddsa differ: $out"
    # An unverified package contributes nothing.
    run 1 "$umd" rpm digests --keyring rsa2048.asc other.rpm
    [ -z "$out" ] || fail "digests printed for a package signed by an unknown key: $out"
    run 1 "$umd" rpm digests --keyring rsa2048.asc tampered.rpm
    [ -z "$out" ] || fail "digests printed for a tampered package: $out"
    run 1 "$umd" rpm digests --keyring rsa2048.asc unsigned.rpm
    [ -z "$out" ] || fail "digests printed for an unsigned package: $out"
    run 1 "$umd" rpm digests --keyring rsa2048.asc other.rpm rsa2048.rpm
    [ "$out" = "$want" ] || fail "mixed batch: only the verified package's digests wanted: $out"
    run 2 "$umd" rpm digests --keyring rsa2048.asc garbage.rpm
    [ -z "$out" ] || fail "digests printed for garbage: $out"
}

case_show() {
    run 0 "$umd" rpm show rsa2048.rpm
    contains "$out" "package:     $nevra" "show names the package"
    contains "$out" "NOT VERIFIED" "show says nothing is verified"
    contains "$out" "sha256 $(rpm -qp --nosignature --qf '%{SHA256HEADER}' rsa2048.rpm 2>/dev/null) (matches tag 273)" "header digest"
    # Every file with its mode, as rpm lists them.
    while read -r mode path; do
        contains "$out" "  $(printf '%06o' "$((8#$mode))") $path" "show lists $path"
    done < <(rpm -qp --nosignature --qf '[%{FILEMODES:octal} %{FILENAMES}\n]' rsa2048.rpm 2>/dev/null)
    contains "$out" "files:       6, digests sha256" "file count"
    # show needs no key: an unsigned package shows too, with no signature.
    run 0 "$umd" rpm show unsigned.rpm
    contains "$out" "NOT VERIFIED (0 header signatures" "unsigned"
    run 2 "$umd" rpm show garbage.rpm
    run 2 "$umd" rpm show truncated.rpm
    run 2 "$umd" rpm show "$work/does-not-exist.rpm"
}

# `-` is standard input for one package or one keyring, a pipe included: the package
# is read twice (headers, then the payload's digest) from its copy (docs/output.md).
case_stdin() {
    local fpr db="$trust_db"
    fpr=$(cat rsa2048.fpr)
    run 0 "$umd" rpm verify --keyring rsa2048.asc - < rsa2048.rpm
    [ "$out" = "-: OK $nevra signed by $fpr" ] || fail "verify -: [$out]"
    run 0 "$umd" rpm verify --json --keyring rsa2048.asc - < rsa2048.rpm
    python3 -c 'import json, sys; r = json.loads(sys.argv[1])["results"]; assert [x["name"] for x in r] == ["-"] and r[0]["verdict"] == "yes"' "$out" ||
        fail "verify --json -: $out"
    run 1 "$umd" rpm verify --keyring - rsa2048.rpm eddsa.rpm < rsa2048.asc
    contains "$out" "rsa2048.rpm: OK $nevra signed by $fpr" "a keyring on standard input"
    contains "$out" "eddsa.rpm: FAILED (rejected)" "a package the keyring on standard input does not vouch for"
    out=$(cat rsa2048.rpm | "$umd" rpm digests --keyring rsa2048.asc -) || fail "digests from a pipe: exit $?"
    [ "$out" = "$(rpm_digests rsa2048.rpm)" ] || fail "digests from a pipe differ from rpm -qp: [$out]"
    run 1 "$umd" rpm verify --keyring rsa2048.asc - < tampered.rpm
    [ "$out" = "-: FAILED (rejected)" ] || fail "a tampered package on standard input: [$out]"
    run 2 "$umd" rpm verify --keyring rsa2048.asc - < garbage.rpm
    run 0 "$umd" rpm show - < rsa2048.rpm
    contains "$out" "package:     $nevra" "show -"
    # Standard input is read once: one `-` at most.
    run 2 "$umd" rpm verify --keyring - - < rsa2048.rpm
    contains "$err" "standard input ('-') can stand for one file only" "two dashes"
    [ -z "$out" ] || fail "two dashes: nothing on stdout, got [$out]"
    run 2 "$umd" trust add --db "$db" --keyring rsa2048.asc - - < rsa2048.rpm
    run 0 "$umd" trust add --db "$db" --keyring rsa2048.asc - < rsa2048.rpm
    contains "$out" "-: added $nevra" "trust add -"
    run 0 "$umd" trust remove --db "$db" "$nevra"
}

extract() {  # package dir: the package's payload, as rpm2cpio | cpio unpacks it
    mkdir -p "$2"
    (cd "$2" && rpm2cpio "$fx/$1" | cpio -idm --quiet)
}

case_trust() {
    local db="$trust_db" x="$work/extracted"
    extract rsa2048.rpm "$x"
    # Nothing yet: checking against a database that does not exist is bad input.
    # No database yet: standalone there is nothing to open (2); a umdd has created
    # its database at start, empty (1, not trusted).
    run "$([ -n "${UMD_TEST_TRUST_DB:-}" ] && echo 1 || echo 2)" "$umd" trust check --db "$db" "$x/usr/bin/umdtest"
    # A refused package contributes nothing: its files stay untrusted.
    run 1 "$umd" trust add --db "$db" --keyring rsa2048.asc other.rpm
    contains "$out" "trust: added 0 packages, refused 1" "refused alone"
    run 0 "$umd" trust list --db "$db"
    [ -z "$out" ] || fail "a refused package was listed: $out"
    run 1 "$umd" trust check --db "$db" "$x/usr/bin/umdtest"
    contains "$out" "NOT TRUSTED" "file of a refused package"
    # Only the verified package enters; the others are refused, each with why.
    run 1 "$umd" trust add --db "$db" --keyring rsa2048.asc rsa2048.rpm other.rpm tampered.rpm
    contains "$out" "trust: added 1 package, refused 2" "add summary"
    contains "$err" "refused: other.rpm" "why other.rpm was refused"
    contains "$err" "refused: tampered.rpm" "why tampered.rpm was refused"
    run 2 "$umd" trust add --db "$db" --keyring rsa2048.asc garbage.rpm
    contains "$out" "added 0 packages, refused 1" "garbage refused"
    # The front form of --db works too.
    run 0 "$umd" trust --db "$db" list
    [ "$out" = "$nevra  files=3  signer=$(cat rsa2048.fpr)" ] || fail "list: $out"
    run 0 "$umd" trust list --db "$db" --json
    python3 - "$out" "$nevra" "$(cat rsa2048.fpr)" <<'EOF' || fail "list --json: $out"
import json, sys
document = json.loads(sys.argv[1])   # schema umd/1: docs/json.md
assert document["schema"] == "umd/1" and document["command"] == "trust list", document
packages = document["packages"]
assert len(packages) == 1, packages
p = packages[0]
assert p["nevra"] == sys.argv[2] and p["signer"] == sys.argv[3] and p["files"] == 3, p
assert len(p["header_sha256"]) == 64, p
EOF
    # Files with the packaged content are trusted, vouched for by the package.
    run 0 "$umd" trust check --db "$db" "$x/usr/share/umdtest/hello.txt" "$x/usr/share/umdtest/sub/two.txt" "$x/usr/bin/umdtest"
    contains "$out" "$x/usr/share/umdtest/hello.txt: trusted, $nevra as /usr/share/umdtest/hello.txt" "hello.txt trusted"
    contains "$out" "$x/usr/bin/umdtest: trusted, $nevra as /usr/bin/umdtest" "umdtest trusted"
    # A modified copy is not.
    cp "$x/usr/bin/umdtest" "$work/modified"
    printf 'echo extra\n' >> "$work/modified"
    run 1 "$umd" trust check --db "$db" "$work/modified"
    contains "$out" "NOT TRUSTED (sha256:$(sha256sum "$work/modified" | cut -c1-64))" "modified copy"
    run 1 "$umd" trust check --db "$db" "$x/usr/bin/umdtest" "$work/modified"
    run 2 "$umd" trust check --db "$db" "$x/usr/bin/umdtest" "$work/modified" "$work/does-not-exist"
    # A file name with a line feed in it is one line of output, not a forged second verdict.
    cp "$x/usr/share/umdtest/hello.txt" "$work/evil"$'\n'"umdtest: trusted"
    run 0 "$umd" trust check --db "$db" "$work/evil"$'\n'"umdtest: trusted"
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "a name with a line feed printed $(printf '%s\n' "$out" | wc -l) lines: $out"
    contains "$out" 'evil\x0a' "the line feed is shown escaped"
    # Remove the package: its files are no longer trusted.
    run 0 "$umd" trust remove --db "$db" "$nevra"
    contains "$out" "trust: removed $nevra" "remove"
    run 1 "$umd" trust check --db "$db" "$x/usr/share/umdtest/hello.txt"
    contains "$out" "NOT TRUSTED" "after remove"
    run 0 "$umd" trust list --db "$db"
    [ -z "$out" ] || fail "list after remove: $out"
    run 2 "$umd" trust remove --db "$db" "$nevra"   # no such package
    run 2 "$umd" trust remove --db "$work/no-db" "$nevra"
}

case_concurrency() {
    local db="$trust_db" x="$work/extracted" i
    extract rsa2048.rpm "$x"
    run 0 "$umd" trust add --db "$db" --keyring rsa2048.asc rsa2048.rpm
    # The writer re-adds (replaces) the package many times over in one batch
    # while two readers check; LMDB gives readers a consistent snapshot, so
    # every check sees the package and succeeds.
    local batch=()
    for i in $(seq 1 40); do batch+=(rsa2048.rpm rsa4096.rpm eddsa.rpm); done
    "$umd" -q trust add --db "$db" "${all_keys[@]}" "${batch[@]}" >"$work/writer.out" 2>&1 &
    local writer=$!
    reader() {  # n: checks at least 10 times and until the writer is done
        local k=0
        while [ $k -lt 10 ] || kill -0 "$writer" 2>/dev/null; do
            "$umd" trust check --db "$db" "$x/usr/bin/umdtest" "$x/usr/share/umdtest/hello.txt" >>"$work/reader$1.out" 2>&1 ||
                { echo "reader $1: check $k failed" >>"$work/reader$1.out"; return 1; }
            k=$((k + 1))
        done
    }
    reader 1 & local r1=$!
    reader 2 & local r2=$!
    wait "$writer" || fail "writer failed: $(cat "$work/writer.out")"
    wait "$r1" || fail "reader 1 failed: $(tail -3 "$work/reader1.out")"
    wait "$r2" || fail "reader 2 failed: $(tail -3 "$work/reader2.out")"
    contains "$(cat "$work/writer.out")" "trust: added 120 packages, refused 0" "writer summary"
    if grep -q "NOT TRUSTED" "$work/reader1.out" "$work/reader2.out"; then fail "a reader saw the file untrusted"; fi
    run 0 "$umd" trust list --db "$db"
    [ "$(wc -l <<<"$out")" -eq 1 ] || fail "one package (replaced by NEVRA) wanted: $out"
}

case "$case_name" in
    verify|digests|show|trust|concurrency|rpmkeys|weak|stdin) "case_$case_name" ;;
    *) echo "unknown case $case_name" >&2; exit 2 ;;
esac
if [ "$failures" -ne 0 ]; then
    echo "$case_name: $failures failure(s)" >&2
    exit 1
fi
echo "$case_name: all checks passed"
