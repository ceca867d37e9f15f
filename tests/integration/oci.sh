#!/bin/sh
# The image store: OCI layouts made here with umoci, moved with skopeo between oci:,
# oci-archive: and docker-archive:, imported, listed, inspected, shared, removed and pruned;
# whiteouts and opaque directories as the overlay reads them; corrupted and hostile images
# refused with nothing left; a registry of the test's own on loopback.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

command -v umoci >/dev/null || skip_all "umoci is not installed"
command -v skopeo >/dev/null || skip_all "skopeo is not installed"
command -v python3 >/dev/null || skip_all "python3 is needed to write layers"
BUSYBOX=$(command -v busybox || echo /bin/busybox)
[ -x "$BUSYBOX" ] || skip_all "busybox-static is not installed"
has_subuid || skip_all "$(id -un) has no subordinate ranges (or newuidmap is missing)"

export XDG_DATA_HOME="$WORK/data"
STORE=$XDG_DATA_HOME/sbox/images
# Layers belong to subordinate ids: only sbox (as root of a namespace) removes them.
at_exit '"$SBOX" image prune >/dev/null 2>&1; for n in $("$SBOX" image ls 2>/dev/null | awk "NR > 1 { print \$1 }"); do "$SBOX" image rm "$n" >/dev/null 2>&1; done'
cd "$WORK"

# layer.py OUT ENTRY...: a plain tar layer; ENTRY is d:PATH (a directory), f:PATH=TEXT, or
# raw:PATH (an empty file, for whiteouts and hostile names), l:PATH=TARGET (a symlink).
cat >layer.py <<'EOF'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
for spec in sys.argv[2:]:
    kind, _, rest = spec.partition(":")
    name, _, val = rest.partition("=")
    ti = tarfile.TarInfo(name)
    if kind == "d":
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        t.addfile(ti)
    elif kind == "l":
        ti.type, ti.linkname = tarfile.SYMTYPE, val
        t.addfile(ti)
    else:
        data = val.encode()
        ti.size, ti.mode = len(data), 0o644
        t.addfile(ti, io.BytesIO(data))
t.close()
EOF

# The base: busybox and a few files, made with umoci's own unpack and repack.
umoci init --layout lay >/dev/null
umoci new --image lay:base
umoci unpack --rootless --image lay:base bundle >/dev/null
r=bundle/rootfs
mkdir -p "$r/bin" "$r/etc" "$r/data/keep" "$r/data/gone"
cp "$BUSYBOX" "$r/bin/busybox"
for c in sh ls cat id pwd env stat echo test; do ln -s busybox "$r/bin/$c"; done
echo base >"$r/etc/release"
echo kept >"$r/data/keep/a"
echo gone >"$r/data/gone/b"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nsvc:x:2000:3000::/:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nsvcs:x:3000:\n' >"$r/etc/group"
umoci repack --image lay:base bundle
# Layer 2 deletes a file; layer 3 makes /data opaque with one new file in it.
umoci insert --rootless --image lay:base --tag mid --whiteout /etc/release
python3 layer.py opq.tar d:data/ f:data/.wh..wh..opq= f:data/fresh=new
umoci raw add-layer --image lay:mid --tag top opq.tar
umoci config --image lay:top --tag app --config.env FOO=bar --config.cmd /bin/sh \
    --config.cmd -c --config.cmd 'echo hi $FOO' --config.workingdir /data \
    --config.user app --config.exposedports 8080/tcp

# --- import, ls, inspect -------------------------------------------------------------------
run_sbox image import "oci:$WORK/lay:app" app
is "$RC" 0 "an OCI layout's tagged image is imported"
like "$ERR" "3 layers, 3 unpacked, 0 shared" "... its three layers unpacked"
layer() { "$SBOX" image inspect "$1" | awk -v n="$2" '/^(layers| ) *sha256:/ { i++; if (i == n) { sub(/.*sha256:/, ""); sub(/ .*/, ""); print } }'; }
L2=$STORE/layers/$(layer app 2)
L3=$STORE/layers/$(layer app 3)
is "$(stat -c '%F %t:%T' "$L2/etc/release" 2>&1)" "character special file 0:0" \
    "a whiteout (.wh.release) is a 0/0 character device in its layer"
