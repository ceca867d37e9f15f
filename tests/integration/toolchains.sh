#!/bin/sh
# The toolchain profiles: go, rust, c and java build real small projects twice, the second from
# their private caches; toolchains in the home (rustup's, nvm's, pyenv's, ~/go/bin, SDKMAN's)
# are found read-only and first on PATH, and the credentials beside them stay out.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

# Two homes of the test's own: `fake` holds toolchain trees (scripts that say where they are)
# and credentials beside them; `real` is empty, so the system's compilers build the projects.
# Each keeps sbox's private caches in its own ~/.cache/sbox.
unset XDG_CACHE_HOME GOCACHE GOMODCACHE GOPATH CARGO_HOME RUSTUP_HOME CCACHE_DIR
FAKE=$WORK/fake
REAL=$WORK/real
mkdir -p "$FAKE" "$REAL"

# tool DIR NAME: a program that prints its own path and arguments.
tool() {
    mkdir -p "$1"
    printf '#!/bin/sh\necho "%s at $0" "$@"\n' "$2" >"$1/$2"
    chmod +x "$1/$2"
}

# ms: now, in milliseconds (for the figures in the log only; nothing waits on them).
ms() { echo $(($(date +%s%N) / 1000000)); }

# --- path-prepend's bad input: one line, exit 125, nothing started ---
run_sbox --path-prepend bin -- sh -c "touch $WORK/started"
is "$RC" 125 "--path-prepend with a relative directory: exit 125"
is "$(lines "$ERR")" 1 "... one line"
like "$ERR" "--path-prepend: \`bin\` must be an absolute path" "... naming the flag"
printf '[profile]\ninclude = default\n[env]\npath-prepend = /a:/b\n' >"$WORK/bad.ini"
run_sbox -p "$WORK/bad.ini" -- sh -c "touch $WORK/started"
is "$RC" 125 "path-prepend holding \`:\` in a profile: exit 125"
like "$ERR" "$WORK/bad.ini:4: " "... naming FILE:LINE"
ok "... and nothing was started" test ! -e "$WORK/started"

# --- rust: rustup's layout in the home, read-only, first on PATH; no credentials ---
tool "$FAKE/.cargo/bin" cargo
tool "$FAKE/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin" rustc
printf 'default_toolchain = "stable-x86_64-unknown-linux-gnu"\n' >"$FAKE/.rustup/settings.toml"
mkdir -p "$FAKE/.rustup/downloads"
printf '[registry]\ntoken = "cargo-config-sekrit"\n' >"$FAKE/.cargo/config.toml"
printf '[registry]\ntoken = "cargo-cred-sekrit"\n' >"$FAKE/.cargo/credentials.toml"
printf '[registry]\ntoken = "cargo-cred-sekrit"\n' >"$FAKE/.cargo/credentials"
mkdir -p "$FAKE/.cargo/registry/cache"
echo host >"$FAKE/.cargo/registry/cache/host-crate"
mkdir -p "$WORK/empty"
cd "$WORK/empty" || exit 1
HOME=$FAKE run_sbox -p rust -- cargo build
is "$OUT" "cargo at $FAKE/.cargo/bin/cargo build" \
    "-p rust: ~/.cargo/bin's cargo first, though the caller's PATH does not name it"
HOME=$FAKE PATH=/usr/bin:/bin:$FAKE/.cargo/bin run_sbox -p rust -- sh -c 'echo $PATH'
is "$OUT" "$FAKE/.cargo/bin:/usr/bin:/bin" "... in front once, the caller's PATH after it"
HOME=$FAKE run_sbox -p rust -- sh -c \
    'cat ~/.cargo/config.toml ~/.cargo/credentials.toml ~/.cargo/credentials 2>&1; ls -A ~/.cargo ~/.rustup'
unlike "$OUT" "sekrit" "~/.cargo's config and credentials are not shown"
unlike "$OUT" "downloads" "... nor rustup's downloads"
like "$OUT" "toolchains" "rustup's toolchains are"
HOME=$FAKE run_sbox -p rust -- sh -c 'ls ~/.cargo/registry; echo x >~/.cargo/bin/cargo ||
    echo refused; touch ~/.rustup/toolchains/new || echo refused'
