#!/bin/sh
# Captured directories: an untrusted build writes freely, the real directory stays as it was,
# sbox diff shows every change, sbox apply lands exactly the chosen ones and nothing else.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

# The store on the home's file system (the default place is checked once, further down).
state=$(mktemp -d "$HOME/state.XXXXXX")
at_exit rm -rf "$state"
XDG_STATE_HOME=$state
export XDG_STATE_HOME
store=$state/sbox/captures
outside=$(mktemp -d "$HOME/outside.XXXXXX")
at_exit rm -rf "$outside"
echo outside >"$outside/keep"

# A project to build: text, a binary file, a directory, a git hooks directory.
new_project() {
    proj=$(mktemp -d "$HOME/proj.XXXXXX")
    at_exit rm -rf "$proj"
    cd "$proj" || exit 1
    printf 'hello\n' >a.txt
    printf 'keep me\n' >b.txt
    printf 'delete me\n' >c.txt
    printf 'bin\000ary\n' >blob.bin
    mkdir -p src .git/hooks
    printf 'int main(void) { return 0; }\n' >src/main.c
    printf '[core]\n' >.git/config
}

# Every name, type, mode and content below the directory, for "nothing changed" checks.
snapshot() {
    (cd "$1" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort &&
        find . -type f -exec cksum {} + | LC_ALL=C sort)
}

# The capture's id from sbox's summary line ("...; review: sbox diff ID").
capture_id() { printf '%s\n' "$ERR" | sed -n 's/.*review: sbox diff \([0-9a-f]*\).*/\1/p' | head -n 1; }

# start_build SCRIPT: runs sbox capturing $proj in the background with SCRIPT, then tells the
# test it is ready and waits to be let go (by `echo go >"$WORK/go"`): returns once SCRIPT has
# run, with sbox's pid in $bg_sbox, its subshell in $bg and the capture's id in $id.
mkfifo "$WORK/go" "$WORK/ready"
start_build() {
    (
        "$SBOX" --capture "$proj" --bind "$WORK" -- sh -c "$1
            echo >'$WORK/ready'; read x <'$WORK/go'" >/dev/null 2>&1 &
        echo $! >"$WORK/bg.pid"
        wait
    ) &
    bg=$!
    read -r _ <"$WORK/ready"
    bg_sbox=$(cat "$WORK/bg.pid")
    id=$(ls -t "$store" | head -n 1)
}

new_project
before=$(snapshot "$proj")
outside_before=$(snapshot "$outside")
build='echo changed >>a.txt && rm c.txt && mv b.txt b2.txt && echo new >src/new.c &&
    printf "#!/bin/sh\necho pwned\n" >.git/hooks/pre-commit && chmod +x .git/hooks/pre-commit &&
    echo "export PATH=/evil:\$PATH" >.envrc && printf "\001\002" >blob.bin && chmod 755 src/main.c &&
    cat a.txt'
run_sbox --capture "$proj" -- sh -c "$build"
is "$RC" 0 "a build in a captured directory runs"
is "$OUT" "hello
changed" "the build reads back what it wrote"
is "$(snapshot "$proj")" "$before" "the real directory is not written"
id=$(capture_id)
ok "one summary line names the capture ($ERR)" test -n "$id" -a "$(lines "$ERR")" = 1
like "$ERR" "9 files changed, 4 added, 2 deleted in ~/$(basename "$proj") (2 denied, 0 refused: apply leaves them out); review: sbox diff $id" \
    "the summary counts the changes"
ok "the capture is kept in XDG_STATE_HOME" test -d "$store/$id"

run_sbox captures
like "$OUT" "$id" "sbox captures lists it"
like "$OUT" "exit 0" "... with how the run ended"
like "$OUT" "9 changed, 4 added, 2 del" "... with its counts"
like "$OUT" "~/$(basename "$proj"): sh -c" "... with its directory and command"

run_sbox diff "$id" --stat
is "$RC" 0 "sbox diff --stat succeeds"
for line in "M a.txt" "D b.txt" "A b2.txt" "D c.txt" "A src/new.c" "M src/main.c" "M blob.bin" \
    "A .git/hooks/pre-commit   !! denied (capture-deny .git/hooks/**)" \
    "A .envrc   !! denied (capture-deny .envrc)"; do
    like "$OUT" "  $line" "--stat shows: $line"
done
like "$OUT" "9 changed, 4 added, 2 deleted" "--stat counts them"

run_sbox diff "$id"
like "$OUT" "--- a/a.txt
+++ b/a.txt" "sbox diff shows a unified diff of a changed text file"
like "$OUT" " hello
+changed" "... with the added line"
like "$OUT" "--- a/c.txt
+++ /dev/null" "a deleted file is shown as a deletion"
like "$OUT" "new file src/new.c (mode 0644)" "an added file is shown as one"
like "$OUT" "mode src/main.c: 0644 -> 0755" "a mode change is shown"
like "$OUT" "Binary file b/blob.bin differs" "a binary file gets one line"
like "$OUT" "!!! DENIED: .git/hooks/pre-commit matches capture-deny" "a denied path is marked loudly"
like "$OUT" "+echo pwned" "... and its content is still shown"
run_sbox diff "$id" a.txt
like "$OUT" "+changed" "sbox diff PATH shows that path"
unlike "$OUT" "c.txt" "... and no other"
run_sbox diff "${id%????}"
is "$RC" 0 "a unique prefix of the id names the capture"
run_sbox diff last --stat
like "$OUT" "capture $id of" "\`last\` names the newest capture"

# Apply one path, then the rest.
run_sbox apply "$id" a.txt
is "$RC" 0 "sbox apply PATH succeeds"
is "$(cat "$proj/a.txt")" "hello
changed" "... and lands that path"
ok "... and nothing else (b.txt is still there)" test -f "$proj/b.txt" -a ! -e "$proj/b2.txt"
run_sbox apply "$id"
is "$RC" 0 "sbox apply lands the rest"
like "$ERR" "left out .git/hooks/pre-commit: matches capture-deny \`.git/hooks/**\`" \
    "... saying the hook is left out"
like "$ERR" "left out .envrc" "... and .envrc"
ok "the hook did not land" test ! -e "$proj/.git/hooks/pre-commit"
ok ".envrc did not land" test ! -e "$proj/.envrc"
ok "the deletions landed" test ! -e "$proj/c.txt" -a ! -e "$proj/b.txt"
is "$(cat "$proj/b2.txt" "$proj/src/new.c")" "keep me
new" "the rename and the new file landed"
is "$(stat -c %a "$proj/src/main.c")" 755 "the mode change landed"
is "$(od -An -c "$proj/blob.bin" | tr -d ' ')" '001002' "the binary file landed"
run_sbox diff "$id" --stat
is "$(printf '%s\n' "$OUT" | grep -c '^  [AMD] ')" 2 "afterwards only the two denied paths differ"
run_sbox apply "$id" --include-denied .git/hooks/pre-commit
ok "--include-denied lands a denied path when named" test -x "$proj/.git/hooks/pre-commit"
is "$(snapshot "$outside")" "$outside_before" "nothing outside the project changed"
run_sbox discard "$id"
ok "sbox discard removes the capture" test "$RC" = 0 -a ! -e "$store/$id"

# A hostile capture: symlinks out, a fifo, a set-uid file, and a directory where the project
# has a symlink (to a directory the sandbox cannot see).
new_project
ln -s "$outside" "$proj/outlink"
before=$(snapshot "$proj")
run_sbox --capture "$proj" -- sh -c "ln -s '$HOME/.ssh' sshlink && ln -s ../../escape up &&
    ln -s src/main.c fine-link && mkfifo ff && echo x >suid && chmod 4755 suid &&
    rm outlink && mkdir outlink && echo evil >outlink/keep"
