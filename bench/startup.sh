#!/bin/sh
# bench/startup.sh: times starting an empty sandbox, sbox beside bubblewrap and unshare, in the
# same hyperfine run, and prints each one's time as a ratio of bubblewrap's.
# Usage: bench/startup.sh [SBOX] (default ./sbox). Run it as a normal user for the rootless case.
# bench/images.sh does the same for image roots (--rootfs) and overlays, and times unpacking a
# tarball through an overlay beside the host's tmpfs.
set -eu
sbox=$(realpath "${1:-./sbox}")
runs=${BENCH_RUNS:-200}

. "$(dirname "$0")/need.sh"
need hyperfine hyperfine
need bwrap bubblewrap

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$out" # a neutral working directory: sbox binds it, as it would a project

hyperfine -N --warmup 20 --runs "$runs" --export-json "$out/r.json" \
    -n sbox "$sbox -- true" \
    -n bwrap "bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev true" \
    -n unshare "unshare -Urmpf --mount-proc true"

python3 - "$out/r.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["bwrap"]["mean"]
print()
for name in ("sbox", "bwrap", "unshare"):
    x = r[name]
    print(f"{name:8} {x['mean']*1e3:7.2f} ms ± {x['stddev']*1e3:5.2f}   {x['mean']/base:5.2f}x bwrap")
PY
