#!/bin/sh
# allow-host: the sandbox reaches the names it allows through sbox's proxy (HTTP CONNECT, plain
# HTTP, SOCKS5) and nothing else; refusals are answered and reported; the proxy's children die
# with sbox; slow or hostile clients are bounded; the errors; no network at all says so.
# Traffic goes only to servers this test starts on the host's loopback, named in a hosts file of
# its own (--proxy-hosts), and to the sandbox's own loopback.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed (scripts/setup installs it)"
cp "$helpers/proxy-servers.py" "$helpers/proxy-client.py" "$WORK/"
client() { echo "python3 $WORK/proxy-client.py $*"; }

# The servers, on the host's loopback: HTTP on $HP, echo on $EP.
mkfifo "$WORK/servers.in" "$WORK/servers.out"
python3 "$WORK/proxy-servers.py" "$WORK/events" <"$WORK/servers.in" >"$WORK/servers.out" &
SPID=$!
exec 8>"$WORK/servers.in"
read -r HP EP <"$WORK/servers.out"
at_exit 'exec 8>&-; wait $SPID'
printf '# the test'"'"'s names\n127.0.0.1 allowed.test other.test loop.test reg.test default.test evil.test pypi.test\n10.255.255.1 mirror.test\n192.0.2.1 doc.test\n' >"$WORK/hosts"
PX="--proxy-hosts $WORK/hosts --host-loopback yes --allow-host allowed.test:$HP --allow-host allowed.test:$EP"

# A client that sends nothing is cut off after the request's deadline (30 s): started first,
# looked at last.
# shellcheck disable=SC2086
"$SBOX" $PX -- python3 "$WORK/proxy-client.py" idle >"$WORK/idle.out" 2>&1 &
idle_pid=$!

# --- what is allowed goes through -------------------------------------------------------------
# shellcheck disable=SC2086
run_sbox $PX -- sh -c "curl -sS 'http://allowed.test:$HP/plain?q=1'; $(client get "http://allowed.test:$HP/py")"
is "$RC" 0 "plain HTTP through the proxy: status 0"
is "$OUT" "served /plain?q=1 host=allowed.test:$HP connection=close proxy-connection=None
200 served /py host=allowed.test:$HP connection=close proxy-connection=None" \
    "... curl and urllib reach the server in origin form, Host the destination's, closing"
is "$ERR" "" "... and sbox says nothing"
# shellcheck disable=SC2086
run_sbox $PX -- sh -c "curl -sS -p http://allowed.test:$HP/tunnel; $(client connect allowed.test "$EP")"
is "$OUT" "served /tunnel host=allowed.test:$HP connection=None proxy-connection=None
200 ping" "HTTPS's way, CONNECT: curl -p and a raw tunnel to the echo server, bytes as they are"
# shellcheck disable=SC2086
run_sbox $PX -- sh -c "curl -sS --proxy socks5h://127.0.0.1:1080 http://allowed.test:$HP/socks; $(client socks allowed.test "$EP")"
is "$OUT" "served /socks host=allowed.test:$HP connection=None proxy-connection=None
0 ping" "SOCKS5 (curl --socks5-hostname, a raw client): the name goes to the proxy"
# shellcheck disable=SC2086
run_sbox $PX -- sh -c 'env | grep -i -e proxy | sort'
is "$OUT" "ALL_PROXY=socks5h://127.0.0.1:1080
HTTPS_PROXY=http://127.0.0.1:3128
HTTP_PROXY=http://127.0.0.1:3128
NO_PROXY=localhost,127.0.0.1,::1
all_proxy=socks5h://127.0.0.1:1080
http_proxy=http://127.0.0.1:3128
https_proxy=http://127.0.0.1:3128
no_proxy=localhost,127.0.0.1,::1
npm_config_https_proxy=http://127.0.0.1:3128
npm_config_proxy=http://127.0.0.1:3128" "the payload's proxy variables"

