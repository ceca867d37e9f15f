#!/bin/sh
# bench/landlock.sh: what Landlock costs at start. An empty sandbox (`sbox -- true`) with
# landlock = off and landlock = required, beside bubblewrap, in the same hyperfine run, repeated
# in rounds; prints each round's means and the median of the rounds' differences (goal: under
# 0.3 ms). With isolation = landlock built in, its start is timed beside them too. Start times
# on a busy machine move by more than the ruleset costs, so the ruleset is also timed alone: a
# child derives it from the default plan and applies it to itself (the payload's work), 500
# times, built from libsbox.a beside SBOX when a compiler is there.
# Usage: bench/landlock.sh [SBOX] (default ./sbox). Run it as a normal user (rootless).
set -eu
sbox=$(realpath "${1:-./sbox}")
runs=${BENCH_RUNS:-100}
rounds=${BENCH_ROUNDS:-5}

. "$(dirname "$0")/need.sh"
need hyperfine hyperfine
need bwrap bubblewrap

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$out" # a neutral working directory: sbox binds it, as it would a project

degraded=""
if "$sbox" --isolation landlock --dry-run -- true >/dev/null 2>&1; then
    degraded=yes
fi
bw="bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev true"
i=0
while [ "$i" -lt "$rounds" ]; do
    i=$((i + 1))
    if [ -n "$degraded" ]; then
        hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/r$i.json" \
            -n off "$sbox --landlock off -- true" -n on "$sbox --landlock required -- true" \
            -n degraded "$sbox --isolation landlock -- true" -n bwrap "$bw" >/dev/null
    else
        hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/r$i.json" \
            -n off "$sbox --landlock off -- true" -n on "$sbox --landlock required -- true" \
            -n bwrap "$bw" >/dev/null
    fi
done

libs=$(dirname "$sbox")/libsbox.a
if command -v cc >/dev/null && [ -f "$libs" ]; then
    cat >"$out/apply.c" <<'C'
#include "landlock.h"
#include "profile.h"
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
int main(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_profiles ps;
    struct sbox_error err = {0};
    static double us[500];
    int pfd[2], abi = sbox_landlock_abi();
    if (abi < 1 || sbox_host_probe(&h, environ, &err) < 0 || pipe(pfd) < 0)
        return 1;
    sbox_plan_init(&p, &h);
    sbox_profiles_init(&ps, &h, NULL, "/nonexistent");
    if (sbox_profile_load_default(&ps, &p, &err) < 0 || sbox_plan_finish(&p, &err) < 0)
        return 1;
    for (int i = 0; i < 500; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct timespec a, b;
            struct sbox_landlock_ruleset rs;
            double d;
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            clock_gettime(CLOCK_MONOTONIC, &a);
            sbox_landlock_derive(&p, false, &rs);
            if (sbox_landlock_apply(&rs, abi, &err) < 0)
                _exit(1);
            clock_gettime(CLOCK_MONOTONIC, &b);
            d = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
            _exit(write(pfd[1], &d, sizeof d) == sizeof d ? 0 : 1);
        }
        waitpid(pid, NULL, 0);
        if (read(pfd[0], &us[i], sizeof us[i]) != sizeof us[i])
            return 1;
    }
    qsort(us, 500, sizeof *us, cmp);
    printf("the ruleset alone (the default plan's, derived and applied, ABI %d): median %.1f "
           "us, 90th percentile %.1f us\n", abi, us[250], us[450]);
    return 0;
}
C
    src=$(cd "$(dirname "$0")/.." && pwd)/sandbox
    if cc -O2 -I"$src" -I"$(dirname "$sbox")" -o "$out/apply" "$out/apply.c" "$libs" \
        -lcap -lseccomp -linih 2>"$out/cc.err"; then
        "$out/apply" || echo "the ruleset alone: could not be timed here"
    else
        echo "the ruleset alone: not built ($(tail -1 "$out/cc.err"))"
    fi
fi

python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
d, rounds = sys.argv[1], int(sys.argv[2])
diffs = []
for i in range(1, rounds + 1):
    r = {x["command"]: x["mean"] * 1e3 for x in json.load(open(f"{d}/r{i}.json"))["results"]}
    diffs.append(r["on"] - r["off"])
    line = "  ".join(f"{k} {v:6.2f} ms" for k, v in r.items())
    print(f"round {i}: {line}")
print(f"\nLandlock at start (on - off), median of {rounds} rounds: {statistics.median(diffs):+.3f} ms "
      f"(rounds: {', '.join(f'{x:+.2f}' for x in diffs)}; goal < 0.3 ms)")
PY
