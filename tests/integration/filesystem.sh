#!/bin/sh
# The file system: default visibility, binds, tmpfs, hide, symlink safety, no mount leaks.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

# Plant fake secrets where a careless sandbox would show them.
for d in .ssh .aws .gnupg .config/gh; do mkdir -p "$HOME/$d"; done
echo fake-key >"$HOME/.ssh/id_ed25519"
echo fake-aws >"$HOME/.aws/credentials"
echo fake-gpg >"$HOME/.gnupg/secring.gpg"
echo fake-gh >"$HOME/.config/gh/hosts.yml"
proj=$(mktemp -d "$HOME/proj.XXXXXX")
at_exit rm -rf "$proj"
hostsecret=$(mktemp /tmp/sbox-host-secret.XXXXXX)
at_exit rm -f "$hostsecret"

cd "$proj"
run_sbox -- sh -c 'ls -A "$HOME"'
is "$OUT" "$(basename "$proj")" "home holds only the current directory"
for f in .ssh/id_ed25519 .aws/credentials .gnupg/secring.gpg .config/gh/hosts.yml; do
    run_sbox -- cat "$HOME/$f"
    ok "~/$f is not visible" test "$RC" -ne 0 -a -z "$OUT"
done
run_sbox -- ls -A /tmp
is "$OUT" "" "/tmp is private and empty"
run_sbox -- ls -A /run
is "$OUT" "" "/run is private and empty (no /run/user/$(id -u))"
run_sbox -- ls -A /home
is "$OUT" "$(basename "$HOME")" "other users' homes are not visible"
run_sbox -- sh -c 'ls -A /root 2>/dev/null; ls -d /var /srv /mnt /media /sys /boot 2>/dev/null'
is "$OUT" "" "/root, /var, /srv, /mnt, /media, /sys and /boot are not there"

run_sbox -- sh -c 'echo written >inside.txt'
is "$(cat "$proj/inside.txt" 2>/dev/null)" "written" "the current directory is writable and shared"
run_sbox -- sh -c 'pwd'
is "$OUT" "$proj" "the payload starts in the current directory"
run_sbox -- sh -c 'echo x >"$HOME/in-home.txt" && cat "$HOME/in-home.txt"'
is "$OUT" "x" "the empty home is writable"
ok "writes to the empty home do not reach the host" test ! -e "$HOME/in-home.txt"

for d in /usr /etc /bin /; do
    run_sbox -- sh -c "touch $d/sbox-probe 2>/dev/null && echo wrote || echo refused"
    is "$OUT" "refused" "$d is read-only"
done
run_sbox -- sh -c 'touch /dev/sbox-probe 2>/dev/null && echo wrote || echo refused'
is "$OUT" "refused" "/dev cannot be added to"
# (/dev/console is there too when stdin is a terminal.)
run_sbox -- sh -c 'ls /dev | grep -v "^console$" | tr "\n" " "' </dev/null
is "$OUT" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " "/dev is minimal"
run_sbox -- sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c'
is "$(echo $OUT)" "4 4" "/dev/null, /dev/zero and /dev/urandom work"
run_sbox -- sh -c 'echo x >/dev/full'
ok "/dev/full is full" test "$RC" -ne 0
run_sbox -- sh -c 'echo x >/dev/shm/a && cat /dev/shm/a'
is "$OUT" "x" "/dev/shm is a writable tmpfs"
run_sbox --dev /x/dev -- sh -c 'touch /dev/planted /x/dev/planted 2>/dev/null || echo sealed'
is "$OUT" "sealed" "every /dev given is sealed, not only the last"
run_sbox --ro-bind "$0:/dev/extra" -- sh -c 'test -s /dev/extra && touch /dev/x 2>/dev/null || echo bound-and-sealed'
is "$OUT" "bound-and-sealed" "a bind into /dev works, and /dev is still sealed after it"

# --cwd: read-only, or not at all.
echo mine >"$proj/mine.txt"
run_sbox --cwd ro-bind -- sh -c 'cat mine.txt; touch new.txt 2>/dev/null || echo refused'
is "$(echo $OUT)" "mine refused" "--cwd ro-bind shows the current directory read-only"
run_sbox --cwd none -- sh -c 'pwd; ls -A "$HOME"'
is "$OUT" "$HOME" "--cwd none: the directory is not shown and the payload starts in the empty home"