is "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.overlay.opaque").decode())' "$L3/data" 2>&1)" "y" \
    "an opaque directory (.wh..wh..opq) has user.overlay.opaque"
ok "... and no .wh. file is left in the layers" test -z "$(find "$L2" "$L3" -name '.wh.*')"
ok "layers are private" test "$(stat -c %a "$STORE/layers/$(layer app 1)")" = 700
run_sbox image ls
like "$OUT" "app " "image ls lists it"
like "$OUT" "     3 " "... with its three layers"
run_sbox image inspect app
like "$OUT" "env          FOO=bar" "inspect shows the config's Env"
like "$OUT" "cmd          /bin/sh -c echo hi \$FOO" "... its Cmd"
like "$OUT" "workdir      /data" "... its WorkingDir"
like "$OUT" "user         app" "... its User"
like "$OUT" "--publish HOST_PORT:8080" "... and its exposed port as a hint for --publish"

# --- shared layers ---------------------------------------------------------------------------
du_store() { du -sk "$STORE/layers" | cut -f1; }
before=$(du_store)
umoci config --image lay:base --tag other --config.env OTHER=1
run_sbox image import "oci:$WORK/lay:other" other
like "$RC $ERR" "0 sbox: imported other" "a second image on the same base is imported"
like "$ERR" "1 layer, 0 unpacked, 1 shared" "... its base layer shared, not unpacked again"
after=$(du_store)
ok "... and the store grew by less than 16 KiB ($before -> $after KiB)" test $((after - before)) -lt 16

# --- running stored images ------------------------------------------------------------------
# Images of their own layout (tags added to lay would change the tag list checked below).
cp -r lay run
umoci config --image run:top --tag ep --config.entrypoint /bin/echo --config.cmd from-cmd
prev=base
for i in $(seq 1 20); do
    python3 layer.py "m$i.tar" d:l/ "f:l/$i=$i"
    umoci raw add-layer --image "run:$prev" --tag "m$i" "m$i.tar"
    prev=m$i
done
run_sbox image import "oci:$WORK/run:ep" ep
is "$RC" 0 "an image with an Entrypoint is imported"
run_sbox image import "oci:$WORK/run:m20" many
is "$RC" 0 "an image of 21 layers is imported"
like "$ERR" "21 layers, 20 unpacked, 1 shared" "... its own 20 layers unpacked"

tree='test -e /bin/busybox && echo busybox; cat /etc/release 2>/dev/null || echo no-release; ls /data'
run_sbox --image app --uid 0 -- sh -c "$tree"
is "$RC" 0 "--image app runs"
is "$OUT" "busybox
no-release
fresh" "... inside, the base layer's files, the whiteout's file gone, the opaque /data holding only the top layer's"
run_sbox --image other --uid 0 -- sh -c 'cat /etc/release; ls /data; echo "$OTHER"'
is "$OUT" "base
gone
keep
1" "another image on the same base runs with the base's tree and its own Env"
run_sbox --image many -- sh -c 'ls /l | wc -l; cat /l/1 /l/20'
is "$RC/$OUT" "0/20
120" "21 layers are all lower layers (more than one fsconfig option could name)"
run_sbox -v --image many -- true
like "$ERR" "id map: subuid" "... under the ranged id map, as an image wants"
if [ -c /dev/fuse ] && [ -r /dev/fuse ] && [ -w /dev/fuse ] && command -v fuse-overlayfs >/dev/null; then
    run_sbox --image app --uid 0 --overlay tmpfs --overlay-driver fuse -- sh -c "$tree; grep -c fuse /proc/self/mounts"
    is "$RC/$OUT" "0/busybox
no-release
fresh
1" "fuse-overlayfs gets the three layers: the same tree, whiteouts and opaque directory read"
    run_sbox --image many --overlay tmpfs --overlay-driver fuse -- sh -c 'ls /l | wc -l'
    is "$RC/$OUT" "0/20" "... and the 21 layers of another"
else
    skip "fuse-overlayfs or /dev/fuse is not usable here" 2
fi

