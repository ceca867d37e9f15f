#!/bin/sh
# sbox check: the report on this machine (its verdict on cgroups agrees with what sbox then
# does), --json, and, through SBOX_CHECK_ROOT (a directory read in place of / for /proc/sys,
# /proc/self and the cgroup tree), the failures this machine cannot produce: user namespaces
# switched off, a delegated cgroup v2 subtree, a v1/v2 hybrid, a kernel without seccomp.
. "${SBOX_TESTS:-$(dirname "$0")/..}/lib.sh"

cd "$WORK"

run_sbox check
is "$RC" 0 "sbox check on this machine: the default profile can run, status 0"
like "$OUT" "ok       unprivileged user namespaces" "user namespaces"
like "$OUT" "ok       mount namespaces in a user namespace, and a tmpfs in one (tried)" "mount namespaces in one, tried"
like "$OUT" "ok       seccomp filters (actions: " "seccomp"
like "$OUT" "Landlock" "Landlock"
like "$OUT" "sandboxes run here" "a verdict"
like "$OUT" "ok       a fresh proc in a new pid namespace (tried)" "a fresh proc in a new pid namespace, tried"
like "$OUT" "ok       the kernel's overlayfs in a user namespace (tried)" "the kernel's overlay, tried"
if has_subuid; then
    like "$OUT" "ok       the ranged map images and uid 0 get (auto) (tried)" "the ranged map auto takes, tried with newuidmap"
else
    skip "no subordinate ranges: the ranged map is not tried"
fi
unlike "$OUT" "modprobe" "no modprobe advice on a host that has its devices"
case $OUT in
*"degraded cgroup v2 limits: "*)
    run_sbox --memory 64M -- true
    like "$ERR" "sbox: limits: " "cgroup v2: degraded, and sbox then says its limits are approximated"
    ;;
*"ok       cgroup v2: "*)
    run_sbox --memory 64M -- true
    is "$ERR" "" "cgroup v2: ok, and sbox then sets its limits silently"
    ;;
*) fail "no cgroup v2 line in: $OUT" ;;
esac

# --json: one object, the same verdicts.
run_sbox check --json
printf '%s' "$OUT" >report.json
is "$(python3 -c '
import json, sys
r = json.load(open("report.json"))
ok = r["can_run"] is True and r["uid"] == int(sys.argv[1])
ok = ok and all(c["status"] in ("ok", "degraded", "missing") and c["detail"] for c in r["checks"])
ok = ok and all((c["fix"] is None) == (c["status"] == "ok") for c in r["checks"])
names = [c["name"] for c in r["checks"]]
print("good" if ok and "cgroup" in names and "seccomp" in names and "userns" in names else r)
' "$(id -u)")" good "--json: can_run, every check with a status, a detail, and a fix unless ok"
text=$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(sum(c["status"] != "ok" for c in json.load(sys.stdin)["checks"]))')
run_sbox check
is "$text" "$(printf '%s\n' "$OUT" | grep -c -E '^  (missing|degraded) ')" "--json and the text agree on what is not ok"
run_sbox check --bogus
is "$RC/$(lines "$ERR")" "125/1" "check --bogus: one line, status 125"
like "$ERR" "the only option is --json" "... naming the option there is"

