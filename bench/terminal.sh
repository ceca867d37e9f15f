#!/bin/sh
# bench/terminal.sh: what the terminal relay costs.
# (a) Throughput: a 64 MB text file written to a terminal (script(1)'s pty) by `cat` in sbox,
#     whose relay copies the payload's pty to that terminal; beside the same file through two
#     script(1) relays (one inside the other: the same number of ptys and copies as sbox), and
#     through one (the floor: the terminal alone). Each prints MB/s and its ratio to one relay.
# (b) Start-up with no terminal involved (stdin, stdout and stderr /dev/null): sbox beside
#     `bwrap --dev-bind / / true`, in the same hyperfine run.
# Usage: bench/terminal.sh [SBOX] (default ./sbox). Run it as a normal user; make check does not.
# Settings: BENCH_RUNS (throughput runs, default 10), BENCH_START_RUNS (start-up runs, default
# 200), BENCH_MB (the file's size, default 64).
set -eu
sbox=$(realpath "${1:-./sbox}")
runs=${BENCH_RUNS:-10}
start_runs=${BENCH_START_RUNS:-200}
mb=${BENCH_MB:-64}

. "$(dirname "$0")/need.sh"
need hyperfine hyperfine
need bwrap bubblewrap
need script bsdutils
need python3 python3

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$out" # sbox binds the current directory: the file is seen inside at the same path
big=$out/big
# Lines of text, as a build's log would be (no escape sequence for a filter to take out).
yes 'the quick brown fox jumps over the lazy dog, 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ' |
    head -c $((mb * 1024 * 1024)) >"$big"

relay_sbox="script -qec '$sbox -- cat $big' /dev/null"
relay_two="script -qec \"script -qec 'cat $big' /dev/null\" /dev/null"
relay_one="script -qec 'cat $big' /dev/null"

# Every relay must pass the same bytes (the inner pty turns each newline into CR LF once; the
# outer one is raw while a relay runs), or the times compare different work.
for c in "$relay_sbox" "$relay_two" "$relay_one"; do
    printf '%s\n' "$(sh -c "$c" </dev/null | wc -c)"
done >"$out/bytes"
if [ "$(sort -u "$out/bytes" | wc -l)" != 1 ]; then
    echo "bench: the relays passed different byte counts (sbox, two scripts, one script):" >&2
    cat "$out/bytes" >&2
fi

hyperfine --shell=sh --warmup 2 --runs "$runs" --export-json "$out/t.json" \
    -n "sbox relay" "$relay_sbox >/dev/null" \
    -n "two relays" "$relay_two >/dev/null" \
    -n "one relay" "$relay_one >/dev/null" </dev/null

python3 - "$out/t.json" "$mb" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
mb = float(sys.argv[2])
base = r["one relay"]["mean"]
print()
for name in ("sbox relay", "two relays", "one relay"):
    x = r[name]
    print(f"{name:11} {x['mean']*1e3:8.1f} ms ± {x['stddev']*1e3:6.1f}   {mb/x['mean']:7.1f} MB/s"
          f"   {x['mean']/base:5.2f}x one relay")
PY

# Start-up with no terminal: hyperfine gives the commands /dev/null for output, and its own
# standard input (here /dev/null) for input.
hyperfine -N --warmup 20 --runs "$start_runs" --output=null --export-json "$out/s.json" \
    -n sbox "$sbox -- true" \
    -n bwrap "bwrap --dev-bind / / true" </dev/null

python3 - "$out/s.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["bwrap"]["mean"]
print()
for name in ("sbox", "bwrap"):
    x = r[name]
    print(f"{name:6} {x['mean']*1e3:7.2f} ms ± {x['stddev']*1e3:5.2f}   {x['mean']/base:5.2f}x bwrap")
PY
