#!/bin/sh
# Namespaces seen from inside: pid 1, hostname, network, id map, one new instance of each.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers
uid=$(id -u)
gid=$(id -g)

for ns in user mnt pid ipc uts net cgroup; do
    outside=$(readlink "/proc/self/ns/$ns")
    run_sbox -- readlink "/proc/self/ns/$ns"
    ok "a new $ns namespace ($OUT vs $outside)" test -n "$OUT" -a "$OUT" != "$outside"
done

run_sbox -- sh -c 'echo $$'
is "$OUT" 2 "the payload is pid 2"
run_sbox -- sh -c 'for p in /proc/[0-9]*; do printf "%s " "${p#/proc/}"; done'
is "$OUT" "1 2 " "/proc shows pid 1 and the payload, no host process"
run_sbox -- sh -c 'cat /proc/1/cmdline 2>&1 >/dev/null; cat /proc/1/status | grep -i "^uid"'
like "$OUT" "Uid:" "pid 1 exists"
run_sbox -- sh -c 'cat /proc/1/environ >/dev/null 2>&1 && echo readable || echo denied'
is "$OUT" "denied" "pid 1 is not dumpable: the payload cannot read its memory or environment"

run_sbox -- hostname
is "$OUT" "sbox" "hostname is sbox"
run_sbox --hostname build-7 -- cat /proc/sys/kernel/hostname
is "$OUT" "build-7" "--hostname sets it"
is "$(hostname)" "$(cat /proc/sys/kernel/hostname)" "the host's hostname is untouched"

run_sbox -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
is "$OUT" "lo" "the only interface is lo"
run_sbox -- sh -c 'grep -c "" /proc/net/route'
is "$OUT" "1" "no routes at all (only the header)"

run_sbox -- cat /proc/self/uid_map
is "$(echo $OUT)" "$uid $uid 1" "single uid map: the caller's own uid"
run_sbox -- cat /proc/self/gid_map
is "$(echo $OUT)" "$gid $gid 1" "single gid map: the caller's own gid"
run_sbox -- id -u
is "$OUT" "$uid" "the payload runs as the caller's uid by default"
run_sbox --userns single --uid 0 --gid 0 -- sh -c 'id -u; id -g; cat /proc/self/uid_map'
is "$(echo $OUT)" "0 0 0 $uid 1" "--userns single --uid 0 --gid 0 map root inside to the caller"
run_sbox --uid 1234 -- id -u
is "$OUT" "1234" "--uid N"
run_sbox --uid 1234 -- sh -c 'grep -E "^Cap(Prm|Eff|Bnd|Amb|Inh)" /proc/self/status | cut -f2 | sort -u'
is "$OUT" "0000000000000000" "no capabilities at all as a user inside"
# Root inside keeps a container root's set: chown, dac_override, fowner, fsetid, kill, setgid,
# setuid, setpcap, net_bind_service, sys_chroot, setfcap; never sys_admin, ptrace or the like.
for map in single subuid; do
    [ "$map" = subuid ] && ! has_subuid && { skip "no subordinate ranges for $(id -un)"; continue; }
    run_sbox --userns "$map" --uid 0 -- sh -c 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status | cut -f2 | sort -u; grep -E "^Cap(Amb|Inh)" /proc/self/status | cut -f2 | sort -u'
    is "$(echo $OUT)" "00000000800405fb 0000000000000000" "uid 0 ($map map) keeps only a container root's capabilities"
done
run_sbox -- sh -c 'grep NoNewPrivs /proc/self/status | cut -f2'
is "$OUT" "1" "no_new_privs is set"
run_sbox --userns single --uid 0 -- sh -c 'cat /proc/self/setgroups'
is "$OUT" "deny" "setgroups is denied with a single map"

# No network: a listener on the host's loopback answers from outside but not from inside.
if command -v python3 >/dev/null 2>&1; then
    listener_start
    port=$LPORT
    is "$(python3 "$helpers/connect.py" "$port")" "hello" "the host listener answers from outside"
    cp "$helpers/connect.py" "$WORK/connect.py"
    run_sbox -- python3 "$WORK/connect.py" "$port"
    is "$OUT" "ConnectionRefusedError" "the same listener cannot be reached from inside"
    listener_stop
else
    fail "python3 is needed for the network test (scripts/setup installs it)"
fi

done_testing