id=$(capture_id)
ok "a hostile build is captured ($id)" test -n "$id"
run_sbox diff "$id" --stat
like "$OUT" "A sshlink -> $HOME/.ssh   !! refused: an absolute symlink" "diff marks the link to ~/.ssh"
like "$OUT" "A up -> ../../escape   !! refused: a symlink leading out of the directory" \
    "diff marks the ../../escape link"
like "$OUT" "A ff   !! refused: a fifo" "diff marks the fifo"
like "$OUT" "A suid   !! refused: a set-user-id or set-group-id file" "diff marks the set-uid file"
run_sbox apply "$id"
is "$RC" 1 "sbox apply of a hostile capture ends with status 1"
for what in "refused sshlink: an absolute symlink" \
    "refused up: a symlink leading out of the directory" "refused ff: a fifo" \
    "refused suid: a set-user-id or set-group-id file"; do
    is "$(printf '%s\n' "$ERR" | grep -c "$what")" 1 "one line: $what"
done
ok "the refused entries did not land" test ! -e "$proj/sshlink" -a ! -L "$proj/up" \
    -a ! -e "$proj/ff" -a ! -e "$proj/suid"
ok "a link inside the project landed" test "$(readlink "$proj/fine-link")" = src/main.c
is "$(snapshot "$outside")" "$outside_before" "the directory behind the project's symlink is untouched"
ok "the symlink was replaced by a directory in the project" test -d "$proj/outlink" -a ! -L "$proj/outlink"
ok "nothing escaped" test ! -e "$HOME/escape" -a ! -e "$(dirname "$HOME")/escape"
run_sbox apply "$id" ../../escape
is "$RC/$(lines "$ERR")" "125/1" "apply of a ../ path: one line, status 125"
like "$ERR" "names a path outside the captured directory" "... saying why"
run_sbox apply "$id" /etc/passwd
is "$RC" 125 "apply of an absolute path outside the directory: status 125"
like "$ERR" "names a path outside the captured directory" "... saying why"
run_sbox discard "$id"

# Conflicts: the real file changed after the run, during it, or was deleted.
new_project
run_sbox --capture "$proj" -- sh -c 'echo build >>a.txt; echo build >>b.txt; echo build >>c.txt'
id=$(capture_id)
echo mine >>"$proj/a.txt"
rm "$proj/c.txt"
run_sbox apply "$id"
is "$RC" 1 "apply over a file changed since the run: status 1"
like "$ERR" "conflict: a.txt in ~/$(basename "$proj") was changed since the run" \
    "... naming the conflict"
like "$ERR" "conflict: c.txt in ~/$(basename "$proj") was deleted since the run ended" \
    "a file deleted since is a conflict too"
like "$ERR" "nothing applied" "... and nothing is applied"
is "$(cat "$proj/a.txt" "$proj/b.txt")" "hello
mine
keep me" "the user's change is kept and b.txt untouched"
run_sbox apply "$id" b.txt
ok "the paths without a conflict can still be applied by name" test "$RC" = 0
is "$(cat "$proj/b.txt")" "keep me
build" "... and land"
run_sbox discard "$id"

# apply and discard leave a capture alone while its run goes on; a change made meanwhile is a
# conflict.
new_project
start_build 'echo build >>a.txt'
run_sbox apply "$id"
is "$RC" 125 "apply of a capture still being written: status 125"
like "$ERR" "is in use (sbox pid" "... saying so"
run_sbox discard "$id"
ok "discard leaves a capture being written alone" test "$RC" = 125 -a -d "$store/$id"
echo mine >>"$proj/a.txt"
echo go >"$WORK/go"
wait "$bg"
run_sbox apply "$id"
like "$ERR" "conflict: a.txt in ~/$(basename "$proj") was changed while the run went on" \
    "a change made while the build ran is a conflict"
is "$(cat "$proj/a.txt")" "hello
mine" "... and the user's change is kept"
run_sbox discard "$id"

# kill -9 of sbox during the run leaves a capture that diff reads.
new_project
start_build 'echo partial >new.txt; echo build >>a.txt'
kill -9 "$bg_sbox"
ok "after kill -9 the sandbox ends and frees the capture" timeout 60 flock -x "$store/$id/lock" true
echo mine >>"$proj/a.txt"
run_sbox apply "$id" a.txt
like "$ERR" "conflict: a.txt in ~/$(basename "$proj") was changed since the run started" \
    "with no records (sbox was killed), a file changed since the start is a conflict"
run_sbox captures
like "$OUT" "$id  " "sbox captures lists the killed run's capture"
like "$OUT" "interrupted" "... as interrupted"
run_sbox diff "$id"
like "$OUT" "+partial" "sbox diff reads what the killed run wrote"
run_sbox apply "$id" new.txt
ok "... and apply lands it" test "$RC" = 0 -a "$(cat "$proj/new.txt")" = partial
run_sbox discard "$id"

# A run killed before it wrote anything: listing shows its capture as empty, and never
# removes it (a capture read wrong must not take the build's output with it); discard does.
new_project
start_build ':'
kill -9 "$bg_sbox"
ok "after kill -9 the sandbox ends" timeout 60 flock -x "$store/$id/lock" true
run_sbox captures
like "$OUT" "$id" "sbox captures lists an interrupted run's empty capture"
like "$OUT" "0 changed, 0 added, 0 del" "... as empty"
ok "... and leaves it" test -e "$store/$id"
run_sbox discard "$id"
ok "sbox discard removes it" test ! -e "$store/$id"
# A damaged capture (its meta file naming no directory) is listed as such, and kept.
new_project
run_sbox --capture "$proj" -- sh -c 'echo x >x'
id=$(capture_id)
grep -v '^dir ' "$store/$id/meta" >"$WORK/meta" && cat "$WORK/meta" >"$store/$id/meta"
run_sbox captures
like "$OUT" "$id" "sbox captures lists a damaged capture"
like "$OUT" "damaged" "... as damaged"
like "$OUT" "sbox discard $id" "... with how to discard it"
ok "... and never removes it" test -n "$(find "$store/$id" -path '*/upper/x')"
run_sbox diff "$id"
is "$RC/$(lines "$ERR")" "125/1" "sbox diff of a damaged capture: one line, 125"
like "$ERR" "damaged" "... saying it is damaged"
run_sbox discard "$id"
ok "... which sbox discard removes" test ! -e "$store/$id"
# sbox captures says what was applied, and the size.
run_sbox --capture "$proj" -- sh -c 'head -c 300000 /dev/zero >big.bin'
id=$(capture_id)
run_sbox captures
like "$OUT" "exit 0" "sbox captures: a capture not applied says how its run ended"
like "$OUT" " kB " "... and its size"
run_sbox apply "$id"
run_sbox captures
like "$OUT" "applied" "... and once applied, says so"
run_sbox discard "$id"

# The repository is the build's to read, not to change: whatever points git elsewhere, and a
# git directory of any name, is denied.
new_project
mkdir -p "$proj/.git/objects" "$proj/.git/refs"
echo 'ref: refs/heads/main' >"$proj/.git/HEAD"
run_sbox --capture "$proj" -- sh -c 'mkdir -p evil/objects evil/refs evil/hooks &&
    echo "ref: refs/heads/main" >evil/HEAD && printf "[core]\n\tfsmonitor = x\n" >evil/config &&
    echo x >evil/hooks/pre-commit && echo ../evil >.git/commondir &&
    mkdir sub && ln -s ../evil sub/.git && echo fine >fine.txt'
id=$(capture_id)
run_sbox diff "$id" --stat
like "$OUT" "A .git/commondir   !! denied (capture-deny .git/**)" ".git/commondir is denied"
like "$OUT" "A sub/.git -> ../evil   !! denied" "a .git symlink is denied"
like "$OUT" "A evil/config   !! denied (in a git directory)" "a bare repository's config is denied"
like "$OUT" "A evil/hooks/pre-commit   !! denied (in a git directory)" "... and its hooks"
run_sbox apply "$id"
ok "apply lands the rest" test "$RC" = 0 -a -f "$proj/fine.txt"
ok "... and none of those" test ! -e "$proj/.git/commondir" -a ! -e "$proj/sub/.git" \
    -a ! -e "$proj/evil/config" -a ! -e "$proj/evil/hooks/pre-commit"