# The config: Cmd, Env, User, WorkingDir; flags and setenv over them.
run_sbox --image app
is "$RC/$OUT" "0/hi bar" "no command: the image's Cmd runs, with its Env"
run_sbox --image app -- sh -c 'id -u; id -g; pwd; echo "$FOO"; echo "$PATH"'
is "$OUT" "1000
1000
/data
bar
/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "User app (uid and group from the image's passwd), WorkingDir /data, Env FOO"
run_sbox --image app --uid 0 --chdir / --setenv FOO=mine -- sh -c 'id -u; pwd; echo "$FOO"'
is "$OUT" "0
/
mine" "--uid, --chdir and --setenv go over the image's User, WorkingDir and Env"
# A uid given alone takes its primary group from the image's passwd, as Docker's --user N.
run_sbox --image app --uid 2000 -- sh -c 'id -u; id -g'
is "$RC/$OUT" "0/2000
3000" "--uid N alone: N's primary group in the image's /etc/passwd"
run_sbox --image app --uid 2000 --dry-run
like "$OUT" "gid = 3000  ; from image app" "... and --dry-run says where the gid came from"
printf '[security]\nuid = 2000\n' >uid.ini
run_sbox -p "$WORK/uid.ini" --image app -- id -g
is "$RC/$OUT" "0/3000" "... uid = N in a profile too"
run_sbox --image app --uid 4242 -- id -g
is "$RC/$OUT" "0/0" "a uid the image's passwd does not list: group 0"
run_sbox --image app --uid 4242 --dry-run
like "$OUT" "gid = 0  ; built-in" "... said as the built-in one"
run_sbox --image app --uid 2000 --gid 7 -- id -g
is "$RC/$OUT" "0/7" "--gid still goes over the passwd's group"
run_sbox --image ep
is "$RC/$OUT" "0/from-cmd" "an Entrypoint runs with the Cmd when no command is given"
run_sbox --image ep -- one two
is "$RC/$OUT" "0/one two" "... and with the command given in place of the Cmd"
# --entrypoint as Docker's: one word in place of the Entrypoint; '' for none.
run_sbox --image ep --entrypoint /bin/sh -- -c 'echo "via $0"'
is "$RC/$OUT" "0/via /bin/sh" "--entrypoint replaces the Entrypoint, the command its arguments"
run_sbox --image ep --entrypoint /bin/echo
is "$RC/$OUT" "0/" "... and drops the Cmd, written for the Entrypoint it replaces (as Docker)"
run_sbox --image ep --entrypoint '' -- echo alone
is "$RC/$OUT" "0/alone" "--entrypoint '': the command given runs alone"
run_sbox --image app --entrypoint ''
is "$RC/$OUT" "0/hi bar" "... else the image's Cmd"
run_sbox --image ep --entrypoint ''
like "$RC/$ERR" "127/" "... (ep's Cmd alone is no program: 127)"
run_sbox --image ep --entrypoint '' --dry-run
like "$OUT" "
entrypoint =   ; from command line
" "--dry-run prints an empty entrypoint"
like "$OUT" "; command: from-cmd  (from image ep: its Cmd; its Entrypoint cleared)" "... and where the command comes from"
printf '%s\n' "$OUT" >ep.ini
run_sbox -p "$WORK/ep.ini" -- echo back
is "$RC/$OUT" "0/back" "... which loads back and runs the same"
run_sbox --image ep --entrypoint /bin/echo --dry-run -- one
like "$OUT" "entrypoint = /bin/echo  ; from command line" "--dry-run prints the entrypoint"
like "$OUT" "; command: /bin/echo one  (the entrypoint set, then the command given)" "... and the command it makes"
printf '%s\n' "$OUT" >ep.ini
run_sbox -p "$WORK/ep.ini" --dry-run
like "$OUT" "entrypoint = /bin/echo  ; from $WORK/ep.ini:" "... which loads back"
printf '[filesystem]\nimage = ep\n[process]\nentrypoint = /bin/sh\n' >ep.ini
run_sbox -p "$WORK/ep.ini" --chdir / -- -c 'echo profile'
is "$RC/$OUT" "0/profile" "entrypoint = in a profile's [process]"
run_sbox --entrypoint /bin/sh -- true
is "$RC/$(lines "$ERR")" "125/1" "--entrypoint without an image: one line, 125"
like "$ERR" "sbox: --entrypoint: an entrypoint needs a stored image (image = NAME)" "... naming the flag"
printf '[process]\nentrypoint =\n' >ep.ini
run_sbox -p "$WORK/ep.ini" -- true
like "$RC/$ERR" "125/sbox: $WORK/ep.ini:2: an entrypoint needs a stored image" "... and FILE:LINE in a profile, the empty one too"
run_sbox --image app --dry-run
like "$OUT" "uid = 1000  ; from image app" "--dry-run: the uid taken from the image, said"
like "$OUT" "chdir = /data  ; from image app" "... the working directory"
like "$OUT" "its Env (first in [env]; keep-env, setenv and unsetenv go on top): FOO=bar" "... its Env"
like "$OUT" "--publish HOST_PORT:8080" "... its exposed port, with the --publish that reaches it"
printf '%s\n' "$OUT" >plan.ini
run_sbox -p "$WORK/plan.ini" --dry-run
is "$RC" 0 "... and the plan loads back as a profile"
run_sbox -p "$WORK/plan.ini" -- id -u
is "$RC/$OUT" "0/1000" "... which runs the same"
# sbox profile show of a profile with an image shows what --dry-run shows of it.
printf '[profile]\ninclude = default\n[filesystem]\nimage = app\n' >show.ini
run_sbox -p "$WORK/show.ini" --dry-run
dry=$OUT
run_sbox profile show "$WORK/show.ini"
is "$RC/$ERR" "0/" "profile show of a profile with an image: no error"
for l in "uid = 1000  ; from image app" "gid = 1000  ; from image app" "chdir = /data  ; from image app" \
    "its Env (first in [env]; keep-env, setenv and unsetenv go on top): FOO=bar" \
    "--publish HOST_PORT:8080" "; command: /bin/sh -c echo hi \$FOO  (from image app: its Cmd)"; do
    case $dry in *"$l"*) like "$OUT" "$l" "... it shows, as --dry-run does: $l" ;;
    *) fail "--dry-run shows $l" ;;
    esac
