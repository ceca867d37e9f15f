#!/bin/sh
# Networking: net = none (namespaces.sh shows loopback alone and an unreachable host listener),
# net = host (the host's interfaces and loopback, with a warning), net = slirp and net = pasta
# (user-mode networking, published ports, host-loopback, the helper's lifetime). Traffic goes
# only to listeners this test starts on the host's loopback, or to addresses of a network
# namespace the test makes.
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

# --- net = slirp and net = pasta: user-mode networking ---------------------------------------
cp "$helpers/serve.py" "$helpers/pidwait.py" "$WORK/"
cd "$WORK"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# pasta may go on as passt.avx2 (it runs the build for the machine's CPU).
helpers_left() { python3 "$WORK/pidwait.py" "$([ "$1" = pasta ] && echo pasta,passt,passt.avx2 || echo "$1")" 10; }
leftover_dirs() { ls -d /tmp/sbox-net-* "${XDG_RUNTIME_DIR:-/nonexistent}"/sbox-net-* 2>/dev/null | wc -l | tr -d ' '; }
# The interface of the host's default route: the one pasta copies.
default_if() { awk '$2 == "00000000" && $8 == "00000000" { print $1; exit }' /proc/net/route; }
# Global IPv6 addresses: scope 00 in /proc/net/if_inet6.
v6_global='grep -c "^[0-9a-f]* [0-9a-f]* [0-9a-f]* 00 " /proc/net/if_inet6'