run_sbox discard "$id"
run_sbox --capture "$proj" -- sh -c 'rm -rf .git && echo "gitdir: /elsewhere" >.git'
id=$(capture_id)
run_sbox apply "$id"
ok "a .git replaced by a file does not land" test "$RC" = 0 -a -d "$proj/.git" \
    -a -f "$proj/.git/HEAD" -a -d "$proj/.git/objects"
run_sbox discard "$id"

# What must go first is part of what is applied: a directory that replaced an edited file, and
# a file that replaced a directory holding a denied path.
new_project
echo orig >"$proj/x"
mkdir "$proj/conf" && echo 'export A=1' >"$proj/conf/.envrc" && echo c >"$proj/conf/c"
run_sbox --capture "$proj" -- sh -c 'rm x && mkdir x && echo f >x/f && rm -r conf && echo file >conf'
id=$(capture_id)
echo "my work" >"$proj/x"
run_sbox apply "$id" x/f
is "$RC" 1 "apply PATH below a directory that replaced an edited file: status 1"
like "$ERR" "conflict: x in" "... the deletion it needs is checked for conflicts"
is "$(cat "$proj/x")" "my work" "... and the edited file stays"
run_sbox apply "$id" conf
is "$RC" 1 "a file replacing a directory with a denied path: status 1"
like "$ERR" "conf cannot land: the directory it replaces holds paths that are left out" \
    "... saying why"
ok "... and nothing of it changed" test -f "$proj/conf/c" -a -f "$proj/conf/.envrc"
run_sbox discard "$id"

# A file deleted while the build ran comes back only by a conflict; one the build moved does not.
new_project
start_build 'echo more >>c.txt; mv src/main.c src/moved.c'
rm "$proj/c.txt"
echo go >"$WORK/go"
wait "$bg"
run_sbox apply "$id"
like "$ERR" "conflict: c.txt in ~/$(basename "$proj") was deleted since the run started" \
    "a file deleted while the build ran is a conflict"
unlike "$ERR" "moved.c" "... a file the build moved (in a directory nobody else changed) is not"
run_sbox apply "$id" src
ok "... and lands" test "$RC" = 0 -a -f "$proj/src/moved.c" -a ! -e "$proj/src/main.c"
ok "... while the deleted file stays deleted" test ! -e "$proj/c.txt"
run_sbox discard "$id"

# Symlinks that lead out through other symlinks, the capture's own included.
new_project
run_sbox --capture "$proj" -- sh -c 'mkdir sub && ln -s .. sub/up && ln -s sub/up/.. esc &&
    ln -s sub/up/../.ssh ssh && ln -s sub/up/a.txt ok-link'
id=$(capture_id)
run_sbox apply "$id"
like "$ERR" "refused esc: a symlink leading out of the directory through other symlinks" \
    "a chain of symlinks out is refused"
like "$ERR" "refused ssh: a symlink leading out" "... each one"
ok "... while links that stay inside land" test -L "$proj/sub/up" -a -L "$proj/ok-link" \
    -a ! -e "$proj/esc" -a ! -e "$proj/ssh"
run_sbox discard "$id"

# diff does not let a file hide behind binary bytes, or drive the terminal.
new_project
printf 'echo build\n' >"$proj/build.sh"
run_sbox --capture "$proj" -- sh -c 'printf "echo pwned\n# \000\000\000" >build.sh &&
    printf "a \033[2J b\n" >esc.txt && touch "name\\x0awith"'
id=$(capture_id)
run_sbox diff "$id"
like "$OUT" "!!! b/build.sh holds 3 NUL bytes" "a text file made binary is shown whole, saying so"
like "$OUT" "+echo pwned" "... the script included"
like "$OUT" '+a \x1b[2J b' "control bytes in a file are escaped, even in a pipe"
run_sbox diff "$id" --stat
like "$OUT" 'A name\x5cx0awith' "a backslash in a name is escaped"
run_sbox discard "$id"

# Paths for diff and apply from a subdirectory are taken from it.
new_project
run_sbox --capture "$proj" -- sh -c 'echo more >>src/main.c'
id=$(capture_id)
(cd "$proj/src" && run_sbox diff "$id" --stat main.c && echo "$RC|$OUT" >"$WORK/sub.out")
like "$(cat "$WORK/sub.out")" "0|" "a path relative to a subdirectory names the file there"
like "$(cat "$WORK/sub.out")" "M src/main.c" "... src/main.c"
run_sbox discard "$id" zzzz
is "$RC" 125 "discard with an unknown id among others: status 125"
ok "... and nothing is discarded" test -d "$store/$id"
run_sbox discard "$id"

# Second round: what leads git, editors or CI elsewhere through a symlink or a split git
# directory; files apply could not read or store whole; trees too deep to walk.
new_project
mkdir -p "$proj/s"
ln -s .. "$proj/s/q"
run_sbox --capture "$proj" -- sh -c 'mkdir -p editor/cfg ci/workflows tools/gen tools/c/objects tools/c/refs &&
    echo "{}" >editor/cfg/tasks.json && ln -s editor/cfg .vscode && echo "on: push" >ci/workflows/x.yml &&
    ln -s ci .github && echo "ref: x" >tools/gen/HEAD && echo ../c >tools/gen/commondir &&
    printf "[core]\n\tpager = x\n" >tools/c/config &&
    rm s/q && mkdir s/q && echo >s/HEAD && echo >s/config && mkdir s/refs && ln -s s p &&
    ln -s p/q/../../OUTSIDE a &&
    ln -s /usr/bin/env venv-env && ln -s /etc/passwd etc-link'
id=$(capture_id)
run_sbox diff "$id" --stat
like "$OUT" "A .vscode -> editor/cfg   !! denied (capture-deny .vscode/**)" \
    "a symlink in place of a denied path's directory is denied"
like "$OUT" "A .github -> ci   !! denied" "... .github too"
like "$OUT" "A tools/gen/commondir   !! denied (in a git directory)" \
    "a git directory split by commondir is a git directory"
like "$OUT" "A tools/c/config   !! denied (in a git directory)" "... and so is its common part"
run_sbox apply "$id"
like "$ERR" "refused a: a symlink that would lead out of the directory through what is left out" \
    "a symlink through what apply leaves out is refused"
ok "... and does not land" test ! -e "$proj/a" -a ! -L "$proj/a"
ok "a symlink into the system's directories lands (a virtualenv's python)" \
    test "$(readlink "$proj/venv-env")" = /usr/bin/env
like "$ERR" "refused etc-link: an absolute symlink" "one into /etc does not"
run_sbox discard "$id"

new_project
run_sbox --capture "$proj" -- sh -c 'echo new >aaa.txt && rm c.txt && echo z >zzz.txt && chmod 000 zzz.txt &&
    truncate -s 1G sparse.bin && printf "echo PWNED-hidden\n\000\000\000" >setup.sh && echo one >one.txt'
id=$(capture_id)
run_sbox diff "$id"
like "$OUT" "!!! b/setup.sh holds 3 NUL bytes" "a script without #! behind NUL bytes is shown"
like "$OUT" "+echo PWNED-hidden" "... with its text"
like "$OUT" "--- /dev/null
+++ b/one.txt
@@ -0,0 +1 @@
+one" "a one-line new file has diff's hunk header"
run_sbox apply "$id"
is "$RC" 1 "a file apply cannot read: status 1"
like "$ERR" "zzz.txt cannot land: the capture's copy cannot be read" "... saying which"
ok "... and nothing landed" test ! -e "$proj/aaa.txt" -a -e "$proj/c.txt"
run_sbox apply "$id" sparse.bin
ok "a sparse file lands sparse" test "$RC" = 0 -a "$(stat -c %s "$proj/sparse.bin")" = 1073741824 \
    -a "$(stat -c %b "$proj/sparse.bin")" -lt 1024