done
printf '[profile]\ninclude = default\n[filesystem]\nimage = nosuch\n' >show.ini
run_sbox profile show "$WORK/show.ini"
is "$RC/$(lines "$ERR")" "0/1" "an image not in the store: the profile is still shown, after one line"
like "$ERR" "sbox: $WORK/show.ini:4: no image \`nosuch\` (sbox image ls lists them); its config (User, WorkingDir, Env, Entrypoint, Cmd) is applied when it runs: \`sbox -p $WORK/show.ini --dry-run\` shows it" "... saying so, and how to see it"
like "$OUT" "image = nosuch  ; from $WORK/show.ini:4" "... with its image line"

# A WorkingDir the image lacks is made, as Docker makes it: the payload's, 0755, inside the
# sandbox's root whatever symlinks of the image lie on the way; refused in one line where it
# cannot be made there.
HOSTPATH=/var/tmp/sbox-wd-$$
python3 layer.py wd.tar l:toroot=/ l:up=.. "l:esc=$WORK/esc" "l:hostpath=$HOSTPATH" \
    l:nowhere=/nonexistent/x
umoci raw add-layer --image run:top --tag wd wd.tar
long=$(python3 -c 'print("/" + "d/" * 2100)')
longname=$(python3 -c 'print("/" + "n" * 300)')
for w in new:/srv/app/new root:/toroot/made up:/up/made esc:/esc/made host:/hostpath/made \
    file:/data/fresh/sub nowhere:/nowhere/made long:"$long" longname:"$longname"; do
    umoci config --image run:wd --tag "wd-${w%%:*}" --config.user app --config.workingdir "${w#*:}"
    "$SBOX" image import "oci:$WORK/run:wd-${w%%:*}" "wd-${w%%:*}" 2>/dev/null ||
        echo "# import of wd-${w%%:*} failed"
