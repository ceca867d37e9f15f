#!/bin/sh
# Networking: net = none (namespaces.sh shows loopback alone and an unreachable host listener)
# and net = host (the host's interfaces and loopback, with a warning). Traffic goes only to
# listeners this test starts on the host's loopback.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers

ifaces='tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " "'

# net = host: the host's interfaces, the host's loopback services, and one line saying so.
run_sbox --net host -- sh -c "$ifaces"
is "$OUT" "$(sh -c "$ifaces")" "net = host: the sandbox sees the host's interfaces"
is "$(lines "$ERR")" 1 "net = host: one line of warning"
like "$ERR" "net = host: the sandbox shares your network" "... which says the network is shared"
like "$ERR" "abstract UNIX sockets" "... and that abstract UNIX sockets are reachable"
run_sbox --net host -- sh -c 'readlink /proc/self/ns/net'
is "$OUT" "$(readlink /proc/self/ns/net)" "net = host: the host's network namespace"
run_sbox --net host -- sh -c 'readlink /proc/self/ns/uts; hostname'
unlike "$OUT" "$(readlink /proc/self/ns/uts)" "net = host: the host name stays the sandbox's own"
like "$OUT" "sbox" "... (sbox)"

if command -v python3 >/dev/null 2>&1; then
    mkfifo "$WORK/ctl" "$WORK/port"
    python3 "$helpers/listen.py" <"$WORK/ctl" >"$WORK/port" &
    lpid=$!
    exec 8>"$WORK/ctl"
    read -r port <"$WORK/port"
    cp "$helpers/connect.py" "$WORK/connect.py"
    run_sbox --net host -- python3 "$WORK/connect.py" "$port"
    is "$OUT" "hello" "net = host: a listener on the host's loopback answers from inside"
    run_sbox -- python3 "$WORK/connect.py" "$port"
    is "$OUT" "ConnectionRefusedError" "net = none (the default): the same listener does not"
    exec 8>&-
    wait "$lpid"
else
    fail "python3 is needed for the network test (scripts/setup installs it)"
fi

# In a profile, and in the printed plan.
printf '[profile]\ninclude = default\n[network]\nnet = host\n' >"$WORK/host.ini"
run_sbox -p "$WORK/host.ini" -- sh -c 'readlink /proc/self/ns/net'
is "$OUT" "$(readlink /proc/self/ns/net)" "net = host from a profile"
run_sbox -p "$WORK/host.ini" --net none -- sh -c 'readlink /proc/self/ns/net'
unlike "$OUT" "$(readlink /proc/self/ns/net)" "--net none over a profile's net = host"
run_sbox --net host --dry-run -- true
like "$OUT" "net = host  ; from command line" "--dry-run shows net = host"

# An image with the host's network gets the host's resolver.
if has_subuid; then
    python3 "$helpers/mkimage.py" img.tar >/dev/null
    run_sbox import img.tar img
    run_sbox --rootfs "$WORK/img" --net host -- cat /etc/resolv.conf
    is "$OUT" "$(cat /etc/resolv.conf)" "an image with net = host: the host's /etc/resolv.conf"
    run_sbox --rootfs "$WORK/img" -- cat /etc/resolv.conf
    like "$OUT" "no resolver" "an image with net = none: no resolver"
    run_sbox image rm "$WORK/img"
else
    skip "no subordinate ranges for $(id -un): the image check needs them"
fi

# Values not supported yet, and mistakes: one line, 125.
for bad in "slirp:not supported yet" "pasta:not supported yet" "bogus:is not one of none, host, slirp, pasta"; do
    run_sbox --net "${bad%%:*}" -- true
    is "$RC/$(lines "$ERR")" "125/1" "--net ${bad%%:*}: one line, status 125"
    like "$ERR" "${bad#*:}" "... saying: ${bad#*:}"
done

done_testing