# --- what is not allowed fails, and is reported ------------------------------------------------
# shellcheck disable=SC2086
run_sbox $PX -- sh -c "$(client connect other.test "$EP"); $(client get "http://other.test:$HP/x"); $(client socks other.test "$EP"); $(client connect 127.0.0.1 "$EP"); $(client socks 127.0.0.1 "$EP" v4); $(client connect allowed.test 22); curl -sS --noproxy '' -p http://127.0.0.1:$HP/ 2>&1 | head -c 200; echo"
is "$OUT" "403 sbox: other.test:$EP: not in allow-host
403 sbox: other.test:$HP: not in allow-host
2
403 sbox: 127.0.0.1:$EP: an IP address allow-host does not name
2
403 sbox: allowed.test:22: not in allow-host
curl: (56) CONNECT tunnel failed, response 403" \
    "refused: another name (CONNECT, plain, SOCKS5), an IP address (CONNECT, SOCKS5), another port"
like "$ERR" "sbox: net: refused 2 connections to other.test:$EP" "the end says it: one line per host:port with its count"
like "$ERR" "sbox: net: refused 1 connection to other.test:$HP" "... plain HTTP's"
like "$ERR" "sbox: net: refused 2 connections to 127.0.0.1:$EP" "... addresses'"
like "$ERR" "sbox: net: refused 1 connection to 127.0.0.1:$HP" "... curl's"
like "$ERR" "sbox: net: refused 1 connection to allowed.test:22" "... the port's"
is "$(lines "$ERR")" 5 "... five lines, nothing else (nothing as it happens without -v)"
is "$(grep -c open "$WORK/events" 2>/dev/null)" 2 "the echo server saw only the allowed connections so far"

# shellcheck disable=SC2086
run_sbox -v $PX -- sh -c "$(client connect other.test "$EP")"
like "$ERR" "sbox: net: refused other.test:$EP (not in allow-host)" "-v: each refusal as it happens"
like "$ERR" "sbox: net: allow-host's proxy listens inside on 127.0.0.1:3128 (HTTP, and HTTPS through CONNECT) and 127.0.0.1:1080 (SOCKS5)" "-v: the proxy's addresses"

# A name that resolves to the host's loopback, without host-loopback.
run_sbox -v --proxy-hosts "$WORK/hosts" --allow-host "loop.test:$EP" -- sh -c "$(client connect loop.test "$EP"); $(client socks loop.test "$EP")"
is "$OUT" "403 sbox: loop.test:$EP: it resolves to a loopback address; host-loopback = yes lets it through
2" "a name resolving to loopback is refused without host-loopback (CONNECT, SOCKS5)"
like "$ERR" "refused loop.test:$EP (it resolves to a loopback address" "... and said so"
# Names resolving to private (and documentation) addresses: refused before any connection is
# tried, unless allow-private (never tried here: tests reach only loopback).
run_sbox -v --proxy-hosts "$WORK/hosts" --allow-host "mirror.test:$EP" --allow-host "doc.test:$EP" -- sh -c "$(client connect mirror.test "$EP"); $(client connect doc.test "$EP")"
like "$OUT" "403 sbox: mirror.test:$EP: it resolves to a private address; allow-private = yes lets it through" \
    "a name resolving to a private address is refused without allow-private"
like "$OUT" "403 sbox: doc.test:$EP: it resolves to a private address" "... a documentation address too"
run_sbox --allow-private yes -- true
is "$RC/$(lines "$ERR")" "125/1" "allow-private without allow-host: one line, status 125"
like "$ERR" "--allow-private: allow-private needs allow-host" "... naming the flag"
run_sbox --dry-run --allow-host example.org --allow-private yes -- true
like "$OUT" "allow-private = yes  ; from command line" "--dry-run shows allow-private"
run_sbox --proxy-hosts "$WORK/hosts" --allow-host "nowhere.test:$EP" -- sh -c "$(client connect nowhere.test "$EP")"
is "$OUT" "502 sbox: nowhere.test:$EP: the name does not resolve" "a name the hosts file lacks: 502"

# Around the proxy: no route, no resolver, the sandbox's own loopback.
# shellcheck disable=SC2086
run_sbox $PX -- sh -c "$(client direct "$EP"); $(client dns allowed.test); tail -n +2 /proc/net/route | wc -l; curl -sS --noproxy '*' http://allowed.test:$HP/ 2>&1 | cut -c 1-32"
is "$OUT" "ConnectionRefusedError
gaierror ConnectionRefusedError
0
curl: (6) Could not resolve host" \
    "direct: the server's port is not the sandbox's; no resolver, no DNS on 127.0.0.1:53; no route; curl without the proxy"