# usernet NET HELPER IFACE DNS PACKAGE
usernet() {
    net=$1 helper=$2 iface=$3 dns=$4 package=$5
    if ! command -v "$helper" >/dev/null 2>&1; then
        skip "$helper is not installed: net = $net untested (scripts/setup installs it)"
        return
    fi
    run_sbox --net "$net" -- sh -c "$ifaces; echo; id -u; cat /etc/resolv.conf; grep -c sbox /etc/hosts; touch made-$net"
    is "$OUT" "$(printf 'lo\n%s\n' "$iface" | sort | tr '\n' ' ')
$(id -u)
nameserver $dns
1" "net = $net: lo and $iface, your uid, the resolver, the host name in /etc/hosts"
    is "$(stat -c %u "made-$net")" "$(id -u)" "net = $net: files the payload makes are yours outside"
    # localhost is 127.0.0.1 alone (glibc sorts ::1 first when it has both, and a port
    # published on the host's 127.0.0.1 leads to the sandbox's 127.0.0.1); ::1 keeps its names.
    run_sbox --net "$net" --ipv6 yes -- sh -c 'getent ahosts localhost | cut -d" " -f1 | sort -u; getent hosts ip6-localhost'
    is "$OUT" "127.0.0.1
::1             ip6-localhost ip6-loopback" "net = $net: localhost is 127.0.0.1 alone, ip6-localhost ::1"
    run_sbox --net "$net" --uid 1000 -- id -u
    is "$RC/$OUT" "0/1000" "net = $net with another uid inside"
    run_sbox --net "$net" --dns 192.0.2.53 -- cat /etc/resolv.conf
    is "$OUT" "nameserver 192.0.2.53" "net = $net: dns = IP replaces the resolver"
    is "$(helpers_left "$helper")" 0 "no $helper is left after the sandbox ends"

    # A server inside, reached from the host through a published port (TCP and UDP).
    for proto in tcp udp; do
        hport=$(free_port) sport=3000
        rm -f "$WORK/ready"
        mkfifo "$WORK/ready"
        flag="" hl=no
        # slirp4netns answers UDP clients on the host's loopback only with host-loopback = yes;
        # Debian 12's pasta forwards UDP only to the same port inside. sbox says each: checked
        # below.
        if [ "$proto" = udp ]; then
            flag=--udp
            if [ "$net" = slirp ]; then hl=yes; else sport=$hport; fi
        fi
        "$SBOX" --net "$net" --host-loopback "$hl" --publish "$hport:$sport/$proto" -- python3 "$WORK/serve.py" "$sport" $flag >"$WORK/ready" 2>"$WORK/serve.err" &
        spid=$!
        got=$(timeout 60 head -n 1 "$WORK/ready")
        is "$got" "ready" "net = $net, publish $proto: the server inside listens"
        is "$(python3 "$helpers/connect.py" 127.0.0.1 "$hport" $flag)" "from-sandbox" "net = $net, publish $proto: 127.0.0.1:$hport on the host reaches port $sport inside"
        rc=0
        wait "$spid" || rc=$?
        is "$rc" 0 "net = $net, publish $proto: the sandbox ends with its server's status"
    done

    # Two published ports of one kind.
    h1=$(free_port) h2=$(free_port)
    rm -f "$WORK/ready"
    mkfifo "$WORK/ready"
    "$SBOX" --net "$net" --publish "$h1:3000" --publish "$h2:3001" -- sh -c 'python3 serve.py 3000 & python3 serve.py 3001 & wait' >"$WORK/ready" 2>"$WORK/serve.err" &
    spid=$!
    exec 7<"$WORK/ready"
    read -r _ <&7
    read -r _ <&7
    is "$(python3 "$helpers/connect.py" 127.0.0.1 "$h1")/$(python3 "$helpers/connect.py" 127.0.0.1 "$h2")" "from-sandbox/from-sandbox" "net = $net, two published TCP ports: both reach their servers"
    exec 7<&-
    wait "$spid" || true

    # The sandbox's own setup failing while the helper starts: its error, not the helper's.
    run_sbox --net "$net" --chdir /nonexistent -- true
    is "$RC/$(lines "$ERR")" "125/1" "net = $net, a setup error: one line, status 125"
    like "$ERR" "--chdir: working directory \`/nonexistent\`" "... the sandbox's own error"
    is "$(helpers_left "$helper")/$(leftover_dirs)" "0/0" "... and no $helper or private directory is left"

    # A signal while the helper starts (a stand-in that never says it is ready) ends sbox at
    # once, as it would end the command, leaving nothing.
    mkdir -p "$WORK/fakebin"
    rm -f "$WORK/fake-started"
    mkfifo "$WORK/fake-started"
    printf '#!/bin/sh\necho $$ >"%s"\nexec sleep 600\n' "$WORK/fake-started" >"$WORK/fakebin/$helper"
    chmod 755 "$WORK/fakebin/$helper"
    PATH="$WORK/fakebin:$PATH" "$SBOX" --net "$net" -- true &
    spid=$!
    read -r fake <"$WORK/fake-started"
    kill -INT "$spid"
    rc=0
    wait "$spid" || rc=$?
    is "$rc" 130 "net = $net, SIGINT while the helper starts: sbox ends with 128+2"
    is "$(python3 -c 'import os, select, sys
fd = os.pidfd_open(int(sys.argv[1]))
print("gone" if select.select([fd], [], [], 10)[0] else "running")' "$fake" 2>/dev/null || echo gone)/$(leftover_dirs)" "gone/0" "... and the helper and its directory are gone"

    # IPv6 only when asked (slirp's address comes from its router advertisement: waited for,
    # with a deadline; pasta copies the host's, before the payload starts).
    if [ "$net" = slirp ] || [ "$(sh -c "$v6_global")" -gt 0 ]; then
        run_sbox --net "$net" --ipv6 yes -- sh -c "for i in \$(seq 100); do [ \"\$($v6_global)\" -gt 0 ] && break; sleep 0.1; done; $v6_global"
        is "$OUT" 1 "net = $net, ipv6 = yes: the sandbox gets a global IPv6 address"
    else
        skip "this host has no global IPv6 address for pasta to copy"
    fi
    run_sbox --net "$net" -- sh -c "$v6_global"
    is "$OUT" 0 "net = $net, ipv6 = no (the default): none"

    listener_start
    lport=$LPORT
    # The sandbox's own loopback is its own (pasta's default would forward the host's ports).
    run_sbox --net "$net" -- python3 "$WORK/connect.py" 127.0.0.1 "$lport"
    is "$OUT" "ConnectionRefusedError" "net = $net: 127.0.0.1 inside is not the host's"
    # A taken port is a clear error before anything starts, and leaves nothing behind.
    run_sbox --net "$net" --publish "$lport:80" -- true
    is "$RC/$(lines "$ERR")" "125/1" "net = $net, a taken port: one line, status 125"
    like "$ERR" "--publish: tcp port $lport on 127.0.0.1 is taken" "... naming the flag and the port"
    is "$(helpers_left "$helper")/$(leftover_dirs)" "0/0" "... and no $helper or private directory is left"
    listener_stop

    # The helper ends with the sandbox: after a signal to sbox, and after sbox is killed.
    for how in TERM KILL; do
        rm -f "$WORK/ready"
        mkfifo "$WORK/ready"
        "$SBOX" --net "$net" -- sh -c 'echo ready; exec sleep 60' >"$WORK/ready" &
        spid=$!
        got=$(timeout 60 head -n 1 "$WORK/ready")
        is "$got" "ready" "net = $net, SIG$how: the sandbox runs"
        kill -s "$how" "$spid"
        wait "$spid" 2>/dev/null || true
        is "$(helpers_left "$helper")" 0 "net = $net, SIG$how to sbox: no $helper survives"
    done
    is "$(leftover_dirs)" 0 "net = $net: no private directory is left"

    run_sbox --net "$net" --dry-run -- true
    like "$OUT" "net = $net  ; from command line" "--dry-run shows net = $net"
    like "$OUT" "host-loopback = no" "... and host-loopback = no"

    RC=0
    ERR=$(env PATH=/nonexistent "$SBOX" --net "$net" -- /bin/true 2>&1 >/dev/null) || RC=$?
    is "$RC" 125 "without $helper: status 125"
    like "$ERR" "needs $helper, which is not installed (package $package)" "... naming the package"
}

