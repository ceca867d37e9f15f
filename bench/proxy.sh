#!/bin/sh
# bench/proxy.sh: what allow-host costs.
# Start-up: `sbox --allow-host example.org -- true` beside `sbox -- true` (goal: at most 1.3x;
# no helper starts, pid 1 makes two sockets and sbox takes them); `-p node` (allow-host = @npm,
# npm's answer cached) beside `-p node --allow-host ''`.
# Throughput: 1 GiB from a server on the host's loopback, downloaded by curl inside the sandbox
# through the proxy (CONNECT, and plain HTTP forwarding) beside curl on the host straight to the
# server, and in `sbox --net host` (the same start-up, no proxy) (goal: at least 0.8x).
# Each is measured with hyperfine in ROUNDS rounds, the cases side by side in each, and the
# ratios are the medians of each round's: a machine that others share changes its speed within
# minutes, which one long run per case would take for sbox's.
# On loopback the direct path is nearly free, so as root the same downloads are also measured
# from a server in a network namespace the benchmark makes (a veth pair, 10.253.N.1 and
# 10.253.N.2/30 on it alone, removed at the end): both paths then cross a real interface.
# On 2 cores the unshaped namespace's link (over 2 GiB/s) makes the relay's CPU the limit: the
# proxy adds a second TCP connection (server to proxy, proxy to the client on the sandbox's
# loopback). As root the namespace is then also measured behind a link shaped to BENCH_LINK
# (default 2.5gbit, tc's tbf on the server's side; BENCH_LINK=0: not), the speed of a fast
# network, where the proxy should cost nothing.
# Usage: bench/proxy.sh [SBOX] (default ./sbox). Run it as a normal user, or as root for the
# namespace's figures too (BENCH_VETH=0: not). Nothing leaves the machine: the server's name is
# in a hosts file of the benchmark's own (--proxy-hosts).
set -eu
sbox=$(realpath "${1:-./sbox}")
here=$(cd "$(dirname "$0")" && pwd)
rounds=${BENCH_ROUNDS:-5}
runs=${BENCH_RUNS:-20}
big_runs=${BENCH_BIG_RUNS:-2}

. "$here/need.sh"
need hyperfine hyperfine
need curl curl

veth=${BENCH_VETH:-$([ "$(id -u)" = 0 ] && echo 1 || echo 0)}
ns=sbox-bench-$$
net=10.253.$(($$ % 250)) # a /30 of the veth pair's own
out=$(mktemp -d)
trap 'exec 9>&- 8>&- 2>/dev/null; [ "$veth" = 1 ] && ip netns del "$ns" 2>/dev/null; rm -rf "$out"' EXIT
cd "$out"

# A server that answers any request with 1 GiB (sendfile from a sparse file).
truncate -s 1G "$out/big"
cat >"$out/server.py" <<'PY'
import os, socket, sys, threading
path = sys.argv[1]
size = os.path.getsize(path)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[2], 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
def serve(c):
    with c, open(path, "rb") as f:
        head = b""
        while b"\r\n\r\n" not in head:
            more = c.recv(4096)
            if not more:
                return
            head += more
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size)
        c.sendfile(f)
def accept():
    while True:
        threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
threading.Thread(target=accept, daemon=True).start()
sys.stdin.read()
PY
mkfifo "$out/in" "$out/port"
python3 "$out/server.py" "$out/big" 127.0.0.1 <"$out/in" >"$out/port" &
exec 9>"$out/in"
read -r port <"$out/port"
printf '127.0.0.1 big.test\n' >"$out/hosts"
px="--proxy-hosts $out/hosts --host-loopback yes --allow-host big.test:$port"
get="curl -sS -o /dev/null"
# The file's pages in the page cache before anything is timed.
$get --noproxy '*' "http://127.0.0.1:$port/"

# The same server in a namespace of its own, behind a veth pair.
if [ "$veth" = 1 ]; then
    need ip iproute2
    ip netns add "$ns"
    ip link add "sbxb$$" type veth peer name "sbxn$$"
    ip link set "sbxn$$" netns "$ns"
    ip addr add "$net.1/30" dev "sbxb$$"
    ip link set "sbxb$$" up
    ip -n "$ns" addr add "$net.2/30" dev "sbxn$$"
    ip -n "$ns" link set "sbxn$$" up
    ip -n "$ns" link set lo up
    mkfifo "$out/in2" "$out/port2"
    ip netns exec "$ns" python3 "$out/server.py" "$out/big" "$net.2" <"$out/in2" >"$out/port2" &
    exec 8>"$out/in2"
    read -r vport <"$out/port2"
    printf '%s.2 big.test\n' "$net" >"$out/vhosts"
    # 10/8 is private: the proxy reaches it only with allow-private.
    vpx="--proxy-hosts $out/vhosts --allow-private yes --allow-host big.test:$vport"
    $get --noproxy '*' "http://$net.2:$vport/"