done
run_sbox --image wd-new -- sh -c 'pwd; stat -c "%u:%g %a" /srv /srv/app /srv/app/new; echo x >f'
like "$RC/$OUT" "1//srv/app/new
1000:1000 755
1000:1000 755
1000:1000 755" "a missing WorkingDir is made, each component the image's User's, 0755"
like "$ERR" "Read-only file system" "... in the read-only image's throwaway layer, read-only as the rest"
run_sbox --image wd-new --overlay tmpfs -- sh -c 'echo x >f && cat f'
is "$RC/$OUT" "0/x" "... and writable with --overlay tmpfs"
run_sbox --image wd-new --uid 0 -- stat -c '%u:%g' /srv/app/new
is "$RC/$OUT" "0/0:0" "... the payload's ids, not the image's User, when --uid is given"
run_sbox --image wd-root -- pwd -P
is "$RC/$OUT" "0//made" "a WorkingDir through a symlink to / is made in the sandbox's root"
run_sbox --image wd-up -- pwd -P
is "$RC/$OUT" "0//made" "... and through a symlink to .."
run_sbox --image wd-host -- pwd -P
is "$RC/$OUT" "0/$HOSTPATH/made" "... and through a symlink to a host path: inside the root"
ok "... nothing of it outside: not on the host's path" test ! -e "$HOSTPATH" -a ! -e /made
ok "... nor in the store's layers" test -z "$(find "$STORE/layers" -name made)"
run_sbox --image wd-esc -- true
is "$RC/$(lines "$ERR")" "125/1" "a WorkingDir through a symlink into a bound host directory: one line, 125"
like "$ERR" "sbox: image wd-esc: WorkingDir \`/esc/made\` is missing \`$WORK/esc\`, and sbox makes directories only in the sandbox's own file systems, not in host directories bound in" "... saying why"
ok "... and nothing is made there" test ! -e "$WORK/esc"
run_sbox --image wd-file -- true
is "$RC/$(lines "$ERR")" "125/1" "a WorkingDir below a file: one line, 125"
like "$ERR" "sbox: image wd-file: WorkingDir \`/data/fresh/sub\`: \`/data/fresh\` is not a directory" "... naming WorkingDir and the file"
run_sbox --image wd-nowhere -- pwd -P
is "$RC/$OUT" "0//nonexistent/x/made" "... and through a symlink to nowhere yet: its target made, inside"
run_sbox --image wd-long -- true
like "$RC/$(lines "$ERR")/$ERR" "125/1/sbox: image wd-long: WorkingDir \`/d/d/d/" "a WorkingDir longer than a path: one line, 125"
like "$ERR" "is longer than a path may be (4200 bytes)" "... saying so"
run_sbox --image wd-longname -- true
like "$RC/$(lines "$ERR")/$ERR" "125/1/sbox: image wd-longname: WorkingDir \`/nnn" "a WorkingDir with a name longer than NAME_MAX: one line, 125"
run_sbox --image wd-new --overlay "$WORK/wdkept" -- true
at_exit '"$SBOX" image rm "$WORK/wdkept" >/dev/null 2>&1'
ok "--overlay DIR keeps the WorkingDir made in DIR's upper layer" \
    test -d "$WORK/wdkept/upper/srv/app/new"
run_sbox --image wd-new --userns single -- stat -c '%u:%g %a' /srv/app/new
is "$RC/$OUT" "0/1000:1000 755" "... made the payload's under the single id map too"
if [ -c /dev/fuse ] && [ -r /dev/fuse ] && [ -w /dev/fuse ] && command -v fuse-overlayfs >/dev/null; then
    run_sbox --image wd-new --overlay tmpfs --overlay-driver fuse -- stat -c '%u:%g %a' /srv/app/new
    is "$RC/$OUT" "0/1000:1000 755" "... and through fuse-overlayfs"
else
    skip "fuse-overlayfs or /dev/fuse is not usable here"
fi
run_sbox --image wd-new --chdir /nosuch -- true
is "$RC/$(lines "$ERR")" "125/1" "a chdir the user set is never made: missing, one line, 125"
like "$ERR" "--chdir: working directory \`/nosuch\`" "... naming the flag"
for w in new root up esc host file nowhere long longname; do "$SBOX" image rm "wd-$w" >/dev/null 2>&1; done

