#!/bin/sh
# Shell completion: `sbox completion bash|zsh|fish` scripts that parse, bash's function called as
# bash calls it (COMP_WORDS, COMP_CWORD; no terminal), fish's through `complete -C`: options and
# their values from the settings table, subcommands, and the names sbox gives (profiles,
# captures, images), hostile ones left out.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

command -v bash >/dev/null 2>&1 || skip_all "bash is needed"
# The scripts call `sbox` by name: the one under test, first on PATH.
mkdir "$WORK/bin"
ln -s "$SBOX" "$WORK/bin/sbox"
PATH=$WORK/bin:$PATH
export PATH

for sh in bash zsh fish; do
    "$SBOX" completion "$sh" >"$WORK/sbox.$sh"
    is "$?" 0 "sbox completion $sh"
done
ok "the bash script parses (bash -n)" bash -n "$WORK/sbox.bash"
for sh in zsh fish; do
    if command -v "$sh" >/dev/null 2>&1; then
        ok "the $sh script parses ($sh -n)" "$sh" -n "$WORK/sbox.$sh"
    else
        skip "$sh is not installed (scripts/setup installs it)"
    fi
done
ok "the zsh script is a completion function (#compdef)" grep -q '^#compdef sbox$' "$WORK/sbox.zsh"
run_sbox completion tcsh
is "$RC/$(lines "$ERR")" "125/1" "another shell: one line, status 125"
run_sbox completion names nothing
is "$RC/$(lines "$ERR")" "125/1" "names of nothing: one line, status 125"

# complete WORD...: what bash's function offers for the command line WORD... (the last is the
# word being completed), one per line, sorted.
complete_bash() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sbox
        printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' complete "$WORK/sbox.bash" "$@"
}
is "$(complete_bash sbox --ne | tr '\n' ' ')" "--nested --net " "bash: --ne completes to --nested and --net"
is "$(complete_bash sbox --net '' | tr '\n' ' ')" "host none pasta slirp " "bash: --net's values, from its row"
is "$(complete_bash sbox --net = 'p' | tr '\n' ' ')" "pasta " "bash: --net=p (bash splits at =)"
is "$(complete_bash sbox --overlay-driver '' | tr '\n' ' ')" "auto fuse native " "bash: --overlay-driver's values"
is "$(complete_bash sbox --memory 1G --terminal r | tr '\n' ' ')" "raw relay " \
    "bash: after an option and its value, the next option's values"
mkdir "$WORK/tdir" && : >"$WORK/tfile"
is "$(complete_bash sbox --overlay "$WORK/t" | tr '\n' ' ')" "$WORK/tdir " \
    "bash: --overlay DIR: directories only"
is "$(cd "$WORK" && complete_bash sbox --overlay t | tr '\n' ' ')" "tdir tmpfs " \
    "bash: --overlay: tmpfs, and directories"
is "$(complete_bash sbox --bind "$WORK/t" | tr '\n' ' ')" "$WORK/tdir $WORK/tfile " "bash: --bind SRC: files"
is "$(complete_bash sbox profi | tr '\n' ' ')" "profile profiles " "bash: subcommands"
is "$(complete_bash sbox -v --json-status-fd 3 --dry | tr '\n' ' ')" "--dry-run " \
    "bash: main's own options too, past one that takes a value"
is "$(complete_bash sbox profile '' | tr '\n' ' ')" "list show " "bash: sbox profile's words"
is "$(complete_bash sbox image '' | tr '\n' ' ')" "import inspect ls prune pull rm " "bash: sbox image's words"
is "$(complete_bash sbox completion '' | tr '\n' ' ')" "bash fish names zsh " "bash: sbox completion's words"
is "$(complete_bash sbox captures --j)" "--json" "bash: sbox captures --json"
is "$(complete_bash sbox -- ls "$WORK/tf")" "$WORK/tfile" "bash: the command's arguments are files"

