#!/bin/sh
# Resource limits: the exact rlimits (nofile, fsize, cpu-time, core), and memory and pids
# through the sandbox's cgroup where the caller may make one, else through rlimits with one
# line saying so (or, with limits-strict, an error). A fork bomb stops at its limit while the
# same user outside the sandbox can still start processes.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

cd "$WORK"

# --dry-run shows them, as a profile.
run_sbox --memory 64M --pids 64 --nofile 100 --limits-strict --dry-run -- true
like "$OUT" "[limits]
memory = 64M  ; from command line
pids = 64  ; from command line
nofile = 100  ; from command line
core = 0  ; built-in
limits-strict = yes  ; from command line" "--dry-run shows the limits, core = 0 by default"

# Exact anywhere: rlimits.
run_sbox -- sh -c 'ulimit -c'
is "$OUT" 0 "no core dumps by default"
run_sbox --core 1M -- python3 -c 'import resource; print(resource.getrlimit(resource.RLIMIT_CORE))'
is "$OUT" "(1048576, 1048576)" "core = 1M"
run_sbox --nofile 20 -- python3 -c '
import os
n = 0
try:
    while True:
        os.open("/dev/null", os.O_RDONLY); n += 1
except OSError as e:
    print(n + 3, e.strerror)'
is "$OUT" "20 Too many open files" "nofile = 20: the 21st descriptor is refused"
run_sbox --fsize 1M -- sh -c 'head -c 2097152 /dev/zero >big; echo $?'
is "$OUT/$(stat -c %s big)" "153/1048576" "fsize = 1M: a larger write gets SIGXFSZ and stops at 1M"
run_sbox --cpu-time 1 -- sh -c 'while :; do :; done'
is "$RC" 152 "cpu-time = 1: a busy loop gets SIGXCPU after a second of CPU"

# Without a cgroup the limits that need one say so, in one line; which case this machine is
# decides what the rest expects (sbox check says the same).
run_sbox --memory 64M -- true
if [ -n "$ERR" ]; then
    cgroup=no
    reason=$(printf '%s' "$ERR" | sed -n 's/^sbox: limits: \(.*\), so .*/\1/p')
    is "$(lines "$ERR")" 1 "no cgroup here: one line"
    like "$ERR" "so approximated: memory 64M per process (RLIMIT_DATA) (see sbox check)" "... saying memory is approximated per process"
    run_sbox --cpus 1.5 --memory-swap 0 -- true
    like "$ERR" "so cpus and memory-swap are not enforced (see sbox check)" "cpus and memory-swap: not enforced, and said"
    run_sbox --memory 64M --limits-strict -- true
    is "$RC/$(lines "$ERR")" "125/1" "limits-strict: one line, status 125"
    like "$ERR" "--limits-strict: memory cannot be enforced exactly: $reason (see sbox check)" "... naming the limit and why"
    run_sbox --memory 64M --pids 64 --limits-strict -- true
    like "$ERR" "--limits-strict: memory, pids cannot be enforced exactly: " "... every such limit"
    run_sbox --nofile 50 --fsize 1G --limits-strict -- true
    is "$RC/$ERR" "0/" "limits-strict with exact limits only: runs, silently"
    run_sbox --memory 64M -- python3 -c 'b = bytearray(200 << 20); print("allocated")'
    unlike "$OUT" "allocated" "memory = 64M: 200M cannot be allocated"
    like "$ERR" "MemoryError" "... (MemoryError)"
    run_sbox --memory 64M -- python3 -c 'b = bytearray(16 << 20); print("allocated")'
    is "$OUT" "allocated" "memory = 64M: 16M can"
else
    cgroup=yes
    is "$ERR" "" "a cgroup here: the limits are exact, no line"
    run_sbox --memory 32M -- python3 -c 'b = bytearray(200 << 20); print("allocated")'
    is "$RC" 137 "memory = 32M, 200M allocated: killed, status 137"
    like "$ERR" "sbox: killed: out of memory (limit 32M)" "... and one line says why"
fi

