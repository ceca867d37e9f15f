#!/bin/sh
# Runs one integration test (TAP on stdout) as an unprivileged user: rootless is the product, so
# the sandbox tests never run as root. Started by root (CI, `sudo make check`), it creates or
# reuses the user $SBOX_TEST_USER (default sbox-test) with /etc/subuid and /etc/subgid ranges,
# copies the binary and the test where that user can read them, and runs the test as that user.
set -eu
test_script=$1
: "${SBOX:?SBOX must name the sbox binary}"
: "${SBOX_TESTS:?SBOX_TESTS must name the tests directory}"

if [ "$(id -u)" != 0 ]; then
    exec sh "$test_script"
fi

user=${SBOX_TEST_USER:-sbox-test}
ranges=yes
# A test named *-noranges.sh runs as a second user who has no subordinate ranges at all.
case $test_script in
*-noranges.sh) user=${SBOX_TEST_USER_NORANGES:-sbox-test-noranges} ranges=no ;;
esac

# The next free range of 65536 ids after every range already given out (and after 100000).
next_range() {
    awk -F: 'BEGIN { m = 100000 } NF >= 3 && $2 + $3 > m { m = $2 + $3 } END { print m }' "$1"
}

ensure_user() {
    if ! id -u "$user" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/sh --comment "sbox test user" "$user"
    fi
    for f in /etc/subuid /etc/subgid; do
        [ -e "$f" ] || : >"$f"
        if [ "$ranges" = no ]; then
            sed -i "/^$user:/d; /^$(id -u "$user"):/d" "$f"
        elif ! grep -q "^$user:" "$f"; then
            echo "$user:$(next_range "$f"):65536" >>"$f"
        fi
    done
}

# Several tests may start at once under `make -j`: one creates the user, the others wait.
lock=/run/lock
[ -d "$lock" ] || lock=/tmp
(
    flock 9
    ensure_user
) 9>"$lock/sbox-test-user.lock"

stage=$(mktemp -d /tmp/sbox-check.XXXXXX)
trap 'rm -rf "$stage"' EXIT INT TERM
chmod 0755 "$stage"
cp "$SBOX" "$stage/sbox"
cp "$SBOX_TESTS/lib.sh" "$stage/lib.sh"
cp "$test_script" "$stage/test.sh"
[ -d "$SBOX_TESTS/helpers" ] && cp -R "$SBOX_TESTS/helpers" "$stage/helpers"
# Helpers compiled by make check (tests/helpers/try-syscall*) live in the build tree.
mkdir -p "$stage/helpers"
for h in "${SBOX_BUILT_HELPERS:-/nonexistent}"/try-syscall*; do
    case $h in *.c | *.o) continue ;; esac
    [ -f "$h" ] && cp "$h" "$stage/helpers/"
done
[ -d "$SBOX_TESTS/fixtures" ] && cp -R "$SBOX_TESTS/fixtures" "$stage/fixtures"
# examples.sh runs the examples of the README and the man pages: the documents come along.
mkdir -p "$stage/docs/man"
cp "$SBOX_TESTS/../README.md" "$stage/docs/" 2>/dev/null || :
cp "$SBOX_TESTS/../man/sbox.1" "$SBOX_TESTS/../man/sbox.ini.5" "$stage/docs/man/" 2>/dev/null || :
[ -n "${SBOX_PROFILES:-}" ] && cp -R "$SBOX_PROFILES" "$stage/profiles"
chmod -R a+rX "$stage"

home=$(getent passwd "$user" | cut -d: -f6)
cd "$stage"
# Coverage builds (scripts/coverage): the counts go to a directory of the user's own, named by
# a descriptor the sandbox keeps (sandbox/coverage.h).
cov_env=""
if [ -n "${SBOX_COVERAGE_DIR:-}" ]; then
    mkdir -p "$SBOX_COVERAGE_DIR/$user"
    chown "$user" "$SBOX_COVERAGE_DIR/$user"
    exec 9<"$SBOX_COVERAGE_DIR/$user"
    cov_env="GCOV_PREFIX=/proc/self/fd/9 GCOV_PREFIX_STRIP=0 SBOX_COVERAGE_PATH=$SBOX_COVERAGE_DIR/$user"
fi
set +e
# shellcheck disable=SC2086
runuser -u "$user" -- env -i $cov_env \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME="$home" USER="$user" LOGNAME="$user" SHELL=/bin/sh LANG=C.UTF-8 \
    SBOX="$stage/sbox" SBOX_TESTS="$stage" SBOX_MUST_WORK="${SBOX_MUST_WORK:-}" \
    SBOX_BUILT_HELPERS="$stage/helpers" \
    SBOX_PROFILES="${SBOX_PROFILES:+$stage/profiles}" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    sh "$stage/test.sh"
rc=$?
exit $rc
