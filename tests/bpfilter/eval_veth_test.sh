#!/usr/bin/env bash
# tests/bpfilter/eval_veth_test.sh — `umd bpfilter eval` against what the kernel does to
# real packets. Two network namespaces this test creates (ip netns, deleted at the end)
# joined by a veth pair: "a" sends, "b" receives. The same ruleset goes into b's kernel
# filter table (iptables-legacy-restore) and, through the preload library, into the table
# umdd keeps for b. For each packet (tcp, udp and icmp; addresses with masks, ports and
# port ranges, multiport, iprange, interfaces, jumps, RETURN, gotos, policies, REJECT) a
# sends it from a chosen source address and port and sees what b's kernel did: delivered
# (an answer: ACCEPT), refused (connection refused or an ICMP error: REJECT) or nothing
# (DROP). umd bpfilter eval, asked about the same packet for b's namespace, must say the same.
# Usage: eval_veth_test.sh UMDD PRELOAD UMD
set -euo pipefail
umdd=$(realpath "$1")
preload=$(realpath "$2")
umd=$(realpath "$3")
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! command -v iptables-legacy-restore >/dev/null || ! command -v ip >/dev/null ||
    ! python3 -c "import jsonschema" 2>/dev/null; then
    echo "skipped: needs root, iptables-legacy, ip and python3 with jsonschema"
    exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/umd-bpfeval.XXXXXX")
a=umdeval-a-$$
b=umdeval-b-$$
pid=
server=
cleanup() {
    set +e   # every step runs, whatever the one before it answered (a killed server's status is 143)
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    ip netns del "$a" 2>/dev/null || true
    ip netns del "$b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export XTABLES_LOCKFILE="$work/xtables.lock"   # not the machine's /run/xtables.lock

ip netns add "$a"
ip netns add "$b"
# The veth pair is made inside the test's namespaces: the machine's own is never touched.
if ! ip -n "$a" link add veth-a type veth peer name veth-b netns "$b" 2>/dev/null; then
    echo "skipped: no veth pairs here"
    exit 77
fi
ip -n "$a" addr add 10.99.0.1/16 dev veth-a
for extra in 10.99.0.15 10.99.0.20 10.99.1.5; do ip -n "$a" addr add "$extra/16" dev veth-a; done
ip -n "$b" addr add 10.99.0.2/16 dev veth-b
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set veth-a up
ip -n "$b" link set veth-b up

cat > "$work/rules" <<'RULES'
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:admin - [0:0]
:blocked - [0:0]
:web - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -s 10.99.1.0/24 -j blocked
-A INPUT -p tcp -m tcp --dport 22 -j admin
-A INPUT -p tcp -m multiport --dports 80,443,8000:8009 -g web
-A INPUT -p udp -m udp --dport 53 -j ACCEPT
-A INPUT -p udp -m udp --sport 5000:5010 --dport 5353 -j ACCEPT
-A INPUT -p udp -m udp --dport 54 -j REJECT --reject-with icmp-port-unreachable
-A INPUT -p icmp -m icmp --icmp-type 8 -m iprange --src-range 10.99.0.10-10.99.0.20 -j DROP
-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT
-A INPUT ! -i veth+ -j DROP
-A INPUT -i veth+ -p tcp -m tcp --dport 7000 -j ACCEPT
-A INPUT -i eth+ -p tcp -m tcp --dport 7001 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 7002 -j REJECT --reject-with tcp-reset
-A INPUT -d 10.99.0.2/32 -p tcp -m tcp ! --dport 7000:7999 -j LOG --log-prefix "eval: "
-A admin -s 10.99.0.0/28 -j ACCEPT
-A admin -j RETURN
-A blocked -p icmp -j ACCEPT
-A blocked -j DROP
-A web -p tcp -m tcp --dport 443 -j ACCEPT
-A web -s 10.99.0.15/32 -j REJECT --reject-with icmp-port-unreachable
-A web -p tcp -m tcp --dport 8000:8004 -j ACCEPT
COMMIT
RULES

: > "$work/umdd.toml"
"$umdd" --foreground --config "$work/umdd.toml" --socket "$work/umdd.sock" --db "$work/trust" 2>"$work/umdd.log" &
pid=$!
for _ in $(seq 200); do [ -S "$work/umdd.sock" ] && break; sleep 0.05; done
[ -S "$work/umdd.sock" ] || { echo "umdd did not start:"; cat "$work/umdd.log"; exit 1; }
export UMD_SOCKET="$work/umdd.sock"

ip netns exec "$b" iptables-legacy-restore < "$work/rules"
ip netns exec "$b" env LD_PRELOAD="$preload" iptables-legacy-restore < "$work/rules"
kernel_save=$(ip netns exec "$b" iptables-legacy-save -t filter | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//')
umdd_save=$(ip netns exec "$b" env LD_PRELOAD="$preload" iptables-legacy-save -t filter | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//')
if [ "$kernel_save" != "$umdd_save" ]; then
    echo "FAIL: the kernel's and umdd's tables differ"
    diff <(echo "$kernel_save") <(echo "$umdd_save") || true
    exit 1
fi

# b answers on every port a case uses: TCP accepts, UDP echoes.
cat > "$work/server.py" <<'PY'
import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in map(int, sys.argv[1].split(",")):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", port)); t.listen(16); t.setblocking(False)
    sel.register(t, selectors.EVENT_READ, "tcp")
for port in map(int, sys.argv[2].split(",")):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", port))
    sel.register(u, selectors.EVENT_READ, "udp")
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        if key.data == "tcp":
            conn, _ = key.fileobj.accept(); conn.close()
        else:
            data, peer = key.fileobj.recvfrom(2048); key.fileobj.sendto(data, peer)
PY
# a sends one packet and says what became of it: ACCEPT, REJECT or DROP.
cat > "$work/send.py" <<'PY'
import os, socket, struct, sys, time
proto, src, sport, dst, dport = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
wait = 1.0
def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
try:
    if proto == "tcp":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, sport)); s.settimeout(wait); s.connect((dst, dport))
    elif proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, sport)); s.settimeout(wait); s.connect((dst, dport)); s.send(b"probe"); s.recv(64)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        s.bind((src, 0)); s.settimeout(wait)
        ident = os.getpid() & 0xffff
        head = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"probe..."
        s.sendto(head[:2] + struct.pack("!H", checksum(head)) + head[4:], (dst, 0))
        deadline = time.time() + wait
        while True:
            s.settimeout(max(0.01, deadline - time.time()))
            packet, peer = s.recvfrom(2048)
            kind = packet[(packet[0] & 15) * 4]
            if kind == 0 and peer[0] == dst: print("ACCEPT"); break
            if kind == 3: print("REJECT"); break
        sys.exit(0)
    print("ACCEPT")