run_sbox discard "$id"

new_project
run_sbox --capture "$proj" -- python3 -c '
import os
for i in range(1100):
    os.mkdir("d"); os.chdir("d")'
id=$(capture_id)
ok "a tree too deep to walk is captured, and kept ($id)" test -n "$id" -a -d "$store/$id"
run_sbox diff "$id" --stat
like "$OUT" "could not be read in the capture: File name too long" "diff says where it stopped"
run_sbox apply "$id"
is "$RC" 125 "apply of it: status 125"
run_sbox captures
like "$OUT" "$id" "sbox captures still lists everything"
run_sbox discard "$id"
ok "discard removes it" test "$RC" = 0 -a ! -e "$store/$id"

# A directory apply made keeps the set-group-id bit it inherits in a shared directory.
new_project
mkdir "$proj/shared" && chmod g+s "$proj/shared"
run_sbox --capture "$proj" -- sh -c 'mkdir shared/a shared/b && echo f >shared/a/f && echo g >shared/b/g'
id=$(capture_id)
run_sbox apply "$id" shared/a
run_sbox apply "$id"
ok "applied in two steps" test "$RC" = 0 -a -f "$proj/shared/b/g"
run_sbox diff "$id" --stat
like "$OUT" "0 changed, 0 added, 0 deleted" "... nothing is left to apply"
run_sbox discard "$id"

# The capture store cannot be swapped by a sandbox that may write where it lives.
(
    XDG_STATE_HOME=$(mktemp -d "$HOME/state2.XXXXXX")
    export XDG_STATE_HOME
    at_exit rm -rf "$XDG_STATE_HOME"
    run_sbox --bind "$XDG_STATE_HOME" -- sh -c "ls -A '$XDG_STATE_HOME/sbox/captures'; mv '$XDG_STATE_HOME/sbox' '$XDG_STATE_HOME/moved' || echo pinned"
    is "$OUT" "pinned" "a writable bind over the store: the store shows empty and cannot be moved aside"
    ok "... and was made, so that it could be guarded" test -d "$XDG_STATE_HOME/sbox/captures"
    echo "$T_N $T_FAIL" >"$WORK/sub.count"
)
read -r T_N T_FAIL <"$WORK/sub.count"
ln -s "$HOME" "$WORK/homelink"

# Third round: directories made again below one the build removed hide the directory's own
# files too; a file written back with the same bytes after the run is no conflict.
new_project
mkdir -p "$proj/dist/assets" && echo old >"$proj/dist/assets/old.js" && echo old >"$proj/dist/top.js"
echo same >"$proj/keep.txt"
run_sbox --capture "$proj" -- sh -c 'rm -rf dist && mkdir -p dist/assets && echo new >dist/assets/new.js &&
    echo more >>keep.txt'
id=$(capture_id)
run_sbox diff "$id" --stat
like "$OUT" "D dist/assets/old.js" "a file in a directory made again below a removed one is deleted"
cp "$proj/keep.txt" "$WORK/keep.txt" && rm "$proj/keep.txt" && cp "$WORK/keep.txt" "$proj/keep.txt"
run_sbox apply "$id"
ok "a file written back with its bytes after the run is no conflict" test "$RC" = 0
is "$(find "$proj/dist" -type f | sed "s|$proj/||" | sort | tr '\n' ' ')" "dist/assets/new.js " \
    "... and the project is what the build saw"
run_sbox discard "$id"

# Every store sbox may use is guarded, not only this run's.
mkdir -p "$HOME/.local/state"
(
    XDG_STATE_HOME=$(mktemp -d "$WORK/elsewhere.XXXXXX")
    export XDG_STATE_HOME
    d=$HOME/.local/state
    run_sbox --bind "$d" -- sh -c "ls -A '$d/sbox/captures'; mv '$d/sbox' '$d/moved' || echo pinned"
    echo "$OUT" >"$WORK/sub.out"
)
is "$(cat "$WORK/sub.out")" "pinned" "a run with another XDG_STATE_HOME still guards the home's store"
fresh=$(mktemp -d "$HOME/fresh.XXXXXX")
at_exit rm -rf "$fresh"
(
    XDG_STATE_HOME=$fresh/state
    export XDG_STATE_HOME
    run_sbox --dry-run --bind "$fresh" -- true
    echo "$OUT" >"$WORK/sub.out"
)
like "$(cat "$WORK/sub.out")" "; pinned: $fresh/state/sbox" "--dry-run shows the guard of a store not made yet"
ok "... and makes nothing" test ! -e "$fresh/state"

# A pattern of one's own: capture-deny on the command line leaves its paths out too.
new_project
run_sbox --capture "$proj" --capture-deny 'secrets/**' -- sh -c 'mkdir secrets && echo k >secrets/key && echo ok >ok.txt'
id=$(capture_id)
run_sbox apply "$id"
like "$ERR" "left out secrets/key: matches capture-deny \`secrets/**\`" "a capture-deny of one's own is kept with the capture"
ok "... and leaves the path out" test "$RC" = 0 -a -f "$proj/ok.txt" -a ! -e "$proj/secrets/key"
run_sbox discard "$id"

# A file the build names .wh.NAME is a file under the kernel's overlay, not a deletion.
new_project
run_sbox --capture "$proj" -- sh -c 'echo x >.wh.a.txt'
id=$(capture_id)
run_sbox diff "$id" --stat
like "$OUT" "  A .wh.a.txt" "a .wh. name is an added file"
unlike "$OUT" "D a.txt" "... not a whiteout"
run_sbox discard "$id"

# The same build through fuse-overlayfs, whose whiteouts may be .wh. files.
if command -v fuse-overlayfs >/dev/null && [ -r /dev/fuse ] && [ -w /dev/fuse ]; then
    new_project
    run_sbox --overlay-driver fuse --capture "$proj" -- sh -c \
        'rm c.txt && echo more >>a.txt && rm -r src && mkdir src && echo y >src/other.c'
    id=$(capture_id)
    ok "a capture made by fuse-overlayfs is kept and marked so ($id)" test -n "$id" -a -e "$(echo "$store/$id"/*/fuse)"
    run_sbox diff "$id" --stat
    for line in "D c.txt" "M a.txt" "D src/main.c" "A src/other.c"; do
        like "$OUT" "  $line" "fuse-overlayfs: --stat shows $line"
    done
    run_sbox apply "$id"
    ok "fuse-overlayfs: apply lands it" test "$RC" = 0 -a ! -e "$proj/c.txt" \
        -a ! -e "$proj/src/main.c" -a -f "$proj/src/other.c"
    run_sbox discard "$id"
else
    skip "fuse-overlayfs or a usable /dev/fuse is missing (see sbox check)"
fi

# ^C during apply: each change lands whole or not at all, and apply says where it stopped.
new_project
run_sbox --capture "$proj" -- sh -c 'echo one >one && echo two >two'
id=$(capture_id)
RC=0
python3 -c '
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
os.kill(os.getpid(), signal.SIGINT)  # pending when sbox starts: seen before the first change
os.execv(sys.argv[1], sys.argv[1:])' "$SBOX" apply "$id" >"$WORK/.out" 2>"$WORK/.err" || RC=$?
is "$RC" 130 "apply stopped by SIGINT ends with 128+2"
like "$(cat "$WORK/.err")" "interrupted after 0 changes" "... saying how far it got"
ok "... having landed nothing, and left no temporary file" \
    test -z "$(ls -A "$proj" | grep -e '^one$' -e '^two$' -e '^\.sbox-apply')"
run_sbox apply "$id"
ok "run again, it lands the rest" test "$RC" = 0 -a -f "$proj/one" -a -f "$proj/two"
run_sbox discard "$id"

