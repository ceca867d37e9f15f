#!/bin/sh
# sbox where developers run it: under `unshare -r` (uid 0 of a user namespace without ranges),
# in a pid namespace whose /proc was not mounted again, over a /proc masked as a container's
# runtime masks it, where user.max_user_namespaces is 0, under a Docker-like seccomp filter, and
# inside sbox itself. In each, `sbox check` tells the truth (can_run false exactly when a run
# fails) and `sbox -- true` works or refuses in one line naming the fix. Every environment is
# built here, unprivileged.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

cd "$WORK"
helpers=$SBOX_TESTS/helpers

if ! unshare -r true 2>/dev/null; then
    skip_all "unshare -r does not work here"
fi

# can_run of `sbox check --json` run by "$@" (true or false).
can_run() {
    "$@" check --json 2>/dev/null | python3 -c 'import json, sys; print(str(json.load(sys.stdin)["can_run"]).lower())'
}

# --- uid 0 of a user namespace without ranges ------------------------------------------------
RC=0
ERR=$(unshare -r "$SBOX" -- sh -c 'id -u' 2>&1 >"$WORK/out") || RC=$?
is "$RC/$(cat "$WORK/out")" "0/0" "unshare -r: sbox -- runs, as uid 0 inside"
is "$ERR" "" "... silently: uid 0 of the host's tree loses nothing on the single map"
ERR=$(unshare -r "$SBOX" -v -- true 2>&1 >/dev/null)
like "$ERR" "id map: single, not subuid: your subordinate ranges are not mapped in this user namespace" "... -v says why auto fell back to the single map"
RC=0
ERR=$(unshare -r "$SBOX" --userns subuid -- true 2>&1) || RC=$?
is "$RC/$(lines "$ERR")" "125/1" "unshare -r, userns = subuid: one line, status 125"
like "$ERR" "userns = subuid" "... naming the setting"
is "$(can_run unshare -r "$SBOX")" true "unshare -r: sbox check says it can run"
OUT=$(unshare -r "$SBOX" check 2>&1)
like "$OUT" "degraded the ranged map images and uid 0 get (auto): " "... and that images get the single map"

# --- a pid namespace whose /proc is the outer one --------------------------------------------
RC=0
ERR=$(unshare -rpf "$SBOX" -- sh -c 'echo $$' 2>&1 >"$WORK/out") || RC=$?
is "$RC/$(cat "$WORK/out")" "0/2" "unshare -rpf without --mount-proc: sbox writes the maps through the stale /proc"
RC=0
unshare -rpf "$SBOX" --net none -- true 2>/dev/null || RC=$?
is "$RC" 0 "... net = none (the namespace's counters, read through /proc) too"
is "$(can_run unshare -rpf "$SBOX")" true "... and sbox check says it can run"

# --- a /proc masked as a container's runtime masks it ----------------------------------------
# crun's default masked paths (bind-covered) and read-only ones, in the test's own user and
# mount namespace: a fresh proc in any namespace below is then refused by the kernel.
cat >mask.sh <<'EOS'
set -e
for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
    [ ! -e "$f" ] || mount --bind /dev/null "$f"
done
for d in /proc/acpi /proc/scsi /sys/firmware; do
    [ ! -d "$d" ] || mount -t tmpfs -o ro,size=4k tmpfs "$d"
done
for d in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus; do
    [ ! -e "$d" ] || mount --bind -o ro "$d" "$d"
done
exec "$@"
EOS
masked() { unshare -rm sh "$WORK/mask.sh" "$@"; }
if ! masked true; then
    skip "cannot mask /proc in a user namespace here"
