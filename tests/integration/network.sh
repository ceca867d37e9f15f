#!/bin/sh
# Networking: net = none (namespaces.sh shows loopback alone and an unreachable host listener),
# net = host (the host's interfaces and loopback, with a warning) and net = slirp (NAT, published
# ports, host-loopback, the helper's lifetime). Traffic goes only to
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
    listener_start
    port=$LPORT
    cp "$helpers/connect.py" "$WORK/connect.py"
    run_sbox --net host -- python3 "$WORK/connect.py" "$port"
    is "$OUT" "hello" "net = host: a listener on the host's loopback answers from inside"
    run_sbox -- python3 "$WORK/connect.py" "$port"
    is "$OUT" "ConnectionRefusedError" "net = none (the default): the same listener does not"
    listener_stop
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

# --- net = slirp: user-mode NAT through slirp4netns -----------------------------------------
cp "$helpers/serve.py" "$helpers/pidwait.py" "$WORK/"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
slirps_left() { python3 "$WORK/pidwait.py" slirp4netns 10; }
leftover_dirs() { ls -d /tmp/sbox-net-* "${XDG_RUNTIME_DIR:-/nonexistent}"/sbox-net-* 2>/dev/null | wc -l | tr -d ' '; }

run_sbox --net slirp -- sh -c "$ifaces; echo; id -u; cat /etc/resolv.conf; grep -c sbox /etc/hosts; touch made-inside"
is "$OUT" "lo tap0 
$(id -u)
nameserver 10.0.2.3
1" "net = slirp: lo and tap0, your uid, the NAT's resolver, the host name in /etc/hosts"
is "$(stat -c %u made-inside)" "$(id -u)" "net = slirp: files the payload makes are yours outside"
run_sbox --net slirp --dns 192.0.2.53 -- cat /etc/resolv.conf
is "$OUT" "nameserver 192.0.2.53" "dns = IP replaces the resolver"
is "$(slirps_left)" 0 "no slirp4netns is left after the sandbox ends"

# A server inside, reached from the host through a published port (TCP and UDP).
for proto in tcp udp; do
    hport=$(free_port)
    rm -f "$WORK/ready"
    mkfifo "$WORK/ready"
    flag="" hl=no
    # (slirp4netns answers UDP clients on the host's loopback only with host-loopback = yes;
    # sbox says so: checked below.)
    [ "$proto" = udp ] && flag=--udp hl=yes
    "$SBOX" --net slirp --host-loopback "$hl" --publish "$hport:3000/$proto" -- python3 "$WORK/serve.py" 3000 $flag >"$WORK/ready" 2>"$WORK/serve.err" &
    spid=$!
    got=$(timeout 60 head -n 1 "$WORK/ready")
    is "$got" "ready" "publish $proto: the server inside listens"
    is "$(python3 "$helpers/connect.py" 127.0.0.1 "$hport" $flag)" "from-sandbox" "publish $proto: 127.0.0.1:$hport on the host reaches port 3000 inside"
    rc=0
    wait "$spid" || rc=$?
    is "$rc" 0 "publish $proto: the sandbox ends with its server's status"
done

run_sbox --net slirp --publish 5353:53/udp -- true
like "$ERR" "publish 127.0.0.1:5353/udp: answers to clients on the host's loopback need host-loopback = yes" "a UDP publish on the loopback without host-loopback: one line says what it needs"

# IPv6 through the NAT only when asked (its address comes from the NAT's router advertisement:
# waited for, with a deadline).
v6='for i in $(seq 100); do grep -q ^fd00 /proc/net/if_inet6 && break; sleep 0.1; done; grep -c ^fd00 /proc/net/if_inet6'
run_sbox --net slirp --ipv6 yes -- sh -c "$v6"
is "$OUT" 1 "ipv6 = yes: the sandbox gets an IPv6 address from the NAT"
run_sbox --net slirp -- sh -c 'grep -c ^fd00 /proc/net/if_inet6'
is "$OUT" 0 "ipv6 = no (the default): none"

# The host's loopback: unreachable through the gateway unless host-loopback = yes.
listener_start
lport=$LPORT
run_sbox --net slirp -- python3 "$WORK/connect.py" 10.0.2.2 "$lport"
unlike "$OUT" "hello" "net = slirp: the host's 127.0.0.1 is not reachable through the gateway"
run_sbox --net slirp --host-loopback yes -- python3 "$WORK/connect.py" 10.0.2.2 "$lport"
is "$OUT" "hello" "host-loopback = yes: it is (outbound NAT works)"
# A taken port is a clear error before anything starts, and leaves nothing behind.
run_sbox --net slirp --publish "$lport:80" -- true
is "$RC/$(lines "$ERR")" "125/1" "a taken port: one line, status 125"
like "$ERR" "--publish: tcp port $lport on 127.0.0.1 is taken" "... naming the flag and the port"
is "$(slirps_left)/$(leftover_dirs)" "0/0" "... and no slirp4netns or private directory is left"
listener_stop

# slirp4netns ends with the sandbox: after a signal to sbox, and after sbox is killed.
for how in TERM KILL; do
    rm -f "$WORK/ready"
    mkfifo "$WORK/ready"
    "$SBOX" --net slirp -- sh -c 'echo ready; exec sleep 60' >"$WORK/ready" &
    spid=$!
    got=$(timeout 60 head -n 1 "$WORK/ready")
    is "$got" "ready" "SIG$how: the sandbox runs"
    kill -s "$how" "$spid"
    wait "$spid" 2>/dev/null || true
    is "$(slirps_left)" 0 "SIG$how to sbox: no slirp4netns survives"
done
is "$(leftover_dirs)" 0 "no private directory is left"

run_sbox check
like "$OUT" "ok       slirp4netns (net = slirp" "sbox check: slirp4netns is there"
like "$OUT" "ok       /dev/net/tun usable by you" "sbox check: /dev/net/tun is usable"

run_sbox --net slirp --dry-run -- true
like "$OUT" "net = slirp  ; from command line" "--dry-run shows net = slirp"
like "$OUT" "host-loopback = no" "... and host-loopback = no"

# Missing helper, settings without user-mode networking.
RC=0
ERR=$(env PATH=/nonexistent "$SBOX" --net slirp -- /bin/true 2>&1 >/dev/null) || RC=$?
is "$RC" 125 "without slirp4netns: status 125"
like "$ERR" "needs slirp4netns, which is not installed (package slirp4netns)" "... naming the package"
for bad in "--publish 8080:80|--publish: \`publish\` needs net = slirp" \
    "--host-loopback yes|--host-loopback: \`host-loopback\` needs net = slirp" \
    "--dns 192.0.2.1|--dns: \`dns\` needs net = slirp"; do
    # shellcheck disable=SC2086
    run_sbox ${bad%%|*} -- true
    is "$RC/$(lines "$ERR")" "125/1" "${bad%%|*} without net = slirp: one line, status 125"
    like "$ERR" "${bad#*|}" "... saying: ${bad#*|}"
done

# Values not supported yet, and mistakes: one line, 125.
for bad in "pasta:not supported yet" "bogus:is not one of none, host, slirp, pasta"; do
    run_sbox --net "${bad%%:*}" -- true
    is "$RC/$(lines "$ERR")" "125/1" "--net ${bad%%:*}: one line, status 125"
    like "$ERR" "${bad#*:}" "... saying: ${bad#*:}"
done

done_testing
