#!/usr/bin/env bash
# tests/bpfilter/iptables_test.sh — an unmodified iptables-legacy served by umdd through
# libumd-bpfilter-preload.so, against the kernel's own ip_tables. Each command sequence
# runs twice, each time in a network namespace of its own (unshare -n): once through the
# preload library and a umdd this test starts, once against the kernel. The
# iptables-legacy-save outputs must be equal (its comment lines aside). The machine's own
# tables are never touched. The save names no table: it lists the tables the preload
# library reports in /proc/net/ip_tables_names, as the kernel lists its own.
# Usage: iptables_test.sh UMDD PRELOAD
set -euo pipefail
umdd=$(realpath "$1")
preload=$(realpath "$2")
if [ "$(id -u)" -ne 0 ] || ! command -v iptables-legacy >/dev/null || ! unshare -n true 2>/dev/null; then
    echo "skipped: needs root, network namespaces and iptables-legacy (Debian's iptables package)"
    exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/umd-bpfilter.XXXXXX")
pid=
cleanup() {
    set +e   # a killed umdd's status must not end the cleanup before the directory goes
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export XTABLES_LOCKFILE="$work/xtables.lock"   # not the machine's /run/xtables.lock
: > "$work/umdd.toml"
"$umdd" --foreground --config "$work/umdd.toml" --socket "$work/umdd.sock" --db "$work/trust" 2>"$work/umdd.log" &
pid=$!
for _ in $(seq 200); do [ -S "$work/umdd.sock" ] && break; sleep 0.05; done
[ -S "$work/umdd.sock" ] || { echo "umdd did not start:"; cat "$work/umdd.log"; exit 1; }

failures=0
# compare NAME SCRIPT: SCRIPT (iptables-legacy commands, one per line) then a save, both ways.
compare() {
    local name=$1 script=$2
    printf '%s\niptables-legacy-save\n' "$script" > "$work/$name.sh"
    # Through umdd, the kernel's own table in that namespace must stay empty: proof that
    # the preload library, not the kernel, served the commands.
    printf '. %s\nunset LD_PRELOAD\necho "kernel rules: $(iptables-legacy-save -t filter | grep -c "^-A" || true)"\n' "$work/$name.sh" > "$work/$name.via.sh"
    local via kernel
    via=$(UMD_SOCKET="$work/umdd.sock" LD_PRELOAD="$preload" unshare -n sh -e "$work/$name.via.sh" 2>&1 | grep -v '^#') || true
    kernel=$(unshare -n sh -e "$work/$name.sh" 2>&1 | grep -v '^#') || true
    if ! grep -q '^kernel rules: 0$' <<<"$via"; then
        echo "FAIL $name: the kernel's table was written, not umdd's: $(tail -1 <<<"$via")"
        failures=$((failures + 1))
    fi
    via=$(grep -v '^kernel rules: ' <<<"$via")
    if [ "$via" != "$kernel" ]; then
        echo "FAIL $name: through umdd and in the kernel the tables differ"
        diff <(echo "$kernel") <(echo "$via") || true
        failures=$((failures + 1))
    else
        echo "ok   $name ($(grep -c '^-A' <<<"$via") rules)"
    fi
}

compare append 'iptables-legacy -A INPUT -p tcp --dport 22 -j ACCEPT
iptables-legacy -A INPUT -p udp --dport 53 -j ACCEPT
iptables-legacy -A INPUT -p icmp --icmp-type echo-request -j DROP'
compare chains 'iptables-legacy -N custom
iptables-legacy -A custom -s 10.0.0.0/8 -j DROP
iptables-legacy -A custom -j RETURN
iptables-legacy -A INPUT -j custom
iptables-legacy -N other
iptables-legacy -A FORWARD -g other
iptables-legacy -E other renamed
iptables-legacy -P FORWARD DROP'
compare insert-delete 'iptables-legacy -A INPUT -p tcp --dport 80 -j ACCEPT
iptables-legacy -I INPUT 1 -p tcp --dport 443 -j ACCEPT
iptables-legacy -R INPUT 2 -p tcp --dport 8080 -j ACCEPT
iptables-legacy -A INPUT -s 192.0.2.1 -j DROP
iptables-legacy -D INPUT 1
iptables-legacy -D INPUT -s 192.0.2.1 -j DROP'
compare extensions 'iptables-legacy -A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment web -j ACCEPT
iptables-legacy -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
iptables-legacy -A INPUT -m state --state INVALID -j DROP
iptables-legacy -A INPUT -m mark --mark 0x1/0xff -j ACCEPT
iptables-legacy -A INPUT -m iprange --src-range 10.0.0.1-10.0.0.9 -j DROP
iptables-legacy -A INPUT -p tcp -j REJECT --reject-with tcp-reset
iptables-legacy -A INPUT -j LOG --log-prefix "in: " --log-level 6
iptables-legacy -A INPUT -p tcp --dport 25 -m limit --limit 5/min --limit-burst 7 -j ACCEPT
iptables-legacy -A INPUT -m limit --limit 3/hour -j LOG
iptables-legacy -A OUTPUT -j MARK --set-mark 7'
compare flush-delete 'iptables-legacy -N gone
iptables-legacy -A gone -j ACCEPT
iptables-legacy -A INPUT -j ACCEPT
iptables-legacy -F
iptables-legacy -X gone'
# Restores of generated files of 1 to 10 000 rules: addresses, ports, protocols, a user
# chain with jumps and RETURNs, every supported match and target in turn.
rules_file() {
    local count=$1 i
    echo '*filter'
    echo ':INPUT ACCEPT [0:0]'
    echo ':FORWARD DROP [0:0]'
    echo ':OUTPUT ACCEPT [0:0]'
    echo ':chk - [0:0]'
    for i in $(seq 1 "$count"); do
        local net="10.$((i / 65536 % 256)).$((i / 256 % 256)).$((i % 256))"
        case $((i % 8)) in
            0) echo "-A INPUT -s $net/32 -p tcp --dport $((1000 + i % 60000)) -j ACCEPT" ;;
            1) echo "-A INPUT -d $net/24 -p udp --sport $((i % 65000 + 1)):65535 -j DROP" ;;
            2) echo "-A FORWARD -i eth$((i % 4)) -o veth+ -p icmp --icmp-type echo-request -j ACCEPT" ;;
            3) echo "-A chk -p tcp -m multiport --dports $((i % 1000 + 1)),$((i % 1000 + 2000)) -m comment --comment r$i -j RETURN" ;;
            4) echo "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -m mark --mark $((i % 16))/0xff -j chk" ;;
            5) echo "-A INPUT -m iprange --src-range 192.168.$((i % 256)).1-192.168.$((i % 256)).9 -j REJECT --reject-with icmp-host-prohibited" ;;
            6) echo "-A OUTPUT -p tcp --tcp-flags SYN,ACK SYN -j LOG --log-prefix r$i --log-level 4" ;;
            7) echo "-A OUTPUT -m state --state NEW -j MARK --set-xmark $((i % 256))/0xffffffff" ;;
        esac
    done
    echo 'COMMIT'
}
for count in 1 10 100 1000 10000; do
    rules_file "$count" > "$work/rules-$count.txt"
    compare "restore-$count" "iptables-legacy-restore < $work/rules-$count.txt"
done

# Without a umdd: a clear line on stderr and iptables' missing-module answer.
out=$(UMD_SOCKET="$work/none.sock" LD_PRELOAD="$preload" unshare -n iptables-legacy -L 2>&1) && { echo "FAIL: iptables worked without umdd"; failures=$((failures + 1)); }
grep -q "umd-bpfilter: no umdd at" <<<"$out" || { echo "FAIL: no message without umdd: $out"; failures=$((failures + 1)); }
grep -q "Table does not exist" <<<"$out" || { echo "FAIL: not the missing-table answer: $out"; failures=$((failures + 1)); }

if [ "$failures" -ne 0 ]; then
    echo "umdd's log:"
    tail -20 "$work/umdd.log"
    exit 1
fi
echo "all iptables-legacy sequences agree with the kernel"