is "$(grep -c open "$WORK/events")" 2 "... and none of it reached a server"

# --- the proxy's children end with sbox, even by kill -9 ----------------------------------------
rm -f "$WORK/held"
mkfifo "$WORK/held"
# shellcheck disable=SC2086
"$SBOX" $PX -- python3 "$WORK/proxy-client.py" hold allowed.test "$EP" >"$WORK/held" 2>/dev/null &
sbox_pid=$!
read -r word <"$WORK/held"
is "$word" held "a tunnel held open through the proxy"
kids=$(pgrep -P "$sbox_pid" | tr '\n' ' ')
proxy_kids=$(for k in $kids; do [ "$(cat "/proc/$k/comm" 2>/dev/null)" = sbox-proxy ] && echo "$k"; done | tr '\n' ' ')
is "$(echo "$proxy_kids" | wc -w | tr -d ' ')" 1 "... served by one child of sbox's (sbox-proxy)"
kill -9 "$sbox_pid"
wait "$sbox_pid" 2>/dev/null
left=$(python3 -c '
import os, select, sys
left = 0
for p in sys.argv[1:]:
    try:
        fd = os.pidfd_open(int(p))
    except OSError:
        continue
    left += not select.select([fd], [], [], 10)[0]
print(left)' $kids)
is "$left" 0 "kill -9 of sbox: its children (pid 1, the proxy's) are all gone"
n=0
while [ "$(grep -c close "$WORK/events")" -lt "$(grep -c open "$WORK/events")" ] && [ $n -lt 100 ]; do
    n=$((n + 1))
    python3 -c 'import time; time.sleep(0.1)'
done
is "$(grep -c close "$WORK/events")/$(grep -c open "$WORK/events")" "3/3" "... and the held connection was closed with them"

# --- slow and hostile clients ------------------------------------------------------------------
# shellcheck disable=SC2086
run_sbox $PX -- python3 "$WORK/proxy-client.py" slow allowed.test "$EP"
like "$OUT" "ok " "idle and byte-at-a-time clients do not hold up another connection"
case ${OUT#ok } in [0-4].*) pass "... answered within 5 s (${OUT#ok } s)" ;; *) fail "... answered within 5 s (${OUT#ok })" ;; esac
# shellcheck disable=SC2086
run_sbox $PX -- python3 "$WORK/proxy-client.py" big
is "$OUT" "431 closed" "headers without end: 431 after 16 KiB, then the proxy reads no more"
like "$ERR" "sbox: net: refused 1 malformed request" "... reported"
# shellcheck disable=SC2086
run_sbox $PX -- python3 "$WORK/proxy-client.py" many 131
is "$OUT" "3 0" "131 connections at once: 128 served, 3 closed at once"
like "$ERR" "sbox: net: closed 3 connections at once: 128 were open already" "... and counted"

# --- errors ------------------------------------------------------------------------------------
run_sbox --net host --allow-host example.org -- true
is "$RC/$(lines "$ERR")" "125/1" "allow-host with net = host: one line, status 125"
like "$ERR" "net = host and allow-host (--allow-host) do not go together" "... saying why"
printf '[profile]\ninclude = default\n[network]\nnet = slirp\nallow-host = example.org\n' >"$WORK/both.ini"
run_sbox -p "$WORK/both.ini" -- true
is "$RC/$(lines "$ERR")" "125/1" "... and net = slirp in a profile"
like "$ERR" "$WORK/both.ini:4: net = slirp and allow-host ($WORK/both.ini:5)" "... naming both lines"
refuses "--allow-host example.org:0|the port is a number from 1 to 65535" \
    "--allow-host https://example.org/|a host, not a URL" \
    "--allow-host foo.bar_baz.org|is not a host name" \
    "--allow-host 2130706433|is not an IPv4 address" \
    "--allow-host [::1|no \`]\`" \
    "--proxy-hosts $WORK/hosts|\`proxy-hosts\` needs allow-host" \
    "--allow-host example.org --publish 8080:80|\`publish\` needs net = slirp or pasta"
run_sbox --allow-host '*' -- true
is "$RC/$(lines "$ERR")" "125/1" "allow-host = *: one line, status 125"
like "$ERR" "would let the sandbox reach every host" "... saying why"
run_sbox --allow-host 'a.*.org' -- true
like "$RC/$ERR" "125/sbox: --allow-host: \`a.*.org\`: \`*\` only as a whole first label" "a misplaced *"
printf '[profile]\ninclude = default\n[network]\nallow-host = example.org:http\n' >"$WORK/bad.ini"
run_sbox -p "$WORK/bad.ini" -- true
like "$RC/$ERR" "125/sbox: $WORK/bad.ini:4: \`example.org:http\`: the port" "a bad pattern in a profile names FILE:LINE"
run_sbox --proxy-hosts "$WORK/missing" --allow-host example.org -- true
like "$RC/$ERR" "125/sbox: --proxy-hosts: cannot read \`$WORK/missing\`" "a missing hosts file: one line"

# --dry-run shows the rules and the variables.
# shellcheck disable=SC2086
run_sbox --dry-run $PX -- true
like "$OUT" "allow-host = allowed.test:$HP  ; from command line" "--dry-run: the rules"
like "$OUT" "; HTTPS_PROXY=http://127.0.0.1:3128  (set for allow-host's proxy)" "--dry-run: the variables"

# --- @npm and @pip: the registry the host's npm or pip uses, found outside the sandbox ----------
# A fake npm answers as npm does from its working directory: the registry of ./.npmrc when there
# is one (a project's), else of ~/.npmrc, else its default; it writes where it was asked.
mkdir -p "$WORK/tools" "$WORK/home" "$WORK/proj/bin" "$WORK/state" "$WORK/nothing"
cat >"$WORK/tools/npm" <<EOF
#!/bin/sh
echo "asked in \$(pwd)" >>"$WORK/npm-asked"
reg=http://default.test:$HP/
[ -f "\$HOME/.npmrc" ] && reg=\$(sed -n 's/^registry=//p' "\$HOME/.npmrc")
[ -f .npmrc ] && reg=\$(sed -n 's/^registry=//p' .npmrc)
printf 'registry=%s\nuserconfig=%s\nglobalconfig=%s\n' "\$reg" "\$HOME/.npmrc" "$WORK/tools/npmrc"
EOF
# The project's own: an .npmrc naming evil.test, and an npm of its own on the PATH.
printf 'registry=http://evil.test:%s/\n' "$HP" >"$WORK/proj/.npmrc"
printf '#!/bin/sh\necho project >>"%s/npm-asked"\necho registry=http://evil.test:%s/\n' "$WORK" "$HP" >"$WORK/proj/bin/npm"
chmod +x "$WORK/tools/npm" "$WORK/proj/bin/npm"
printf 'registry=http://reg.test:%s/\n' "$HP" >"$WORK/home/.npmrc"
RX="--proxy-hosts $WORK/hosts --host-loopback yes --allow-host @npm"
fetch="curl -sS http://reg.test:$HP/pkg; curl -sS http://evil.test:$HP/x; curl -sS http://default.test:$HP/y"
# reg_env PATH ARGS...: run_sbox with the test's home, state directory and PATH.
reg_env() {
    p=$1
    shift
    HOME=$WORK/home XDG_STATE_HOME=$WORK/state PATH=$p run_sbox "$@"
}
cd "$WORK/proj"
# shellcheck disable=SC2086
reg_env "$WORK/tools:$PATH" $RX -- sh -c "$fetch"
is "$RC" 0 "@npm: the run succeeds"
is "$OUT" "served /pkg host=reg.test:$HP connection=close proxy-connection=None
sbox: evil.test:$HP: not in allow-host
sbox: default.test:$HP: not in allow-host" \
    "@npm: npm's registry (~/.npmrc's) is reached through the proxy; the project's .npmrc's is not, nor npm's default"
is "$(cat "$WORK/npm-asked")" "asked in /" "npm was asked once, in /, never in the project"
like "$ERR" "refused 1 connection to evil.test:$HP" "... and the refusal is reported"
# shellcheck disable=SC2086
reg_env "$WORK/tools:$PATH" $RX -- sh -c "$fetch"
is "$(echo "$OUT" | head -n 1)/$(wc -l <"$WORK/npm-asked" | tr -d ' ')" \
    "served /pkg host=reg.test:$HP connection=close proxy-connection=None/1" \
    "the next run takes the cached answer: npm is not asked again"
is "$(stat -c %a "$WORK/state/sbox/registry/npm" 2>&1)" 600 \
    "... kept in XDG_STATE_HOME/sbox/registry/npm, the caller's alone"
printf 'registry=http://default.test:%s/\n' "$HP" >"$WORK/home/.npmrc"
# shellcheck disable=SC2086
reg_env "$WORK/tools:$PATH" $RX -- sh -c "$fetch"
is "$(echo "$OUT" | sed -n 3p)/$(wc -l <"$WORK/npm-asked" | tr -d ' ')" \
    "served /y host=default.test:$HP connection=close proxy-connection=None/2" \
    "~/.npmrc changed: npm is asked again, and its new registry is the one reached"
# shellcheck disable=SC2086
reg_env "$WORK/tools:$PATH" --dry-run $RX -- true
like "$OUT" "allow-host = @npm  ; from command line
;   @npm: $WORK/tools/npm, its answer cached
;   @npm is default.test:$HP  (npm's registry, set in $WORK/home/.npmrc)" \
    "--dry-run: what @npm became, from where, and how it was found"
# shellcheck disable=SC2086
reg_env "$WORK/tools:$PATH" -v $RX -- true
like "$ERR" ";   @npm is default.test:$HP  (npm's registry, set in $WORK/home/.npmrc)" "-v: the same"
# shellcheck disable=SC2086
reg_env "$WORK/proj/bin:$WORK/tools:$PATH" $RX -- sh -c "$fetch"
unlike "$(cat "$WORK/npm-asked")" "project" "an npm in the project's directory is never asked"
like "$OUT" "sbox: evil.test:$HP: not in allow-host" "... and the project's registry stays refused"
# A cache file forged in sbox's place (another key, a host of its own) is not taken.
printf 'sbox-registry 1 %064d\nhost evil.test\tforged\n' 0 >"$WORK/state/sbox/registry/npm"
# shellcheck disable=SC2086
reg_env "$WORK/tools:$PATH" $RX -- sh -c "$fetch"
like "$OUT" "sbox: evil.test:$HP: not in allow-host" "a forged cache file is not taken"
# A sandbox that may write the state directory does not see sbox's cache in it.
# shellcheck disable=SC2086
reg_env "$WORK/tools:$PATH" $RX --bind "$WORK/state" -- sh -c \
    "ls -A $WORK/state/sbox/registry; echo planted >$WORK/state/sbox/registry/npm"
is "$OUT" "" "a writable bind of the state directory hides the cache from the sandbox"
like "$ERR" "Read-only file system" "... which cannot write there"
unlike "$(cat "$WORK/state/sbox/registry/npm")" "planted" "... and the cache is untouched"
# npm's configuration where the sandbox can write it (here the home is the current directory).
cd "$WORK/home"
# shellcheck disable=SC2086
reg_env "$WORK/tools:$PATH" $RX -- sh -c "$fetch"
like "$ERR" "sbox: --allow-host: @npm allows nothing: npm's configuration \`$WORK/home/.npmrc\` lies in \`$WORK/home\`, which the sandbox can write" \
    "npm's configuration where the sandbox can write: @npm allows nothing, and says why"
like "$OUT" "sbox: default.test:$HP: not in allow-host" "... and nothing is allowed"
cd "$WORK/proj"
# No npm at all: the command runs, the registry is not allowed, one line says why. (The PATH
# holds cat, which run_sbox needs.)
ln -s "$(command -v cat)" "$WORK/nothing/cat"
# shellcheck disable=SC2086
reg_env "$WORK/nothing" $RX -- /usr/bin/curl -sS "http://reg.test:$HP/"
is "$RC/$OUT" "0/sbox: reg.test:$HP: not in allow-host" "no npm on the PATH: the command runs, and reaches nothing"
like "$ERR" "sbox: --allow-host: @npm allows nothing: npm was not found on PATH" "... one line says why"
printf '#!/bin/sh\nexit 3\n' >"$WORK/tools/npm"
# shellcheck disable=SC2086
reg_env "$WORK/tools:$PATH" $RX -- true
like "$ERR" "@npm allows nothing: \`$WORK/tools/npm config get registry\` gave no answer: it failed" \
    "an npm that fails: nothing allowed, one line"
refuses "--allow-host @cargo|\`@cargo\`: no such registry (@npm: npm's, @pip: pip's)"

# @pip, asked of the host's python3 (pip's own module): pip's user configuration names an index
# with a password (never kept or shown); the project's pip.conf and pyproject.toml are not read.
if python3 -I -c 'import pip._internal.configuration, pip._internal.models.index' 2>/dev/null; then
    mkdir -p "$WORK/home/.config/pip"
    printf '[global]\nindex-url = http://someone:pypi-secret@pypi.test:%s/simple\n' "$HP" \
        >"$WORK/home/.config/pip/pip.conf"
    printf '[global]\nindex-url = http://evil.test:%s/simple\n' "$HP" >"$WORK/proj/pip.conf"
    printf '[[tool.uv.index]]\nurl = "http://evil.test:%s/simple"\n' "$HP" >"$WORK/proj/pyproject.toml"
    PX2="--proxy-hosts $WORK/hosts --host-loopback yes --allow-host @pip"
    # shellcheck disable=SC2086
    XDG_CONFIG_HOME=$WORK/home/.config PIP_CONFIG_FILE='' reg_env "$PATH" --dry-run $PX2 -- true
    like "$OUT" ";   @pip is pypi.test:$HP  (index-url in $WORK/home/.config/pip/pip.conf)" \
        "@pip: the index of pip's user configuration, and where it came from"
    like "$OUT" "(pip's default index)" "... and pip's default index, as pip's module has it"
    like "$OUT" "(pip's default index's files)" "... and the host of its files"
    unlike "$OUT$ERR" "pypi-secret" "... the password in the URL is never shown"
    unlike "$OUT" "evil.test" "... the project's pip.conf and pyproject.toml are not read"
    # shellcheck disable=SC2086
    XDG_CONFIG_HOME=$WORK/home/.config PIP_CONFIG_FILE='' reg_env "$PATH" $PX2 -- sh -c \
        "curl -sS http://pypi.test:$HP/simple/; curl -sS http://evil.test:$HP/simple/"
    is "$OUT" "served /simple/ host=pypi.test:$HP connection=close proxy-connection=None
sbox: evil.test:$HP: not in allow-host" "@pip: the index is reached through the proxy, the project's is not"
    unlike "$(cat "$WORK/state/sbox/registry/pip" 2>&1)" "pypi-secret" "... and the cache holds no password"
else
    skip "@pip: this python3 has no pip module"
fi
cd "$WORK"

# --- no network at all ------------------------------------------------------------------------
run_sbox -- python3 -c 'import socket; socket.getaddrinfo("example.org", 443)'
is "$RC" 1 "net = none: a lookup fails"
like "$ERR" "sbox: the sandbox has no network (net = none); --allow-host HOST lets the command reach HOST" "... and sbox says the sandbox has no network"
run_sbox -- sh -c 'exit 3'
is "$RC/$ERR" "3/" "a command that fails without trying the network: no such line"
# shellcheck disable=SC2086
run_sbox $PX -- python3 -c 'import socket; socket.getaddrinfo("example.org", 443)'
unlike "$ERR" "has no network" "with allow-host: no such line"
run_sbox -p "${SBOX_PROFILES:-$SBOX_TESTS/../profiles}/node.ini" --dry-run -- true
like "$OUT" "setenv = npm_config_fetch_retries=0" "the node profile makes npm give up at once offline"
run_sbox -p "${SBOX_PROFILES:-$SBOX_TESTS/../profiles}/python.ini" --dry-run -- true
like "$OUT" "setenv = PIP_RETRIES=0" "the python profile makes pip give up at once offline"

# The idle client, cut off by the deadline.
wait "$idle_pid"
case $(cat "$WORK/idle.out") in
"closed after 3"[0-4]*) pass "a client that sends nothing is cut off after 30 s ($(cat "$WORK/idle.out"))" ;;
*) fail "a client that sends nothing is cut off after 30 s"; diag "$(cat "$WORK/idle.out")" ;;
esac

done_testing
