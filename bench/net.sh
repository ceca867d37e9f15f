#!/bin/sh
# bench/net.sh: the cost of user-mode networking.
# Startup: `sbox --net slirp -- true` and `sbox --net pasta -- true` beside a hand-made baseline
# (bench/usernet-baseline.c: `unshare -Urn` plus the helper with the options sbox gives it, and
# nothing else), with sbox's overhead over it in percent; `sbox -- true` (net = none) for scale.
# Throughput: 1 GiB from the host into a server inside, through a published port, for each,
# with the server on every address (0.0.0.0) and on the sandbox's loopback (127.0.0.1: sbox's
# relay under slirp, pasta's splice); and again with BEFORE, an older sbox, for a comparison
# (where it cannot reach the server, it says so).
# Usage: bench/net.sh [SBOX [BEFORE]] (default ./sbox). Run it as a normal user.
set -eu
sbox=$(realpath "${1:-./sbox}")
before=${2:+$(realpath "$2")}
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-100}

. "$here/need.sh"
need hyperfine hyperfine
need slirp4netns slirp4netns
need pasta passt

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$out"
cc -O2 -o "$out/baseline" "$here/usernet-baseline.c"

hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/r.json" \
    -n "sbox --net slirp" "$sbox --net slirp -- true" \
    -n "baseline slirp" "$out/baseline slirp true" \
    -n "sbox --net pasta" "$sbox --net pasta -- true" \
    -n "baseline pasta" "$out/baseline pasta true" \
    -n "sbox --net none" "$sbox -- true"

python3 - "$out/r.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print()
for name in ("sbox --net slirp", "baseline slirp", "sbox --net pasta", "baseline pasta", "sbox --net none"):
    x = r[name]
    extra = ""
    if name.startswith("sbox --net") and name != "sbox --net none":
        base = r["baseline " + name.split()[-1]]["mean"]
        extra = f"   {100 * (x['mean'] - base) / base:+5.1f}% over the baseline"
    print(f"{name:20} {x['mean']*1e3:7.2f} ms ± {x['stddev']*1e3:5.2f}{extra}")
PY

# Throughput: the host sends 1 GiB to 127.0.0.1:PORT, published to a reader inside.
cat >"$out/sink.py" <<'PY'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5000)); s.listen(1); print("ready", flush=True)
c, _ = s.accept(); n = 0
while True:
    b = c.recv(1 << 20)
    if not b:
        break
    n += len(b)
print(n, flush=True)
PY
echo
# throughput SBOX LABEL NET ADDRESS
throughput() {
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    rm -f "$out/ready"
    mkfifo "$out/ready"
    "$1" --net "$3" --publish "$port:5000" -- python3 "$out/sink.py" "$4" >"$out/ready" &
    exec 7<"$out/ready"
    read -r _ <&7
    python3 - "$2 --net $3, server on $4" "$port" <<'PY' || kill $!
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
buf = b"x" * (1 << 20)
t = time.monotonic()
try:
    for _ in range(1024):
        c.sendall(buf)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
except OSError as e:
    print(f"{sys.argv[1]:40}: not reached ({type(e).__name__})")
    sys.exit(1)
dt = time.monotonic() - t
print(f"{sys.argv[1]:40}: 1 GiB through a published port in {dt:.2f} s ({1024 / dt:.0f} MiB/s)")
PY
    read -r got <&7 || got=0
    exec 7<&-
    wait || true
    [ "$got" = 1073741824 ] || echo "bench: the sandbox received $got bytes, not 1 GiB" >&2
}
for net in slirp pasta; do
    for address in 0.0.0.0 127.0.0.1; do
        throughput "$sbox" sbox "$net" "$address"
        [ -z "$before" ] || throughput "$before" before "$net" "$address"
    done
done