# Read-only, or writable through an overlay; the layers never change.
L1=$STORE/layers/$(layer app 1)
sum() { sha256sum "$L1/etc/passwd" | cut -d' ' -f1; }
before=$(sum)
run_sbox --image app --uid 0 -- sh -c 'echo x >>/etc/passwd'
like "$RC $ERR" "1 sh: can't create /etc/passwd: Read-only file system" "without --overlay the image is read-only"
run_sbox --image app --uid 0 --overlay tmpfs -- sh -c 'echo changed >>/etc/passwd && grep -c changed /etc/passwd'
is "$RC/$OUT" "0/1" "--overlay tmpfs: the image is writable"
run_sbox --image app --uid 0 -- sh -c 'grep -c changed /etc/passwd'
is "$OUT" "0" "... and the write is gone afterwards"
at_exit '"$SBOX" image rm "$WORK/kept" >/dev/null 2>&1'
run_sbox --image app --uid 0 --overlay "$WORK/kept" -- sh -c 'echo changed >>/etc/passwd; echo new >/data/mine'
is "$RC" 0 "--overlay DIR: the image is writable"
run_sbox --image app --uid 0 --overlay "$WORK/kept" -- sh -c 'grep -c changed /etc/passwd; cat /data/mine'
is "$OUT" "1
new" "... and the next run with DIR sees the writes"
ok "... kept in DIR's upper layer" grep -q changed "$WORK/kept/upper/etc/passwd"
is "$(sum)" "$before" "... while the layer's file is unchanged (sha256)"
run_sbox --image other --overlay "$WORK/kept" -- true
is "$RC/$(lines "$ERR")" "125/1" "... and DIR is refused for another image"
like "$ERR" "holds changes to the stored image sha256:" "... which it names"

# Errors: one line, 125, naming the flag.
run_sbox --image nosuch -- true
is "$RC/$(lines "$ERR")" "125/1" "a missing image: one line, 125"
is "$ERR" "sbox: --image: no image \`nosuch\` (sbox image ls lists them)" "... naming the flag and sbox image ls"
run_sbox --image app --rootfs "$WORK" -- true
is "$RC/$(lines "$ERR")" "125/1" "--image and --rootfs together: one line, 125"
like "$ERR" "sbox: --image: the root is an image or a directory, not both: rootfs is set too (--rootfs)" "... saying so"
printf '[filesystem]\nimage = bad..name\n' >bad.ini
run_sbox -p "$WORK/bad.ini" -- true
like "$RC $ERR" "125 sbox: $WORK/bad.ini:2: \`bad..name\` is not an image name" "a bad name in a profile: FILE:LINE"

# Symlinks put in the store (what a sandbox writing it could do): a layer's directory, then
# the directory of layers.
LM=$STORE/layers/$(layer many 21)
mv "$LM" "$LM.real" && ln -s "$(basename "$LM").real" "$LM"
run_sbox --image many -- true
is "$RC/$(lines "$ERR")" "125/1" "a layer replaced by a symlink is refused in one line"
like "$ERR" "image \`many\` is damaged" "... as damaged"
rm "$LM" && mv "$LM.real" "$LM"
mv "$STORE/layers" "$STORE/layers.real" && ln -s layers.real "$STORE/layers"
run_sbox --image many -- true
is "$RC/$(lines "$ERR")" "125/1" "the layers' directory replaced by a symlink is refused in one line"
like "$ERR" "--image: image layer \`$STORE/layers/" "... naming the layer"
like "$ERR" "a symlink was put in its way" "... and the symlink"
rm "$STORE/layers" && mv "$STORE/layers.real" "$STORE/layers"
"$SBOX" image rm ep >/dev/null

# The store is held while an image runs: prune refused, rm leaves the layers.
mkfifo ready go
"$SBOX" --image many -- sh -c "echo started >$WORK/ready; cat $WORK/go >/dev/null; cat /l/20" >held.out 2>&1 &
held=$!
is "$(timeout 30 cat ready)" "started" "an image runs in the background"
run_sbox image prune
is "$RC/$(lines "$ERR")" "125/1" "prune while it runs: refused in one line"
like "$ERR" "a sandbox is running an image" "... saying why"
run_sbox image rm many
like "$RC $ERR" "0 sbox: removed many" "rm while it runs removes the name"
like "$ERR" "its layers stay until \`sbox image prune\`" "... and says the layers stay"
ok "... which they do" test -d "$LM"
timeout 30 sh -c "echo go >$WORK/go"
wait "$held"
is "$?/$(cat held.out)" "0/20" "the run went on reading its layers to its end"
run_sbox image prune
like "$RC $ERR" "0 sbox: removed 20 layers" "once it ended, prune removes the layers only it used"