usernet slirp slirp4netns tap0 10.0.2.3 slirp4netns
usernet pasta pasta "$(default_if)" 169.254.1.1 passt

# --- Published TCP ports reach servers on the sandbox's loopback -----------------------------
# A dev server listens on localhost (127.0.0.1 inside), 127.0.0.1, ::1 or every address. Under
# slirp sbox relays published TCP ports itself, into the sandbox's own loopback (127.0.0.1, then
# ::1); pasta splices the host's loopback into the sandbox's. Every wait is for a line the
# server prints once it listens, bounded.
cp "$helpers/publish-server.py" "$WORK/"
pc() { python3 "$helpers/publish-client.py" "$@"; }
# inside ARGS...: sbox ARGS in the background ($SPID), its first line of output in $READY.
inside() {
    rm -f "$WORK/ready"
    mkfifo "$WORK/ready"
    "$SBOX" "$@" >"$WORK/ready" 2>"$WORK/inside.err" &
    SPID=$!
    READY=$(timeout 60 head -n 1 "$WORK/ready")
}
# quit_inside PORT [--v6]: the server told to exit, and sbox waited for (its status in $RC).
quit_inside() {
    pc ask "$@" quit >/dev/null
    RC=0
    wait "$SPID" || RC=$?
}
port_free() { python3 -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); print("free")' "$1" 2>/dev/null || echo taken; }

for net in slirp pasta; do
    command -v "$([ $net = slirp ] && echo slirp4netns || echo pasta)" >/dev/null 2>&1 || {
        skip "net = $net: its helper is not installed"
        continue
    }
    binds="127.0.0.1 0.0.0.0"
    [ $net = slirp ] && binds="$binds ::1"
    for bind in $binds; do
        hport=$(free_port)
        inside --net $net --publish "$hport:3000" -- python3 publish-server.py "$bind" 3000
        is "$READY" ready "net = $net, a server on $bind inside listens"
        peer=127.0.0.1
        [ "$bind" = ::1 ] && peer=::1
        is "$(pc ask "$hport" peer)" $peer "net = $net, a server on $bind: 127.0.0.1:$hport on the host reaches it (from $peer inside)"
        quit_inside "$hport"
        is "$RC" 0 "... and the sandbox ends with the server"
    done

    # localhost, as dev servers are told: Python's http.server and Node's http.
    hport=$(free_port)
    inside --net $net --publish "$hport:3000" -- python3 -u -m http.server --bind localhost 3000
    like "$READY" "Serving HTTP on 127.0.0.1 port 3000" "net = $net: python3 -m http.server --bind localhost listens on 127.0.0.1"
    like "$(pc http "$hport")" "200 " "net = $net: ... and answers through --publish $hport:3000"
    kill "$SPID"
    wait "$SPID" 2>/dev/null || true
    if command -v node >/dev/null 2>&1; then
        hport=$(free_port)
        inside --net $net --publish "$hport:3000" -- node -e 'const s = require("http").createServer((q, r) => r.end("from-node\n")); s.listen(3000, "localhost", () => console.log("ready " + s.address().address))'
        is "$READY" "ready 127.0.0.1" "net = $net: Node's listen(3000, 'localhost') listens on 127.0.0.1"
        is "$(pc http "$hport")" "200 from-node" "net = $net: ... and answers through --publish $hport:3000"
        kill "$SPID"
        wait "$SPID" 2>/dev/null || true
    else
        skip "node is not installed: Node's localhost untested"
    fi

    # Many connections at once, beside a client that reads nothing (its buffers full).
    hport=$(free_port)
    inside --net $net --publish "$hport:3000" -- python3 publish-server.py 127.0.0.1 3000
    is "$(pc many "$hport" 64)" "64/64" "net = $net: 64 connections at once, beside a stalled one, are all answered"
    quit_inside "$hport"
