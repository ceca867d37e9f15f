#!/bin/sh
# Image roots, overlays, subordinate id maps and sbox import, on a busybox image made here.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers

command -v python3 >/dev/null || skip_all "python3 is needed to write the test image"
command -v busybox >/dev/null || [ -x /bin/busybox ] || skip_all "busybox-static is not installed"
has_subuid || skip_all "$(id -un) has no subordinate ranges (or newuidmap is missing)"

uid=$(id -u)
base=$(awk -F: -v u="$(id -un)" -v n="$uid" '($1 == u || $1 == n) { print $2; exit }' /etc/subuid)
gbase=$(awk -F: -v u="$(id -un)" -v n="$uid" '($1 == u || $1 == n) { print $2; exit }' /etc/subgid)
# Files owned by subordinate ids can only be removed from inside a namespace that maps them.
at_exit '"$SBOX" --userns subuid --uid 0 --cwd none --bind "$WORK:/w" -- rm -rf /w/img /w/env /w/sym /w/symdev /w/kill /w/stdin-img /w/interrupted /w/newenv /w/fileupper /w/doomed /w/doomed2 /w/busy 2>/dev/null'
cd "$WORK"

# fuse-overlayfs daemons of this user that were not there when the test started (another test
# run of the same user may have its own).
old_daemons=$(pgrep -u "$uid" -x fuse-overlayfs | tr '\n' ' ')
new_daemons() {
    for d in $(pgrep -u "$uid" -x fuse-overlayfs); do
        case " $old_daemons " in *" $d "*) ;; *) printf '%s ' "$d" ;; esac
    done
}

# --- sbox check ---------------------------------------------------------------------------
run_sbox check
is "$RC" 0 "sbox check: the default profile can run"
like "$OUT" "ok       subordinate ids in /etc/subuid and /etc/subgid: 65536 uids" "... ranges found"
like "$OUT" "ok       the kernel's overlayfs in a user namespace" "... the kernel's overlay works"
run_sbox check extra
is "$RC" 125 "sbox check takes no arguments"

# --- sbox import ---------------------------------------------------------------------------
python3 "$helpers/mkimage.py" img.tar
run_sbox import img.tar img
is "$RC" 0 "sbox import unpacks the image"
like "$ERR" "skipped the device node \`dev/null\`" "a device node is skipped with a warning"
is "$(stat -c %u:%g img/etc/passwd)" "$uid:$(id -g)" "root's files belong to the caller outside"
is "$(stat -c %a img)" "700" "the image's directory is private (its set-uid files are the caller's)"
is "$(stat -c %u:%g img/home/alice)" "$((base + 999)):$((gbase + 999))" "uid 1000's files belong to subordinate id base+999 outside"
is "$(stat -c %u:%g img/home/bob)" "$((base + 1000)):$((gbase + 1000))" "uid 1001's files belong to base+1000"
is "$(stat -c %g img/etc/shadow)" "$((gbase + 41))" "group 42 is kept"
is "$(stat -c %a img/bin/setuid-file)" "4755" "the setuid bit is kept (behind the private directory)"
is "$(stat -c %F img/run/fifo)" "fifo" "FIFOs are unpacked"
is "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.sbox-test").decode())' img/etc/image-release 2>&1)" "kept" "extended attributes are kept"
ok "no device node was made" test ! -e img/dev/null
# Device nodes counted the same way whatever their names: a hard link to a skipped node is
# another name of a device, skipped and counted as one, not an entry that fails the import.
python3 - devs.tar <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, kind in (("dev/null", tarfile.CHRTYPE), ("dev/sda", tarfile.BLKTYPE)):
        i = tarfile.TarInfo(name); i.type = kind; i.devmajor = 1; i.devminor = 3; t.addfile(i)
    i = tarfile.TarInfo("dev/null-too"); i.type = tarfile.LNKTYPE; i.linkname = "dev/null"; t.addfile(i)
    data = b"x\n"; i = tarfile.TarInfo("etc/x"); i.size = len(data); t.addfile(i, io.BytesIO(data))
