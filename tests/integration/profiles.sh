#!/bin/sh
# Profiles: finding them, stacking, listing, the round trip, bad input, and a real Node project
# under `sbox -p node -- npm test`.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"
profiles=${SBOX_PROFILES:?SBOX_PROFILES must name the profiles directory}
fixtures=${SBOX_TESTS:-$(dirname "$0")/..}/fixtures
helpers=${SBOX_TESTS:-$(dirname "$0")/..}/helpers
export SBOX_PROFILE_PATH="$WORK/mine:$profiles"
export XDG_CONFIG_HOME="$WORK/config"
mkdir -p "$WORK/mine" "$WORK/config/sbox/profiles"

# strip FILE: the plan without its "; from ..." comments.
strip() { sed -e '/^; from /d' -e '/^; built-in/d' -e 's/  ; .*$//' "$1"; }

# The built-in default is exactly profiles/default.ini.
run_sbox --dry-run -- true
printf '%s\n' "$OUT" >"$WORK/builtin.plan"
run_sbox --dry-run -p "$profiles/default.ini" -- true
printf '%s\n' "$OUT" >"$WORK/file.plan"
is "$(strip "$WORK/file.plan")" "$(strip "$WORK/builtin.plan")" \
    "the built-in plan equals profiles/default.ini's"
like "$(cat "$WORK/file.plan")" "; from $profiles/default.ini:" "values from a file name it"

# The round trip: the printed plan, fed back as a profile, gives the same plan.
run_sbox --dry-run -p node --setenv 'A=$x' --bind "$WORK:/w" --hostname rt -- true
printf '%s\n' "$OUT" >"$WORK/mine/rt.ini"
run_sbox --dry-run -p "$WORK/mine/rt.ini" -- true
printf '%s\n' "$OUT" >"$WORK/rt2.plan"
is "$(strip "$WORK/rt2.plan")" "$(strip "$WORK/mine/rt.ini")" "--dry-run output loads back as the same plan"
is "$RC" 0 "... and is a valid profile"

# Finding profiles: by name on the search path, with or without .ini, by path; never in the
# current directory, which an untrusted checkout controls.
printf '[profile]\ninclude = default\n[network]\nhostname = from-mine\n' >"$WORK/mine/mine.ini"
run_sbox -p mine -- hostname
is "$OUT" "from-mine" "-p NAME finds NAME.ini on \$SBOX_PROFILE_PATH"
run_sbox -p mine.ini -- hostname
is "$OUT" "from-mine" "-p NAME.ini works too"
printf '[profile]\ninclude = default\n[network]\nhostname = from-xdg\n' >"$WORK/config/sbox/profiles/xdg.ini"
run_sbox -p xdg -- hostname
is "$OUT" "from-xdg" "-p NAME finds \$XDG_CONFIG_HOME/sbox/profiles/NAME.ini"
mkdir -p "$WORK/checkout" && printf '[filesystem]\nbind = /\n' >"$WORK/checkout/evil.ini"
(cd "$WORK/checkout" && "$SBOX" -p evil -- true) >/dev/null 2>"$WORK/.e" && rc=0 || rc=$?
is "$rc" 125 "-p NAME never reads the current directory"
like "$(cat "$WORK/.e")" "./evil.ini is in the current directory, which is never searched" \
    "... and says why the file there was not taken"
like "$(cat "$WORK/.e")" "name it as a path, -p ./evil.ini" "... and how to use it"
is "$(wc -l <"$WORK/.e")" 1 "... in one line"
run_sbox -p no-such-profile -- true
is "$RC" 125 "an unknown profile: 125"
like "$ERR" "available: build, c, default, go, java, mine" "... the message lists the names there are"
like "$ERR" "searched: $WORK/mine, $profiles, $WORK/config/sbox/profiles, /etc/sbox/profiles" \
    "... and the search path"
