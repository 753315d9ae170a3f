#!/usr/bin/env bash
# tests/cli/json_test.sh UMD SCHEMA FIXTURES — every `umd` command that prints results,
# with --json, against inputs made here (rpmbuild/rpmsign packages and gpg keys from
# drivers/rpm/tests/make_fixtures.sh, a gpg signature): stdout is one document of schema
# umd/1 (docs/json.md) that docs/schema/umd-1.json accepts, with the process's exit
# status; a failing input keeps its entry, its name (a line feed in it) round-trips;
# stderr holds no JSON. Standalone, or through the umdd that tests/umdd/with_umdd.sh
# names in $UMD_SOCKET.
set -euo pipefail
umd=$(realpath "$1")
schema=$(realpath "$2")
fixtures=$(realpath "$3")
check=$(cd "$(dirname "$0")" && pwd)/json_check.py
python3 -c 'import jsonschema' 2>/dev/null || { echo "SKIP: python3-jsonschema is not installed"; exit 77; }
command -v rpmbuild >/dev/null || { echo "SKIP: rpmbuild is not installed"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/umd-json.XXXXXX")
trap 'gpgconf --homedir "$work/fx/gnupg" --kill all 2>/dev/null || true; rm -rf "$work"' EXIT
bash "$fixtures" "$work/fx" >/dev/null
cd "$work/fx"
export GNUPGHOME=$work/fx/gnupg HOME=$work/fx/home
# Through umdd the trust commands use the database it serves; standalone one of ours.
if [ -n "${UMD_SOCKET:-}" ]; then mode=(); db=${UMD_TEST_TRUST_DB:?}; else mode=(--standalone); db=$work/trust.mdb; fi
fpr=$(cat rsa2048.fpr)
nevra="umdtest-7:1.2-3.noarch"

failures=0
# json WANT_EXIT "COMMAND WORDS" [CHECK...] -- UMD-ARGS...: runs umd, checks the exit
# status and the document (json_check.py), each CHECK a Python expression over d / r.
json() {
    local want=$1 command=$2 rc=0 checks=()
    shift 2
    while [ "$1" != -- ]; do checks+=("$1"); shift; done
    shift
    "$umd" "${mode[@]}" "$@" >"$work/out" 2>"$work/err" || rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL: exit $rc, wanted $want: umd $*"$'\n'"  stdout: $(cat "$work/out")"$'\n'"  stderr: $(cat "$work/err")"
        failures=$((failures + 1))
        return
    fi
    python3 "$check" "$schema" "$command" "$want" "$work/out" "$work/err" "${checks[@]}" || failures=$((failures + 1))
}
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Inputs: a detached signature by the rsa2048 key, a name with a line feed, garbage.
printf 'data\n' > data
gpg --batch --yes -u rsa2048@example.org --detach-sign -o data.sig data 2>/dev/null
echo 'not a package' > "bad
name.rpm"
printf 'hello\n' > "hello
copy.txt"          # the bytes of the package's /usr/share/umdtest/hello.txt
printf 'stranger\n' > stranger.txt
bad_name=$'bad\nname.rpm'

# pgp verify: valid, not valid (another key), malformed; --output - refused, no document.
json 0 "pgp verify" "r[0]['verdict'] == 'yes'" "r[0]['good_signers'] == ['$fpr']" "r[0]['name'] == 'data'" \
    -- pgp verify --json --keyring rsa2048.asc --signature data.sig data
json 1 "pgp verify" "r[0]['verdict'] == 'no'" "r[0]['error']['kind'] == 'rejected'" "r[0]['good_signers'] == []" \
    -- pgp verify --json --keyring other.asc --signature data.sig data
json 2 "pgp verify" "r[0]['verdict'] == 'failed'" "r[0]['error']['kind'] == 'bad_input'" \
    -- pgp verify --json --keyring rsa2048.asc --signature data data
json 0 "pgp verify" "r[0]['name'] == '-'" -- pgp verify --json --keyring rsa2048.asc --signature data.sig - < data
rc=0; "$umd" "${mode[@]}" pgp verify --json --keyring rsa2048.asc --output - --signature data.sig data >"$work/out" 2>/dev/null || rc=$?
[ "$rc" = 2 ] && [ ! -s "$work/out" ] || fail "--json --output -: exit $rc, stdout [$(cat "$work/out")]"

# pgp show, rpm show: the description inside the entry.
json 0 "pgp show" "r[0]['description']['kind'] == 'detached-signature'" -- pgp show --json data.sig
json 0 "pgp show" "r[0]['description']['certificates'][0]['primary']['fingerprint'] == '$fpr'" -- pgp show --json rsa2048.asc
json 2 "pgp show" "r[0]['verdict'] == 'failed'" "r[0]['error']['kind'] in ('io', 'not_found')" -- pgp show --json missing.sig
json 0 "rpm show" "r[0]['description']['package'] == '$nevra'" -- rpm show --json rsa2048.rpm
json 2 "rpm show" "r[0]['name'] == '''$bad_name'''" "r[0]['error']['kind'] == 'bad_input'" -- rpm show --json "$bad_name"

# rpm verify: every package's entry in order, the worst exit; the name round-trips.
json 2 "rpm verify" "[x['name'] for x in r] == ['rsa2048.rpm', '''$bad_name''', 'other.rpm']" \
    "[x['verdict'] for x in r] == ['yes', 'failed', 'no']" "r[0]['nevra'] == '$nevra'" "r[0]['signer'] == '$fpr'" \
    "r[1]['error']['kind'] == 'bad_input'" "r[2]['error']['kind'] == 'rejected'" \
    -- rpm verify --json --keyring rsa2048.asc rsa2048.rpm "$bad_name" other.rpm
json 2 "rpm verify" "'error' in d" "r == []" -- rpm verify --json --keyring no-such-keyring.asc rsa2048.rpm

# rpm digests: the same digests as the text form, and an entry for the failing package.
"$umd" "${mode[@]}" rpm digests --keyring rsa2048.asc rsa2048.rpm > "$work/digests.txt"
json 2 "rpm digests" "[x['verdict'] for x in r] == ['yes', 'failed']" \
    "sorted(f['digest'] + '  ' + f['path'] for f in r[0]['files']) == sorted(open('$work/digests.txt').read().splitlines())" \
    "len(r[0]['files']) == 3" -- rpm digests --json --keyring rsa2048.asc rsa2048.rpm "$bad_name"

# trust add: added, refused (weak digests), unreadable; the text form has a verdict line each.
json 2 "trust add" "[x['verdict'] for x in r] == ['yes', 'no', 'failed']" "r[0]['nevra'] == '$nevra'" \
    "d['added'] == 1 and d['refused'] == 2" "r[1]['name'] == 'md5.rpm'" "r[2]['name'] == '''$bad_name'''" \
    -- trust add --json --db "$db" --keyring rsa2048.asc rsa2048.rpm md5.rpm "$bad_name"
rc=0; "$umd" "${mode[@]}" trust add --db "$db" --keyring rsa2048.asc other.rpm "$bad_name" rsa2048.rpm >"$work/out" 2>"$work/err" || rc=$?
[ "$rc" = 2 ] || fail "trust add, text: exit $rc"
printf 'other.rpm: FAILED (rejected)\nbad\\x0aname.rpm: FAILED (bad_input)\nrsa2048.rpm: added %s\ntrust: added 1 package, refused 2\n' "$nevra" |
    diff - "$work/out" >&2 || fail "trust add, text: one verdict line per package, then the tally"
[ "$(grep -c '^umd: ' "$work/err")" = 2 ] || fail "trust add, text: the two reasons on stderr: $(cat "$work/err")"

# trust list, trust check (trusted, not trusted, unreadable; a line feed in a name).
json 0 "trust list" "[p['nevra'] for p in d['packages']] == ['$nevra']" "d['packages'][0]['signer'] == '$fpr'" \
    -- trust list --json --db "$db"
json 2 "trust check" "[x['verdict'] for x in r] == ['yes', 'no', 'failed']" \
    "r[0]['name'] == 'hello\ncopy.txt'" "r[0]['nevra'] == '$nevra'" "r[0]['path'] == '/usr/share/umdtest/hello.txt'" \
    "r[0]['digest'].startswith('sha256:')" "r[1]['vouchers'] == 0" "r[2]['error']['kind'] in ('io', 'not_found')" \
    -- trust check --json --db "$db" "hello
copy.txt" stranger.txt missing.txt

# trust remove: removed, then no such package.
json 0 "trust remove" "r[0]['name'] == '$nevra'" "r[0]['verdict'] == 'yes'" -- trust remove --json --db "$db" "$nevra"
json 2 "trust remove" "r[0]['verdict'] == 'failed'" -- trust remove --json --db "$db" "$nevra"

# status, sample write; reload and guard: a umdd without a guard (or none at all).
json 0 "status" "len(d['drivers']) >= 3" "all(x['error'] is None for x in d['drivers'])" -- status --json
json 0 "sample write" "d['offset'] == 5" -- sample write --json 5
json 2 "sample write" "d['error']['kind'] == 'invalid_argument'" -- sample write --json 131072
if [ -n "${UMD_SOCKET:-}" ]; then
    json 0 "reload" "'error' not in d" -- reload --json
else
    json 2 "reload" "d['error']['kind'] == 'not_found'" -- reload --json
fi
json 2 "guard status" "d['error']['kind'] == 'not_found'" -- guard status --json
json 2 "guard mode" "d['error']['kind'] == 'not_found'" -- guard mode --json permissive
if [ -n "${UMD_SOCKET:-}" ]; then   # a umdd that guards nothing answers for every file: not guarded, not trusted
    json 2 "guard check" "[x['verdict'] for x in r] == ['no', 'failed']" "r[0]['guarded'] is False" \
        "r[0]['digest'].startswith('sha256:')" "r[1]['name'] == 'missing\nfile'" -- guard check --json data "missing
file"
else
    json 2 "guard check" "d['error']['kind'] == 'not_found'" "r == []" -- guard check --json data
fi
# bpfilter eval: a namespace umdd holds no table for has the kernel's initial one (policy ACCEPT).
if [ -n "${UMD_SOCKET:-}" ]; then
    json 0 "bpfilter eval" "r[0]['target'] == 'ACCEPT'" "r[0]['policy'] is True" "r[0]['chain'] == 'INPUT'" \
        -- bpfilter eval --json --src 192.0.2.1 --dst 192.0.2.2 --sport 40000 --dport 22
else
    json 2 "bpfilter eval" "d['error']['kind'] == 'not_found'" "r == []" -- bpfilter eval --json
fi

# Every command with results offers --json (the list in docs/json.md).
for cmd in "pgp verify" "pgp show" "rpm verify" "rpm digests" "rpm show" "trust add" "trust remove" "trust list" \
           "trust check" "status" "reload" "guard status" "guard mode" "guard check" "sample write" "bpfilter eval"; do
    # shellcheck disable=SC2086
    "$umd" $cmd --help | grep -q -- '--json' || fail "umd $cmd has no --json"
done

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo PASS