# An empty capture is removed; so is one whose run never started.
new_project
count=$(ls "$store" | wc -l)
run_sbox --capture "$proj" -- sh -c 'mkdir -p src && touch new && rm new && cat a.txt >/dev/null'
is "$RC/$ERR" "0/" "a run that changes nothing says nothing"
is "$(ls "$store" | wc -l)" "$count" "... and its capture is removed"
run_sbox --capture "$proj" --chdir /nonexistent -- true
is "$RC" 125 "a sandbox that fails to start: status 125"
is "$(ls "$store" | wc -l)" "$count" "... leaves no capture"

# The build profile captures the current directory.
run_sbox -p "$SBOX_PROFILES/build.ini" -- sh -c 'echo from-build >built.txt'
is "$RC" 0 "sbox -p build runs"
like "$ERR" "1 file changed, 1 added, 0 deleted in" "... and captures the current directory"
ok "... whose real files are untouched" test ! -e "$proj/built.txt"
id=$(capture_id)
run_sbox discard "$id"
# ... the whole project from a subdirectory of it (capture = ${PROJECT}), starting there.
mkdir -p "$proj/.git" "$proj/src/deep"
(cd "$proj/src/deep" && "$SBOX" -p "$SBOX_PROFILES/build.ini" -- sh -c 'pwd; echo up >../../top.txt') \
    >"$WORK/out" 2>"$WORK/err"
is "$(cat "$WORK/out")" "$proj/src/deep" "-p build from a subdirectory starts there"
like "$(cat "$WORK/err")" "1 file changed, 1 added, 0 deleted in" "... and captures the project's top"
ok "... whose real files are untouched" test ! -e "$proj/top.txt"
ERR=$(cat "$WORK/err")
id=$(capture_id)
run_sbox diff "$id" --stat
like "$OUT" "A top.txt" "... the diff names the file at the top"
run_sbox discard "$id"
rmdir "$proj/.git"

# The default place: ~/.local/state when XDG_STATE_HOME is not set.
(
    unset XDG_STATE_HOME
    run_sbox --capture "$proj" -- sh -c 'echo x >default-place'
    id=$(capture_id)
    ok "without XDG_STATE_HOME captures go to ~/.local/state/sbox/captures" \
        test -n "$id" -a -d "$HOME/.local/state/sbox/captures/$id"
    run_sbox discard "$id"
    echo "$T_N $T_FAIL" >"$WORK/sub.count"
)
read -r T_N T_FAIL <"$WORK/sub.count"

# Names that would drive a terminal are shown escaped.
run_sbox --capture "$proj" -- sh -c "touch \"\$(printf 'x\\033[2Jy')\""
id=$(capture_id)
run_sbox diff "$id" --stat
like "$OUT" 'A x\x1b[2Jy' "a file name's control bytes are shown escaped"
run_sbox discard "$id"

# Bad input: one line, status 125, nothing left behind.
count=$(ls "$store" | wc -l)
printf 'x\n' >"$WORK/plainfile"
refuses "--capture $WORK/nonexistent|nonexistent" \
    "--capture $WORK/plainfile|Not a directory" \
    "--capture /|not the root" \
    "--capture /tmp|a shared system directory" \
    "--capture $HOME|your home or a directory holding it" \
    "--capture $WORK/homelink|your home or a directory holding it" \
    "--capture $proj --capture $proj/src|inside the captured directory" \
    "--capture $proj --capture $proj|already captured" \
    "--capture-deny a/../b|components may not be" \
    "--capture-deny a**b|whole component" \
    "--capture $state|capture store" \
    "--capture $proj --bind $proj|writable beside its capture" \
    "--capture $proj --bind $proj/src|writable beside its capture" \
    "--capture $proj --bind $proj:/elsewhere|writable beside its capture"
is "$(ls "$store" | wc -l)" "$count" "refused runs leave no capture behind"
(
    XDG_STATE_HOME=/proc/sbox-no-such-dir
    export XDG_STATE_HOME
    run_sbox --capture "$proj" -- true
    is "$RC/$(lines "$ERR")" "125/1" "an unusable store: one line, status 125"
    like "$ERR" "capture store" "... naming the store"
    echo "$T_N $T_FAIL" >"$WORK/sub.count"
)
read -r T_N T_FAIL <"$WORK/sub.count"
for bad in "diff|expected a capture id" "diff nosuchid|is not a capture id" \
    "diff abcdef12|no capture" "apply ../x|is not a capture id" "discard|expected a capture id" \
    "diff last --bogus|unknown option" "captures x|takes no arguments"; do
    # shellcheck disable=SC2086
    run_sbox ${bad%%|*}
    is "$RC/$(lines "$ERR")" "125/1" "sbox ${bad%%|*}: one line, status 125"
    like "$ERR" "${bad#*|}" "... saying: ${bad#*|}"
done

# Captures that chain: capture-on = last goes on writing the pending capture of the same
# directory, so a build in steps is seen whole, reviewed and applied once.
new_project
run_sbox --capture-on last --capture "$proj" -- sh -c 'printf "all:\n\techo built >out\n" >Makefile'
id1=$(capture_id)
ok "capture-on = last: a first step makes a capture ($id1)" test -n "$id1"
run_sbox --capture-on last --capture "$proj" -- sh -c 'test -f Makefile && echo saw-make""file; echo built >out'
like "$OUT" "saw-makefile" "... the next step sees what the first wrote"
is "$(capture_id)" "$id1" "... and goes on writing the same capture"
ok "... while the directory stays untouched" test ! -e "$proj/Makefile" -a ! -e "$proj/out"
run_sbox diff "$id1" --stat
like "$OUT" "A Makefile" "... diff shows the first step's file"
like "$OUT" "A out" "... and the second's"
run_sbox captures
like "$OUT" ">Makefile' ; sh -c 'test -f Makefile" "... sbox captures names both steps"
run_sbox apply "$id1"
ok "... one apply lands both" test -f "$proj/Makefile" -a -f "$proj/out"
run_sbox --capture-on last --capture "$proj" -- sh -c 'echo again >again'
id2=$(capture_id)
ok "... after apply, the next step makes a new capture ($id2)" test -n "$id2" -a "$id2" != "$id1"
run_sbox --capture-on "$id2" --capture "$proj" -- sh -c 'echo more >more'
is "$(capture_id)" "$id2" "capture-on = ID goes on writing that capture"
run_sbox diff "$id2" --stat
like "$OUT" "A again" "... which holds both steps"
like "$OUT" "A more" "... (the second too)"
run_sbox -p "$SBOX_PROFILES/build.ini" -- sh -c 'echo conf >config.status'
id3=$(capture_id)
run_sbox -p "$SBOX_PROFILES/build.ini" -- sh -c 'cat config.status'
is "$OUT" "conf" "-p build: a second step sees the first's output (capture-on = last)"
is "$(capture_id)" "$id3" "... in one capture"
run_sbox discard "$id3"
for bad in "--capture-on last -- true|nothing is captured" \
    "--capture-on 0123abcd --capture $proj -- true|no capture" \
    "--capture-on bogus! --capture $proj -- true|is not last, new or a capture id"; do
    # shellcheck disable=SC2086
    run_sbox ${bad%%|*}
    is "$RC/$(lines "$ERR")" "125/1" "sbox ${bad%%|*}: one line, status 125"
    like "$ERR" "${bad#*|}" "... saying: ${bad#*|}"
    like "$ERR" "--capture-on" "... naming the flag"
done
# A pending capture another run is writing: last makes a capture of its own, and says so.
start_build 'echo first >first'
running=$id
run_sbox --capture-on last --capture "$proj" -- sh -c 'echo second >second'
like "$ERR" "capture $running is in use (sbox pid $bg_sbox): this run makes a capture of its own" \
    "capture-on = last while another run writes the capture: a capture of its own, said"
ok "... a new one" test -n "$(capture_id)" -a "$(capture_id)" != "$running"
echo go >"$WORK/go"
wait "$bg"
# The end of a run counts what apply would leave out.
run_sbox --capture "$proj" -- sh -c 'echo "export X=1" >.envrc; echo ok >fine'
like "$ERR" "2 files changed, 2 added, 0 deleted in" "the end line counts the changes"
like "$ERR" "(1 denied, 0 refused: apply leaves them out); review: sbox diff" \
    "... and says what apply would leave out"