# An sbox that is not the installed one (a build tree: the README's ./sbox -p node) finds the
# profiles beside it; a copy of the binary with none beside it does not.
mkdir -p "$WORK/tree" "$WORK/lone" "$WORK/empty"
cp "$SBOX" "$WORK/tree/sbox"
cp "$SBOX" "$WORK/lone/sbox"
cp -R "$profiles" "$WORK/tree/profiles"
(cd "$WORK/empty" && env -u SBOX_PROFILE_PATH "$WORK/tree/sbox" -p node.ini --dry-run -- true) \
    >"$WORK/.o" 2>&1 && rc=0 || rc=$?
is "$rc" 0 "an uninstalled sbox finds -p node.ini beside it"
like "$(cat "$WORK/.o")" "; from $WORK/tree/profiles/node.ini:" "... in its own profiles directory"
(cd "$WORK/empty" && env -u SBOX_PROFILE_PATH "$WORK/lone/sbox" -p node -- true) \
    >"$WORK/.o" 2>&1 && rc=0 || rc=$?
is "$rc" 125 "a binary with no profiles beside it does not find node"
unlike "$(cat "$WORK/.o")" "$WORK/lone" "... and searched nothing beside it"
rm -rf "$WORK/tree" "$WORK/lone" "$WORK/empty"
(cd "$WORK/checkout" && "$SBOX" -p ./evil.ini --dry-run -- true) >"$WORK/.o" 2>&1 && rc=0 || rc=$?
like "$(cat "$WORK/.o")" "bind = /  ; from ./evil.ini:2" "-p ./FILE takes the path as given"

# Stacking: profiles in order, the command line last.
printf '[network]\nhostname = first\n[env]\nsetenv = A=1\n' >"$WORK/mine/p1.ini"
printf '[network]\nhostname = second\n[env]\nsetenv = B=2\n' >"$WORK/mine/p2.ini"
run_sbox -p default -p p1 -p p2 -- sh -c 'echo $(hostname) $A $B'
is "$OUT" "second 1 2" "several -p stack in order"
printf '[network]\nhostname = bare\n' >"$WORK/mine/bare.ini"
run_sbox -p bare -- true
is "$RC" 125 "a profile that shows nothing at all is refused"
like "$ERR" "include = default" "... with a hint on how to start one"
run_sbox -p default -p p1 --hostname cli -p p2 -- hostname
is "$OUT" "cli" "the command line comes after every profile"
# Two profiles that both include default: default applies once, where it first comes, and a
# later mount at the same destination replaces an earlier one.
run_sbox -p build -p node --dry-run -- true
is "$(printf '%s\n' "$OUT" | grep -c '^mirror = /usr ')" 1 "-p build -p node: the system directories once"
is "$(printf '%s\n' "$OUT" | grep -c '^tmpfs = /tmp:')" 1 "... one /tmp"
like "$OUT" "tmpfs = /tmp:mode=1777,size=2147483648  ; from $profiles/build.ini:" "... build's 2G one"
like "$OUT" "hostname = build  ; from $profiles/build.ini" "... build's hostname kept"
like "$OUT" "cache = npm:" "... and node's own settings added"
run_sbox -p build -p node -- sh -c 'hostname; grep " /tmp " /proc/mounts | grep -o "size=[0-9]*k"'
is "$(echo $OUT)" "build size=2097152k" "... and so it runs"
run_sbox -p node -p node --dry-run -- true
is "$(printf '%s\n' "$OUT" | grep -c '^cache = npm:')" 1 "a profile named twice applies once"
printf '[profile]\ninclude = default\n[filesystem]\ntmpfs = /tmp:size=1M\nhide = /opt\n' >"$WORK/mine/small.ini"
printf '[profile]\ninclude = small\n[filesystem]\nro-bind = /usr:/opt\n' >"$WORK/mine/over.ini"
run_sbox -p over -- sh -c 'ls /opt | head -1; grep " /tmp " /proc/mounts | grep -o "size=[0-9]*k"'
is "$(echo $OUT)" "size=1024k" "a hide stays whatever is mounted at its place later"