# Every tmpfs has a size: the memory limit when one is set (else a quarter of the machine's
# memory). Its pages belong to no process, so the rlimits above never see them: without the
# size, 256M written into the home went through whatever memory said.
# (fuse-overlayfs takes writes into the page cache and fails only the fsync: what the file
# holds in the end is what counts.)
cat >fill.py <<'EOF'
import errno, os, sys
for d in sys.argv[1:]:
    fd = os.open(d + "/big", os.O_WRONLY | os.O_CREAT, 0o600)
    n, why = 0, "took 256M"
    try:
        while n < 256 << 20:
            n += os.write(fd, bytes(1 << 20))
        os.fsync(fd)
    except OSError as e:
        why = errno.errorcode[e.errno]
    try:
        os.close(fd)
    except OSError:
        pass
    held = os.stat(d + "/big").st_blocks * 512
    os.unlink(d + "/big")
    print(d, why, held >> 20, "M")
EOF
run_sbox --memory 64M --dry-run -- true
like "$OUT" "tmpfs = /tmp:mode=1777  ; built-in
;   size 64M (the default: memory = 64M)" "--dry-run: each tmpfs's size, the memory limit"
like "$OUT" ";   a 1M tmpfs, read-only; its shm: size 64M (the default: memory = 64M)" "... /dev's and its shm's"
run_sbox --memory 64M -- python3 "$WORK/fill.py" "$HOME" /tmp /dev/shm /run
if [ "$cgroup" = no ]; then
    is "$RC" 0 "memory = 64M: sbox ends normally after filling its tmpfs"
    is "$OUT" "$HOME ENOSPC 64 M
/tmp ENOSPC 64 M
/dev/shm ENOSPC 64 M
/run ENOSPC 64 M" "... 256M cannot be written into the home, /tmp, /dev/shm or /run: full at 64M"
    if has_subuid; then
        for driver in native fuse; do
            run_sbox --memory 64M --overlay tmpfs --overlay-driver $driver --uid 0 -- python3 "$WORK/fill.py" /usr
            is "$RC/$OUT" "0//usr ENOSPC 64 M" "... nor into overlay = tmpfs's upper layer ($driver)"
        done
    else
        skip "$(id -un) has no subordinate ranges: root inside cannot write /usr"
    fi
else
    # (The cgroup may end the sandbox first: the tmpfs's pages are charged to it.)
    unlike "$OUT" "took 256M" "memory = 64M: 256M cannot be written into the tmpfs"
fi
# Empty files take no size, but each pins about 1K of the kernel's memory: a tmpfs holds one
# per 4K of its size (the kernel's default count is the machine's, millions).
run_sbox --memory 64M -- python3 -c '
n = 0
try:
    while n < 20000:
        open("/tmp/f%d" % n, "w").close()
        n += 1
except OSError as e:
    print(e.strerror)
print(n <= 16384 and n > 16000)'
is "$OUT" "No space left on device
True" "memory = 64M: /tmp holds at most 16384 files (one per 4K)"
statfs='import os, sys; s = os.statvfs(sys.argv[1]); print(s.f_blocks * s.f_frsize >> 20, "M")'
run_sbox --tmpfs /scratch:size=8M -- python3 -c "$statfs" /scratch
is "$OUT" "8 M" "tmpfs /scratch:size=8M is 8M inside"
run_sbox --memory 64M --tmpfs /scratch:size=1G -- python3 -c "$statfs" /scratch
is "$OUT" "64 M" "size=1G with memory = 64M: lowered to 64M"
like "$ERR" "sbox: tmpfs \`/scratch\`: size 1G lowered to memory = 64M" "... and one line says so"
run_sbox --dry-run --memory 64M --tmpfs /scratch:size=1G
like "$OUT" "tmpfs = /scratch:mode=0755,size=1073741824  ; from command line
;   size 64M (size 1G lowered to memory = 64M)" "... which --dry-run shows"
run_sbox --overlay tmpfs --overlay-size 8M -- python3 -c "$statfs" /usr
is "$OUT" "8 M" "overlay-size = 8M: the overlay's upper layer is 8M"
refuses "--overlay-size 8M|--overlay-size: \`overlay-size\` needs overlay = tmpfs (the overlay is none)" \
    "--overlay-size 0|--overlay-size: the overlay's size must be more than 0"