# discard --applied and --all
run_sbox apply "$(capture_id)"
run_sbox captures
n_before=$(printf '%s\n' "$OUT" | grep -c '^[0-9a-f]')
run_sbox discard --applied
is "$RC" 0 "sbox discard --applied"
run_sbox captures
n_after=$(printf '%s\n' "$OUT" | grep -c '^[0-9a-f]')
ok "... discards the applied captures only ($n_before, then $n_after)" test "$n_after" -lt "$n_before" -a "$n_after" -gt 0
run_sbox discard --all
run_sbox captures
is "$(printf '%s\n' "$OUT" | grep -c '^[0-9a-f]')" 0 "sbox discard --all leaves none"
run_sbox discard --all x
is "$RC/$(lines "$ERR")" "125/1" "discard --all with an id: one line, 125"
# The overlay of a capture does not sync each file it copies up: the end syncs once.
run_sbox --capture "$proj" -- grep -c "fsync=volatile" /proc/self/mountinfo
is "$OUT" 1 "a capture's overlay is volatile (synced once, at the end)"

# The kernel's overlay keeps holes when it copies a file up: appending to a 256M sparse file
# stores a few blocks in the capture, not 256M.
new_project
truncate -s 256M sparse
run_sbox --capture "$proj" -- sh -c 'echo x >>sparse'
id=$(capture_id)
upper=$(find "$store/$id" -path '*/upper/sparse')
blocks=$(stat -c %b "$upper" 2>&1)
is "$(stat -c %s "$upper" 2>&1)" 268435458 "a sparse file appended to in a capture is copied up whole"
ok "... and keeps its holes ($blocks blocks of 512 bytes)" test "$blocks" -lt 2048 2>/dev/null
run_sbox discard "$id"

run_sbox -- diff --version
like "$OUT" "diff" "after --, diff is a program to run, not sbox's subcommand"

run_sbox --dry-run --capture "$proj" -- true
like "$OUT" "capture = $proj" "--dry-run shows the capture"
like "$OUT" "; capture-deny = .git/hooks/**  (built in)" "... and the built-in deny patterns"

# Review: what diff shows
# Every byte apply would land is shown, or named with its size and hash; what a terminal would
# hide is escaped; diff(1) is never run; a capture still being written says so; a review of a
# big build stays readable (wholly new directories as one line, --expand, --exclude).

# shown_bytes LABEL: the bytes of the new file LABEL (b/PATH) as the diff in $OUT shows them,
# its escapes read back: the + lines of its hunk.
shown_bytes() {
    printf '%s\n' "$OUT" | python3 -c '
import re, sys
label, out, take, lines = sys.argv[1], sys.stdout.buffer, False, []
for l in sys.stdin.read().split("\n"):
    if l == "+++ " + label:
        take = True
    elif take and l.startswith("@@"):
        continue
    elif take and l.startswith("+"):
        lines.append(l[1:] + "\n")
    elif take and l == "\\ No newline at end of file":
        lines[-1] = lines[-1][:-1]
    elif take:
        break
text = "".join(lines)
def unescape(m):
    if m.group(1):
        return bytes([int(m.group(1), 16)])
    return chr(int(m.group(2), 16)).encode()
pieces = re.split(r"(\\x[0-9a-f]{2}|\\u\{[0-9A-F]+\})", text)
for p in pieces:
    m = re.fullmatch(r"\\x([0-9a-f]{2})|\\u\{([0-9A-F]+)\}", p)
    out.write(unescape(m) if m else p.encode())
' "$1"
}

new_project
printf 'all:\n\techo all\n' >"$proj/Makefile"
printf 'console.log("hi")\n' >"$proj/src/index.js"
head -c 3000 /dev/urandom >"$WORK/img.png"
blob_was=$(sha256sum <"$proj/blob.bin" | cut -d' ' -f1)
run_sbox --capture "$proj" --ro-bind "$WORK" -- sh -c "mkdir scripts &&
    printf '#!/bin/sh\necho setting up\n\000\necho HIDDEN\n' >scripts/setup.sh &&
    printf '\000\nevil:\n\techo EVIL\n' >>Makefile &&
    printf '//\000\nrequire(\"child_process\").exec(\"evil\")\n' >>src/index.js &&
    printf '\000\000\000 hidden words\n' >>a.txt &&
    cp '$WORK/img.png' img.png && cp '$WORK/img.png' blob.bin &&
    { printf 'echo hidden\n'; head -c 4096 /dev/zero; } >notes.dat &&
    { printf 'echo padded\n'; head -c 4096 /dev/zero; } >padded.sh &&
    { printf '#!/bin/sh\necho tool\n'; head -c 4096 /dev/zero; } >tool"
id=$(capture_id)
run_sbox diff "$id"
diff_out=$OUT
like "$OUT" "!!! b/scripts/setup.sh holds 1 NUL byte: shown escaped" \
    "a script with a NUL byte is shown whole, saying what it holds"
like "$OUT" '+#!/bin/sh
+echo setting up
+\x00
+echo HIDDEN' "... every line of it, the NUL escaped"
like "$OUT" " all:
 	echo all
+\x00
+evil:
+	echo EVIL" "a Makefile's recipe behind a NUL byte is shown"
like "$OUT" '+//\x00
+require("child_process").exec("evil")' "JavaScript behind // and a NUL byte is shown"
like "$OUT" '+\x00\x00\x00 hidden words' "a text file made binary is shown whole"
img=$(sha256sum <"$WORK/img.png" | cut -d' ' -f1)
like "$OUT" "Binary file b/img.png added (3000 bytes, sha256 $img)" \
    "a new binary file is named with its size and sha256"
like "$OUT" "Binary file b/blob.bin differs (8 -> 3000 bytes, sha256 $blob_was -> $img)" \
    "a changed binary file with both sizes and hashes"
notes=$( (printf 'echo hidden\n'; head -c 4096 /dev/zero) | sha256sum | cut -d' ' -f1)
like "$OUT" "Binary file b/notes.dat added (4108 bytes, sha256 $notes)" \
    "text hidden behind many NUL bytes in a file nothing runs is named, sized and hashed"
like "$OUT" "!!! b/padded.sh holds 4096 NUL bytes" "a .sh file is shown whole, however many NUL bytes"
like "$OUT" "+echo padded" "... with its code"
like "$OUT" "!!! b/tool holds 4096 NUL bytes" "so is a file that starts with #!"
like "$OUT" "+echo tool" "... with its code"
run_sbox diff "$id" --stat
stat_out=$OUT
for line in "M Makefile" "A scripts/setup.sh" "M src/index.js" "A img.png" "M blob.bin" \
    "A notes.dat" "M a.txt"; do
    like "$stat_out" "  $line" "--stat keeps its form: $line"
done
OUT=$diff_out
run_sbox apply "$id"
is "$RC" 0 "apply lands them"
OUT=$diff_out
shown_bytes b/scripts/setup.sh >"$WORK/shown"
ok "the script diff showed is, byte for byte, the one apply landed" \
    cmp -s "$WORK/shown" "$proj/scripts/setup.sh"
is "$(sha256sum <"$proj/img.png" | cut -d' ' -f1)" "$img" "... and the hash diff gave is the landed file's"

# Invisible and reordering characters, in names and lines.
new_project
run_sbox --capture "$proj" -- sh -c "printf 'if (x\343\205\244 == 1) {\342\200\256 evil \342\200\254}\n\302\255soft\342\200\213hyphen \363\240\201\201\363\240\201\202\n' >\"\$(printf 'a\343\205\244b.js')\" &&
    touch \"\$(printf 'zero\342\200\213width')\" \"\$(printf 'c1\302\233x')\""