done

# pasta splices an IPv4 connection into IPv4 only: a server on ::1 alone is published on [::1].
if command -v pasta >/dev/null 2>&1; then
    hport=$(free_port)
    inside --net pasta --ipv6 yes --publish "[::1]:$hport:3000" -- python3 publish-server.py ::1 3000
    is "$(pc --v6 ask "$hport" echo)" echo "net = pasta, ipv6 = yes: [::1]:$hport on the host reaches a server on ::1 inside"
    quit_inside "$hport" --v6
fi

# sbox's relay (net = slirp): an IPv6 address of the host's, without ipv6 = yes (the sandbox's
# own network stays IPv4); another uid inside; what a port with nothing behind it does.
hport=$(free_port)
inside --net slirp --publish "[::1]:$hport:3000" -- python3 publish-server.py 127.0.0.1 3000
is "$(pc --v6 ask "$hport" echo)" echo "net = slirp, publish [::1]:$hport:3000: the host's ::1 reaches 127.0.0.1 inside"
quit_inside "$hport" --v6
hport=$(free_port)
inside --net slirp --uid 1000 --publish "$hport:3000" -- python3 publish-server.py 127.0.0.1 3000
is "$(pc ask "$hport" echo)" echo "net = slirp, uid 1000 inside (a nested user namespace): the relay reaches its server"
quit_inside "$hport"
is "$(pc ask "$(free_port)" echo)" ConnectionRefusedError "a port nothing publishes: refused"
hport=$(free_port)
inside --net slirp --publish "$hport:3001" --publish "$(free_port):3000" -- python3 publish-server.py 127.0.0.1 3000
is "$(python3 "$helpers/connect.py" 127.0.0.1 "$hport")" ConnectionResetError "net = slirp, a published port nothing listens on inside: the connection is reset"
kill "$SPID"
wait "$SPID" 2>/dev/null || true
like "$(cat "$WORK/inside.err")" "publish 127.0.0.1:$hport:3001: 1 connection found nothing listening on port 3001 inside" "... and sbox says so once it ends"

# The payload's side: the relay's children are no process it can see, and the host's side of
# a published port is out of its reach (the host's loopback is, without host-loopback).
hport=$(free_port)
inside --net slirp --publish "$hport:3000" -- sh -c "python3 connect.py 10.0.2.2 $hport >&2; exec python3 publish-server.py 127.0.0.1 3000"
like "$(cat "$WORK/inside.err")" Error "net = slirp: the payload cannot reach the host's side of its published port"
pc hold "$hport" >"$WORK/held" &
hold=$!
procs=$(pc ask "$hport" procs)
like "$procs" "python3" "net = slirp: the payload lists its processes"
unlike "$procs" "sbox-publish" "... and no relay's child is among them"
is "$(pc ask "$hport" "$(printf 'x%.0s' $(seq 1000))")" "$(printf 'x%.0s' $(seq 1000))" "... a line goes there and back unchanged"
kill -9 "$SPID"
wait "$SPID" 2>/dev/null || true
wait "$hold" || true
is "$(cat "$WORK/held")" "from-sandbox
closed" "net = slirp, sbox killed (SIGKILL): a relayed connection is closed"
is "$(python3 "$WORK/pidwait.py" sbox-publish,slirp4netns 10)/$(port_free "$hport")" "0/free" "... no relay's child or slirp4netns is left, and the port is free again"