is "$(echo $OUT)" "refused refused" "~/.cargo/bin and the toolchains are read-only; the host's registry is not there"
is "$(cat "$FAKE/.cargo/bin/cargo" | head -1)" "#!/bin/sh" "... and the host's cargo is unchanged"
HOME=$FAKE CARGO_REGISTRY_TOKEN=sekrit run_sbox -p rust --keep-env CARGO_REGISTRY_TOKEN -- env
unlike "$OUT" "sekrit" "CARGO_REGISTRY_TOKEN never passes, even named"
HOME=$FAKE CARGO_HOME=/elsewhere run_sbox -p rust -- sh -c 'echo $CARGO_HOME $RUSTUP_HOME'
is "$OUT" "$FAKE/.cargo $FAKE/.rustup" "CARGO_HOME and RUSTUP_HOME are the layout bound"

# A crate with no dependencies, built twice with the system's cargo (no rustup in this home).
if command -v cargo >/dev/null 2>&1 && [ "$(command -v cargo)" != "$FAKE/.cargo/bin/cargo" ]; then
    mkdir -p "$WORK/crate/src"
    printf '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n' \
        >"$WORK/crate/Cargo.toml"
    printf 'fn main() { println!("hello {}", 2 + 3); }\n' >"$WORK/crate/src/main.rs"
    cd "$WORK/crate" || exit 1
    t0=$(ms)
    HOME=$REAL run_sbox -p rust -- sh -c 'cargo build 2>&1 && ./target/debug/hello'
    t1=$(ms)
    is "$RC" 0 "-p rust: cargo build of a crate"
    like "$OUT" "Compiling hello" "... compiles it"
    like "$OUT" "hello 5" "... and it runs"
    HOME=$REAL run_sbox -p rust -- cargo build
    t2=$(ms)
    is "$RC" 0 "a second cargo build"
    unlike "$ERR" "Compiling" "... compiles nothing again"
    like "$ERR" "Finished" "... and finishes"
    ok "cargo's registry cache is sbox's private one" test -d "$REAL/.cache/sbox/cargo-registry"
    ok "... and the host's ~/.cargo was not made" test ! -e "$REAL/.cargo"
    diag "cargo build: first $((t1 - t0)) ms, second $((t2 - t1)) ms"
else
    skip "no cargo to build a crate with (apt-get install cargo)"
fi

# --- go: a module's test twice, the second from the private build cache ---
tool "$FAKE/go/bin" gotool
cd "$WORK/empty" || exit 1
HOME=$FAKE run_sbox -p go -- sh -c 'gotool; touch ~/go/bin/x || echo refused'
is "$OUT" "gotool at $FAKE/go/bin/gotool
refused" "-p go: ~/go/bin's programs on PATH, read-only"
if command -v go >/dev/null 2>&1; then
    mkdir -p "$WORK/gomod"
    printf 'module example.com/m\n\ngo 1.19\n' >"$WORK/gomod/go.mod"
    printf 'package m\n\nfunc Add(a, b int) int { return a + b }\n' >"$WORK/gomod/m.go"
    printf 'package m\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n\t\tt.Fatal("2+3")\n\t}\n}\n' \
        >"$WORK/gomod/m_test.go"
    cd "$WORK/gomod" || exit 1
    t0=$(ms)
    HOME=$REAL GOCACHE=$WORK/host-gocache run_sbox -p go -- go test ./...
    t1=$(ms)
    is "$RC" 0 "-p go: go test of a module"
    like "$OUT" "ok  	example.com/m	0." "... runs the test"
    HOME=$REAL GOCACHE=$WORK/host-gocache run_sbox -p go -- go test ./...
    t2=$(ms)
    like "$OUT" "ok  	example.com/m	(cached)" "a second go test says (cached)"
    ok "the build cache is sbox's private one" test -d "$REAL/.cache/sbox/go-build/00"
    ok "... not the host's GOCACHE" test ! -e "$WORK/host-gocache"
    HOME=$REAL run_sbox -p go -- sh -c 'go env GOCACHE GOMODCACHE; echo $GOTOOLCHAIN'
    is "$(echo $OUT)" "$REAL/.cache/go-build $REAL/go/pkg/mod local" "GOCACHE, GOMODCACHE and GOTOOLCHAIN as the profile sets them"
    diag "go test: first $((t1 - t0)) ms, second $((t2 - t1)) ms"