id=$(capture_id)
run_sbox diff "$id" --stat
like "$OUT" '  A a\u{3164}b.js' "--stat escapes a Hangul filler in a name"
like "$OUT" '  A zero\u{200B}width' "... a zero-width space"
like "$OUT" '  A c1\u{009B}x' "... a C1 control"
run_sbox diff "$id"
like "$OUT" '+++ b/a\u{3164}b.js' "the diff's header escapes the name"
like "$OUT" '+if (x\u{3164} == 1) {\u{202E} evil \u{202C}}' \
    "a line shows a Hangul filler and a bidirectional override escaped"
like "$OUT" '+\u{00AD}soft\u{200B}hyphen \u{E0041}\u{E0042}' "... a soft hyphen, a zero width, tags"
like "$OUT" "!!! b/a\\u{3164}b.js holds 7 invisible or reordering characters" \
    "... and the file is said to hold them"
run_sbox apply "$id" --dry-run
like "$OUT" 'A a\u{3164}b.js' "apply --dry-run escapes them too"
run_sbox discard "$id"

# diff(1) is not run, from the PATH or anywhere: a planted one in a relative PATH entry.
new_project
mkdir -p "$WORK/planted"
printf '#!/bin/sh\ntouch "%s/planted-ran"\necho PLANTED\n' "$WORK" >"$WORK/planted/diff"
chmod +x "$WORK/planted/diff"
run_sbox --capture "$proj" -- sh -c 'echo changed >>a.txt'
id=$(capture_id)
(cd "$WORK/planted" && PATH=.:$PATH && export PATH && run_sbox diff "$id" &&
    printf '%s\n' "$OUT" >"$WORK/planted.out")
ok "a diff(1) planted in a relative PATH entry is not run" test ! -e "$WORK/planted-ran"
like "$(cat "$WORK/planted.out")" " hello
+changed" "... and the diff is still shown"
env PATH=/nonexistent "$SBOX" diff "$id" >"$WORK/nopath.out" 2>&1
is "$(cat "$WORK/nopath.out")" "--- a/a.txt
+++ b/a.txt
@@ -1 +1,2 @@
 hello
+changed" "with no PATH at all, the diff is the same"
run_sbox discard "$id"

# A capture whose run is still going says so first.
new_project
start_build 'echo build >>a.txt'
run_sbox diff "$id"
is "$(printf '%s\n' "$OUT" | head -n 1)" \
    "!!! the run that makes capture $id is still going (sbox pid $bg_sbox): what this shows may still change" \
    "diff of a capture still being written says so in its first line"
run_sbox diff "$id" --stat
like "$(printf '%s\n' "$OUT" | head -n 1)" "is still going (sbox pid $bg_sbox)" "... and so does --stat"
echo go >"$WORK/go"
wait "$bg"
run_sbox diff "$id"
unlike "$OUT" "still going" "once the run ended, it does not"
run_sbox discard "$id"

# A wholly new directory is one line of --stat; what must not hide in it is listed.
new_project
run_sbox --capture "$proj" -- sh -c 'mkdir -p node_modules/pkg/lib node_modules/pkg/bin dist &&
    i=0; while [ $i -lt 40 ]; do printf "%099d\n" $i >node_modules/pkg/lib/f$i.js; i=$((i + 1)); done &&
    ln -s /etc/passwd node_modules/pkg/bin/link && echo 1 >"node_modules/pkg/x$(printf "\342\200\213").js" &&
    echo 3 >node_modules/pkg/.envrc && echo built >dist/index.js && echo more >>src/main.c'
id=$(capture_id)
run_sbox diff "$id" --stat
like "$OUT" "  A node_modules/ (43 files, 4.0 kB)" "--stat: a wholly new directory is one line"
unlike "$OUT" "node_modules/pkg/lib/f1.js" "... not a line per file"
like "$OUT" "  A node_modules/pkg/bin/link -> /etc/passwd   !! refused: an absolute symlink" \
    "... but a refused entry in it is listed"
like "$OUT" "  A node_modules/pkg/.envrc   !! denied (capture-deny .envrc)" "... a denied one"
like "$OUT" '  A node_modules/pkg/x\u{200B}.js' "... and a name shown escaped"
like "$OUT" "  A dist/
  A dist/index.js" "a new directory of one file is shown as it is"
like "$OUT" "  M src/main.c" "... and changes elsewhere too"
like "$OUT" "50 changed, 49 added, 0 deleted" "the counts count every change"
like "$OUT" "(1 new directory shown as one line: --expand, or the directory as a PATH, lists what it holds)" \
    "... and the review says how to see them"
run_sbox diff "$id" --stat --expand
like "$OUT" "  A node_modules/pkg/lib/f39.js" "--expand lists every file"
is "$(printf '%s\n' "$OUT" | grep -c '^  A node_modules')" 47 "... all 47 entries"
run_sbox diff "$id" --stat node_modules
like "$OUT" "  A node_modules/pkg/lib/f0.js" "the directory as a PATH lists what it holds"
is "$(printf '%s\n' "$OUT" | grep -c '^  A node_modules')" 47 "... all of it"
run_sbox diff "$id" --stat node_modules/pkg/lib
like "$OUT" "  A node_modules/pkg/lib/f7.js" "... and so does a directory in it"
unlike "$OUT" "dist" "... and nothing else"
run_sbox diff "$id" --stat --exclude node_modules
unlike "$OUT" "node_modules" "--exclude leaves a directory out of --stat"
like "$OUT" "(47 changes left out by --exclude: sbox apply still lands them)" "... saying so"
run_sbox diff "$id" --exclude='*.js' --exclude .envrc
unlike "$OUT" "+++ b/dist/index.js" "--exclude=PATTERN leaves paths out of the diff"
unlike "$OUT" ".envrc" "... more than one pattern"
like "$OUT" "+more" "... and shows the rest"
run_sbox diff "$id" --exclude
is "$RC/$(lines "$ERR")" "125/1" "--exclude without a pattern: one line, status 125"
run_sbox apply "$id"
ok "apply still lands what --exclude left out of the review" test -f "$proj/node_modules/pkg/lib/f1.js"

# Apply: what lands and what is kept
# sbox run under a time limit: a planted FIFO must not hang it (124 would say it did).
run_timed() {
    RC=0
    timeout 20 "$SBOX" "$@" >"$WORK/.out" 2>"$WORK/.err" </dev/null || RC=$?
    OUT=$(cat "$WORK/.out")
    ERR=$(cat "$WORK/.err")
}

# The built-in deny list reaches what each tool reads, in a subdirectory too, and the hooks
# directory the repository's own core.hooksPath names.
new_project
printf '[Core]\n\tHooksPath = "tools/hooks" # shared hooks\n' >"$proj/.git/config"
run_sbox --capture "$proj" -- sh -c 'mkdir -p pkg/web .vscode .idea .devcontainer tools/hooks &&
    echo registry=x >.npmrc && echo "//evil/:_authToken=x" >pkg/web/.npmrc &&
    echo "yarnPath: x.cjs" >.yarnrc.yml && echo "module.exports = {}" >.pnpmfile.cjs &&
    echo "repos: []" >.pre-commit-config.yaml && echo "[tools]" >.mise.toml &&
    echo "nodejs 20" >pkg/web/.tool-versions && echo "{}" >.vscode/extensions.json &&
    echo x >.idea/workspace.xml && echo "{}" >.devcontainer/devcontainer.json &&
    echo A=1 >.env && echo B=2 >pkg/web/.env.local && echo "* filter=x" >.gitattributes &&
    printf "#!/bin/sh\necho pwned\n" >tools/hooks/pre-commit && echo fine >fine.txt'
id=$(capture_id)
run_sbox diff "$id" --stat
for p in .npmrc pkg/web/.npmrc .yarnrc.yml .pnpmfile.cjs .pre-commit-config.yaml .mise.toml \
    pkg/web/.tool-versions .vscode/extensions.json .idea/workspace.xml \
    .devcontainer/devcontainer.json .env pkg/web/.env.local .gitattributes; do
    like "$OUT" "  A $p   !! denied (capture-deny " "diff marks $p denied"