# Listing and showing.
run_sbox profiles
is "$RC" 0 "sbox profiles exits 0"
for p in default node python build shell mine; do
    like "$OUT" "$p " "sbox profiles lists $p"
done
like "$OUT" "Node.js project" "sbox profiles shows descriptions"
run_sbox profile list
like "$OUT" "node " "sbox profile list is the same"
run_sbox profile show node
like "$OUT" "cache = npm:$HOME/.npm  ; from $profiles/node.ini" "profile show prints the profile's own lines"
like "$OUT" "mirror = /usr  ; from $profiles/default.ini" "... and its includes, resolved"
run_sbox profile show
is "$RC" 125 "profile show without a name fails"

# Bad profiles: exit 125, one line naming FILE:LINE, nothing started.
bad_profile() {
    printf "$1" >"$WORK/bad.ini"
    run_sbox -p "$WORK/bad.ini" -- sh -c "touch $WORK/started"
    is "$RC" 125 "$3: exit 125"
    is "$(lines "$ERR")" 1 "$3: one line"
    like "$ERR" "sbox: $WORK/bad.ini:$2" "$3: names FILE:LINE"
    ok "$3: nothing was started" test ! -e "$WORK/started"
}
bad_profile '[filesystem\n' "1: unterminated" "unterminated section"
bad_profile 'bind = /x\n' "1: " "key outside a section"
bad_profile '[filesystem]\nro-bnd = /usr\n' "2: unknown key \`ro-bnd\` in [filesystem] (did you mean \`ro-bind\`?)" "unknown key"
bad_profile '[filesystem]\ntmpfs = /t:size=12bogus\n' "2: \`12bogus\`" "bad size"
bad_profile '[filesystem]\nbind = \377\n' '2: invalid UTF-8: bind = \xff' "invalid UTF-8"
bad_profile '[profile]\ninclude = bad\n' "2: include cycle" "include cycle"
bad_profile '[limits]\npids = 0\n' "2: \`pids = 0\` would let nothing run" "pids = 0"
run_sbox -p "$WORK" -- true
is "$RC/$(lines "$ERR")" "125/1" "a directory as a profile: 125, one line"
mkfifo "$WORK/fifo.ini"
run_sbox -p "$WORK/fifo.ini" -- true
is "$RC" 125 "a FIFO as a profile fails at once instead of hanging"
printf '[network]\nhostname = x\n' >"$WORK/unreadable.ini"
chmod 000 "$WORK/unreadable.ini"
run_sbox -p "$WORK/unreadable.ini" -- true
is "$RC" 125 "an unreadable profile: 125"
like "$ERR" "Permission denied" "... and says why"

# node and python show caches of sbox's own, never the host's ~/.npm or ~/.cache/pip, from
# which the host's npx and pip would run what a build left there; kept from run to run.
unset XDG_CACHE_HOME
ch=$WORK/cachehome
mkdir -p "$WORK/cacheproj" "$WORK/elsewhere"
cd "$WORK/cacheproj"
for kind in "node .npm npm" "python .cache/pip pip"; do
    set -- $kind
    mkdir -p "$ch/$2/_npx/x"
    printf 'host payload\n' >"$ch/$2/_npx/x/payload"
    cp "$ch/$2/_npx/x/payload" "$WORK/payload.orig"
    HOME=$ch run_sbox -p "$1" -- sh -c "cat $ch/$2/_npx/x/payload; ls -A $ch/$2;
        mkdir -p $ch/$2/_npx/x && echo planted >$ch/$2/_npx/x/payload && echo kept >$ch/$2/mine"
    is "$RC" 0 "-p $1 writes in ~/$2"
    unlike "$OUT" "host payload" "-p $1 cannot read the host's ~/$2"
    ok "... nor change it (the host's file is unchanged)" \
        cmp -s "$ch/$2/_npx/x/payload" "$WORK/payload.orig"
    ok "... nor add to it" test ! -e "$ch/$2/mine"
    is "$(cat "$ch/.cache/sbox/$3/mine" 2>/dev/null)" "kept" \
        "what it wrote is in sbox's private cache, ~/.cache/sbox/$3"
    is "$(stat -c %a "$ch/.cache/sbox/$3" 2>/dev/null)" 700 "... made private"
    HOME=$ch run_sbox -p "$1" -- cat "$ch/$2/mine" "$ch/$2/_npx/x/payload"
    is "$OUT" "kept