run_sbox --memory 64M --limits-strict --tmpfs /scratch:size=1G -- true
is "$RC/$(lines "$ERR")" "125/1" "... under limits-strict, refused: one line, status 125"
like "$ERR" "sbox: --tmpfs: tmpfs \`/scratch\`: size 1G is more than memory = 64M (with limits-strict, no tmpfs may be larger)" "... naming the flag"

# A fork bomb under pids = 64: it stops at the limit; the same user can still start processes
# outside; it all ends with sbox.
# (Every process of the bomb forks again and again; one says when a fork first fails.)
cat >bomb.py <<'EOF'
import os, sys, time
said = False
while True:
    try:
        os.fork()
    except OSError:
        if not said:
            print("fork failed", file=sys.stderr, flush=True)
            said = True
        time.sleep(0.05)
EOF
rm -f "$WORK/bomb.err"
mkfifo "$WORK/bomb.err"
"$SBOX" --pids 64 -- python3 bomb.py 2>"$WORK/bomb.err" &
spid=$!
exec 7<"$WORK/bomb.err"
line=
while read -r line <&7; do
    case $line in *"fork failed"*) break ;; esac
done
like "$line" "fork failed" "pids = 64: the bomb's forks start failing"
# (pid 1 is not dumpable, so its namespace is read off the bomb's first process.)
init=$(pgrep -P "$spid" | head -n 1)
first=$(pgrep -P "${init:-0}" | head -n 1)
ns=$(readlink "/proc/${first:-none}/ns/pid" || echo none)
in_sandbox() { for d in /proc/[0-9]*; do [ "$(readlink "$d/ns/pid" 2>/dev/null)" = "$ns" ] && echo; done | wc -l | tr -d ' '; }
n=$(in_sandbox)
[ "$n" -le 63 ] && [ "$n" -ge 32 ] && ok=yes || ok="no ($n)"
is "$ok" yes "... with at most 64 processes in the sandbox ($n and pid 1)"
is "$(sh -c 'echo outside')" outside "... while you can still start processes outside"
kill -TERM "$spid"
wait "$spid" 2>/dev/null || true
exec 7<&-
is "$(in_sandbox)" 0 "... and it all ends with sbox"

# The cgroup itself, where one can be made.
if [ "$cgroup" = yes ]; then
    # Read from outside while the sandbox runs: its cgroup (by its payload's /proc entry, as
    # the host sees it) has pids.max; after it ends, the cgroup is gone.
    rm -f "$WORK/hold" "$WORK/up"
    mkfifo "$WORK/hold" "$WORK/up"
    "$SBOX" --pids 16 -- sh -c 'echo up >up; read _ <hold' &
    spid=$!
    read -r _ <"$WORK/up"
    init=$(pgrep -P "$spid" | head -n 1)
    payload=$(pgrep -P "${init:-0}" | head -n 1)
    mount=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)
    path=$(sed -n 's/^0:://p' "/proc/${payload:-0}/cgroup")
    is "$(cat "$mount$path/pids.max" 2>&1)" 16 "the sandbox's own cgroup ($path), with pids.max"
    echo go >"$WORK/hold"
    wait "$spid" || true
    is "$(test -d "$mount$path" && echo left || echo gone)" gone "... removed when the sandbox ends"
else
    skip_not_here "no cgroup can be made for the sandbox: $reason"
fi

# (sbox asks systemd for a scope only where the hierarchy has the controllers; the unit test
# runs that second run through a stand-in systemd-run.)

# Mistakes: one line, 125.
refuses "--pids 0|--pids: \`pids = 0\` would let nothing run" \
    "--memory 1k|--memory: \`memory = 1k\` is below 1M" \
    "--cpus lots|--cpus: \`lots\` is not a CPU count" \
    "--nofile -1|--nofile: \`-1\` is not a whole number"

done_testing