# slirp's gateway is slirp's own address: the host's loopback is unreachable through it unless
# host-loopback = yes.
listener_start
lport=$LPORT
run_sbox --net slirp -- python3 "$WORK/connect.py" 10.0.2.2 "$lport"
unlike "$OUT" "hello" "net = slirp: the host's 127.0.0.1 is not reachable through the gateway"
run_sbox --net slirp --host-loopback yes -- python3 "$WORK/connect.py" 10.0.2.2 "$lport"
is "$OUT" "hello" "net = slirp, host-loopback = yes: it is (outbound NAT works)"
listener_stop

run_sbox --net slirp --publish 5353:53/udp -- true
like "$ERR" "publish 127.0.0.1:5353/udp: answers to clients on the host's loopback need host-loopback = yes" "net = slirp, a UDP publish on the loopback without host-loopback: one line says what it needs"
run_sbox --net pasta --publish 5353:53/udp -- true
like "$ERR" "publish 127.0.0.1:5353:53/udp: older pasta versions drop UDP sent to another port inside" "net = pasta, a UDP publish to another port: one line says what may go wrong"

# pasta's gateway is the host's real one, so trying it could send traffic off this machine.
# These checks run in a user and network namespace of the test's own instead, standing in for
# the host: a veth pair (both ends in it), 198.51.100.2/24 and a default route via
# 198.51.100.1, where nothing answers; the listener and a stand-in resolver are on that
# namespace's loopback (its own /etc/resolv.conf, in a mount namespace of its own, names it).
if command -v pasta >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
    unshare --user --map-user=0 true 2>/dev/null; then
    tests_dir=$(cd "${SBOX_TESTS:-$(dirname "$0")/..}" && pwd)
    cat >"$WORK/standin.sh" <<EOF
set -e
ip link set lo up
ip link add d0 type veth peer name d1
ip link set d0 up
ip link set d1 up
ip addr add 198.51.100.2/24 dev d0
ip route add default via 198.51.100.1
rm -f "$WORK/.sctl" "$WORK/.sport"
mkfifo "$WORK/.sctl" "$WORK/.sport"
python3 "$tests_dir/helpers/listen.py" <"$WORK/.sctl" >"$WORK/.sport" &
exec 8>"$WORK/.sctl"
read -r LPORT <"$WORK/.sport"
as_you() { unshare --user --map-user=$(id -u) --map-group=$(id -g) "\$@"; }
cd "$WORK"
# A resolver on this namespace's loopback, as systemd-resolved's 127.0.0.53 is on many hosts.
echo "nameserver 127.0.0.53" >"$WORK/resolv.conf"
mount --bind "$WORK/resolv.conf" /etc/resolv.conf
ip addr add 127.0.0.53/8 dev lo 2>/dev/null || true
rm -f "$WORK/.dctl" "$WORK/.dup"
mkfifo "$WORK/.dctl" "$WORK/.dup"
python3 "$tests_dir/helpers/dns.py" serve 127.0.0.53 <"$WORK/.dctl" >"$WORK/.dup" &
exec 9>"$WORK/.dctl"
read -r _ <"$WORK/.dup"
cp "$tests_dir/helpers/dns.py" "$WORK/dns.py"
echo "dns-pasta: \$(as_you "$SBOX" --net pasta -- python3 "$WORK/dns.py" ask 169.254.1.1)"
echo "dns-slirp: \$(as_you "$SBOX" --net slirp -- python3 "$WORK/dns.py" ask 10.0.2.3)"
exec 9>&-
# A host whose /etc/resolv.conf is a symlink into /run, as with systemd-resolved: the
# sandbox's /run is its own, so sbox puts the resolver's file where the link leads.
mkdir -p "$WORK/etc"
cp /etc/passwd /etc/group "$WORK/etc/"
ln -s ../run/systemd/resolve/stub-resolv.conf "$WORK/etc/resolv.conf"
mount --bind "$WORK/etc" /etc
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/resolve
echo "nameserver 127.0.0.53" >/run/systemd/resolve/stub-resolv.conf
for net in host slirp pasta; do
    echo "resolv-\$net: \$(as_you "$SBOX" --net \$net -- cat /etc/resolv.conf 2>/dev/null | tr '\n' ' ')"