planted" "the next -p $1 run finds it there"
done
XDG_CACHE_HOME=$WORK/xdg-cache HOME=$ch run_sbox -p node -- sh -c "echo x >$ch/.npm/f"
ok "\$XDG_CACHE_HOME/sbox/npm holds it when XDG_CACHE_HOME is set" \
    test -f "$WORK/xdg-cache/sbox/npm/f"

# A symlink planted in place of a private cache (here by a sandbox shown the caches' directory)
# is refused, not followed: sbox makes and binds nothing where it leads.
HOME=$ch run_sbox -p node --bind "$ch/.cache/sbox" -- sh -c \
    "rm -rf $ch/.cache/sbox/pip && ln -s $WORK/elsewhere $ch/.cache/sbox/pip"
is "$RC" 0 "a sandbox shown ~/.cache/sbox replaces the pip cache with a symlink"
HOME=$ch run_sbox -p python -- sh -c "echo leaked >$ch/.cache/pip/leak"
is "$RC/$(lines "$ERR")" "125/1" "the next -p python run refuses it: one line, status 125"
like "$ERR" "python.ini:" "... naming the profile's line"
like "$ERR" "private cache \`$ch/.cache/sbox/pip\` is a symlink and is not followed" "... and why"
ok "... and nothing lands where it leads" test -z "$(ls -A "$WORK/elsewhere")"
rm "$ch/.cache/sbox/pip"
mv "$ch/.cache/sbox" "$WORK/sbox-caches"
ln -s "$WORK/elsewhere" "$ch/.cache/sbox"
HOME=$ch run_sbox -p node -- true
is "$RC" 125 "a symlink in place of ~/.cache/sbox is refused too"
like "$ERR" "private cache \`$ch/.cache/sbox\` is a symlink" "... saying so"
ok "... and nothing is made where it leads" test -z "$(ls -A "$WORK/elsewhere")"
rm "$ch/.cache/sbox"
HOME=$ch run_sbox --cache 'a/b:/x' -- true
is "$RC/$(lines "$ERR")" "125/1" "a bad --cache: one line, status 125"
like "$ERR" "--cache: cache name \`a/b\`" "... naming the flag"
cd "$WORK"

# A real Node project: `npm test` runs under -p node, may write in the project, cannot read a
# planted ~/.npmrc token nor reach a listener on the host's loopback.
if command -v npm >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    printf '//registry.example/:_authToken=sbox-planted-secret\n' >"$HOME/.npmrc"
    at_exit rm -f "$HOME/.npmrc"
    cp -R "$fixtures/node-project" "$WORK/node-project"
    chmod -R u+w "$WORK/node-project" # the source tree may be read-only (make distcheck)
    mkfifo "$WORK/ctl" "$WORK/port"
    python3 "$helpers/listen.py" <"$WORK/ctl" >"$WORK/port" &
    lpid=$!
    exec 8>"$WORK/ctl"
    read -r port <"$WORK/port"
    cd "$WORK/node-project"
    NPM_TOKEN=sbox-planted-env-secret run_sbox -p node --setenv "PROBE_PORT=$port" -- npm test
    cd "$WORK"
    exec 8>&-
    wait "$lpid"
    is "$RC" 0 "sbox -p node -- npm test passes"
    like "$OUT" "# pass 3" "all three probes of the sandbox pass inside"
    is "$(cat "$WORK/node-project/written-by-test.txt" 2>/dev/null)" "ok" "the test wrote in the project"
    unlike "$OUT$ERR" "sbox-planted" "no planted secret shows in the output"
else
    fail "npm and python3 are needed for the Node project test"
fi

done_testing