# --- formats through skopeo ------------------------------------------------------------------
skopeo copy -q "oci:$WORK/lay:app" "oci-archive:$WORK/app.oci.tar:app"
skopeo copy -q "oci:$WORK/lay:app" "docker-archive:$WORK/app.docker.tar:app:v1"
skopeo copy -q "oci:$WORK/lay:app" "dir:$WORK/app.dir"
skopeo copy -q "dir:$WORK/app.dir" "oci:$WORK/lay2:again"
run_sbox image import "oci-archive:$WORK/app.oci.tar" app-archive
like "$RC $ERR" "0 sbox: imported app-archive" "an oci-archive is imported"
like "$ERR" "3 layers, 0 unpacked, 3 shared" "... sharing the layers of the same image"
run_sbox image import "$WORK/app.oci.tar" app-sniffed
is "$RC" 0 "an oci-archive given as a plain path is recognised"
run_sbox image import "docker-archive:$WORK/app.docker.tar" app-docker
is "$RC" 0 "a docker-archive is imported"
like "$ERR" "3 layers, 3 unpacked" "... its (uncompressed) layers stored by their own digests"
run_sbox image inspect app-docker
like "$OUT" "env          FOO=bar" "... with its config"
run_sbox image import "oci:$WORK/lay2:again" app-dir
like "$RC $ERR" "0 sbox: imported app-dir" "a layout made from skopeo's dir: is imported"
run_sbox import app.oci.tar flat
is "$RC/$(lines "$ERR")" "125/1" "sbox import refuses an image archive in one line"
like "$ERR" "not a root file system" "... saying what it is"
ok "... and leaves nothing" test ! -e flat
run_sbox import lay flat
like "$RC $ERR" "125 sbox: import: \`lay\` is an OCI image layout" "sbox import names an OCI layout"

# --- errors ----------------------------------------------------------------------------------
names_before=$("$SBOX" image ls | wc -l)
layers_before=$(ls "$STORE/layers" | wc -l)
run_sbox image import "oci:$WORK/lay:nosuch" x
is "$RC/$(lines "$ERR")" "125/1" "an unknown tag: one line, 125"
like "$ERR" "no image is tagged \`nosuch\` (tags: base, mid, top, app, other)" "... naming the tags"
run_sbox image import "ftp://example/x" x
like "$RC $ERR" "125 sbox: image import: \`ftp://example/x\`: unsupported source" "an unknown source kind is refused"
run_sbox image import "oci:$WORK/lay:app" "../bad"
like "$RC $ERR" "125 sbox: image import: \`../bad\` is not an image name" "a bad name is refused"