# Every option --help shows is offered.
help=$("$SBOX" --help | grep -E '^  (-[a-zA-Z], )?--' | grep -o -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u)
offered=$(complete_bash sbox -- | LC_ALL=C sort -u)
missing=$(printf '%s\n' "$help" | while read -r f; do printf '%s\n' "$offered" | grep -qx -- "$f" || echo "$f"; done)
is "$missing" "" "bash: every option of --help is offered ($(printf '%s\n' "$help" | wc -l) of them)"

# Profiles, with names a shell could take for code left out.
cfg=$(mktemp -d "$HOME/cfg.XXXXXX")
at_exit rm -rf "$cfg"
mkdir -p "$cfg/sbox/profiles"
for n in zz-mine 'zz$(touch pwned)' 'zz two' 'zz;x' 'zz`x`' "$(printf 'zz\033x')" '-zz'; do
    printf '[profile]\ninclude = default\n' >"$cfg/sbox/profiles/$n.ini"
done
is "$(cd "$WORK" && XDG_CONFIG_HOME=$cfg complete_bash sbox -p zz | tr '\n' ' ')" "zz-mine " \
    "bash: -p offers profile names, hostile ones left out"
ok "... and nothing ran" test ! -e "$WORK/pwned"
is "$(cd "$WORK" && XDG_CONFIG_HOME=$cfg complete_bash sbox profile show d)" "default" "bash: profile show NAME"
is "$(XDG_CONFIG_HOME=$cfg "$SBOX" completion names profiles | grep -c zz)" 1 "sbox completion names profiles: the safe one only"

# Captures.
state=$(mktemp -d "$HOME/state.XXXXXX")
at_exit rm -rf "$state"
proj=$(mktemp -d "$HOME/proj.XXXXXX")
at_exit rm -rf "$proj"
XDG_STATE_HOME=$state
export XDG_STATE_HOME
run_sbox --capture "$proj" -- sh -c "echo x >$proj/f"
id=$("$SBOX" captures --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["captures"][0]["id"])')
is "$(complete_bash sbox diff '' | tr '\n' ' ')" "$id last " "bash: sbox diff ID: the captures and last"
is "$(complete_bash sbox --capture-on '' | tr '\n' ' ')" "$id last new " "bash: --capture-on last|ID|new"
is "$(complete_bash sbox diff --s)" "--stat" "bash: sbox diff's options"

# Images (names are checked when stored: no hostile one gets in).
data=$(mktemp -d "$HOME/data.XXXXXX")
at_exit rm -rf "$data"
XDG_DATA_HOME=$data
export XDG_DATA_HOME
python3 "${SBOX_TESTS:-$(dirname "$0")/..}/helpers/mkimage.py" "$WORK/img.tar" >/dev/null
"$SBOX" image import "$WORK/img.tar" app:1 >/dev/null 2>&1
is "$(complete_bash sbox image inspect '')" "app:1" "bash: sbox image inspect NAME"
is "$("$SBOX" completion names images)" "app:1" "sbox completion names images"

# fish, through its own completion engine.
if command -v fish >/dev/null 2>&1; then
    fc() { fish -c "source $WORK/sbox.fish; complete -C '$1'" | cut -f1 | LC_ALL=C sort | tr '\n' ' '; }
    is "$(fc 'sbox --net ')" "host none pasta slirp " "fish: --net's values"
    is "$(fc 'sbox --overlay-dr')" "--overlay-driver " "fish: options"
    is "$(fc 'sbox image inspect ')" "app:1 " "fish: image names"
    is "$(fc 'sbox diff ')" "$id last " "fish: capture ids"
    is "$(XDG_CONFIG_HOME=$cfg fc 'sbox -p zz')" "zz-mine " "fish: profile names, hostile ones left out"
else
    skip "fish is not installed (scripts/setup installs it)"
fi
"$SBOX" image rm app:1 >/dev/null 2>&1

done_testing
