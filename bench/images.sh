#!/bin/sh
# bench/images.sh: times sbox with an image root beside bubblewrap, then unpacking a tarball of
# small files through a writable overlay beside the same unpacking on the host's tmpfs, and
# prints the ratios against the project's targets:
#   - `sbox --rootfs` starts within 1.0x of `bwrap --ro-bind ROOTFS /`;
#   - `--overlay tmpfs` (native overlayfs) adds under 1 ms to `--rootfs`;
#   - unpacking through `--overlay tmpfs` (native) takes within 1.7x of the host's tmpfs;
#   - `sbox --image` of a 5-layer image in sbox's store starts within 1.1x of bwrap on the
#     same tree flattened (the first run after the import is timed too, alone: before any kept
#     user namespace exists, and again after a second import, with the one the first started).
# sbox's ranged runs nest in the user namespace a keeper holds (userns-keep): the bench has a
# runtime directory of its own, so its keepers are its own (ended at the end), and times
# --userns-keep none beside (a namespace mapped by newuidmap and newgidmap at every start).
# fuse-overlayfs is timed too and printed beside them, without a target.
# Usage: bench/images.sh [SBOX] (default ./sbox). Run it as a normal user with /etc/subuid and
# /etc/subgid ranges: the image is made by `sbox import`, which keeps its owners through them.
# Settings: BENCH_RUNS (start-up runs per pass, default 100), BENCH_TAR_RUNS (unpacking runs
# per pass, default 8), BENCH_FILES (files in the tarball, default 20000), BENCH_TMPFS (the
# host's tmpfs to unpack on, default /dev/shm). About 2 minutes on 2 cores, half of it
# fuse-overlayfs unpacking.
set -eu
sbox=$(realpath "${1:-./sbox}")
here=$(dirname "$(realpath "$0")")
runs=${BENCH_RUNS:-100}
tar_runs=${BENCH_TAR_RUNS:-8}
files=${BENCH_FILES:-20000}

. "$(dirname "$0")/need.sh"
need hyperfine hyperfine
need bwrap bubblewrap
need busybox busybox-static
need python3 python3
need tar tar
if [ "$(id -u)" = 0 ]; then
    echo "bench: run this as a normal user with subordinate id ranges, not as root" >&2
    exit 1
fi