# A corrupted layer blob: same size, one byte changed.
cp -r lay bad
python3 layer.py big.tar d:big/ f:big/file=0123456789
umoci raw add-layer --image bad:base --tag corrupt big.tar
blob=$(python3 -c '
import json, sys
idx = json.load(open("bad/index.json"))
m = [e for e in idx["manifests"] if e["annotations"]["org.opencontainers.image.ref.name"] == "corrupt"][0]
man = json.load(open("bad/blobs/sha256/" + m["digest"][7:]))
print(man["layers"][-1]["digest"][7:])')
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0xff
open(p, "wb").write(bytes(b))' "bad/blobs/sha256/$blob"
run_sbox image import "oci:$WORK/bad:corrupt" corrupt
is "$RC/$(lines "$ERR")" "125/1" "a corrupted layer is refused in one line"
like "$ERR" "digest mismatch" "... as a digest mismatch"
# A manifest whose blob was changed.
cp -r lay bad2
mdig=$(python3 -c '
import json
idx = json.load(open("bad2/index.json"))
print([e for e in idx["manifests"] if e["annotations"]["org.opencontainers.image.ref.name"] == "app"][0]["digest"][7:])')
sed -i 's/"schemaVersion":2/"schemaVersion":2 /' "bad2/blobs/sha256/$mdig"
run_sbox image import "oci:$WORK/bad2:app" corrupt
like "$RC $ERR" "125 sbox: image import: oci:$WORK/bad2:app: blob sha256:" "a changed manifest is refused"
like "$ERR" "digest mismatch" "... as a digest mismatch"

# Hostile layers: a path out through a symlink, `..`, an absolute path, a whiteout through a
# symlink out.
mkdir target
for h in "l:out=$WORK/target f:out/escaped=x" "f:../escaped-dotdot=x" "f:/escaped-abs=x" \
    "l:wo=$WORK/target f:wo/.wh.victim="; do
    n=$((${n:-0} + 1))
    # shellcheck disable=SC2086
    python3 layer.py "h$n.tar" $h
    umoci raw add-layer --image lay:base --tag "hostile$n" "h$n.tar"
    run_sbox image import "oci:$WORK/lay:hostile$n" "hostile$n"
    is "$RC" 125 "hostile layer $n ($h) is refused"
done
: >target/victim
ok "... nothing was written through the symlinks" test -z "$(ls -A target | grep -v victim)"
ok "... nor beside the store" test ! -e "$WORK/escaped-dotdot" -a ! -e /escaped-abs
is "$("$SBOX" image ls | wc -l)" "$names_before" "... no name was added by a refused import"
is "$(ls "$STORE/layers" | wc -l)" "$layers_before" "... nor a layer, whole or half"
ok "... and nothing is left in the store's tmp" test -z "$(ls -A "$STORE/tmp")"

# --- rm, prune -------------------------------------------------------------------------------
run_sbox image rm app-docker
like "$RC $ERR" "0 sbox: removed app-docker" "image rm removes a name"
like "$ERR" "removed 3 layers" "... and the layers only it used"
run_sbox image inspect app-docker
like "$RC $ERR" "125 sbox: image inspect: no image \`app-docker\`" "... it is gone"
run_sbox image rm app
is "$RC" 0 "removing an image whose layers others share"
ok "... keeps the shared layers" test -d "$STORE/layers/$(layer app-archive 3)"
run_sbox image prune
like "$RC $ERR" "0 sbox: removed 0 layers" "prune with nothing unused removes nothing"
for n in app-archive app-sniffed app-dir other; do "$SBOX" image rm "$n" >/dev/null 2>&1; done
is "$(ls -A "$STORE/layers" "$STORE/blobs/sha256" "$STORE/names" | grep -c .)" 3 \
    "with every image removed, the store holds no layer, blob or name"

# --- a registry of our own on loopback -------------------------------------------------------
if command -v docker-registry >/dev/null; then
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir reg
    cat >reg/config.yml <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $WORK/reg/data
http:
  addr: 127.0.0.1:$port
EOF
    docker-registry serve reg/config.yml >reg/log 2>&1 &
    regpid=$!
    at_exit "kill $regpid 2>/dev/null"
    i=0
    until skopeo inspect --tls-verify=false "docker://127.0.0.1:$port/none:x" 2>&1 | grep -q -e 'manifest unknown' -e 'name unknown' -e 'not found'; do
        i=$((i + 1))
        [ $i -lt 100 ] || break
        python3 -c 'import time; time.sleep(0.05)' # a bounded poll for the server's start
    done
    skopeo copy -q --dest-tls-verify=false "oci:$WORK/lay:app" "docker://127.0.0.1:$port/sbox/app:1"
    run_sbox image pull --tls-verify=false "docker://127.0.0.1:$port/sbox/app:1"
    is "$RC" 0 "an image is pulled from a registry on loopback"
    like "$ERR" "sbox: imported 127.0.0.1:$port/sbox/app:1 (" "... named after its reference"
    run_sbox image inspect "127.0.0.1:$port/sbox/app:1"
    like "$OUT" "env          FOO=bar" "... with its config"
    run_sbox image pull --tls-verify=false "docker://127.0.0.1:$port/sbox/app:nosuch"
    is "$RC/$(lines "$ERR")" "125/1" "an unknown tag in the registry: one line, 125"
    like "$ERR" "skopeo could not copy" "... saying skopeo could not copy it"
    "$SBOX" image rm "127.0.0.1:$port/sbox/app:1" >/dev/null 2>&1
else
    skip "docker-registry is not installed"
fi
run_sbox image pull docker://127.0.0.1:1/x:1
is "$RC" 125 "a registry that is not there: 125"
ERR=$(env PATH=/nonexistent "$SBOX" image pull docker://127.0.0.1:1/x:1 2>&1)
like "$ERR" "needs skopeo (package skopeo)" "without skopeo: the package named"

done_testing