else
    RC=0
    ERR=$(masked "$SBOX" -- true 2>&1) || RC=$?
    is "$RC/$(lines "$ERR")" "125/1" "masked /proc: sbox -- true refuses in one line, status 125"
    like "$ERR" "mount a fresh proc at \`/proc\`: refused, as this /proc has paths mounted over it" "... saying why"
    like "$ERR" "--proc host-ro" "... and naming the fix"
    is "$(can_run masked "$SBOX")" false "... and sbox check says it cannot run"
    OUT=$(masked "$SBOX" check 2>&1)
    like "$OUT" "missing  a fresh proc in a new pid namespace: refused, as this /proc has paths mounted over it" "... naming the masked /proc"
    like "$OUT" "fix: \`--proc host-ro\`" "... with the fix"
    RC=0
    ERR=$(masked "$SBOX" --proc host-ro -- sh -c 'test -e /proc/self/status && ! echo x 2>/dev/null >/proc/self/comm' 2>&1) || RC=$?
    is "$RC" 0 "--proc host-ro: runs, with the outer /proc read-only"
    like "$ERR" "proc /proc: the outer /proc, read-only (host-ro), not a fresh one: the command sees the processes outside the sandbox" "... said in one line"
    RC=0
    masked "$SBOX" --proc host-ro -- sh -c 'cat /proc/keys' >"$WORK/keys" 2>/dev/null || RC=$?
    is "$(wc -c <"$WORK/keys" | tr -d ' ')" 0 "... whose masks stay over it (/proc/keys shows nothing)"
    printf '[profile]\ninclude = default\n[filesystem]\nproc = host-ro\n' >hostproc.ini
    RC=0
    masked "$SBOX" -p ./hostproc.ini -- true 2>/dev/null || RC=$?
    is "$RC" 0 "proc = host-ro in a profile replaces the default's fresh /proc"
fi
run_sbox --proc /proc:bogus -- true
is "$RC/$(lines "$ERR")" "125/1" "--proc /proc:bogus: one line, status 125"
like "$ERR" "--proc: \`/proc:bogus\` is not DST, DST:host-ro or host-ro" "... naming the flag and the forms"

