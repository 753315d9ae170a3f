# tests/lib/gnupg_work.sh — a work directory with a GnuPG home of its own, for the shell
# tests that make keys and signatures at test time (sourced, not run).
#   gnupg_work             makes $work (removed at exit, gpg-agent ended first), exports
#                          GNUPGHOME inside it, and changes to $work; the caller's
#                          $on_exit (if set) runs first at exit
#   new_key UID ALGO [USAGE]   a key for UID ("name <mail>"), ALGO as gpg's
#                          --quick-gen-key takes it (ed25519, rsa2048), USAGE sign by default
gnupg_work() {
    command -v gpg >/dev/null || { echo "SKIP: gpg is not installed"; exit 77; }
    work=$(mktemp -d)
    trap 'eval "${on_exit:-}"; gpgconf --homedir "$work/gnupg" --kill all 2>/dev/null || true; rm -rf "$work"' EXIT
    export GNUPGHOME=$work/gnupg
    mkdir -m 700 "$GNUPGHOME"
    cd "$work"
}
new_key() {
    gpg --batch --quiet --passphrase '' --quick-gen-key "$1" "$2" "${3:-sign}" never 2>/dev/null
}
