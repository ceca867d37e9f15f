#!/bin/sh
# A user with no subordinate ranges: images still run with a single map, and every place that
# needs ranges says how to get them. (make check runs this one as a second test user who has
# none; run by hand as a user with ranges, it has nothing to show.)
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers

command -v python3 >/dev/null || skip_all "python3 is needed to write the test image"
if grep -q "^\($(id -un)\|$(id -u)\):" /etc/subuid /etc/subgid 2>/dev/null; then
    skip_all "$(id -un) has subordinate ranges; this test needs a user without"
fi
uid=$(id -u)
cd "$WORK"

python3 "$helpers/mkimage.py" img.tar
run_sbox import img.tar img
is "$RC" 0 "import works without ranges"
like "$ERR" "you have no ranges in /etc/subuid and /etc/subgid" "... warning that owners are lost"
is "$(stat -c %u img/home/alice)" "$uid" "... every file then belongs to the caller"

run_sbox -v --rootfs "$WORK/img" -- sh -c 'id -u; cat /proc/self/uid_map'
is "$(echo $OUT)" "0 0 $uid 1" "auto falls back to the single map: root inside is the caller"
like "$ERR" "id map: single (you have no ranges" "-v says why"
run_sbox --rootfs "$WORK/img" --overlay tmpfs -- sh -c 'echo x >/etc/new && cat /etc/new'
is "$OUT" "x" "a writable image still works"

run_sbox --userns subuid --rootfs "$WORK/img" -- true
is "$RC" 125 "userns = subuid without ranges fails"
like "$ERR" "--userns: userns = subuid: you have no ranges in /etc/subuid and /etc/subgid for user $(id -un)" "... naming the flag and the reason"
like "$ERR" "usermod --add-subuids" "... with the command that fixes it"
is "$(lines "$ERR")" 1 "... in one line"

run_sbox check
is "$RC" 0 "sbox check: sandboxes run (status 0), a feature is missing"
like "$OUT" "missing  subordinate ids in /etc/subuid and /etc/subgid: 0 uids, 0 gids" "... the ranges"
like "$OUT" "fix: as root: \`usermod --add-subuids" "... and how to add them"

done_testing