# The project's top: from a subdirectory, the whole work tree is shown (git's .git, or the
# nearest project file), and the command starts where the shell is.
top=$WORK/webapp
mkdir -p "$top/.git" "$top/test/unit" "$top/lib"
echo '{}' >"$top/package.json"
echo lib >"$top/lib/a.js"
(cd "$top/test/unit" && "$SBOX" -- sh -c 'pwd; cat ../../package.json ../../lib/a.js; touch ../../made') \
    >"$WORK/out" 2>&1
is "$(echo $(cat "$WORK/out"))" "$top/test/unit {} lib" \
    "from a subdirectory the project's top (.git) is shown, starting in the subdirectory"
ok "... writable, as cwd = bind says" test -e "$top/made"
(cd "$top/test/unit" && "$SBOX" -v --dry-run -- true) >"$WORK/out" 2>&1
like "$(cat "$WORK/out")" "showing the project's top $top (it holds .git), starting in $top/test/unit" \
    "-v says which directory is the top and why"
like "$(cat "$WORK/out")" ";   shows the project's top $top (it holds .git)" "--dry-run shows it too"
(cd "$top/test/unit" && "$SBOX" --cwd here -- sh -c 'pwd; ls ../..; cat ../../package.json 2>&1') \
    >"$WORK/out" 2>&1
unlike "$(cat "$WORK/out")" "{}" "cwd = here shows the current directory alone"
like "$(cat "$WORK/out")" "$top/test/unit" "... and starts there"
(cd "$top/test" && "$SBOX" --cwd ro-bind -- sh -c 'cat ../package.json; touch ../x 2>/dev/null || echo refused') \
    >"$WORK/out" 2>&1
is "$(echo $(cat "$WORK/out"))" "{} refused" "cwd = ro-bind shows the project's top read-only"
rm -rf "$top/.git"
mkdir -p "$top/pkg/src"
echo '[project]' >"$top/pkg/pyproject.toml"
(cd "$top/pkg/src" && "$SBOX" -- sh -c 'ls -a ..; ls ../.. 2>&1') >"$WORK/out" 2>&1
like "$(cat "$WORK/out")" "pyproject.toml" "without version control the nearest project file marks the top"
unlike "$(cat "$WORK/out")" "package.json" "... the nearest one, not a farther one"
# A directory with more names than one read of it holds (1,500 long ones) is searched name by
# name: its marker is still found.
big=$WORK/big
mkdir -p "$big/src"
i=0
while [ "$i" -lt 1500 ]; do
    : >"$big/generated-file-with-a-rather-long-name-number-$i.js"
    i=$((i + 1))
done
echo '{}' >"$big/package.json"
(cd "$big/src" && "$SBOX" -v --dry-run -- true) >"$WORK/out" 2>&1
like "$(cat "$WORK/out")" "showing the project's top $big (it holds package.json)" \
    "a top with 1,500 names is found all the same"
rm -rf "$big"
# A project's top is never the home, nor above it: a dotfiles repository in the home does not
# hand the home over.
mkdir -p "$HOME/.git" "$HOME/sbox-test-loose/sub"
(cd "$HOME/sbox-test-loose/sub" && "$SBOX" -- sh -c 'ls -A ..') >"$WORK/out" 2>&1
is "$(cat "$WORK/out")" "sub" "a .git in the home does not make the home the project"
rmdir "$HOME/.git"
rm -rf "$HOME/sbox-test-loose"
# A marker is looked at, never followed: a symlink named .git counts as one (it is git's too),
# and a sandbox can only plant markers where it writes, which makes the top nearer, not wider.
mkdir -p "$top/deep/er"
ln -s /nonexistent "$top/deep/.git"
(cd "$top/deep/er" && "$SBOX" -- sh -c 'ls -A ..') >"$WORK/out" 2>&1
is "$(echo $(cat "$WORK/out"))" ".git er" "the nearest marker wins, a dangling symlink included"
rm -rf "$top"

# HOME pointing elsewhere (CI, sudo) does not make the real home bindable.
realhome=$HOME
cd "$realhome"
mkdir -p "$WORK/fakehome"
HOME=$WORK/fakehome run_sbox -- sh -c "touch $realhome/planted-by-sandbox"
ok "the real home is not bound when HOME is overridden" test ! -e "$realhome/planted-by-sandbox"
like "$ERR" "not binding the current directory $realhome" "... and one line says so"
cd "$WORK"

