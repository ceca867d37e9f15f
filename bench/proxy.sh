#!/bin/sh
# bench/proxy.sh: what allow-host costs.
# Start-up: `sbox --allow-host example.org -- true` beside `sbox -- true` in the same hyperfine
# run (goal: at most 1.3x; no helper starts, pid 1 makes two sockets and sbox takes them).
# Throughput: 1 GiB from a server on the host's loopback, downloaded by curl inside the sandbox
# through the proxy (CONNECT, and plain HTTP forwarding) beside curl on the host straight to the
# server, and in `sbox --net host` (the same start-up, no proxy) (goal: at least 0.8x).
# Usage: bench/proxy.sh [SBOX] (default ./sbox). Run it as a normal user. Nothing leaves the
# machine: the server's name is in a hosts file of the benchmark's own (--proxy-hosts).
set -eu
sbox=$(realpath "${1:-./sbox}")
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-100}
big_runs=${BENCH_BIG_RUNS:-5}

. "$here/need.sh"
need hyperfine hyperfine
need curl curl

out=$(mktemp -d)
trap 'exec 9>&- 2>/dev/null; rm -rf "$out"' EXIT
cd "$out"

hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/start.json" \
    -n "sbox -- true" "$sbox -- true" \
    -n "sbox --allow-host example.org -- true" "$sbox --allow-host example.org -- true"

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
threading.Thread(target=lambda: [threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start() for _ in iter(int, 1)], daemon=True).start()
sys.stdin.read()
PY
mkfifo "$out/in" "$out/port"
python3 "$out/server.py" "$out/big" <"$out/in" >"$out/port" &
exec 9>"$out/in"
read -r port <"$out/port"
printf '127.0.0.1 big.test\n' >"$out/hosts"
px="--proxy-hosts $out/hosts --host-loopback yes --allow-host big.test:$port"
get="curl -sS -o /dev/null"

hyperfine -N --warmup 1 --runs "$big_runs" --export-json "$out/big.json" \
    -n "direct (curl on the host)" "$get --noproxy * http://127.0.0.1:$port/" \
    -n "direct (sbox --net host)" "$sbox --net host -- $get --noproxy * http://127.0.0.1:$port/" \
    -n "proxy, CONNECT (curl -p)" "$sbox $px -- $get -p http://big.test:$port/" \
    -n "proxy, plain HTTP" "$sbox $px -- $get http://big.test:$port/"

python3 - "$out/start.json" "$out/big.json" <<'PY'
import json, sys
start = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
big = {x["command"]: x for x in json.load(open(sys.argv[2]))["results"]}
plain, allow = start["sbox -- true"]["mean"], start["sbox --allow-host example.org -- true"]["mean"]
print()
print(f"start-up: sbox -- true {plain*1e3:.2f} ms, with allow-host {allow*1e3:.2f} ms: "
      f"{allow/plain:.2f}x (goal: at most 1.3x)")
host = big["direct (curl on the host)"]["mean"]
same = big["direct (sbox --net host)"]["mean"]
for name, x in big.items():
    mibs = 1024 / x["mean"]
    print(f"{name:28} 1 GiB in {x['mean']:.2f} s ± {x['stddev']:.2f} ({mibs:.0f} MiB/s)"
          + ("" if name.startswith("direct") else
             f"  {host / x['mean']:.2f}x the host's, {same / x['mean']:.2f}x sbox --net host's"))
print("goal: at least 0.8x")
PY