PY
run_sbox import devs.tar devs
is "$RC" 0 "a hard link to a device node does not fail the import"
like "$ERR" "skipped the device node \`dev/null-too\` (a link to \`dev/null\`)" "... it is skipped as a device node"
like "$ERR" "; 3 device nodes skipped" "... and counted as one"
ok "... the rest is there" test -s devs/etc/x
run_sbox image rm devs
run_sbox import img.tar img
is "$RC" 125 "import into a non-empty directory fails"
like "$ERR" "is not empty" "... and says so"

HOSTILE_TARGET="$WORK/target" python3 "$helpers/mkimage.py" hostile.tar --hostile
mkdir target
run_sbox import hostile.tar hostile
is "$RC" 125 "a tarball with entries leaving the directory is refused"
ok "... nothing was written through the symlink" test -z "$(ls -A target)"
ok "... nor beside the directory" test ! -e "$WORK/escaped-dotdot"
ok "... and the partly unpacked directory is gone" test ! -e hostile
is "$(lines "$(printf '%s\n' "$ERR" | grep -c 'not unpacked')")" 1 "each refused entry is named"

run_sbox import - stdin-img <img.tar
is "$RC/$(ls stdin-img/etc/image-release 2>&1)" "0/stdin-img/etc/image-release" "import - reads standard input"
"$SBOX" --userns subuid --uid 0 --cwd none --bind "$WORK:/w" -- rm -rf /w/stdin-img