except (ConnectionRefusedError, ConnectionResetError, OSError) as e:
    print("DROP" if isinstance(e, socket.timeout) else "REJECT")
PY
ip netns exec "$b" python3 "$work/server.py" 22,80,443,8003,8007,7000,7001,7002 53,54,5353 > "$work/server.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q ready "$work/server.out" 2>/dev/null && break; sleep 0.05; done

failures=0
count=0
# check PROTO SRC SPORT DPORT [IN]: the kernel's fate of the packet and umd's verdict agree.
check() {
    local proto=$1 src=$2 sport=$3 dport=$4 in=${5:-veth-b}
    local seen said
    seen=$(ip netns exec "$a" python3 "$work/send.py" "$proto" "$src" "$sport" 10.99.0.2 "$dport")
    local args=(--chain INPUT --proto "$proto" --src "$src" --dst 10.99.0.2 --in "$in" --json)
    [ "$proto" = icmp ] && args+=(--icmp-type 8) || args+=(--sport "$sport" --dport "$dport")
    local rc=0
    "$umd" bpfilter eval --netns "/run/netns/$b" "${args[@]}" > "$work/eval.out" 2> "$work/eval.err" || rc=$?
    count=$((count + 1))
    # The document is umd/1's (docs/json.md), and its exit status the command's.
    if ! python3 "$here/../cli/json_check.py" "$here/../../docs/schema/umd-1.json" "bpfilter eval" "$rc" \
            "$work/eval.out" "$work/eval.err"; then
        failures=$((failures + 1))
        return
    fi
    said=$(python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["target"], r["chain"], r["rule"], r["rule_text"])' < "$work/eval.out")
    if [ "${said%% *}" != "$seen" ]; then
        echo "FAIL $proto $src:$sport -> :$dport: the kernel did $seen, umd bpfilter eval says $said"
        failures=$((failures + 1))
    else
        echo "ok   $proto $src:$sport -> :$dport: $said"
    fi
}

check tcp 10.99.0.1 40001 22      # admin: 10.99.0.0/28 accepted
check tcp 10.99.0.20 40002 22     # admin: RETURN, then the policy
check tcp 10.99.0.1 40003 443     # goto web: accepted
check tcp 10.99.0.15 40004 80     # goto web: REJECT for this host
check tcp 10.99.0.1 40005 8003    # goto web: a port range
check tcp 10.99.0.1 40006 8007    # goto web, no rule: its RETURN goes past INPUT to the policy
check tcp 10.99.1.5 40007 22      # the blocked chain
check icmp 10.99.1.5 0 0          # the blocked chain accepts icmp
check icmp 10.99.0.1 0 0          # echo accepted
check icmp 10.99.0.15 0 0         # iprange: dropped
check icmp 10.99.0.20 0 0         # iprange: its upper bound is inside
check udp 10.99.0.1 40008 53
check udp 10.99.0.1 5005 5353     # a source port range
check udp 10.99.0.1 6000 5353     # outside it: the policy
check udp 10.99.0.1 40009 54      # REJECT with an ICMP error
check tcp 10.99.0.1 40010 7000    # an interface wildcard
check tcp 10.99.0.1 40011 7001    # another interface's rule: the policy
check tcp 10.99.0.1 40012 7002    # REJECT with a TCP reset
# Asked from inside b's namespace instead of with --netns: the same table.
inside=$(ip netns exec "$b" "$umd" bpfilter eval --chain INPUT --proto tcp --src 10.99.0.1 --dst 10.99.0.2 --sport 1 --dport 22 --in veth-b) && rc=0 || rc=$?
if [ "$rc" -ne 0 ] || ! grep -q '^ACCEPT by rule 1 of chain admin' <<<"$inside"; then
    echo "FAIL: asked inside the namespace: exit $rc, $inside"
    failures=$((failures + 1))
fi
# A dropped packet is exit 1; a bad description is exit 2.
"$umd" bpfilter eval --netns "/run/netns/$b" --chain INPUT --proto tcp --src 10.99.0.20 --dport 22 --in veth-b >/dev/null && rc=0 || rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: a dropped packet gave exit $rc"; failures=$((failures + 1)); }
"$umd" bpfilter eval --netns "/run/netns/$b" --chain INPUT --src 10.99.0.300 >/dev/null 2>&1 && rc=0 || rc=$?
[ "$rc" -eq 2 ] || { echo "FAIL: a bad address gave exit $rc"; failures=$((failures + 1)); }

echo "$count packets, $failures failures"
[ "$failures" -eq 0 ]