# Fakes of the files it reads.
fake=$WORK/root
mkdir -p "$fake/proc/sys/user" "$fake/proc/sys/kernel/seccomp" "$fake/proc/self"
cat /proc/sys/kernel/seccomp/actions_avail >"$fake/proc/sys/kernel/seccomp/actions_avail"
echo 0 >"$fake/proc/sys/user/max_user_namespaces"
echo 0 >"$fake/proc/sys/kernel/unprivileged_userns_clone"
echo 1 >"$fake/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
OUT=$(SBOX_CHECK_ROOT=$fake "$SBOX" check) && RC=0 || RC=$?
is "$RC" 1 "user.max_user_namespaces = 0: the default profile cannot run, status 1"
like "$OUT" "missing  user.max_user_namespaces = 0
           fix: as root: \`sysctl -w user.max_user_namespaces=15000\`" "... the sysctl, and the command that fixes it"
like "$OUT" "missing  kernel.unprivileged_userns_clone = 0 (Debian's switch)
           fix: as root: \`sysctl -w kernel.unprivileged_userns_clone=1\`" "Debian's switch off: the command that fixes it"
like "$OUT" "ok       kernel.apparmor_restrict_unprivileged_userns = 1 (an AppArmor profile lets sbox through)" "Ubuntu's AppArmor restriction, with namespaces working: ok, and why"
like "$OUT" "sandboxes cannot run here" "... and the verdict"

echo 96000 >"$fake/proc/sys/user/max_user_namespaces"
echo 1 >"$fake/proc/sys/kernel/unprivileged_userns_clone"
echo allow >"$fake/proc/sys/kernel/seccomp/actions_avail"
OUT=$(SBOX_CHECK_ROOT=$fake "$SBOX" check) && RC=0 || RC=$?
is "$RC" 1 "a kernel without seccomp's errno action: status 1"
like "$OUT" "missing  seccomp filters (actions: allow)" "... said"
cat /proc/sys/kernel/seccomp/actions_avail >"$fake/proc/sys/kernel/seccomp/actions_avail"

# A v1/v2 hybrid, then a delegated subtree (the test owns the fake tree: it may write it).
cg=$fake/sys/fs/cgroup
scope=user.slice/user-$(id -u).slice/user@$(id -u).service/app.slice/term.scope
mkdir -p "$cg/$scope"
printf '30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n' >"$fake/proc/self/mountinfo"
printf '0::/%s\n' "$scope" >"$fake/proc/self/cgroup"
echo hugetlb >"$cg/cgroup.controllers"
OUT=$(SBOX_CHECK_ROOT=$fake XDG_RUNTIME_DIR=/nonexistent "$SBOX" check) && RC=0 || RC=$?
is "$RC" 0 "a v1/v2 hybrid: sandboxes still run"
like "$OUT" "degraded cgroup v2 limits: the cgroup v2 hierarchy has no memory, pids, cpu controllers (controllers here: hugetlb): memory and pids fall back to rlimits, cpus is not enforced" "... cgroup limits degraded, and what that means"
like "$OUT" "fix: the unified hierarchy lacks the controllers (a v1/v2 hybrid): add \`systemd.unified_cgroup_hierarchy=1\` (with systemd) or \`cgroup_no_v1=all\` (without)" "... and the fix"
echo "cpuset cpu io memory pids" >"$cg/cgroup.controllers"
for d in user.slice "user.slice/user-$(id -u).slice" "user.slice/user-$(id -u).slice/user@$(id -u).service" \
    "user.slice/user-$(id -u).slice/user@$(id -u).service/app.slice" "$scope"; do
    : >"$cg/$d/cgroup.procs"
    : >"$cg/$d/cgroup.subtree_control"
done
echo "cpu memory pids" >"$cg/user.slice/user-$(id -u).slice/user@$(id -u).service/cgroup.subtree_control"
echo 4242 >"$cg/$scope/cgroup.procs"
OUT=$(SBOX_CHECK_ROOT=$fake "$SBOX" check) && RC=0 || RC=$?
like "$OUT" "ok       cgroup v2: memory, pids and cpu limits in a subtree delegated to you (/sys/fs/cgroup/user.slice/user-$(id -u).slice/user@$(id -u).service)" "a delegated subtree: ok, and where"
echo "memory pids" >"$cg/user.slice/user-$(id -u).slice/user@$(id -u).service/cgroup.subtree_control"
OUT=$(SBOX_CHECK_ROOT=$fake "$SBOX" check) && RC=0 || RC=$?
like "$OUT" "degraded cgroup v2: a subtree delegated to you (/sys/fs/cgroup/user.slice/user-$(id -u).slice/user@$(id -u).service) with memory and pids only" "a subtree with memory and pids, not cpu: degraded, and which"
: >"$cg/user.slice/user-$(id -u).slice/user@$(id -u).service/cgroup.subtree_control"
OUT=$(SBOX_CHECK_ROOT=$fake XDG_RUNTIME_DIR=/nonexistent "$SBOX" check) && RC=0 || RC=$?
like "$OUT" "degraded cgroup v2 limits: no cgroup v2 subtree is delegated to you" "not delegated: degraded"
like "$OUT" "Delegate=memory pids cpu" "... with how to delegate it"
mkdir -p "$WORK/xdg/systemd" "$WORK/bin"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$WORK/xdg/systemd/private"
printf '#!/bin/sh\nexit 1\n' >"$WORK/bin/systemd-run"
chmod 755 "$WORK/bin/systemd-run"
OUT=$(SBOX_CHECK_ROOT=$fake XDG_RUNTIME_DIR=$WORK/xdg PATH="$WORK/bin:$PATH" "$SBOX" check) && RC=0 || RC=$?
like "$OUT" "ok       cgroup v2: limits in a scope from your systemd user manager" "a systemd user manager: limits through a scope"

done_testing
