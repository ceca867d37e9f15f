#!/bin/sh
# bench/capture.sh: what a captured directory costs, beside bubblewrap binding the same
# directory, in the same hyperfine runs:
#   - starting an empty sandbox: sbox with the project bound, sbox capturing it (the store
#     made, the empty capture walked and removed), bwrap binding it;
#   - a build that unpacks BENCH_FILES small files into the project: the same three, the capture
#     including its summary and records;
#   - then `sbox diff --stat` and `sbox apply` of such a capture, beside `cp -a` of the same
#     files (what landing them costs at least);
#   - `sbox diff` of a capture that changed BENCH_DIFF_FILES text files (three lines each),
#     beside `git diff` of the same changes in a repository and `git diff --no-index` of two
#     copies: one process each, the unified diffs written in it.
# Usage: bench/capture.sh [SBOX] (default ./sbox). Run it as a normal user. Settings:
# BENCH_RUNS (start-up runs, default 100), BENCH_BUILD_RUNS (build runs, default 10),
# BENCH_FILES (default 5000), BENCH_DIFF_FILES (default 100), BENCH_DIFF_RUNS (default 50).
set -eu
sbox=$(realpath "${1:-./sbox}")
runs=${BENCH_RUNS:-100}
build_runs=${BENCH_BUILD_RUNS:-10}
files=${BENCH_FILES:-5000}
diff_files=${BENCH_DIFF_FILES:-100}
diff_runs=${BENCH_DIFF_RUNS:-50}

. "$(dirname "$0")/need.sh"
need hyperfine hyperfine
need bwrap bubblewrap
need tar tar
need git git

# The project, the store and the tarball live under the home, on the file system a project
# would (a tmpfs /tmp may not hold an upper layer).
out=$(mktemp -d "$HOME/sbox-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT
proj=$out/proj
mkdir -p "$proj" "$out/src/gen"
i=0
while [ "$i" -lt "$files" ]; do
    echo "module $i" >"$out/src/gen/m$i.js"
    i=$((i + 1))
done
tar -C "$out/src" -cf "$out/files.tar" gen
XDG_STATE_HOME=$out/state
export XDG_STATE_HOME
store=$XDG_STATE_HOME/sbox/captures
cd "$proj"
bw="bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev --tmpfs /tmp --ro-bind $out $out --bind $proj $proj"
unpack="tar -xf $out/files.tar"

hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/start.json" \
    -n "sbox bind" "$sbox -- true" \
    -n "sbox capture" "$sbox --capture $proj -- true" \
    -n "bwrap bind" "$bw true"

# Each build starts from an empty project and an empty store.
reset="rm -rf $proj/gen $store"
hyperfine --shell=sh --warmup 1 --runs "$build_runs" --prepare "$reset" \
    --export-json "$out/build.json" \
    -n "sbox bind" "$sbox --ro-bind $out -- $unpack" \
    -n "sbox capture" "$sbox --ro-bind $out --capture $proj -- $unpack 2>/dev/null" \
    -n "bwrap bind" "$bw $unpack"

# One capture of the build, then reading and landing it.
rm -rf "$proj/gen" "$store"
"$sbox" --ro-bind "$out" --capture "$proj" -- $unpack 2>/dev/null
id=$(ls "$store")
hyperfine --shell=sh --warmup 1 --runs "$build_runs" --prepare "rm -rf $proj/gen $out/copy" \
    --export-json "$out/land.json" \
    -n "sbox diff --stat" "$sbox diff $id --stat >/dev/null" \
    -n "sbox apply" "$sbox apply $id 2>/dev/null" \
    -n "cp -a" "cp -a $out/src/gen $out/copy"

# A capture that changed text files (a line replaced, one added, one deleted in each of
# 200-line files), and the same changes in a git repository's working tree and in a copy.
review=$out/review
mkdir -p "$review/before"
i=0
while [ "$i" -lt "$diff_files" ]; do
    seq 1 200 | sed "s/^/line $i of the file: /" >"$review/before/f$i.txt"
    i=$((i + 1))
done
change='for f in f*.txt; do sed -i -e "10s/.*/changed/" -e "100a added" -e 190d "$f"; done'
cp -a "$review/before" "$review/repo"
git -C "$review/repo" init -q
git -C "$review/repo" add -A
git -C "$review/repo" -c user.name=bench -c user.email=bench@localhost commit -qm before
(cd "$review/repo" && sh -c "$change" && git update-index -q --refresh >/dev/null || true)
cp -a "$review/before" "$review/after"
(cd "$review/after" && sh -c "$change")
rm -rf "$store"
(cd "$review/before" && "$sbox" --capture "$review/before" -- sh -c "$change" 2>/dev/null)
id=$(ls "$store")
# Both write the same hunks (git adds a heading to the @@ lines): the review is the same work.
hunks() { grep '^[-+@]' | grep -v '^[-+][-+][-+] ' | sed 's/ @@ .*/ @@/' | sort; }
"$sbox" diff "$id" | hunks >"$review/sbox.hunks"
git -C "$review/repo" diff | hunks >"$review/git.hunks"
cmp -s "$review/sbox.hunks" "$review/git.hunks" || echo "bench: sbox diff and git diff differ" >&2
hyperfine -N -i --output=pipe --warmup 3 --runs "$diff_runs" --export-json "$out/review.json" \
    -n "sbox diff" "$sbox diff $id" \
    -n "git diff" "git -C $review/repo diff" \
    -n "git diff --no-index" "git diff --no-index $review/before $review/after"

python3 - "$out" "$files" "$diff_files" <<'PY'
import json, sys
out, files, diff_files = sys.argv[1], sys.argv[2], sys.argv[3]
def load(name):
    return {x["command"]: x for x in json.load(open(f"{out}/{name}.json"))["results"]}
def show(title, r, base, names):
    print(f"\n{title}")
    for n in names:
        x = r[n]
        print(f"  {n:18} {x['mean']*1e3:8.2f} ms ± {x['stddev']*1e3:6.2f}   {x['mean']/r[base]['mean']:5.2f}x {base}")
show("start an empty sandbox", load("start"), "bwrap bind", ("sbox bind", "sbox capture", "bwrap bind"))
show(f"unpack {files} files into the project", load("build"), "bwrap bind",
     ("sbox bind", "sbox capture", "bwrap bind"))
show(f"read and land a capture of {files} files", load("land"), "cp -a",
     ("sbox diff --stat", "sbox apply", "cp -a"))
show(f"review {diff_files} changed text files", load("review"), "git diff",
     ("sbox diff", "git diff", "git diff --no-index"))
PY