fi
link=${BENCH_LINK:-2.5gbit}
[ "$veth" = 1 ] || link=0

r=1
while [ "$r" -le "$rounds" ]; do
    echo "round $r of $rounds" >&2
    hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$out/start-$r.json" \
        -n plain "$sbox -- true" \
        -n allow-host "$sbox --allow-host example.org -- true" \
        -n node-offline "$sbox -p $here/../profiles/node.ini --allow-host '' -- true" \
        -n node "$sbox -p $here/../profiles/node.ini -- true" >/dev/null
    hyperfine -N --style none --runs "$big_runs" --export-json "$out/big-$r.json" \
        -n host "$get --noproxy * http://127.0.0.1:$port/" \
        -n net-host "$sbox --net host -- $get --noproxy * http://127.0.0.1:$port/" \
        -n connect "$sbox $px -- $get -p http://big.test:$port/" \
        -n plain-http "$sbox $px -- $get http://big.test:$port/" >/dev/null 2>&1
    if [ "$veth" = 1 ]; then
        hyperfine -N --style none --runs "$big_runs" --export-json "$out/veth-$r.json" \
            -n host "$get --noproxy * http://$net.2:$vport/" \
            -n net-host "$sbox --net host -- $get --noproxy * http://$net.2:$vport/" \
            -n connect "$sbox $vpx -- $get -p http://big.test:$vport/" \
            -n plain-http "$sbox $vpx -- $get http://big.test:$vport/" >/dev/null 2>&1
    fi
    if [ "$link" != 0 ]; then
        ip netns exec "$ns" tc qdisc replace dev "sbxn$$" root tbf rate "$link" burst 1mb \
            latency 50ms
        hyperfine -N --style none --runs "$big_runs" --export-json "$out/link-$r.json" \
            -n host "$get --noproxy * http://$net.2:$vport/" \
            -n net-host "$sbox --net host -- $get --noproxy * http://$net.2:$vport/" \
            -n connect "$sbox $vpx -- $get -p http://big.test:$vport/" \
            -n plain-http "$sbox $vpx -- $get http://big.test:$vport/" >/dev/null 2>&1
        ip netns exec "$ns" tc qdisc del dev "sbxn$$" root
    fi
    r=$((r + 1))
done

python3 - "$out" "$rounds" "$veth" "$link" <<'PY'
import json, statistics, sys
out, rounds, veth, link = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
def load(kind):
    return [{x["command"]: x for x in json.load(open(f"{out}/{kind}-{r}.json"))["results"]}
            for r in range(1, rounds + 1)]
start = load("start")
med = lambda xs: statistics.median(xs)
plain = med([r["plain"]["mean"] for r in start])
allow = med([r["allow-host"]["mean"] for r in start])
ratio = med([r["allow-host"]["mean"] / r["plain"]["mean"] for r in start])
print(f"start-up (median of {rounds} rounds): sbox -- true {plain * 1e3:.2f} ms, "
      f"--allow-host {allow * 1e3:.2f} ms: {ratio:.2f}x (goal: at most 1.3x)")
node = med([r["node"]["mean"] for r in start])
offline = med([r["node-offline"]["mean"] for r in start])
ratio = med([r["node"]["mean"] / r["node-offline"]["mean"] for r in start])
print(f"-p node (allow-host = @npm, its answer cached) {node * 1e3:.2f} ms, with --allow-host '' "
      f"{offline * 1e3:.2f} ms: {ratio:.2f}x")
names = {"host": "direct, curl on the host", "net-host": "direct, sbox --net host",
         "connect": "proxy, CONNECT (curl -p)", "plain-http": "proxy, plain HTTP"}
for kind, title in (("big", "loopback"), ("veth", "veth, a namespace's server"),
                    ("link", f"the same behind a {link} link")):
    if (kind == "veth" and not veth) or (kind == "link" and link == "0"):
        continue
    big = load(kind)
    print(f"{title}:")
    for key, name in names.items():
        t = med([r[key]["mean"] for r in big])
        line = f"  {name:26} 1 GiB in {t:.2f} s ({1024 / t:.0f} MiB/s)"
        if key in ("connect", "plain-http"):
            vs_host = med([r["host"]["mean"] / r[key]["mean"] for r in big])
            vs_net = med([r["net-host"]["mean"] / r[key]["mean"] for r in big])
            line += f"  {vs_host:.2f}x the host's, {vs_net:.2f}x sbox --net host's"
        print(line)
print("throughput goal: at least 0.8x")
PY