done
hooks='/tools/hooks/** (core.hooksPath)'
like "$OUT" "  A tools/hooks/pre-commit   !! denied (capture-deny $hooks)" \
    "diff marks the hooks directory of core.hooksPath denied"
run_sbox apply "$id"
is "$RC" 0 "apply of them: status 0"
like "$ERR" "left out tools/hooks/pre-commit: matches capture-deny \`$hooks\`" \
    "... leaving the hook out, saying why"
is "$(cd "$proj" && find . -newer .git/config -type f | LC_ALL=C sort | tr '\n' ' ')" \
    "./fine.txt " \
    "... and landing none of those files"
run_sbox discard "$id"

# Modes: write for group or others lands only where it was; what becomes executable is said.
new_project
printf 'echo run\n' >"$proj/run.sh"
chmod 644 "$proj/run.sh"
run_sbox --capture "$proj" -- sh -c 'echo "all:" >Makefile && chmod 666 Makefile &&
    chmod +x run.sh && printf "#!/bin/sh\n" >tool && chmod 755 tool && mkdir open && chmod 777 open'
id=$(capture_id)
run_sbox apply "$id"
is "$RC" 0 "apply of world-writable modes: status 0"
is "$(cd "$proj" && stat -c '%n %a' Makefile open tool run.sh | tr '\n' ' ')" \
    "Makefile 644 open 755 tool 755 run.sh 755 " "... which land without write for others"
like "$ERR" \
    "sbox: apply: took write for group or others (or the sticky bit) off 2 paths: Makefile, open/" \
    "... saying so, in one line"
like "$ERR" "sbox: apply: made executable: run.sh" "a file made executable is said"
like "$ERR" "sbox: apply: new executable: tool" "... and a new executable named"
like "$ERR" "(3 added, 1 modified, 0 deleted; 1 mode changed)" \
    "the summary counts modified files and mode changes"
run_sbox discard "$id"

# A capture whose run goes on is refused, naming its sbox; the capture's layer changed after
# its run ended lands nothing of what changed.
new_project
start_build 'echo build >>a.txt'
run_sbox apply "$id"
is "$RC" 125 "apply while the run goes on: status 125"
like "$ERR" "is in use (sbox pid $bg_sbox): its run is still going" "... naming the run's sbox"
echo go >"$WORK/go"
wait "$bg"
run_sbox --capture "$proj" -- sh -c 'echo shown >shown.txt && echo shown >later.txt'
id=$(capture_id)
upper=$(dirname "$(find "$store/$id" -path '*/upper/later.txt')")
echo HIDDEN >"$upper/later.txt"
run_sbox apply "$id"
is "$RC" 1 "apply of a capture written after its run: status 1"
like "$ERR" "refused later.txt: changed in the capture since its run ended" "... refusing that file"
ok "... which does not land, while the rest does" \
    test ! -e "$proj/later.txt" -a "$(cat "$proj/shown.txt")" = shown
run_sbox discard "$id"

# FIFOs in the store hang nothing, and what cannot be read is kept, with how to discard it.
new_project
run_sbox --capture "$proj" -- sh -c 'echo x >x.txt'
id=$(capture_id)
for f in records lock meta; do
    mv "$store/$id/$f" "$WORK/saved-$f"
    mkfifo "$store/$id/$f"
    run_timed apply "$id"
    is "$RC" 125 "a fifo as $f: apply ends with status 125, not hanging"
    like "$ERR" "its $f file is not a regular file (sbox discard $id removes it)" "... saying why"
    run_timed diff last --stat
    ok "... and diff last does not hang ($RC)" test "$RC" != 124
    rm "$store/$id/$f"
    mv "$WORK/saved-$f" "$store/$id/$f"
done
printf 'sbox-capture 1\nstarted 1.0\ncommand make\n' >"$store/$id/meta"
run_sbox apply "$id"
like "$ERR" "its meta file names no captured directory (sbox discard $id removes it)" \
    "a meta file naming no directory: the capture is damaged"
ok "... and kept, the build's output with it" test -f "$(find "$store/$id" -path '*/upper/x.txt')"
run_sbox discard "$id"
ok "sbox discard removes it" test "$RC" = 0 -a ! -e "$store/$id"

# A virtualenv made in a captured build works once applied: its links chain through each
# other to /usr/bin/python3.
new_project
if python3 -c 'import venv' 2>/dev/null; then
    run_sbox -p "$SBOX_PROFILES/build.ini" -- python3 -m venv --without-pip venv
else
    run_sbox -p "$SBOX_PROFILES/build.ini" -- sh -c 'mkdir -p venv/bin venv/lib &&
        ln -s python3 venv/bin/python && ln -s /usr/bin/python3 venv/bin/python3 &&
        ln -s lib venv/lib64'
fi
id=$(capture_id)
run_sbox apply "$id"
is "$RC" 0 "a virtualenv's capture applies: status 0"
unlike "$ERR" "refused" "... refusing none of its links"
is "$("$proj/venv/bin/python" -c 'import sys; print(sys.prefix)' 2>&1)" "$proj/venv" \
    "... and its python runs as the virtualenv's"
run_sbox discard "$id"

# Saves made while apply runs are never overwritten: editors' (a new file renamed over the
# old) and in-place writes, against applies of a capture that would change the file.
new_project
printf 'base\n' >"$proj/race.txt"
run_sbox --capture "$proj" -- sh -c 'echo build >race.txt'
id=$(capture_id)
python3 - "$SBOX" "$id" "$proj/race.txt" 1800 >"$WORK/race.out" 2>&1 <<'EOF'
import os, random, re, subprocess, sys, threading, time
sbox, cid, path, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
stats = {"runs": 0, "landed": 0, "late": 0}
reported = set()  # versions apply said it kept beside the file
done = threading.Event()

def applies():
    while not done.is_set():
        r = subprocess.run([sbox, "apply", cid], capture_output=True, text=True)
        stats["runs"] += 1
        stats["late"] += "while apply ran" in r.stderr
        stats["landed"] += r.returncode == 0
        reported.update(re.findall(r"is kept as (\S+)", r.stderr))

def save(text, renamed):
    if renamed:
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.rename(path + ".tmp", path)
    else:
        with open(path, "w") as f:
            f.write(text)

def read(p=path):
    with open(p) as f:
        return f.read()

def kept():
    d = os.path.dirname(path)
    return [os.path.join(d, n) for n in os.listdir(d) if n.startswith(".sbox-apply-")]

threads = [threading.Thread(target=applies) for _ in range(2)]
for t in threads:
    t.start()
lost = displaced = saves = 0
deadline = time.time() + 90
try:
    for i in range(want):
        if time.time() > deadline:
            break
        save("base\n", random.random() < 0.5)  # as it was: apply's checks pass again
        time.sleep(random.uniform(0, 0.004))
        mine = "user %d\n" % i
        save(mine, i % 2 == 0)
        saves += 1
        time.sleep(random.uniform(0, 0.004))
        if read() != mine:
            time.sleep(0.12)  # apply puts a save back once it has watched it a moment
            if read() != mine:
                if any(read(k) == mine for k in kept()):
                    displaced += 1  # kept beside it, and said so
                else:
                    lost += 1
finally:
    done.set()
    for t in threads:
        t.join()
unreported = [k for k in kept() if os.path.basename(k) not in reported]
print("saves %d lost %d displaced %d unreported %d applies %d landed %d late %d"
      % (saves, lost, displaced, len(unreported), stats["runs"], stats["landed"], stats["late"]))
EOF
race=$(cat "$WORK/race.out")
diag "racing saves: $race"
like "$race" "saves 1800 lost 0 " "1800 saves while apply ran over and over: none lost"
like "$race" " unreported 0 " "... and every version apply kept aside was said"
landed=$(echo "$race" | sed -n 's/.* landed \([0-9]*\).*/\1/p')
ok "... while applies did land between them ($landed)" test "${landed:-0}" -gt 0
run_sbox discard "$id"

done_testing