# An interrupted import removes what it unpacked: the tarball comes through a FIFO that stalls
# half-way (the writer waits for the test), so the kill always lands mid-import.
mkfifo slow-tar slow-ready slow-hold
python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as out:
    out.write(data[: len(data) // 2])
    out.flush()
    with open(sys.argv[3], "w") as ready:
        ready.write("half\n")
    sys.stdin.read()
' img.tar slow-tar slow-ready <slow-hold &
writer=$!
exec 6>slow-hold
"$SBOX" import slow-tar interrupted 2>"$WORK/.interrupted" 6>&- &
importer=$!
read -r half <slow-ready
kill -TERM "$importer"
exec 6>&-
rc=0
wait "$importer" || rc=$?
wait "$writer" 2>/dev/null
is "$half/$rc" "half/143" "SIGTERM during an import: sbox ends with 143"
like "$(cat "$WORK/.interrupted")" "interrupted; what was unpacked is removed" "... and says what it did"
ok "... and the directory it made is gone" test ! -e interrupted

# sbox image rm: the caller cannot remove files of its subordinate ids, sbox can.
run_sbox import img.tar doomed
rm -rf doomed 2>/dev/null
ok "an imported image cannot be removed with rm alone" test -d doomed/home/alice
run_sbox image rm doomed
is "$RC" 0 "sbox image rm removes it"
ok "... all of it" test ! -e doomed
run_sbox image rm "$HOME"
is "$RC" 125 "sbox image rm refuses the home directory"
ok "... and leaves it" test -d "$HOME"
run_sbox import img.tar doomed2
mkfifo rm-hold rm-ready
"$SBOX" --rootfs "$WORK/img" --overlay "$WORK/busy" --cwd none -- sh -c 'echo up; read x' <rm-hold >rm-ready &
busy=$!
exec 7>rm-hold
read -r up <rm-ready
run_sbox image rm "$WORK/busy"
like "$RC $ERR" "125 sbox: image rm: \`$WORK/busy\` is in use by a sandbox (sbox pid $busy)" "sbox image rm leaves an overlay in use alone"
exec 7>&-
wait "$busy"
ln -s doomed2 doomed-link
cd doomed2
run_sbox image rm .
cd "$WORK"
is "$RC" 0 "sbox image rm . removes the current directory's image"
ok "... all of it" test ! -e doomed2
run_sbox image rm "$WORK/busy"
is "$RC" 0 "... and the overlay once its sandbox is gone"
run_sbox image rm "$WORK/none"
like "$RC $ERR" "125 sbox: image rm: \`$WORK/none\`: No such file or directory" "... and names a missing one"

# --- running an image ------------------------------------------------------------------------
run_sbox --rootfs "$WORK/img" -- sh -c 'id -u; cat /etc/image-release; ls /home/alice'
is "$(echo $OUT)" "0 busybox test image notes" "commands run in the image, as root by default"
run_sbox --rootfs "$WORK/img" -- sh -c 'stat -c %u /home/alice /home/bob /etc/passwd | tr "\n" " "'
is "$OUT" "1000 1001 0 " "owners inside are the image's"
run_sbox --rootfs "$WORK/img" -- cat /etc/hostname /etc/resolv.conf
like "$OUT" "sbox" "/etc/hostname is generated"
like "$OUT" "no network" "/etc/resolv.conf is generated for net = none"
run_sbox --rootfs "$WORK/img" -- ls /usr/bin/env
is "$RC" 1 "nothing of the host's system is visible (no /usr)"
run_sbox --rootfs "$WORK/img" -- sh -c 'ls /proc/self/status >/dev/null && ls /dev/null /dev/zero >/dev/null && touch /tmp/ok && echo fine'
is "$OUT" "fine" "sbox provides /proc, /dev and a writable /tmp"
run_sbox --rootfs "$WORK/img" </dev/null
is "$RC" 0 "with no command, the image's /bin/sh runs"
run_sbox --rootfs "$WORK/img" -- touch /etc/x
ok "without an overlay the image is read-only" test "$RC" -ne 0 -a ! -e img/etc/x

# --- overlays ---------------------------------------------------------------------------------
before=$(find img 2>/dev/null | wc -l)
run_sbox --rootfs "$WORK/img" --overlay tmpfs -- sh -c 'echo new >/etc/new; rm /etc/image-release; chown 1000:1000 /etc/new; ls -ln /etc/new | awk "{ print \$3 }"'
is "$OUT" "1000" "overlay = tmpfs: writes, deletes and chown work inside"
run_sbox --rootfs "$WORK/img" --overlay tmpfs -- sh -c 'ls /etc/new; cat /etc/image-release'
is "$OUT" "busybox test image" "... and vanish at exit"
is "$(find img 2>/dev/null | wc -l)" "$before" "... and never touch the image"

for driver in native fuse; do
    env=env-$driver
    run_sbox -v --rootfs "$WORK/img" --overlay "$WORK/$env" --overlay-driver "$driver" -- sh -c 'echo kept >/kept; chown 1001:1001 /kept; rm /home/bob/notes; sync'
    like "$ERR" "overlay: $( [ $driver = native ] && echo native || echo fuse-overlayfs)" "-v says the $driver driver was used"
    run_sbox --rootfs "$WORK/img" --overlay "$WORK/$env" --overlay-driver "$driver" -- sh -c 'cat /kept; ls /home/bob'
    is "$OUT" "kept" "overlay = DIR ($driver): writes and deletions persist across runs"
    is "$(stat -c %u "$WORK/$env/upper/kept")" "$((base + 1000))" "... in DIR/upper, owned by the subordinate id"
done
# An upper made by one driver works with the other.
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env-native" --overlay-driver fuse -- sh -c 'cat /kept; ls /home/bob; echo more >/more'
is "$OUT" "kept" "an upper made by the native driver works with fuse-overlayfs (whiteouts too)"
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env-native" --overlay-driver native -- sh -c 'cat /more; ls /home/bob'
is "$OUT" "more" "... and back with the native driver"
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env-fuse" --overlay-driver native -- sh -c 'cat /kept; ls /home/bob'
is "$OUT" "kept" "an upper made by fuse-overlayfs works with the native driver"
"$SBOX" --userns subuid --uid 0 --cwd none --bind "$WORK:/w" -- rm -rf /w/env-native /w/env-fuse
# Copy-up keeps holes with the kernel's overlay: a 256M sparse file of the image, appended to,
# takes a few blocks in the upper layer. (fuse-overlayfs 1.10 copies every byte of it: see
# --overlay-driver in sbox(1).)
truncate -s 256M img/sparse
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env-sparse" --overlay-driver native -- sh -c 'echo x >>/sparse; stat -c %s /sparse'
is "$RC/$OUT" "0/268435458" "a sparse file of the image is appended to through the kernel's overlay"
blocks=$(stat -c %b "$WORK/env-sparse/upper/sparse")
ok "... and its copy in the upper layer keeps the holes ($blocks blocks of 512 bytes)" test "$blocks" -lt 2048
"$SBOX" --userns subuid --uid 0 --cwd none --bind "$WORK:/w" -- rm -rf /w/env-sparse
rm -f img/sparse


# The lock: a second sandbox on a busy upper is refused, naming the holder.
mkfifo ready hold
"$SBOX" --rootfs "$WORK/img" --overlay "$WORK/env" -- sh -c 'echo up; read x' <hold >ready &
holder=$!
exec 7>hold
read -r up <ready
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env" -- true
is "$RC" 125 "an upper in use is refused"
like "$ERR" "in use by another sandbox (sbox pid $holder)" "... naming the sbox that holds it"
is "$(lines "$ERR")" 1 "... in one line"
exec 7>&-
wait "$holder"
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env" -- true
is "$RC" 0 "the lock is released when the holder exits"

# --- ids ----------------------------------------------------------------------------------------
# A namespace of its own (not nested in the kept one, keptns.sh), whose map reads as the host's ids.
run_sbox -v --userns-keep none --rootfs "$WORK/img" -- cat /proc/self/uid_map
is "$(echo $OUT)" "0 $uid 1 1 $base 65536" "auto maps 0 to the caller and 1..N to the ranges with an image"
like "$ERR" "id map: subuid" "-v says which map"
run_sbox --userns subuid --uid 0 --cwd none -- sh -c 'touch /tmp/f && chown 1000:1000 /tmp/f && stat -c %u:%g /tmp/f; id -u'
is "$(echo $OUT)" "1000:1000 0" "--uid 0 with ranges: chown to other ids works, id -u is 0"
mkdir shared
run_sbox --userns subuid --uid 0 --bind "$WORK/shared:/s" -- sh -c 'touch /s/f && chown 1000:1000 /s/f'
is "$(stat -c %u:%g shared/f)" "$((base + 999)):$((gbase + 999))" "... and the owner outside is a subordinate id"
run_sbox --rootfs "$WORK/img" --uid 1000 -- sh -c 'id -u; id -g; cat /home/alice/notes; cat /home/bob/notes'
is "$(echo $OUT)" "1000 1000 alice's" "--uid 1000 in an image is alice (her group from the image's passwd): her files, not bob's"
run_sbox --rootfs "$WORK/img" --uid 1000 -- sh -c 'grep ^Cap[EP] /proc/self/status | cut -f2 | sort -u'
is "$OUT" "0000000000000000" "... with no capabilities"
run_sbox -- cat /proc/self/uid_map
is "$(echo $OUT)" "$uid $uid 1" "auto keeps the single map for the host's files under your own id"
run_sbox --userns single --rootfs "$WORK/img" -- sh -c 'id -u; chown 1000 /tmp 2>&1 >/dev/null | wc -l'
is "$(echo $OUT)" "0 1" "--userns single: root inside, but other ids cannot be used"

# --- the image and the overlay directory stay sbox's ------------------------------------------
# Run from the directory holding them: the current directory is bound writable, but neither the
# image nor the kept upper (and its lock) can be reached through it.
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env" -- sh -c "ls -A '$WORK/img' | wc -l; ls -A '$WORK/env' | wc -l; touch '$WORK/img/x' '$WORK/env/lock' 2>/dev/null || echo refused; pwd"
is "$(echo $OUT)" "0 0 refused $WORK" "a writable current directory shows neither the image nor the overlay directory"
ok "... and the image is untouched" test ! -e img/x
run_sbox --dry-run --rootfs "$WORK/img" --overlay "$WORK/env"
printf '%s\n' "$OUT" >plan.ini
like "$OUT" "; hidden: $WORK/img (sbox's own" "--dry-run shows the hidden image as a remark"
run_sbox -p "$WORK/plan.ini" --dry-run
is "$(printf '%s\n' "$OUT" | sed 's/  ;.*//')" "$(sed 's/  ;.*//' plan.ini)" "... and the printed plan loads back to the same plan"
run_sbox --rootfs "$WORK/img" --overlay "$WORK/img/etc" -- true
is "$RC" 125 "an overlay directory inside the image is refused"
like "$ERR" "overlap" "... saying why"
run_sbox --rootfs "$WORK/img" --overlay "$WORK/img/new-env" --cwd none -- true
ok "... also when it does not exist yet (and nothing is made in the image)" test "$RC" = 125 -a ! -e img/new-env
mkdir other-files && touch other-files/mine
run_sbox --rootfs "$WORK/img" --overlay "$WORK/other-files" -- true
like "$RC $ERR" "125 sbox: --overlay: overlay directory \`$WORK/other-files\` holds other files" "a directory of other files is not made an overlay"
# Any spelling: the image reached through a symlink, or a bind source through one, is still
# hidden; a current directory inside the kept overlay is refused.
ln -s "$WORK/img" "$WORK/img-link"
run_sbox --rootfs "$WORK/img-link" -- sh -c "ls -A '$WORK/img' | wc -l"
is "$OUT" "0" "the image named through a symlink is still hidden from the writable current directory"
ln -sfn "$WORK" "$HOME/.sbox-test-work-link" # -n: a link an interrupted run left is replaced
at_exit rm -f "$HOME/.sbox-test-work-link"
run_sbox --rootfs "$WORK/img" --cwd none --bind "$HOME/.sbox-test-work-link:/mnt" -- sh -c 'ls -A /mnt/img | wc -l'
is "$OUT" "0" "... and from a bind whose source is spelt through a symlink"
cd "$WORK/env/upper"
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env" -- true
cd "$WORK"
is "$RC" 125 "a current directory inside the kept overlay is refused"
like "$ERR" "lies in the overlay directory" "... saying why"
run_sbox --overlay "$WORK/env" -- true
is "$RC" 125 "an image's overlay directory is not laid over the host's system"
like "$ERR" "holds changes to the image $WORK/img, not to the host's system" "... saying why"
run_sbox --rootfs "$WORK/img" --overlay "$WORK/newenv" --tmpfs /etc/passwd -- true
is "$RC" 125 "a run that fails in setup ..."
ok "... leaves no overlay directory it made" test ! -e newenv
run_sbox --rootfs "$WORK/img" --overlay "$WORK/fileupper" --cwd none -- true
rm -rf fileupper/upper && touch fileupper/upper
run_sbox --rootfs "$WORK/img" --overlay "$WORK/fileupper" -- true
like "$RC $ERR" "125 sbox: --overlay: overlay directory \`$WORK/fileupper\`: upper/ is not a directory" "an upper that is not a directory is named"
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env" --cwd none -- ln -s "$HOME" /planted
run_sbox --rootfs "$WORK/img" --overlay "$WORK/env" --ro-bind "$WORK/env/upper/planted:/mnt" -- ls /mnt
is "$RC" 125 "a bind source through a symlink planted in the kept upper is refused"
like "$ERR" "which the sandbox can write" "... saying why"
run_sbox --rootfs "$WORK/img" -- sh -c 'echo $PATH'
is "$OUT" "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "an image gets its own PATH, not the host's"

# fuse-overlayfs that fails, or never answers, is an error, not a hang.
fakebin=$WORK/fakebin # under /tmp, which the daemon's view of the host covers: run by descriptor
mkdir "$fakebin"
printf '#!/bin/sh\necho "fake: cannot start" >&2\nexit 1\n' >"$fakebin/fuse-overlayfs"
chmod +x "$fakebin/fuse-overlayfs"
RC=0
PATH="$fakebin:$PATH" "$SBOX" --rootfs "$WORK/img" --overlay tmpfs --overlay-driver fuse -- true 2>"$WORK/.err" || RC=$?
is "$RC" 125 "a fuse-overlayfs that fails to start: 125"
like "$(cat "$WORK/.err")" "fuse-overlayfs failed to start: fake: cannot start" "... with its own message"
printf '#!/bin/sh\nexec sleep 1000\n' >"$fakebin/fuse-overlayfs"
RC=0
PATH="$fakebin:$PATH" timeout 60 "$SBOX" --rootfs "$WORK/img" --overlay tmpfs --overlay-driver fuse -- true 2>"$WORK/.err" || RC=$?
is "$RC" 125 "a fuse-overlayfs that never answers is given up on (after 10 s)"
like "$(cat "$WORK/.err")" "did not answer" "... and says so"

# --- symlinks in the image at mount destinations ----------------------------------------------
mkdir victim
python3 "$helpers/mkimage.py" sym.tar --tmp-link "$WORK/victim"
run_sbox import sym.tar sym
python3 "$helpers/mkimage.py" symdev.tar --dev-link
run_sbox import symdev.tar symdev
mounts_before=$(wc -l </proc/self/mountinfo)
for ovl in none tmpfs; do
    run_sbox --rootfs "$WORK/sym" --overlay $ovl -- sh -c 'echo x >/tmp/planted; echo ran'
    ok "/tmp -> a host path in the image (overlay $ovl): nothing reaches the host path" test -z "$(ls -A victim)"
    is "$RC" 125 "... the mount is refused (the link's target is not in the image)"
    like "$ERR" "is a symlink to \`$WORK/victim\`, which does not lead to a directory in the sandbox" "... and says so"
    run_sbox --rootfs "$WORK/symdev" --overlay $ovl -- echo ran
    is "$RC" 125 "/dev -> ../.. (overlay $ovl) is refused: it would cover the image's root"
    like "$ERR" "leads to the sandbox's root" "... and says so"
done
is "$(wc -l </proc/self/mountinfo)" "$mounts_before" "nothing was mounted on the host"

# --- Ctrl-C and kill -9 during heavy writes -------------------------------------------------------
# The payload writes files, fsyncs each and only then names it; every named file must survive
# an interrupted run and the upper must mount again.
for how in INT KILL; do
    for driver in native fuse; do
        dir=kill
        mkfifo "progress-$how-$driver"
        "$SBOX" --rootfs "$WORK/img" --overlay "$WORK/$dir" --overlay-driver "$driver" -- sh -c \
            'i=0; while :; do i=$((i + 1)); dd if=/dev/zero of=/f$i bs=64k count=4 2>/dev/null; sync /f$i; echo $i; done' \
            >"progress-$how-$driver" 2>/dev/null &
        pid=$!
        last=0
        while read -r n; do
            last=$n
            [ "$n" -ge 40 ] && break
        done <"progress-$how-$driver"
        kill -"$how" "$pid"
        wait "$pid"
        # pid 1 and fuse-overlayfs hold the lock until they are gone: once it can be taken,
        # no process that could write the upper is left.
        ok "after $how ($driver) every process of the sandbox ends" timeout 60 flock -x "$WORK/$dir/lock" true
        is "$(new_daemons)" "" "... fuse-overlayfs included"
        run_sbox --rootfs "$WORK/img" --overlay "$WORK/$dir" -- sh -c "n=0; for i in \$(seq 1 $last); do [ \$(stat -c %s /f\$i) = 262144 ] && n=\$((n + 1)); done; echo \$n"
        is "$OUT" "$last" "after $how ($driver) the upper mounts and holds all $last synced files"
        "$SBOX" --userns subuid --uid 0 --cwd none --bind "$WORK:/w" -- rm -rf /w/kill
    done
done

# No fuse-overlayfs daemon outlives its sandbox, whichever way the sandbox ends.
run_sbox --rootfs "$WORK/img" --overlay tmpfs --overlay-driver fuse -- true
is "$RC/$(new_daemons)" "0/" "fuse-overlayfs is gone when the payload exits"
run_sbox --rootfs "$WORK/img" --overlay tmpfs --overlay-driver fuse -- /no/such/command
is "$RC/$(new_daemons)" "127/" "... when the command is not found"
run_sbox --rootfs "$WORK/img" --overlay tmpfs --overlay-driver fuse --ro-bind "$WORK/img.tar:/x/y" -- true
is "$RC/$(new_daemons)" "0/" "... (a bind into the fuse root works)"
run_sbox --rootfs "$WORK/img" --overlay tmpfs --overlay-driver fuse --bind "$WORK/missing-src" -- true
is "$RC/$(new_daemons)" "125/" "... and when setup fails before the payload starts"
run_sbox --rootfs "$WORK/img" --overlay tmpfs --overlay-driver fuse --tmpfs /etc/passwd -- true
is "$RC/$(new_daemons)" "125/" "... and when setup fails after the overlay is mounted"

# --- host root with an overlay -------------------------------------------------------------------
run_sbox --overlay tmpfs --uid 0 -- sh -c 'echo x >/usr/sbox-test-file && rm /etc/hostname && echo >>/etc/passwd && echo changed'
is "$OUT" "changed" "overlay = tmpfs on the host's root: its system files can be changed inside"
ok "... without touching the host" test ! -e /usr/sbox-test-file -a -e /etc/hostname
run_sbox --overlay tmpfs -- sh -c 'echo x >>/etc/passwd 2>/dev/null || echo refused'
is "$OUT" "refused" "... while a payload under your own id still cannot change root's files"

# --- bad input --------------------------------------------------------------------------------------
bad() { # bad DESCRIPTION EXPECTED-SUBSTRING ARGS...
    d=$1 want=$2
    shift 2
    run_sbox "$@"
    ok "$d: exit 125" test "$RC" = 125
    like "$ERR" "$want" "$d: says why"
    is "$(lines "$ERR")" 1 "$d: one line"
}
bad "missing rootfs" "--rootfs: image root \`$WORK/nope\`: No such file" --rootfs "$WORK/nope" -- true
touch afile
bad "rootfs is a file" "Not a directory" --rootfs "$WORK/afile" -- true
mkdir empty-image
bad "rootfs without /bin/sh and no command" "has no /bin/sh" --rootfs "$WORK/empty-image"
bad "overlay on sysfs" "cannot hold an upper layer" --rootfs "$WORK/img" --overlay /sys/kernel -- true
bad "overlay in an unwritable place" "--overlay: overlay directory \`/proc/sbox-env\`" --rootfs "$WORK/img" --overlay /proc/sbox-env -- true
RC=0
PATH=/nonexistent "$SBOX" --rootfs "$WORK/img" --overlay tmpfs --overlay-driver fuse -- /bin/true 2>"$WORK/.err" || RC=$?
ERR=$(cat "$WORK/.err")
is "$RC" 125 "overlay-driver = fuse without fuse-overlayfs: exit 125"
like "$ERR" "--overlay-driver: overlay-driver = fuse, but fuse-overlayfs is not installed" "... says so, naming the flag"
is "$(lines "$ERR")" 1 "... in one line"
ok "a bad rootfs leaves no overlay directory behind" sh -c "! '$SBOX' --rootfs '$WORK/nope' --overlay '$WORK/never' -- true 2>/dev/null && test ! -e '$WORK/never'"
bad "import of a missing tarball" "import: tarball" import "$WORK/none.tar" "$WORK/x"
ok "... leaves no directory" test ! -e "$WORK/x"
echo garbage >garbage.tar
bad "import of garbage" "import:" import garbage.tar "$WORK/y"
ok "... leaves no directory" test ! -e "$WORK/y"

done_testing