# From $HOME itself: not bound, one remark, and the home is empty.
cd "$HOME"
run_sbox -- sh -c 'ls -A "$HOME"; pwd'
is "$OUT" "$HOME" "run from home: the home is empty and the payload starts there"
is "$(lines "$ERR")" 1 "run from home: one line says so"
like "$ERR" "not binding the current directory" "run from home: the line explains"
cd /
run_sbox -- sh -c 'ls -A "$HOME"'
is "$OUT" "" "run from /: the home is empty"
like "$ERR" "not binding the current directory /" "run from /: one line says so"
cd /tmp
run_sbox -- sh -c "ls /tmp"
is "$OUT" "" "run from /tmp: the host's /tmp is not bound"
cd "$WORK"

# Binds.
mkdir -p "$WORK/data" && echo data >"$WORK/data/f"
run_sbox --bind "$WORK/data:/data" -- sh -c 'cat /data/f && echo new >/data/g'
is "$OUT" "data" "--bind SRC:DST shows SRC at DST"
is "$(cat "$WORK/data/g" 2>/dev/null)" "new" "--bind is writable"
run_sbox --ro-bind "$WORK/data:/data" -- sh -c 'cat /data/f; echo x >/data/h 2>/dev/null || echo refused'
is "$(echo $OUT)" "data refused" "--ro-bind is read-only"
run_sbox --ro-bind "$WORK/data" -- cat "$WORK/data/f"
is "$OUT" "data" "--ro-bind SRC binds at the same path"
# Read-only all the way down: the host's /dev has submounts (/dev/shm is writable there).
run_sbox --ro-bind /dev:/hostdev -- sh -c 'touch /hostdev/shm/sbox-probe 2>/dev/null && echo wrote || echo refused'
is "$OUT" "refused" "--ro-bind is read-only recursively, submounts included"
rm -f /dev/shm/sbox-probe
run_sbox --bind-try /nonexistent-src:/x --ro-bind-try /nonexistent-src2 -- echo ran
is "$RC/$OUT" "0/ran" "--bind-try and --ro-bind-try skip a missing source"
run_sbox --bind /nonexistent-src:/x -- echo ran
is "$RC" 125 "--bind with a missing source fails"
mkdir -p "$WORK/sub dir:colon"
run_sbox --bind "$WORK/sub dir\\:colon:/c" -- sh -c 'touch /c/ok'
ok "a ':' in a path is escaped with a backslash" test -e "$WORK/sub dir:colon/ok"
run_sbox --ro-bind "$WORK/data/f:/etc/motd-test" -- cat /etc/motd-test
is "$RC" 125 "a mount point cannot be created in a host directory such as /etc"
like "$ERR" "/etc/motd-test" "... and the error names it"

# Mount points are never created in the caller's own files: a destination inside a host
# directory must exist, and the error says so.
run_sbox --bind "$WORK/data:$WORK/newdir/sub" -- true
is "$RC" 125 "a missing mount point inside a bound host directory is an error"
like "$ERR" "create it first" "... which says what to do"
ok "... and nothing was created on the host" test ! -e "$WORK/newdir"
mkdir "$WORK/existing"
run_sbox --ro-bind "$WORK/data:$WORK/existing" -- cat "$WORK/existing/f"
is "$OUT" "data" "an existing directory in a bound host directory is a fine mount point"

# A symlink below a directory the sandbox can write may have been planted by an earlier run:
# a bind source through it is refused, not followed (elsewhere symlinks are followed).
secret=$(mktemp -d /tmp/sbox-secret.XXXXXX)
at_exit rm -rf "$secret"
echo topsecret >"$secret/key"
ln -s "$secret" "$WORK/.git"
run_sbox --ro-bind "$WORK/.git:/x" -- cat /x/key
is "$RC/$OUT" "125/" "a bind source through a symlink in the writable directory is refused"
like "$ERR" "is not followed" "... and the error says why"
# ... however the path is spelt: here through a symlink to the writable directory.
ln -s "$WORK" "$WORK/../sbox-alias-$$"
at_exit rm -f "$WORK/../sbox-alias-$$"
run_sbox --ro-bind "$WORK/../sbox-alias-$$/.git:/x" -- cat /x/key
is "$RC/$OUT" "125/" "... also when the path reaches it through another spelling"
printf '[profile]\ninclude = default\n[filesystem]\ncwd = none\nbind = %s\nro-bind = %s:/x\n' \
    "$(dirname "$WORK")/sbox-alias-$$" "$WORK/.git" >"$WORK/alias.ini"