else
    skip "no go (apt-get install golang-go)"
fi

# Stacked, both profiles' directories are on PATH.
cd "$WORK/empty" || exit 1
HOME=$FAKE PATH=/usr/bin:/bin run_sbox -p go -p rust -- sh -c 'echo $PATH'
is "$OUT" "$FAKE/go/bin:$FAKE/.local/go/bin:$FAKE/.cargo/bin:/usr/bin:/bin" \
    "-p go -p rust: each profile's directories in front, in order"

# --- c: make twice through ccache, the second from the private cache ---
if command -v ccache >/dev/null 2>&1 && [ -x /usr/lib/ccache/cc ]; then
    mkdir -p "$WORK/cproj"
    printf 'int add(int a, int b) { return a + b; }\n' >"$WORK/cproj/add.c"
    printf '#include <stdio.h>\nint add(int, int);\nint main(void) { printf("hello %%d\\n", add(2, 3)); return 0; }\n' \
        >"$WORK/cproj/main.c"
    printf 'hello: main.o add.o\n\t$(CC) -o $@ main.o add.o\nclean:\n\trm -f *.o hello\n' \
        >"$WORK/cproj/Makefile"
    cd "$WORK/cproj" || exit 1
    HOME=$REAL run_sbox -p c -- sh -c 'command -v cc; ccache -z >/dev/null; make -s && ./hello'
    is "$OUT" "/usr/lib/ccache/cc
hello 5" "-p c: make builds through ccache's cc"
    HOME=$REAL run_sbox -p c -- sh -c 'make -s clean; ccache -z >/dev/null; make -s &&
        ccache --print-stats'
    is "$(printf '%s\n' "$OUT" | awk '$1 == "direct_cache_hit" { print $2 }')" 2 \
        "a second build: both compiles are ccache hits"
    is "$(printf '%s\n' "$OUT" | awk '$1 == "cache_miss" { print $2 }')" 0 "... and none misses"
    ok "ccache's cache is sbox's private one" test -f "$REAL/.cache/sbox/ccache/ccache.conf" -o \
        -d "$REAL/.cache/sbox/ccache/0"
    ok "... and the host's ~/.cache/ccache was not made" test ! -e "$REAL/.cache/ccache"
    if command -v meson >/dev/null 2>&1 && command -v ninja >/dev/null 2>&1; then
        printf "project('hello', 'c')\nexecutable('hello', 'main.c', 'add.c')\n" >meson.build
        HOME=$REAL run_sbox -p c -- sh -c 'meson setup b >/dev/null && ninja -C b >/dev/null'
        is "$RC" 0 "meson: setup and a build through ccache"
        HOME=$REAL run_sbox -p c -- sh -c 'ninja -C b -t clean >/dev/null && ccache -z >/dev/null &&
            ninja -C b >/dev/null && ccache --print-stats'
        is "$(printf '%s\n' "$OUT" | awk '$1 == "direct_cache_hit" { print $2 }')" 2 \
            "... cleaned and built again in the next run: both compiles are ccache hits"
    else
        skip "no meson and ninja (apt-get install meson)"
    fi
else
    skip "no ccache (apt-get install ccache)"
fi

# --- java: javac with the Maven and Gradle caches bound and the variables set ---
# Maven itself is not run: its plugins come from the network, and the sandbox has none.
tool "$FAKE/.sdkman/candidates/java/current/bin" java
mkdir -p "$FAKE/.m2" "$FAKE/.gradle"
printf '<settings><servers><server><password>m2-sekrit</password></server></servers></settings>\n' \
    >"$FAKE/.m2/settings.xml"