out=$(mktemp -d)
shm=$(mktemp -d "${BENCH_TMPFS:-/dev/shm}/sbox-bench.XXXXXX")
root=$out/root
cleanup() {
    # The bench's keepers of the kept user namespace: the processes holding its directory.
    for p in $(pgrep -u "$(id -u)" -x sbox-userns); do
        for f in /proc/"$p"/fd/*; do
            [ "$(readlink "$f" 2>/dev/null)" = "$out/run/sbox" ] && kill "$p" 2>/dev/null
        done
    done
    # The image holds files of the caller's subordinate ids: only root of a namespace with the
    # same ranges can remove them (with --uid 0, sbox maps them when the caller has any).
    if [ -d "$root" ]; then
        "$sbox" --uid 0 --userns-keep none --cwd none --bind "$out:/w" -- rm -rf /w/root || true
    fi
    if [ -d "$out/data" ]; then
        XDG_DATA_HOME="$out/data" "$sbox" image rm bench5 >/dev/null 2>&1 || true
    fi
    rm -rf "$out" "$shm"
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM
if [ "$(stat -f -c %T "$shm")" != tmpfs ]; then
    echo "bench: ${BENCH_TMPFS:-/dev/shm} is not a tmpfs: set BENCH_TMPFS to one you can write" >&2
    exit 1
fi

# The busybox test image (the host's busybox-static, so the same tar runs on both sides).
python3 "$here/../tests/helpers/mkimage.py" "$out/image.tar"
if ! "$sbox" import "$out/image.tar" "$root" >"$out/import.log" 2>&1; then
    cat "$out/import.log" >&2
    exit 1
fi
# The same tree as a stored image of 5 layers (the tarball, then 4 layers of one file each) in
# a store of the benchmark's own; $root holds the same files flattened, bar those 4.
export XDG_DATA_HOME="$out/data"
mkdir -m 700 "$out/run"
export XDG_RUNTIME_DIR="$out/run"
python3 - "$out/image.tar" "$out/layout" <<'PY'
import hashlib, io, json, os, sys, tarfile
src, lay = sys.argv[1], sys.argv[2]
os.makedirs(lay + "/blobs/sha256")
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{lay}/blobs/sha256/{d}", "wb").write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
layers = [open(src, "rb").read()]
for i in range(1, 5):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        ti = tarfile.TarInfo(f"etc/layer{i}")
        ti.size = 2
        t.addfile(ti, io.BytesIO(b"%d\n" % i))
    layers.append(b.getvalue())
descs = [dict(blob(l), mediaType="application/vnd.oci.image.layer.v1.tar") for l in layers]
config = {"architecture": {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine,
          os.uname().machine), "os": "linux",
          "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in descs]},
          "config": {"Env": ["PATH=/bin"]}}
cd = dict(blob(json.dumps(config).encode()), mediaType="application/vnd.oci.image.config.v1+json")
man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
       "config": cd, "layers": descs}
md = dict(blob(json.dumps(man).encode()), mediaType="application/vnd.oci.image.manifest.v1+json",
          annotations={"org.opencontainers.image.ref.name": "bench"})
json.dump({"schemaVersion": 2, "manifests": [md]}, open(lay + "/index.json", "w"))
open(lay + "/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
PY
if ! "$sbox" image import "oci:$out/layout:bench" bench5 >"$out/import.log" 2>&1; then
    cat "$out/import.log" >&2
    exit 1
fi
# The first run after the import, alone: nothing of the layers is in the kernel's caches but
# what the import left there. No kept user namespace exists yet (this run starts one); then the
# image is imported again (its layers unpacked anew) and its first run timed with the kept one.
time_one() {
    python3 -c 'import subprocess, sys, time
t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True); print(time.perf_counter() - t)' \
        "$sbox" --cwd none --image bench5 -- /bin/true
}
first=$(time_one)
# The keeper the first run started, listening (at most 10 s).
i=0
while [ ! -S "$out/run/sbox/userns" ] && [ "$i" -lt 200 ]; do
    sleep 0.05
    i=$((i + 1))
done
"$sbox" image rm bench5 >/dev/null
"$sbox" image prune >/dev/null
if ! "$sbox" image import "oci:$out/layout:bench" bench5 >"$out/import.log" 2>&1; then
    cat "$out/import.log" >&2
    exit 1
fi
first_kept=$(time_one)
rm -f "$out/image.tar"
# What a read-only --rootfs mounts as the root: the kernel's overlay, or the image bound as it is
# (the file system type of the mountinfo line whose fifth field is "/").
fstype='s|^[^ ]* [^ ]* [^ ]* [^ ]* / .* - \([^ ]*\) .*|\1|p'
rootfs_fs=$("$sbox" --cwd none --rootfs "$root" -- /bin/sed -n "$fstype" /proc/self/mountinfo)

# 1. Start-up. Every sandbox runs /bin/true of the same image. sbox gets --cwd none: bwrap binds
# nothing but the image either, and sbox would otherwise bind the current directory into it.
# sbox's default for an image maps the caller's subordinate ranges (newuidmap and newgidmap run
# on every start); bwrap maps one id, so `--userns single` is timed too, as the like-for-like
# case. A read-only --rootfs is itself normally a native overlay (a throwaway upper, made
# read-only; the summary says what it was), so the overlay lines differ from it only by that
# upper staying writable, and by the driver. The machine drifts by a millisecond or two over a
# run, more than the 1 ms target: every command but fuse-overlayfs runs twice, in mirrored order
# (A B C D E D C B A), and the two passes are pooled, so a steady drift cancels out. A shared
# machine also slows down and speeds up by tens of percent for minutes at a time: the runs are
# split into BENCH_ROUNDS rounds (default 5), and the targets are the medians of each round's
# ratios to bwrap, which such a change does not shift; the table pools every round.
img="$sbox --cwd none --rootfs $root"
bwrap_true="bwrap --unshare-all --ro-bind $root / --proc /proc --dev /dev /bin/true"
rounds=${BENCH_ROUNDS:-5}
round=0
while [ "$round" -lt "$rounds" ]; do
round=$((round + 1))
hyperfine -N --warmup 10 --runs $(((runs + rounds - 1) / rounds)) \
    --export-json "$out/start.$round.json" \
    -n bwrap "$bwrap_true" \
    -n rootfs "$img -- /bin/true" \
    -n rootfs-single "$img --userns single -- /bin/true" \
    -n overlay-native "$img --overlay tmpfs --overlay-driver native -- /bin/true" \
    -n overlay-fuse "$img --overlay tmpfs --overlay-driver fuse -- /bin/true" \
    -n image5 "$sbox --cwd none --image bench5 -- /bin/true" \
    -n image5-single "$sbox --cwd none --image bench5 --userns single -- /bin/true" \
    -n image5-fresh "$sbox --cwd none --image bench5 --userns-keep none -- /bin/true" \
    -n image5-fresh#2 "$sbox --cwd none --image bench5 --userns-keep none -- /bin/true" \
    -n image5-single#2 "$sbox --cwd none --image bench5 --userns single -- /bin/true" \
    -n image5#2 "$sbox --cwd none --image bench5 -- /bin/true" \
    -n overlay-native#2 "$img --overlay tmpfs --overlay-driver native -- /bin/true" \
    -n rootfs-single#2 "$img --userns single -- /bin/true" \
    -n rootfs#2 "$img -- /bin/true" \
    -n bwrap#2 "$bwrap_true"
done

# 2. Unpacking $files small files in 100 directories (a source tree, a package's payload), made
# here by GNU tar with numeric owners, unpacked by busybox tar without restoring owners or modes
# (-o --no-same-permissions: root inside would otherwise chmod every file, which the host's
# unprivileged tar does not, so both sides make the same system calls), in every case from the
# same tarball, into a tmpfs:
#   host:         the host's tmpfs ($shm), emptied before each run by --prepare (untimed);
#   sbox-tmpfs:   the sandbox's own /tmp (a plain tmpfs) in the read-only image: sbox's start-up,
#                 namespaces and freeing the files at exit, without an overlay: the control;
#   native, fuse: the image root itself with --overlay tmpfs, whose upper is a tmpfs.
# The sandbox lines include the start-up (tens of ms) and freeing the upper when the sandbox
# ends (it goes with it, so they need no cleaning). host and native run twice, mirrored.
mkdir -p "$out/src/files"
(
    cd "$out/src/files"
    i=0
    while [ "$i" -lt 100 ]; do
        mkdir "$(printf d%02d "$i")"
        i=$((i + 1))
    done
    awk -v n="$files" 'BEGIN { for (i = 0; i < n; i++) {
        f = sprintf("d%02d/f%05d", i % 100, i)
        printf "file %d of the benchmark\n", i > f
        close(f) } }'
)
tar --numeric-owner --owner=0 --group=0 -cf "$out/files.tar" -C "$out/src" files
rm -rf "$out/src"
host_untar="busybox tar -xof $out/files.tar --no-same-permissions -C $shm"
untar="--ro-bind $out/files.tar:/files.tar -- /bin/busybox tar -xof /files.tar"
untar="$untar --no-same-permissions"
native="$img --overlay tmpfs --overlay-driver native"
hyperfine -N --warmup 1 --runs "$tar_runs" --export-json "$out/tar.json" \
    --prepare "rm -rf $shm/files" -n host "$host_untar" \
    --prepare true -n native "$native $untar -C /" \
    --prepare true -n sbox-tmpfs "$img $untar -C /tmp" \
    --prepare true -n fuse "$img --overlay tmpfs --overlay-driver fuse $untar -C /" \
    --prepare true -n native#2 "$native $untar -C /" \
    --prepare "rm -rf $shm/files" -n host#2 "$host_untar"

python3 - "$out" "$out/tar.json" "$files" "$rootfs_fs" "$first" "$first_kept" <<'PY'
import glob, json, math, statistics, sys

def load(*paths):  # the runs of each command, its mirrored repetition (NAME#2) pooled in
    times = {}
    for path in paths:
        for x in json.load(open(path))["results"]:
            times.setdefault(x["command"].split("#")[0], []).extend(x["times"])
    return {k: (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.0, len(v))
            for k, v in times.items()}

rounds = [load(p) for p in sorted(glob.glob(sys.argv[1] + "/start.*.json"))]
start, untar = load(*sorted(glob.glob(sys.argv[1] + "/start.*.json"))), load(sys.argv[2])
files, rootfs_fs, first, first_kept = sys.argv[3], sys.argv[4], float(sys.argv[5]), float(sys.argv[6])

def table(title, r, base, rows):
    print(f"\n{title}")
    for name, note in rows:
        mean, sd, n = r[name]
        print(f"{name:15} {mean*1e3:8.2f} ms ± {sd*1e3:6.2f}  {mean/r[base][0]:6.2f}x {base}"
              f"  {n:3} runs{note}")

def ratio(r, name, base):  # the table's pooled ratio; the targets take round_ratio
    return r[name][0] / r[base][0]

def round_ratio(name, base):  # the median of the rounds' ratios
    return statistics.median(r[name][0] / r[base][0] for r in rounds)

def added(name):  # ms over plain --rootfs, with the standard error of the difference
    (a, sa, na), (b, sb, nb) = start[name], start["rootfs"]
    return (a - b) * 1e3, math.sqrt(sa * sa / na + sb * sb / nb) * 1e3

def target(what, value, good, aside):
    print(f"  {what:43} {value:16} {'met' if good else 'MISSED':6}  ({aside})")

table(f"start-up (a read-only --rootfs is mounted as: {rootfs_fs})", start, "bwrap",
      (("bwrap", ""), ("rootfs", ""), ("rootfs-single", "  (--userns single)"),
       ("overlay-native", "  (--overlay tmpfs)"), ("overlay-fuse", "  (--overlay tmpfs)"),
       ("image5", "  (--image, 5 layers, nested in the kept namespace)"),
       ("image5-fresh", "  (--image, --userns-keep none: newuidmap each time)"),
       ("image5-single", "  (--image, --userns single)")))
print(f"{'image5, first':15} {first*1e3:8.2f} ms            {first/start['bwrap'][0]:6.2f}x bwrap"
      "    1 run   (the first after the import, no kept namespace yet)")
print(f"{'image5, first':15} {first_kept*1e3:8.2f} ms            "
      f"{first_kept/start['bwrap'][0]:6.2f}x bwrap    1 run   (the first after an import, kept)")
table(f"unpacking {files} files onto tmpfs", untar, "host",
      (("host", "  (the host's tmpfs)"), ("sbox-tmpfs", "  (no overlay: /tmp in the image)"),
       ("native", "  (overlay = tmpfs)"), ("fuse", "  (overlay = tmpfs)")))

print(f"\ntargets (medians of {len(rounds)} rounds' ratios)")
r = round_ratio("rootfs", "bwrap")
target("--rootfs start-up within 1.0x bwrap", f"{r:.2f}x", r <= 1.0,
       f"--userns single: {round_ratio('rootfs-single', 'bwrap'):.2f}x")
d, err = added("overlay-native")
target("native overlay adds under 1 ms to --rootfs", f"{d:+.2f} ± {err:.2f} ms", d < 1.0,
       f"fuse: {added('overlay-fuse')[0]:+.2f} ms")
r = round_ratio("image5", "bwrap")
target("--image (5 layers) start-up within 1.1x bwrap", f"{r:.2f}x", r <= 1.1,
       f"--userns single: {round_ratio('image5-single', 'bwrap'):.2f}x, "
       f"--userns-keep none: {round_ratio('image5-fresh', 'bwrap'):.2f}x")
r = ratio(untar, "native", "host")
target("unpacking, native overlay, within 1.7x host", f"{r:.2f}x", r <= 1.7,
       f"fuse: {ratio(untar, 'fuse', 'host'):.2f}x")
PY
