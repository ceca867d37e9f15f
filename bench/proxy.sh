#!/bin/sh
# bench/proxy.sh: what allow-host costs.
# Start-up: `sbox --allow-host example.org -- true` beside `sbox -- true` (goal: at most 1.3x;
# no helper starts, pid 1 makes two sockets and sbox takes them).
# Throughput: 1 GiB from a server on the host's loopback, downloaded by curl inside the sandbox
# through the proxy (CONNECT, and plain HTTP forwarding) beside curl on the host straight to the
# server, and in `sbox --net host` (the same start-up, no proxy) (goal: at least 0.8x).
# Each is measured with hyperfine in ROUNDS rounds, the cases side by side in each, and the
# ratios are the medians of each round's: a machine that others share changes its speed within
# minutes, which one long run per case would take for sbox's.
# Usage: bench/proxy.sh [SBOX] (default ./sbox). Run it as a normal user. Nothing leaves the
# machine: the server's name is in a hosts file of the benchmark's own (--proxy-hosts).
set -eu
sbox=$(realpath "${1:-./sbox}")
here=$(cd "$(dirname "$0")" && pwd)
rounds=${BENCH_ROUNDS:-5}
runs=${BENCH_RUNS:-20}
big_runs=${BENCH_BIG_RUNS:-2}

. "$here/need.sh"
need hyperfine hyperfine
need curl curl

out=$(mktemp -d)
trap 'exec 9>&- 2>/dev/null; rm -rf "$out"' EXIT
cd "$out"

# A server that answers any request with 1 GiB (sendfile from a sparse file).
truncate -s 1G "$out/big"
cat >"$out/server.py" <<'PY'
import os, socket, sys, threading
path = sys.argv[1]
size = os.path.getsize(path)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
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
python3 "$out/server.py" "$out/big" <"$out/in" >"$out/port" &
exec 9>"$out/in"
read -r port <"$out/port"
printf '127.0.0.1 big.test\n' >"$out/hosts"
px="--proxy-hosts $out/hosts --host-loopback yes --allow-host big.test:$port"
get="curl -sS -o /dev/null"
# The file's pages in the page cache before anything is timed.
$get --noproxy '*' "http://127.0.0.1:$port/"

r=1
while [ "$r" -le "$rounds" ]; do
    echo "round $r of $rounds" >&2
    hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$out/start-$r.json" \
        -n plain "$sbox -- true" \
        -n allow-host "$sbox --allow-host example.org -- true" >/dev/null
    hyperfine -N --style none --runs "$big_runs" --export-json "$out/big-$r.json" \
        -n host "$get --noproxy * http://127.0.0.1:$port/" \
        -n net-host "$sbox --net host -- $get --noproxy * http://127.0.0.1:$port/" \
        -n connect "$sbox $px -- $get -p http://big.test:$port/" \
        -n plain-http "$sbox $px -- $get http://big.test:$port/" >/dev/null 2>&1
    r=$((r + 1))
done

python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def load(kind):
    return [{x["command"]: x for x in json.load(open(f"{out}/{kind}-{r}.json"))["results"]}
            for r in range(1, rounds + 1)]
start, big = load("start"), load("big")
med = lambda xs: statistics.median(xs)
plain = med([r["plain"]["mean"] for r in start])
allow = med([r["allow-host"]["mean"] for r in start])
ratio = med([r["allow-host"]["mean"] / r["plain"]["mean"] for r in start])
print(f"start-up (median of {rounds} rounds): sbox -- true {plain * 1e3:.2f} ms, "
      f"--allow-host {allow * 1e3:.2f} ms: {ratio:.2f}x (goal: at most 1.3x)")
names = {"host": "direct, curl on the host", "net-host": "direct, sbox --net host",
         "connect": "proxy, CONNECT (curl -p)", "plain-http": "proxy, plain HTTP"}
for key, name in names.items():
    t = med([r[key]["mean"] for r in big])
    line = f"{name:26} 1 GiB in {t:.2f} s ({1024 / t:.0f} MiB/s)"
    if key in ("connect", "plain-http"):
        vs_host = med([r["host"]["mean"] / r[key]["mean"] for r in big])
        vs_net = med([r["net-host"]["mean"] / r[key]["mean"] for r in big])
        line += f"  {vs_host:.2f}x the host's, {vs_net:.2f}x sbox --net host's"
    print(line)
print("throughput goal: at least 0.8x")
PY
