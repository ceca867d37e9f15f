#!/bin/sh
# The kept user namespace (userns-keep): the keeper a ranged run starts, what later runs nest in
# it, its idle end, and forged keepers (in the caller's own namespace, in one with another map,
# inside a sandbox, a symlink, a dead socket), each refused with the run going on as before.
# Every part has an XDG_RUNTIME_DIR of its own, so the keepers are this test's alone.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers

command -v python3 >/dev/null || skip_all "python3 is needed to write the test image"
command -v busybox >/dev/null || [ -x /bin/busybox ] || skip_all "busybox-static is not installed"
has_subuid || skip_all "$(id -un) has no subordinate ranges (or newuidmap is missing)"

uid=$(id -u)
base=$(awk -F: -v u="$(id -un)" -v n="$uid" '($1 == u || $1 == n) { print $2; exit }' /etc/subuid)
cd "$WORK"

# The keepers (and makers) holding directory $1 open.
holders() {
    for p in $(pgrep -u "$uid" -x sbox-userns); do
        for f in /proc/"$p"/fd/*; do
            if [ "$(readlink "$f" 2>/dev/null)" = "$1" ]; then
                echo "$p"
                break
            fi
        done
    done
}
# Waits (at most $2 seconds, default 20) until the command in $1 succeeds.
wait_until() {
    i=0
    while ! eval "$1"; do
        i=$((i + 1))
        [ "$i" -ge $((${2:-20} * 20)) ] && return 1
        sleep 0.05
    done
}
# Whether the command in $1 stays false for $2 seconds (what should not happen, watched for).
never_within() {
    i=0
    while [ "$i" -lt $(($2 * 20)) ]; do
        eval "$1" && return 1
        i=$((i + 1))
        sleep 0.05
    done
}
# A runtime directory of its own for a part of the test; its keepers end with the test.
fresh_run_dir() {
    mkdir -m 700 "$WORK/$1"
    XDG_RUNTIME_DIR=$WORK/$1
    export XDG_RUNTIME_DIR
    KDIR=$WORK/$1/sbox
}
at_exit 'for d in "$WORK"/run*/sbox; do kill $(holders "$d") 2>/dev/null; done'
at_exit '"$SBOX" --userns subuid --userns-keep none --uid 0 --cwd none --bind "$WORK:/w" -- rm -rf /w/img 2>/dev/null'

python3 "$helpers/mkimage.py" img.tar
"$SBOX" import img.tar img 2>/dev/null
ok "the test image is imported" test -x img/bin/busybox

# --- the first run starts a keeper ---------------------------------------------------------
fresh_run_dir run1
# In a command substitution: a keeper holding the caller's stdout would keep it from ending.
out=$(timeout 30 "$SBOX" -v --rootfs img --cwd none -- echo hi 2>"$WORK/err")
err=$(cat "$WORK/err")
is "$out" "hi" "the first ranged run runs, and its output's pipe ends with it"
like "$err" "no kept user namespace to nest in (none is running); one is kept from this run on" \
    "-v: none was running, one is started"
ok "its socket appears" wait_until "test -S '$KDIR/userns'"
ok "one process keeps it" wait_until "test \"\$(holders '$KDIR' | wc -l)\" = 1"
keeper=$(holders "$KDIR")
is "$(cat /proc/"$keeper"/comm)" "sbox-userns" "... named sbox-userns"
is "$(echo $(cat /proc/"$keeper"/uid_map))" "0 $uid 1 1 $base 65536" "... in a namespace with your ranges"
unlike "$(readlink /proc/"$keeper"/ns/user)" "$(readlink /proc/self/ns/user)" "... not yours"
unlike " $(ps -o sid= -p "$keeper") " " $(ps -o sid= -p $$) " "... in a session of its own"
fds=$(for f in /proc/"$keeper"/fd/*; do readlink "$f"; done | sort | tr '\n' ' ')
like "$fds" "/dev/null /dev/null /dev/null $KDIR socket:" "... holding /dev/null, its directory and socket"
is "$(for f in /proc/"$keeper"/fd/*; do readlink "$f"; done | grep -v -e '^/dev/null$' -e "^$KDIR\$" -e '^socket:' -e '^user:' | wc -l)" 0 \
    "... and nothing else of the run's (no pipe, terminal or file)"
is "$(readlink /proc/"$keeper"/cwd)" "/" "... in /"
is "$(ps -o ni= -p "$keeper" | tr -d ' ')" 19 "... at nice 19: a run's connection never has it preempt the run"
run_sbox check
like "$OUT" "ok       the user namespace ranged runs nest in (userns-keep): kept by sbox-userns (pid $keeper)" \
    "sbox check names the keeper"

# --- later runs nest in it ------------------------------------------------------------------
mkdir shared
run_sbox -v --rootfs img --cwd none --bind "$WORK/shared:/s" -- sh -c \
    'cat /proc/self/uid_map; touch /s/root; touch /s/alice; chown 1000:1000 /s/alice; readlink /proc/self/ns/user'
is "$RC" 0 "a second run starts"
like "$ERR" "id map: subuid, nested in the user namespace sbox-userns keeps (pid $keeper)" "-v: nested in the kept one"
is "$(echo "$OUT" | head -n 2 | tr -s ' ' | sed 's/^ //' | tr '\n' ' ')" "0 0 1 1 1 65536 " \
    "inside, the map reads as the kept namespace's own ids"
is "$(stat -c %u "$WORK/shared/root"):$(stat -c %u "$WORK/shared/alice")" "$uid:$((base + 999))" \
    "files get the same owners outside as with a namespace of its own"
sandbox_ns=$(echo "$OUT" | tail -n 1)
unlike "$sandbox_ns" "$(readlink /proc/"$keeper"/ns/user)" "the sandbox has a user namespace of its own"
run_sbox --rootfs img --cwd none -- readlink /proc/self/ns/user
unlike "$OUT" "$sandbox_ns" "... another at every run"
run_sbox --rootfs img --cwd none --uid 1000 -- sh -c 'id -u; id -g'
is "$(echo $OUT)" "1000 1000" "--uid 1000 runs as 1000 (group 1000 from the image's passwd) in the nested namespace"
# Many at once, all nested.
for i in 1 2 3 4 5 6; do
    "$SBOX" -v --rootfs img --cwd none -- true >/dev/null 2>"$WORK/many.$i" &
done
wait
is "$(cat "$WORK"/many.* | grep -c "nested in the user namespace sbox-userns keeps (pid $keeper)")" 6 \
    "six runs at once all nest in it"

# --- ended and replaced ---------------------------------------------------------------------
kill "$keeper"
ok "a keeper ends on SIGTERM" wait_until "! kill -0 $keeper 2>/dev/null"
run_sbox -v --rootfs img --cwd none -- true
is "$RC" 0 "a run after its end starts"
like "$ERR" "no kept user namespace to nest in (its socket does not answer" "... saying its socket does not answer"
ok "... and starts a new one" wait_until "test \"\$(holders '$KDIR')\" != '' && test \"\$(holders '$KDIR')\" != $keeper"

# --- the idle end ---------------------------------------------------------------------------
fresh_run_dir run2
run_sbox --userns-keep 1s --rootfs img --cwd none -- true
is "$RC" 0 "a run with --userns-keep 1s"
ok "its keeper starts" wait_until "test -S '$KDIR/userns'"
ok "... and ends after a second unused, removing its socket" \
    wait_until "test -z \"\$(holders '$KDIR')\" && ! test -e '$KDIR/userns'"

# --- none, and the errors -------------------------------------------------------------------
fresh_run_dir run3
run_sbox check
like "$OUT" "(userns-keep): none now (none is running); the next ranged run starts one" \
    "sbox check: none running"
run_sbox -v --userns-keep none --rootfs img --cwd none -- true
is "$RC" 0 "--userns-keep none runs"
unlike "$ERR" "kept" "... neither joins nor starts a keeper"
run_sbox --userns-keep 30s --dry-run --rootfs img -- true
like "$OUT" "userns-keep = 30s  ; from command line" "--dry-run shows userns-keep"
refuses "--userns-keep soon|--userns-keep" "--userns-keep soon|is not a duration"
# A run whose setup fails after its namespaces exist (a missing working directory) starts none.
run_sbox --rootfs img --cwd none --chdir /nonexistent -- true
is "$RC" 125 "a run whose setup fails"
ok "... starts no keeper (its directory does not appear in 2 s)" never_within "test -e '$KDIR'" 2

# --- forged keepers -------------------------------------------------------------------------
# Each answers as a keeper would (a namespace by SCM_RIGHTS) from the place named; the run says
# why it was not taken, maps its own as before, and its new keeper replaces the forged socket.
# forged NAME WANT COMMAND...: COMMAND is the forged keeper, in the runtime directory
# fresh_run_dir NAME made (its socket: $KDIR/userns); WANT is in what -v says of it.
forged() {
    name=$1 want=$2
    shift 2
    rm -f "$WORK/ctl" "$WORK/rdy"
    mkfifo "$WORK/ctl" "$WORK/rdy"
    "$@" <"$WORK/ctl" >"$WORK/rdy" 2>"$WORK/forged.err" &
    fpid=$!
    exec 7>"$WORK/ctl"
    read -r ready <"$WORK/rdy" || ready=""
    is "$ready" "ready" "$name: the forged keeper listens"
    run_sbox -v --rootfs img --cwd none --bind "$WORK/shared:/s" -- sh -c 'touch /s/f-'"$name"'; chown 1000 /s/f-'"$name"
    is "$RC" 0 "$name: the run goes on"
    like "$ERR" "no kept user namespace to nest in ($want" "$name: -v says why it was not taken"
    is "$(stat -c %u "$WORK/shared/f-$name")" "$((base + 999))" "$name: ... and its files' owners are right"
    exec 7>&-
    wait "$fpid"
    ok "$name: a real keeper takes its place" wait_until "test -n \"\$(holders '$KDIR')\""
    run_sbox -v --rootfs img --cwd none -- true
    like "$ERR" "nested in the user namespace sbox-userns keeps" "$name: ... and the next run nests in it"
}
fresh_run_dir run-own
mkdir -m 700 "$KDIR"
forged own "its namespace is not" python3 "$helpers/fake-keeper.py" "$KDIR/userns"
fresh_run_dir run-single
mkdir -m 700 "$KDIR"
forged single-map "its map is not your ranges" unshare -U -r python3 "$helpers/fake-keeper.py" "$KDIR/userns"
# The real danger: a sandbox with your ranges and your directory writable offers its own user
# namespace (a child of yours, yours, with exactly your map): only where it runs tells it apart.
fresh_run_dir run-in-sandbox
mkdir -m 700 "$KDIR"
forged in-sandbox "what answers is inside a sandbox" \
    "$SBOX" --userns subuid --userns-keep none --uid 0 --cwd none --bind "$KDIR:/k" \
    --ro-bind "$helpers:/h" -- python3 /h/fake-keeper.py /k/userns

fresh_run_dir run-symlink
mkdir -m 700 "$KDIR"
ln -s "$WORK/run1/sbox/userns" "$KDIR/userns"
run_sbox -v --rootfs img --cwd none -- true
is "$RC" 0 "a symlink in place of the socket: the run goes on"
like "$ERR" "no kept user namespace to nest in (what is there is not its socket)" "... the symlink is not followed"

# Denials of service a sandbox with the directory writable could try: a socket whose backlog it
# filled (a run would block in connect), and the makers' lock held (a maker would wait).
fresh_run_dir run-full
mkdir -m 700 "$KDIR"
forged full "its socket does not take connections" python3 "$helpers/fake-keeper.py" "$KDIR/userns" --full
fresh_run_dir run-locked
mkdir -m 700 "$KDIR"
exec 6>"$KDIR/userns.lock"
flock 6
run_sbox -v --rootfs img --cwd none -- true
is "$RC" 0 "the makers' lock held by someone else: the run goes on"
ok "... and the maker it starts gives up rather than wait" wait_until "test -z \"\$(holders '$KDIR')\""
ok "... having made no keeper" test ! -e "$KDIR/userns"
exec 6>&-

fresh_run_dir run-open
mkdir -m 755 "$KDIR"
run_sbox -v --rootfs img --cwd none -- true
is "$RC" 0 "a directory others may read: the run goes on"
like "$ERR" "is not a directory of yours alone" "... and -v says why it is not used"

done_testing
