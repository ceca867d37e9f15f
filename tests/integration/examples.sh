#!/bin/sh
# Every example of README.md, man/sbox.1 and man/sbox.ini.5 run as written: found in the
# documents themselves (helpers/doc_examples.py), run in a prepared home, project and images
# (helpers/examples.py, which says how), checked where the documents show output; an example
# that is neither run nor listed, with the reason, as not runnable here fails.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

# The documents: staged beside the tests by as-user.sh, or the source tree's own.
DOCS=$SBOX_TESTS/docs
[ -f "$DOCS/README.md" ] || DOCS=$SBOX_TESTS/..
[ -f "$DOCS/README.md" ] && [ -f "$DOCS/man/sbox.1" ] || skip_all "README.md and man/ are not found"

for tool in python3 node npm git make umoci skopeo bash; do
    command -v "$tool" >/dev/null || skip_all "$tool is not installed"
done
command -v busybox >/dev/null || [ -x /bin/busybox ] || skip_all "busybox-static is not installed"
has_subuid || skip_all "$(id -un) has no subordinate ranges (or newuidmap is missing)"

# What the examples leave belongs partly to subordinate ids: sbox removes it.
at_exit 'HOME=$WORK/home; export HOME; "$SBOX" image rm "$HOME/images/debian" "$HOME/envs/dev" "$HOME/envs/app" >/dev/null 2>&1; for n in $("$SBOX" image ls 2>/dev/null | awk "NR > 1 { print \$1 }"); do "$SBOX" image rm "$n" >/dev/null 2>&1; done; "$SBOX" image prune >/dev/null 2>&1; "$SBOX" discard --all >/dev/null 2>&1'

python3 "$SBOX_TESTS/helpers/examples.py" "$DOCS" "$WORK"
