# tests/lib.sh: TAP helpers for the integration tests, sourced by each tests/integration/*.sh.
# Each test runs real sandboxes as the (unprivileged) user running it and checks what is seen
# inside and what is left outside. $SBOX is the binary under test.
set -u
: "${SBOX:?SBOX must name the sbox binary}"

T_N=0
T_FAIL=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbox-t.XXXXXX")
T_CLEANUP=""

t_cleanup() {
    eval "$T_CLEANUP"
    # Copies of a read-only source tree (make distcheck's) are read-only too: rm needs them
    # writable to empty them.
    chmod -R u+w "$WORK" 2>/dev/null
    rm -rf "$WORK"
}
trap t_cleanup EXIT

# Run "$@" when the test script exits (LIFO is not needed here).
at_exit() { T_CLEANUP="$T_CLEANUP
$*"; }

pass() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
fail() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# ok DESCRIPTION COMMAND...: passes when the command succeeds.
ok() {
    d=$1
    shift
    if "$@"; then pass "$d"; else fail "$d"; fi
}

# is GOT WANT DESCRIPTION
is() {
    if [ "$1" = "$2" ]; then
        pass "$3"
    else
        fail "$3"
        diag "got:  '$1'" "want: '$2'"
    fi
}

# like GOT SUBSTRING DESCRIPTION
like() {
    case $1 in
    *"$2"*) pass "$3" ;;
    *) fail "$3"; diag "got:  '$1'" "want something containing: '$2'" ;;
    esac
}

# unlike GOT SUBSTRING DESCRIPTION
unlike() {
    case $1 in
    *"$2"*) fail "$3"; diag "got:  '$1'" "want nothing containing: '$2'" ;;
    *) pass "$3" ;;
    esac
}

# A skip names its reason; SBOX_MUST_WORK=1 (CI) turns it into a failure.
skip_all() {
    if [ -n "${SBOX_MUST_WORK:-}" ]; then
        echo "1..1"
        echo "not ok 1 - cannot run: $* (SBOX_MUST_WORK is set)"
        exit 1
    fi
    echo "1..0 # SKIP $*"
    exit 0
}

# skip REASON: one skipped check (a failure under SBOX_MUST_WORK).
skip() {
    T_N=$((T_N + 1))
    if [ -n "${SBOX_MUST_WORK:-}" ]; then
        T_FAIL=$((T_FAIL + 1))
        echo "not ok $T_N - cannot check: $* (SBOX_MUST_WORK is set)"
    else
        echo "ok $T_N # SKIP $*"
    fi
}

# skip_not_here REASON: one check this machine cannot do by its nature (no delegated cgroup v2
# subtree, say), which the machine itself reported: a skip even under SBOX_MUST_WORK, so that
# CI on any machine stays honest about it rather than failing. Only for such reports.
skip_not_here() {
    T_N=$((T_N + 1))
    echo "ok $T_N # SKIP not on this machine: $*"
}

# refuses "ARGS|MESSAGE"...: sbox with each ARGS (split on spaces) fails with one line on
# stderr that contains MESSAGE, and status 125.
refuses() {
    for bad in "$@"; do
        # shellcheck disable=SC2086
        run_sbox ${bad%%|*} -- true
        is "$RC/$(lines "$ERR")" "125/1" "${bad%%|*}: one line, status 125"
        like "$ERR" "${bad#*|}" "... saying: ${bad#*|}"
    done
}

# The caller has subordinate id ranges and the helpers to map them.
has_subuid() {
    u=$(id -un)
    grep -q "^\($u\|$(id -u)\):" /etc/subuid 2>/dev/null &&
        grep -q "^\($u\|$(id -u)\):" /etc/subgid 2>/dev/null &&
        command -v newuidmap >/dev/null && command -v newgidmap >/dev/null
}

# listener_start: a TCP listener on the host's loopback (helpers/listen.py) that answers each
# connection with "hello" until listener_stop; its port is $LPORT.
listener_start() {
    rm -f "$WORK/.lctl" "$WORK/.lport"
    mkfifo "$WORK/.lctl" "$WORK/.lport"
    python3 "${SBOX_TESTS:-$(dirname "$0")/..}/helpers/listen.py" <"$WORK/.lctl" >"$WORK/.lport" &
    LPID=$!
    exec 8>"$WORK/.lctl"
    read -r LPORT <"$WORK/.lport"
}
listener_stop() {
    exec 8>&-
    wait "$LPID"
}

done_testing() {
    echo "1..$T_N"
    [ "$T_FAIL" -eq 0 ]
}

# run_sbox ARGS...: runs sbox, capturing stdout in $OUT, stderr in $ERR and status in $RC.
run_sbox() {
    RC=0
    "$SBOX" "$@" >"$WORK/.out" 2>"$WORK/.err" || RC=$?
    OUT=$(cat "$WORK/.out")
    ERR=$(cat "$WORK/.err")
    # sbox's own failures are worth seeing in the log when a check fails.
    if [ "$RC" = 125 ]; then diag "sbox said: $ERR"; fi
}

# The number of lines in a string.
lines() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l | tr -d ' '; }

# Sandboxes must work at all before anything else is worth checking.
if [ "$(id -u)" = 0 ] && [ -z "${SBOX_ALLOW_ROOT:-}" ]; then
    skip_all "running as root: run through tests/as-user.sh (make check does)"
fi
if ! "$SBOX" -- true 2>"$WORK/.probe"; then
    skip_all "sbox cannot start a sandbox here: $(head -n 1 "$WORK/.probe")"
fi
cd "$WORK"