# --- user.max_user_namespaces = 0 in a parent user namespace ----------------------------------
zero() { unshare -r sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$@"' sh "$@"; }
if ! zero true 2>/dev/null; then
    skip "cannot set user.max_user_namespaces in a user namespace here"
else
    RC=0
    ERR=$(zero "$SBOX" -- true 2>&1) || RC=$?
    is "$RC/$(lines "$ERR")" "125/1" "max_user_namespaces = 0: sbox -- true refuses in one line, status 125"
    like "$ERR" "user.max_user_namespaces is 0 in this user namespace" "... saying why"
    like "$ERR" "--isolation landlock" "... and naming the way without namespaces"
    is "$(can_run zero "$SBOX")" false "... and sbox check says it cannot run"
fi

# --- a Docker-like seccomp filter -------------------------------------------------------------
if ! python3 "$helpers/no-userns.py" true 2>/dev/null; then
    skip "the seccomp helper does not run here (x86_64 only)"
elif python3 "$helpers/no-userns.py" unshare -r true 2>/dev/null; then
    fail "the seccomp helper lets unshare -r through"
else
    RC=0
    ERR=$(python3 "$helpers/no-userns.py" "$SBOX" -- true 2>&1) || RC=$?
    is "$RC/$(lines "$ERR")" "125/1" "a Docker-like filter: sbox -- true refuses in one line, status 125"
    like "$ERR" "a seccomp filter refuses new namespaces while the kernel's settings allow them (Docker's default profile does)" "... saying why"
    like "$ERR" "--isolation landlock" "... and naming the way without namespaces"
    is "$(can_run python3 "$helpers/no-userns.py" "$SBOX")" false "... and sbox check says it cannot run"
fi

# --- sbox inside sbox ------------------------------------------------------------------------
# The binary is bound in where it is (the test's stage is not under the home sbox hides).
bin=$(dirname "$SBOX")
# Under scripts/sanitize the inner sbox is an ASan build too: LeakSanitizer's exit-time check
# needs ptrace, which the outer filter denies, so the inner one runs without it.
asan=--setenv=SBOX_TEST_NO_ASAN=1
[ -n "${ASAN_OPTIONS:-}" ] && asan="--setenv=ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0"
RC=0
ERR=$("$SBOX" "$asan" --ro-bind "$bin" -- "$SBOX" -- true 2>&1) || RC=$?
is "$RC/$(lines "$ERR")" "125/1" "sbox inside sbox without nested = yes: one line, status 125"
like "$ERR" "the outer sbox's seccomp filter refuses new namespaces: run the outer sbox with \`--nested yes\`" "... naming nested = yes"
is "$(can_run "$SBOX" "$asan" --ro-bind "$bin" -- "$SBOX")" false "... and sbox check inside says it cannot run"
OUT=$("$SBOX" "$asan" --ro-bind "$bin" -- "$SBOX" check 2>&1)
like "$OUT" "/dev/fuse usable by you: not bound in here" "... and that /dev/fuse is not bound in"
unlike "$OUT" "modprobe" "... with no modprobe advice"
RC=0
OUT=$("$SBOX" "$asan" --nested yes --ro-bind "$bin" -- "$SBOX" -v --uid 0 -- sh -c 'echo $$; cat /proc/self/status' 2>"$WORK/err") || RC=$?
ERR=$(cat "$WORK/err")
is "$RC/$(printf '%s\n' "$OUT" | head -1)" "0/2" "nested = yes: an sbox inside runs, with its own pid namespace"
like "$OUT" "Seccomp_filters:	2" "... under both filters"
like "$ERR" "id map: single, not subuid: no_new_privs is set" "... uid 0 on the single map (no set-uid helpers there), said under -v"
is "$(printf '%s\n' "$ERR" | grep -c 'id map: single, not subuid')" 1 "... once"
is "$(can_run "$SBOX" "$asan" --nested yes --ro-bind "$bin" -- "$SBOX")" true "... and sbox check inside says it can run"
RC=0
"$SBOX" "$asan" --nested yes --ro-bind "$bin" -- "$SBOX" "$asan" --nested yes --ro-bind "$bin" -- "$SBOX" -- true 2>/dev/null || RC=$?
is "$RC" 0 "three deep, each allowing the next"
# nested = yes lets the inner make namespaces and mounts, and nothing else.
if [ -x "${SBOX_BUILT_HELPERS:-/nonexistent}/try-syscall" ]; then
    ts=$SBOX_BUILT_HELPERS/try-syscall
    tsdir=$(dirname "$ts")
    for call in ptrace keyctl bpf init_module; do
        run_sbox --nested yes --ro-bind "$tsdir" -- "$ts" "$call"
        like "$OUT$ERR" "EPERM" "nested = yes: $call is still denied"
    done
else
    skip "try-syscall is not built"
fi
run_sbox --nested yes --deny mount --dry-run -- true
like "$OUT" "nested = yes" "--dry-run shows nested = yes"
run_sbox --nested maybe -- true
is "$RC/$(lines "$ERR")" "125/1" "--nested maybe: one line, status 125"
like "$ERR" "--nested" "... naming the flag"

# --- an image on a FUSE mount, with the ranged map ---------------------------------------------
# The image sits on a fuse-overlayfs the test user mounted (fusermount3), its files owned by the
# subordinate ids; sbox's overlay over it (auto, native and fuse) runs with ranges.
if command -v fuse-overlayfs >/dev/null 2>&1 && command -v fusermount3 >/dev/null 2>&1 &&
    [ -w /dev/fuse ]; then
    mkdir -p "$WORK/fz/lower" "$WORK/fz/upper" "$WORK/fz/work" "$WORK/fz/mnt"
    python3 "$helpers/mkimage.py" "$WORK/fz/img.tar" >/dev/null
    "$SBOX" import "$WORK/fz/img.tar" "$WORK/fz/lower/img" 2>/dev/null
    if fuse-overlayfs -o "lowerdir=$WORK/fz/lower,upperdir=$WORK/fz/upper,workdir=$WORK/fz/work" \
        "$WORK/fz/mnt"; then
        for driver in auto native fuse; do
            run_sbox --rootfs "$WORK/fz/mnt/img" --overlay tmpfs --overlay-driver "$driver" -v -- \
                sh -c 'touch /new && stat -c %u /home/alice'
            is "$RC/$OUT" "0/1000" "an image on a FUSE mount runs with ranges (overlay-driver $driver)"
            like "$ERR" "id map: subuid" "... with the ranged map"
        done
        run_sbox --rootfs "$WORK/fz/mnt/img" -- sh -c 'cat /etc/image-release >/dev/null && echo read'
        is "$RC/$OUT" "0/read" "... and read-only"
        fusermount3 -u "$WORK/fz/mnt"
    else
        fail "fuse-overlayfs could not mount the test's FUSE file system"
    fi
    "$SBOX" image rm "$WORK/fz/lower/img" 2>/dev/null
else
    fail "fuse-overlayfs, fusermount3 and a usable /dev/fuse are needed for the FUSE image check"
fi

done_testing
