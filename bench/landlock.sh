#!/bin/sh
# bench/landlock.sh: what Landlock costs at start. An empty sandbox (`sbox -- true`) with
# landlock = off and landlock = required, beside bubblewrap, in the same hyperfine run, repeated
# in rounds; prints each round's means and the median of the rounds' differences (goal: under
# 0.3 ms). With isolation = landlock built in, its start is timed beside them too.
# Usage: bench/landlock.sh [SBOX] (default ./sbox). Run it as a normal user (rootless).
set -eu
sbox=$(realpath "${1:-./sbox}")
runs=${BENCH_RUNS:-100}
rounds=${BENCH_ROUNDS:-5}

. "$(dirname "$0")/need.sh"
need hyperfine hyperfine
need bwrap bubblewrap

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$out" # a neutral working directory: sbox binds it, as it would a project

degraded=""
if "$sbox" --isolation landlock --dry-run -- true >/dev/null 2>&1; then
    degraded=yes
fi
bw="bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev true"
i=0
while [ "$i" -lt "$rounds" ]; do
    i=$((i + 1))
    if [ -n "$degraded" ]; then
        hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/r$i.json" \
            -n off "$sbox --landlock off -- true" -n on "$sbox --landlock required -- true" \
            -n degraded "$sbox --isolation landlock -- true" -n bwrap "$bw" >/dev/null
    else
        hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/r$i.json" \
            -n off "$sbox --landlock off -- true" -n on "$sbox --landlock required -- true" \
            -n bwrap "$bw" >/dev/null
    fi
done

python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
diffs = []
for i in range(1, rounds + 1):
    r = {x["command"]: x["mean"] * 1e3 for x in json.load(open(f"{d}/r{i}.json"))["results"]}
    diffs.append(r["on"] - r["off"])
    line = "  ".join(f"{k} {v:6.2f} ms" for k, v in r.items())
    print(f"round {i}: {line}")
print(f"\nLandlock at start (on - off), median of {rounds} rounds: {statistics.median(diffs):+.3f} ms "
      f"(rounds: {', '.join(f'{x:+.2f}' for x in diffs)}; goal < 0.3 ms)")
PY