printf 'repoPassword=gradle-sekrit\n' >"$FAKE/.gradle/gradle.properties"
cd "$WORK/empty" || exit 1
HOME=$FAKE run_sbox -p java -- sh -c 'java -version; cat ~/.m2/settings.xml ~/.gradle/gradle.properties 2>&1'
like "$OUT" "java at $FAKE/.sdkman/candidates/java/current/bin/java -version" \
    "-p java: SDKMAN's java first on PATH"
unlike "$OUT" "sekrit" "... and ~/.m2/settings.xml and ~/.gradle/gradle.properties are not shown"
if command -v javac >/dev/null 2>&1; then
    mkdir -p "$WORK/jproj/src/hello"
    printf 'package hello;\npublic class Main {\n    public static void main(String[] a) { System.out.println("hello " + (2 + 3)); }\n}\n' \
        >"$WORK/jproj/src/hello/Main.java"
    cd "$WORK/jproj" || exit 1
    HOME=$REAL run_sbox -p java -- sh -c 'javac -d out src/hello/Main.java && java -cp out hello.Main &&
        echo $GRADLE_USER_HOME && touch ~/.m2/repository/m ~/.gradle/caches/g ~/.gradle/wrapper/w'
    is "$OUT" "hello 5
$REAL/.gradle" "-p java: javac compiles, java runs, GRADLE_USER_HOME is the bound one"
    ok "Maven's and Gradle's caches are sbox's private ones" test -f "$REAL/.cache/sbox/maven/m" \
        -a -f "$REAL/.cache/sbox/gradle/g" -a -f "$REAL/.cache/sbox/gradle-wrapper/w"
    ok "... and the host's ~/.m2 and ~/.gradle were not made" test ! -e "$REAL/.m2" -a ! -e "$REAL/.gradle"
else
    skip "no javac (apt-get install default-jdk-headless)"
fi

# --- node: nvm's node, the one the caller's PATH names; no ~/.npmrc ---
tool "$FAKE/.nvm/versions/node/v99.0.0/bin" node
printf 'echo nvm-script\n' >"$FAKE/.nvm/nvm.sh"
printf '//registry.example.invalid/:_authToken=npmrc-sekrit\n' >"$FAKE/.npmrc"
HOME=$FAKE PATH=$FAKE/.nvm/versions/node/v99.0.0/bin:/usr/bin:/bin run_sbox -p node \
    --allow-host '' -- sh -c 'node --version; cat ~/.npmrc ~/.nvm/nvm.sh 2>&1; npm_bin=$(command -v node); touch "${npm_bin%/*}/x" || echo refused'
like "$OUT" "node at $FAKE/.nvm/versions/node/v99.0.0/bin/node --version" "-p node: nvm's node"
unlike "$OUT" "sekrit" "... ~/.npmrc is not shown"
unlike "$OUT" "nvm-script" "... nor nvm's scripts"
like "$OUT" "refused" "... and nvm's versions are read-only"

# --- python: pyenv's shims and ~/.local/bin first; nothing else of ~/.local ---
tool "$FAKE/.pyenv/shims" python3
tool "$FAKE/.local/bin" pipxtool
mkdir -p "$FAKE/.local/share/keyrings"
echo keyring-sekrit >"$FAKE/.local/share/keyrings/login.keyring"
printf '[pypi]\npassword = pypirc-sekrit\n' >"$FAKE/.pypirc"
HOME=$FAKE run_sbox -p python --allow-host '' -- sh -c 'python3; pipxtool; cat ~/.pypirc ~/.local/share/keyrings/* 2>&1'
like "$OUT" "python3 at $FAKE/.pyenv/shims/python3" "-p python: pyenv's shims first on PATH"
like "$OUT" "pipxtool at $FAKE/.local/bin/pipxtool" "... ~/.local/bin on PATH"
unlike "$OUT" "sekrit" "... and no ~/.pypirc, no keyring"

done_testing
