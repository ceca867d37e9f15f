#!/bin/sh
# bench/startup.sh: times starting an empty sandbox, sbox beside bubblewrap and unshare, in the
# same hyperfine run, and prints each one's time as a ratio of bubblewrap's. Then the seccomp
# cases: sbox's default policy (compiled when sbox was built), a policy with a profile rule
# (compiled by libseccomp at start) and no filter, beside bubblewrap loading the same default
# program from a file (--seccomp FD, as bwrap users do with a precompiled filter).
# Usage: bench/startup.sh [SBOX] (default ./sbox, with ./gen-seccomp beside it). Run it as a
# normal user for the rootless case.
# bench/images.sh does the same for image roots (--rootfs) and overlays, and times unpacking a
# tarball through an overlay beside the host's tmpfs.
set -eu
sbox=$(realpath "${1:-./sbox}")
gen=$(dirname "$sbox")/gen-seccomp
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

# Seccomp. bwrap reads its filter from a descriptor, which each run must open afresh: every
# case here runs through `sh -c 'exec ...'`, so all pay the same shell start.
"$gen" --bpf default >"$out/default.bpf"
bw="bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev"
hyperfine --shell=sh --warmup 20 --runs "$runs" --export-json "$out/s.json" \
    -n "sbox default" "exec $sbox -- true" \
    -n "sbox default + rule" "exec $sbox --deny acct -- true" \
    -n "sbox none" "exec $sbox --seccomp none -- true" \
    -n "bwrap filter" "exec $bw --seccomp 3 true 3<$out/default.bpf" \
    -n "bwrap none" "exec $bw true"

python3 - "$out/s.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["bwrap filter"]["mean"]
print()
for name in ("sbox default", "sbox default + rule", "sbox none", "bwrap filter", "bwrap none"):
    x = r[name]
    print(f"{name:20} {x['mean']*1e3:7.2f} ms ± {x['stddev']*1e3:5.2f}   {x['mean']/base:5.2f}x bwrap with the same filter")
print(f"\nloading the filter: sbox {(r['sbox default']['mean'] - r['sbox none']['mean'])*1e3:+.2f} ms, "
      f"bwrap {(r['bwrap filter']['mean'] - r['bwrap none']['mean'])*1e3:+.2f} ms; "
      f"compiling a policy with a rule at start: "
      f"{(r['sbox default + rule']['mean'] - r['sbox default']['mean'])*1e3:+.2f} ms")
PY