run_sbox -p "$WORK/alias.ini" -- cat /x/key
is "$RC/$OUT" "125/" "... and when the writable bind itself is spelt through a symlink"
ln -s "$WORK/data" "$HOME/link-to-data"
at_exit rm -f "$HOME/link-to-data"
run_sbox --ro-bind "$HOME/link-to-data:/y" -- cat /y/f
is "$OUT" "data" "a symlink elsewhere in a source is followed"

# mirror: a symlink stays a symlink, a directory is bound read-only, a missing path is skipped.
mkdir -p "$WORK/mdir" && echo m >"$WORK/mdir/f" && ln -s mdir "$WORK/mlink"
run_sbox --cwd none --mirror "$WORK/mlink" --mirror "$WORK/mdir" --mirror /nonexistent-m -- \
    sh -c "readlink $WORK/mlink; cat $WORK/mlink/f; touch $WORK/mdir/g 2>/dev/null || echo ro"
is "$(echo $OUT)" "mdir m ro" "--mirror recreates a symlink, binds a directory read-only, skips a missing path"
run_sbox --proc /x/proc -- sh -c 'test -e /x/proc/self/status && echo second-proc'
is "$OUT" "second-proc" "--proc mounts a fresh proc where asked"

# tmpfs.
run_sbox --tmpfs /scratch:size=1M,mode=0710 -- sh -c 'stat -c %a /scratch; dd if=/dev/zero of=/scratch/big bs=1024 count=2048 2>/dev/null && echo fit || echo full'
is "$(echo $OUT)" "710 full" "--tmpfs size and mode are applied"
cp /bin/true "$WORK/true-bin"
run_sbox --tmpfs /x:noexec -- sh -c "cp $WORK/true-bin /x/t && /x/t && echo ran || echo refused"
is "$OUT" "refused" "--tmpfs noexec"
run_sbox --tmpfs "$HOME/.cache" -- sh -c 'echo x >"$HOME/.cache/y" && cat "$HOME/.cache/y"'
is "$OUT" "x" "a tmpfs inside the home tmpfs"

# hide.
run_sbox --hide /etc/passwd -- sh -c 'wc -c </etc/passwd; echo x >>/etc/passwd 2>/dev/null || echo refused'
is "$(echo $OUT)" "0 refused" "--hide shows a file as empty and unwritable"
run_sbox --hide /etc -- sh -c 'ls -A /etc | wc -l; touch /etc/x 2>/dev/null || echo refused'
is "$(echo $OUT)" "0 refused" "--hide shows a directory as empty and unwritable"
run_sbox --bind "$WORK/data:/data" --hide /data/f -- sh -c 'wc -c </data/f'
is "$OUT" "0" "--hide covers a path inside a bind, whatever the order"
is "$(cat "$WORK/data/f")" "data" "... and the hidden file is untouched on the host"

# Destinations never follow a symlink out of the sandbox. An absolute link to a host directory
# the sandbox does not show is refused; a relative one that climbs out with ".." stops at the
# sandbox's root and lands in its private /tmp.
target=$(mktemp -d /tmp/sbox-escape.XXXXXX)
at_exit rm -rf "$target"
ln -s "$target" "$WORK/abs-link"
run_sbox --bind "$WORK/data:$WORK/abs-link/x" -- true
is "$RC" 125 "a bind through a symlink to a host path outside the sandbox is refused"
is "$(ls -A "$target")" "" "... and nothing was created at the link's host target"
name=sbox-escape-$$
ln -s "../../../../../../../../../../tmp" "$WORK/rel-link"
run_sbox --bind "$WORK/data:$WORK/rel-link/$name" -- cat "/tmp/$name/f"
is "$RC/$OUT" "0/data" "a '..' link resolves inside the sandbox (its own /tmp)"
ok "... and nothing was created in the host's /tmp" test ! -e "/tmp/$name"

# Nothing mounted in the sandbox shows on the host, during or after a run.
before=$(wc -l </proc/self/mountinfo)
mkfifo "$WORK/ready" "$WORK/go"
"$SBOX" --tmpfs /a --bind "$WORK/data:/b" -- sh -c "echo up >$WORK/ready; read x <$WORK/go" &
spid=$!
up=$(timeout 60 head -n 1 "$WORK/ready")
is "$up" "up" "the sandbox started"
during=$(wc -l </proc/self/mountinfo)
timeout 60 sh -c 'echo go >"$1"' sh "$WORK/go"
wait "$spid"
after=$(wc -l </proc/self/mountinfo)
is "$during" "$before" "no mount appears on the host while a sandbox runs"
is "$after" "$before" "no mount is left on the host after it"

done_testing