done
echo "gateway-closed: \$(as_you "$SBOX" --net pasta -- python3 "$WORK/connect.py" 198.51.100.1 \$LPORT)"
echo "gateway-open: \$(as_you "$SBOX" --net pasta --host-loopback yes -- python3 "$WORK/connect.py" 198.51.100.1 \$LPORT)"
echo "as-root: \$("$SBOX" --net pasta -- cat /proc/net/dev 2>&1 | grep -c d0)"
ip route del default
echo "no-route: \$(as_you "$SBOX" --net pasta -- true 2>&1)"
exec 8>&-
wait
EOF
    OUT=$(unshare --user --map-root-user --net --mount sh "$WORK/standin.sh" 2>&1) || true
    like "$OUT" "dns-pasta: answered" "net = pasta: DNS to 169.254.1.1 reaches the host's resolver, on its loopback too"
    like "$OUT" "dns-slirp: answered" "net = slirp: DNS to 10.0.2.3 reaches the host's resolver, on its loopback too"
    like "$OUT" "resolv-host: nameserver 127.0.0.53 " "net = host, /etc/resolv.conf a symlink into /run: the host's resolver inside"
    like "$OUT" "resolv-slirp: nameserver 10.0.2.3 " "net = slirp, the same: the NAT's resolver inside"
    like "$OUT" "resolv-pasta: nameserver 169.254.1.1 " "net = pasta, the same: pasta's resolver inside"
    like "$OUT" "gateway-closed: TimeoutError" "net = pasta: the host's 127.0.0.1 is not reachable through the gateway"
    like "$OUT" "gateway-open: hello" "net = pasta, host-loopback = yes: it is (outbound traffic works)"
    like "$OUT" "as-root: 1" "net = pasta run by root (here, of a user namespace): works"
    like "$OUT" "no-route: sbox: --net: net = pasta needs a default route on the host" "net = pasta on a host without a default route: one line saying so"
else
    skip "pasta, ip or unshare --map-user is missing: pasta's gateway untested"
fi

run_sbox check
like "$OUT" "ok       slirp4netns (net = slirp" "sbox check: slirp4netns is there"
like "$OUT" "ok       pasta (net = pasta" "sbox check: pasta is there"
like "$OUT" "ok       /dev/net/tun usable by you" "sbox check: /dev/net/tun is usable"

# What user-mode networking cannot do, what could only open the wall, and its settings without
# it: one line, 125.
refuses "--net pasta --publish 8080:80 --publish 0.0.0.0:8080:81|--publish: tcp port 8080 on 0.0.0.0 is already published" \
    "--net pasta --publish [::1]:8080:80|--publish: the IPv6 address [::1] needs ipv6 = yes" \
    "--net slirp --ipv6 yes --publish [::1]:8080:80/udp|--publish: slirp4netns publishes UDP on IPv4 addresses only" \
    "--net slirp --cap-add NET_ADMIN|--cap-add: CAP_NET_ADMIN with net = slirp would let the sandbox reach your loopback" \
    "--net pasta --uid 0 --cap-add NET_RAW|--cap-add: CAP_NET_RAW with net = pasta would let the sandbox reach your loopback" \
    "--publish 8080:80|--publish: \`publish\` needs net = slirp or pasta" \
    "--host-loopback yes|--host-loopback: \`host-loopback\` needs net = slirp" \
    "--dns 192.0.2.1|--dns: \`dns\` needs net = slirp"
run_sbox --net slirp --cap-add NET_ADMIN --host-loopback yes -- true
is "$RC" 0 "--cap-add NET_ADMIN with host-loopback = yes: accepted"

# cap-add NET_BIND_SERVICE for a payload of the caller's own uid under a user-mode network (it
# runs in a user namespace below the network's owner): port 80 binds in the sandbox, and only
# with it.
bind80='import socket; s = socket.socket(); s.bind(("0.0.0.0", 80)); print("bound")'
for net in slirp pasta; do
    run_sbox --net "$net" --cap-add CAP_NET_BIND_SERVICE -- python3 -c "$bind80"
    is "$RC/$OUT" "0/bound" "net = $net, cap-add NET_BIND_SERVICE, uid $(id -u): port 80 binds"
    run_sbox --net "$net" -- python3 -c "$bind80"
    is "$RC" 1 "... and without it, it does not"
done

# Mistakes: one line, 125.
for bad in "bogus:is not one of none, host, slirp, pasta"; do
    run_sbox --net "${bad%%:*}" -- true
    is "$RC/$(lines "$ERR")" "125/1" "--net ${bad%%:*}: one line, status 125"
    like "$ERR" "${bad#*:}" "... saying: ${bad#*:}"
done

done_testing
