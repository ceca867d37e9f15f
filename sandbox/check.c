/* check.c: `sbox check`: what this host offers sbox, and how to fix what it lacks.
 * Probes in short-lived children, so nothing of the probing stays behind. */
#include "check.h"
#include "cgroup.h"
#include "cleanup.h"
#include "files.h"
#include "idmap.h"
#include "keptns.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

enum status { OK, DEGRADED, MISSING };

struct entry {
    const char *name; /* for --json */
    enum status status;
    bool fatal; /* missing: sandboxes cannot run */
    char *detail;
    char *fix;
};

struct report {
    struct entry e[32];
    size_t n;
    const char *root; /* SBOX_CHECK_ROOT: where /proc/sys and /proc/self are read (tests) */
};

static void add(struct report *r, const char *name, enum status st, bool fatal, const char *fix,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add(struct report *r, const char *name, enum status st, bool fatal, const char *fix,
                const char *fmt, ...)
{
    va_list ap;
    char buf[1024];
    if (r->n == sizeof r->e / sizeof *r->e)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    r->e[r->n++] = (struct entry){.name = name,
                                  .status = st,
                                  .fatal = fatal && st == MISSING,
                                  .detail = sbox_xstrdup(buf),
                                  .fix = st != OK && fix ? sbox_xstrdup(fix) : NULL};
}

/* A file of the kernel's (or, for tests, of a fake root's), whole, or NULL. */
static char *read_whole(const struct report *r, const char *path)
{
    _cleanup_free_ char *full = sbox_xasprintf("%s%s", r->root, path);
    return sbox_read_text(full);
}

/* Its first line, or NULL when it is empty or unreadable. */
static char *read_line(const struct report *r, const char *path)
{
    char *text = read_whole(r, path);
    if (text && !text[0]) {
        free(text);
        return NULL;
    }
    if (text)
        text[strcspn(text, "\n")] = '\0';
    return text;
}

/* Whether the kernel has a misc device's driver (loaded or built in): /proc/misc lists it. */
static bool kernel_has(const struct report *r, const char *module)
{
    _cleanup_free_ char *misc = read_whole(r, "/proc/misc");
    _cleanup_free_ char *want = sbox_xasprintf(" %s\n", module);
    return misc && strstr(misc, want);
}

/* A device the caller must open (read and write): there, and not 0600 as some minimal machines
 * leave it. Missing where the kernel has its driver, it is not bound in (a container, a sandbox):
 * modprobe would not help. */
static void device(struct report *r, const char *name, const char *path, const char *module,
                   const char *what)
{
    char fix[512];
    struct stat st;
    bool there = stat(path, &st) == 0;
    bool usable = there && access(path, R_OK | W_OK) == 0;
    if (there)
        snprintf(fix, sizeof fix,
                 "as root: `chmod 0666 %s` (it is %04o here; distributions ship it 0666 through "
                 "udev rules)",
                 path, (unsigned)(st.st_mode & 07777));
    else if (kernel_has(r, module))
        snprintf(fix, sizeof fix,
                 "the kernel has %s, but this /dev lacks %s: bind it in where this runs (`docker "
                 "run --device %s`; an sbox's /dev holds none)",
                 module, path, path);
    else
        snprintf(fix, sizeof fix, "as root: `modprobe %s`", module);
    add(r, name, usable ? OK : MISSING, false, fix, "%s usable by you%s%s", path, what,
        usable                  ? ""
        : there                 ? ": permission denied"
        : kernel_has(r, module) ? ": not bound in here"
                                : ": missing");
}

/* Runs probe in a child with new namespaces (a user namespace among them), mapped as a run
 * would be: the caller alone, or with ranges; returns what the probe returned (0: it worked, or
 * the errno of what failed), or -errno when clone (or the map) failed. */
static int in_userns(int (*probe)(void), int flags, const struct sbox_idranges *ranges, uid_t uid,
                     gid_t gid)
{
    struct sbox_error err = {0};
    int status, r;
    pid_t pid, seen;
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return -errno;
    pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | flags | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0) {
        char c;
        close(go[1]);
        _exit(read(go[0], &c, 1) == 1 ? probe() : 120);
    }
    close(go[0]);
    if (pid < 0) {
        int e = errno;
        close(go[1]);
        return -e;
    }
    r = sbox_idmap_proc_pid(pid, &seen, &err);
    if (r >= 0)
        r = ranges ? sbox_idmap_write_ranges(seen, uid, gid, ranges, &err)
                   : sbox_idmap_write_single(seen, 0, uid, 0, gid, &err);
    if (r >= 0)
        (void)!write(go[1], "g", 1);
    close(go[1]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    if (r < 0)
        return r;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 121;
}

static int fail(void)
{
    return errno > 0 && errno < 120 ? errno : 119;
}

/* A tmpfs in a mount namespace of the user namespace's own. */
static int probe_mount(void)
{
    if (mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0 ||
        mount("tmpfs", "/tmp", "tmpfs", 0, "size=64k") < 0)
        return fail();
    return 0;
}

/* A fresh proc, as pid 1 of a new pid namespace: the kernel refuses it beside a /proc with
 * paths locked over it (a container's masks), which nothing else shows. */
static int probe_proc(void)
{
    int fs = sys_fsopen("proc", FSOPEN_CLOEXEC);
    if (fs < 0 || sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
        sys_fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV) < 0)
        return fail();
    return 0;
}

/* The kernel's overlay in a user namespace: a tmpfs with lower, upper and work inside it. */
static int probe_overlay(void)
{
    char dir[] = "/tmp";
    int fs, mnt;
    if (mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0 ||
        mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0 || mkdir("/tmp/l", 0755) < 0 ||
        mkdir("/tmp/u", 0755) < 0 || mkdir("/tmp/w", 0755) < 0)
        return fail();
    fs = sys_fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0 || sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "lowerdir", "/tmp/l", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "upperdir", "/tmp/u", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "workdir", "/tmp/w", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return fail();
    mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
    return mnt < 0 ? fail() : 0;
}

/* A fuse mount in a user namespace, as fuse-overlayfs's would be (no daemon: the kernel mounts
 * before the first request, and the descriptor's end aborts it). */
static int probe_fuse(void)
{
    char opt[32];
    int dev = open("/dev/fuse", O_RDWR | O_CLOEXEC), fs;
    if (dev < 0)
        return fail();
    snprintf(opt, sizeof opt, "%d", dev);
    fs = sys_fsopen("fuse", FSOPEN_CLOEXEC);
    if (fs < 0 || sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "fd", opt, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "rootmode", "40000", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "user_id", "0", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "group_id", "0", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
        sys_fsmount(fs, FSMOUNT_CLOEXEC, 0) < 0)
        return fail();
    return 0;
}

static bool setuid_or_caps(const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) < 0)
        return false;
    /* Set-uid root, or file capabilities (some distributions ship them so). */
    return (st.st_mode & S_ISUID) || getxattr(path, "security.capability", NULL, 0) > 0;
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c >= 0x80) /* bytes, not text: a name need not be UTF-8 */
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* Whether this runs inside an sbox (its pid 1 is sbox's): the fix then names nested = yes. A
 * payload may rename itself, so this only words a message. */
static bool inside_sbox(const char *root)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/proc/1/comm", root);
    _cleanup_free_ char *comm = sbox_read_text(path);
    return comm && strcmp(comm, "sbox\n") == 0;
}

static bool sysctl_is(const char *root, const char *name, const char *value)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/proc/sys/%s", root, name);
    _cleanup_free_ char *text = sbox_read_text(path);
    return text && strncmp(text, value, strlen(value)) == 0 && text[strlen(value)] == '\n';
}

#define LANDLOCK_FIX                                                                               \
    "; or run without namespaces, with what Landlock alone gives: `--isolation landlock`"

char *sbox_check_userns_refused(int e)
{
    const char *root = getenv("SBOX_CHECK_ROOT") ? getenv("SBOX_CHECK_ROOT") : "";
    _cleanup_free_ char *status_path = sbox_xasprintf("%s/proc/self/status", root);
    _cleanup_free_ char *status = sbox_read_text(status_path);
    if (e == EUSERS)
        return sbox_xstrdup("user namespaces are nested 32 deep, the kernel's limit" LANDLOCK_FIX);
    if (sysctl_is(root, "user/max_user_namespaces", "0"))
        return sbox_xstrdup("user.max_user_namespaces is 0 in this user namespace (a container's "
                            "runtime or a parent namespace set it): as root where it was set, "
                            "`sysctl -w user.max_user_namespaces=15000`" LANDLOCK_FIX);
    if (e == ENOSPC)
        return sbox_xstrdup("user.max_user_namespaces is reached: as root, raise it (`sysctl -w "
                            "user.max_user_namespaces=15000`)" LANDLOCK_FIX);
    if (sysctl_is(root, "kernel/unprivileged_userns_clone", "0"))
        return sbox_xstrdup("kernel.unprivileged_userns_clone is 0 (Debian's switch): as root, "
                            "`sysctl -w kernel.unprivileged_userns_clone=1`" LANDLOCK_FIX);
    if (sysctl_is(root, "kernel/apparmor_restrict_unprivileged_userns", "1"))
        return sbox_xstrdup(
            "kernel.apparmor_restrict_unprivileged_userns is 1 (Ubuntu's AppArmor rule) and no "
            "AppArmor profile lets sbox through: as root, install sbox's (`make install` puts it "
            "in /etc/apparmor.d/sbox; the source tree has it in apparmor/sbox, with sbox's path "
            "to fill in) and load it, `apparmor_parser -r /etc/apparmor.d/sbox`" LANDLOCK_FIX);
    if (status && strstr(status, "\nSeccomp:\t2")) {
        if (inside_sbox(root))
            return sbox_xstrdup("the outer sbox's seccomp filter refuses new namespaces: run the "
                                "outer sbox with `--nested yes` (nested = yes)" LANDLOCK_FIX);
        return sbox_xstrdup("a seccomp filter refuses new namespaces while the kernel's settings "
                            "allow them (Docker's default profile does): run the container with "
                            "a profile that allows unshare and clone with CLONE_NEWUSER (`docker "
                            "run --security-opt seccomp=unconfined`, or a copy of the default "
                            "with them added)" LANDLOCK_FIX);
    }
    return sbox_xstrdup("a security module (AppArmor, SELinux) or the container's runtime "
                        "refuses them" LANDLOCK_FIX);
}

/* The user namespace checks, from the sysctls that govern them, with the fix for each. */
static void userns_sysctls(struct report *r, int userns)
{
    _cleanup_free_ char *max = read_line(r, "/proc/sys/user/max_user_namespaces");
    _cleanup_free_ char *clone = read_line(r, "/proc/sys/kernel/unprivileged_userns_clone");
    _cleanup_free_ char *aa =
        read_line(r, "/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
    if (max)
        add(r, "max_user_namespaces", atol(max) > 0 ? OK : MISSING, true,
            "as root: `sysctl -w user.max_user_namespaces=15000` (and in /etc/sysctl.d/ to keep "
            "it); in a container, where its runtime or a parent user namespace set it",
            "user.max_user_namespaces = %s", max);
    if (clone)
        add(r, "unprivileged_userns_clone", atol(clone) == 1 ? OK : MISSING, true,
            "as root: `sysctl -w kernel.unprivileged_userns_clone=1` (and in /etc/sysctl.d/ to "
            "keep it)",
            "kernel.unprivileged_userns_clone = %s (Debian's switch)", clone);
    if (aa) {
        bool restricted = atol(aa) != 0;
        add(r, "apparmor_userns", !restricted || userns >= 0 ? OK : MISSING, true,
            "as root, the AppArmor profile sbox ships (`make install` puts it in "
            "/etc/apparmor.d/sbox where /etc/apparmor.d exists; apparmor/sbox in the source, "
            "`profile sbox /usr/local/bin/sbox flags=(unconfined) { userns, }` with sbox's real "
            "path), then `apparmor_parser -r /etc/apparmor.d/sbox`",
            "kernel.apparmor_restrict_unprivileged_userns = %s%s", aa,
            !restricted   ? ""
            : userns >= 0 ? " (an AppArmor profile lets sbox through)"
                          : " (Ubuntu's restriction, and no AppArmor profile lifts it for sbox)");
    }
}

static void keep_note(void *ctx, const char *text)
{
    snprintf(ctx, 256, "%s", text);
}

static void cgroups(struct report *r)
{
    _cleanup_free_ char *mountinfo = read_whole(r, "/proc/self/mountinfo");
    _cleanup_free_ char *self_text = read_whole(r, "/proc/self/cgroup");
    _cleanup_free_ char *mount = mountinfo ? sbox_cgroup_mount(mountinfo) : NULL;
    _cleanup_free_ char *self = self_text ? sbox_cgroup_self(self_text) : NULL;
    _cleanup_free_ char *at = mount ? sbox_xasprintf("%s%s", r->root, mount) : NULL;
    _cleanup_free_ char *parent = NULL, *systemd_run = sbox_find_program("systemd-run");
    char why[256], have[256] = "";
    bool alone;
    unsigned covered;
    const unsigned all = SBOX_CG_MEMORY | SBOX_CG_PIDS | SBOX_CG_CPU;
    if (at) {
        _cleanup_free_ char *path = sbox_xasprintf("%s/cgroup.controllers", at);
        _cleanup_free_ char *text = sbox_read_text(path);
        if (text)
            snprintf(have, sizeof have, "%.*s", (int)strcspn(text, "\n"), text);
    }
    parent =
        sbox_cgroup_find_best(at, self, all, getpid(), false, &covered, &alone, why, sizeof why);
    if (parent && !alone && covered != all) {
        /* Part of the controllers handed down is part of the limits exact. */
        char list[32] = "";
        static const char *const names[] = {"memory", "pids", "cpu"};
        for (unsigned k = 0; k < 3; k++)
            if (covered & (1u << k))
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         list[0] ? " and " : "", names[k]);
        add(r, "cgroup", DEGRADED, false,
            "with systemd, as root `systemctl edit user@.service` and add `[Service] "
            "Delegate=memory pids cpu`",
            "cgroup v2: a subtree delegated to you (%s) with %s only: the other limits fall "
            "back to rlimits or are not enforced",
            parent + strlen(r->root), list);
        return;
    }
    if (parent && !alone)
        add(r, "cgroup", OK, false, NULL,
            "cgroup v2: memory, pids and cpu limits in a subtree delegated to you (%s)",
            parent + strlen(r->root));
    else if (sbox_cgroup_user_manager() && systemd_run && strstr(have, "memory") &&
             strstr(have, "pids") && strstr(have, "cpu"))
        add(r, "cgroup", OK, false, NULL,
            "cgroup v2: limits in a scope from your systemd user manager (systemd-run --user "
            "--scope; not tried)");
    else
        add(r, "cgroup", DEGRADED, false,
            mount && have[0] && (!strstr(have, "memory") || !strstr(have, "pids"))
                ? "the unified hierarchy lacks the controllers (a v1/v2 hybrid): add "
                  "`systemd.unified_cgroup_hierarchy=1` (with systemd) or `cgroup_no_v1=all` "
                  "(without) to the kernel command line; with systemd, log in through a "
                  "session (user@UID.service gets memory, pids and cpu delegated)"
                : "with systemd: log in through a session, or as root `systemctl edit "
                  "user@.service` and add `[Service] Delegate=memory pids cpu`; without it, "
                  "as root make a cgroup for the user: `mkdir /sys/fs/cgroup/sbox-USER`, "
                  "`echo +memory +pids +cpu > /sys/fs/cgroup/cgroup.subtree_control` and chown "
                  "the new directory, its cgroup.procs and cgroup.subtree_control to the user",
            "cgroup v2 limits: %s (controllers here: %s): memory and pids fall back to "
            "rlimits, cpus is not enforced",
            why, have[0] ? have : "none");
}

static void seccomp_and_landlock(struct report *r)
{
    _cleanup_free_ char *actions = read_line(r, "/proc/sys/kernel/seccomp/actions_avail");
    long abi;
    bool filters = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 && actions && strstr(actions, "errno") &&
                   strstr(actions, "kill_process");
    add(r, "seccomp", filters ? OK : MISSING, true,
        "a kernel built with CONFIG_SECCOMP_FILTER=y (every distribution kernel is)",
        "seccomp filters (actions: %s)", actions ? actions : "unknown");
    abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1UL /* _VERSION */);
    add(r, "landlock", abi > 0 ? OK : DEGRADED, false,
        "a kernel with CONFIG_SECURITY_LANDLOCK=y and landlock in its `lsm=` list",
        abi > 0 ? "Landlock, ABI %ld (the second wall behind the mounts; --isolation landlock "
                  "where no user namespace can be had)"
                : "Landlock unavailable (%ld): the mounts alone keep the host, and --isolation "
                  "landlock cannot run",
        abi > 0 ? abi : (long)errno);
}

static void print_json(FILE *out, const struct report *r, const char *user, uid_t uid, bool can_run)
{
    fputs("{\"user\": ", out);
    json_string(out, user);
    fprintf(out, ", \"uid\": %u, \"can_run\": %s, \"checks\": [", (unsigned)uid,
            can_run ? "true" : "false");
    for (size_t i = 0; i < r->n; i++) {
        static const char *const names[] = {"ok", "degraded", "missing"};
        fprintf(out, "%s\n  {\"name\": \"%s\", \"status\": \"%s\", \"detail\": ", i ? "," : "",
                r->e[i].name, names[r->e[i].status]);
        json_string(out, r->e[i].detail);
        fputs(", \"fix\": ", out);
        if (r->e[i].fix)
            json_string(out, r->e[i].fix);
        else
            fputs("null", out);
        fputc('}', out);
    }
    fputs("\n]}\n", out);
}

static void print_text(FILE *out, const struct report *r, const char *user, uid_t uid, bool can_run)
{
    int missing = 0, degraded = 0;
    for (size_t i = 0; i < r->n; i++) {
        missing += r->e[i].status == MISSING;
        degraded += r->e[i].status == DEGRADED;
    }
    fprintf(out, "sbox check: what this host offers sbox (user %s, uid %u)\n", user, (unsigned)uid);
    for (size_t i = 0; i < r->n; i++) {
        static const char *const names[] = {"ok", "degraded", "missing"};
        fprintf(out, "  %-8s %s\n", names[r->e[i].status], r->e[i].detail);
        if (r->e[i].fix)
            fprintf(out, "  %-8s fix: %s\n", "", r->e[i].fix);
    }
    if (!can_run)
        fprintf(out, "sandboxes cannot run here: fix what is missing above.\n");
    else if (missing || degraded)
        fprintf(out,
                "sandboxes run here (the default profile works); %d missing, %d degraded: "
                "see above for how to fix each.\n",
                missing, degraded);
    else
        fprintf(out, "everything sbox can use is here.\n");
}

int sbox_check(FILE *out, const char *user, uid_t uid, gid_t gid, bool json)
{
    struct report r = {.root = getenv("SBOX_CHECK_ROOT") ? getenv("SBOX_CHECK_ROOT") : ""};
    struct utsname u;
    unsigned major = 0, minor = 0;
    _cleanup_(sbox_idmap_ranges_free) struct sbox_idranges ids = {0};
    _cleanup_free_ char *fuse = sbox_find_program("fuse-overlayfs");
    _cleanup_free_ char *slirp = sbox_find_program("slirp4netns");
    _cleanup_free_ char *pasta = sbox_find_program("pasta");
    char fix[512];
    int userns, rc;
    bool can_run = true;

    if (uname(&u) == 0)
        sscanf(u.release, "%u.%u", &major, &minor);
    add(&r, "kernel", major > 5 || (major == 5 && minor >= 12) ? OK : MISSING, true,
        "sbox needs Linux 5.12 or later (mount_setattr)", "Linux %s (5.12 or later needed)",
        u.release);

    /* What a run does, in the order it does it, each in a throwaway child: the user namespace
     * with the caller's own id (the default profile's map), a tmpfs, a fresh proc as pid 1 of a
     * new pid namespace; then the overlays and the ranged map, which images need. */
    userns = in_userns(probe_mount, CLONE_NEWNS, NULL, uid, gid);
    {
        _cleanup_free_ char *why = userns < 0 ? sbox_check_userns_refused(-userns) : NULL;
        add(&r, "userns", userns >= 0 ? OK : MISSING, true, why,
            "unprivileged user namespaces (tried)%s%s", userns >= 0 ? "" : ": refused, ",
            userns >= 0 ? "" : strerror(-userns));
    }
    if (userns >= 0)
        add(&r, "mount_in_userns", userns == 0 ? OK : MISSING, true,
            "a security module (AppArmor, SELinux) refuses mounts in user namespaces",
            "mount namespaces in a user namespace, and a tmpfs in one%s%s",
            userns == 0 ? " (tried)" : ": refused, ", userns > 0 ? strerror(userns) : "");
    userns_sysctls(&r, userns);
    rc = userns == 0 ? in_userns(probe_proc, CLONE_NEWNS | CLONE_NEWPID, NULL, uid, gid) : -1;
    if (userns == 0)
        add(&r, "proc", rc == 0 ? OK : MISSING, true,
            rc == EPERM
                ? (inside_sbox(r.root)
                       ? "run the outer sbox with `--nested yes` (its /proc then has nothing over "
                         "it), or this one with `--proc host-ro` (the outer /proc, read-only, "
                         "showing the processes outside)"
                       : "`--proc host-ro` (proc = host-ro) binds this /proc read-only instead "
                         "(showing the processes outside); or run the container with its /proc "
                         "unmasked (`docker run --security-opt systempaths=unconfined`)")
                : "a kernel with CONFIG_PROC_FS in pid namespaces (every distribution's)",
            "a fresh proc in a new pid namespace%s%s",
            rc == 0       ? " (tried)"
            : rc == EPERM ? ": refused, as this /proc has paths mounted over it (a container's "
                            "masked paths, or an outer sandbox's covers)"
                          : ": refused, ",
            rc == 0 || rc == EPERM ? ""
            : rc > 0               ? strerror(rc)
                                   : strerror(-rc));

    rc = userns == 0 ? in_userns(probe_overlay, CLONE_NEWNS, NULL, uid, gid) : -1;
    if (userns == 0)
        add(&r, "overlay_native",
            rc == 0 ? OK
            : fuse  ? DEGRADED
                    : MISSING,
            false,
            "the kernel's overlay in a user namespace needs Linux 5.11 or later; install "
            "fuse-overlayfs to stand in",
            "the kernel's overlayfs in a user namespace (tried)%s",
            rc == 0 ? ""
            : fuse  ? ": refused, fuse-overlayfs stands in"
                    : ": refused");
    if (userns == 0 && fuse) {
        rc = in_userns(probe_fuse, CLONE_NEWNS, NULL, uid, gid);
        add(&r, "overlay_fuse", rc == 0 ? OK : MISSING, false,
            rc == ENOENT ? "/dev/fuse is missing: see below"
                         : "a kernel whose fuse allows mounts in user namespaces (Linux 4.18 or "
                           "later) and /dev/fuse that you may open",
            "fuse mounts in a user namespace (tried; fuse-overlayfs's)%s%s",
            rc == 0 ? "" : ": refused, ", rc == 0 ? "" : strerror(rc > 0 ? rc : -rc));
    }

    sbox_idmap_load(&ids, user, uid);
    {
        _cleanup_free_ char *hint = sbox_idmap_add_hint(user);
        snprintf(fix, sizeof fix,
                 "as root: `%s` (a range no other user has); needed for images with many owners "
                 "and `sbox import`",
                 hint);
    }
    add(&r, "subuid", ids.n_uids && ids.n_gids ? OK : MISSING, false, fix,
        "subordinate ids in /etc/subuid and /etc/subgid: %llu uids, %llu gids%s",
        (unsigned long long)sbox_idmap_count(ids.uids, ids.n_uids),
        (unsigned long long)sbox_idmap_count(ids.gids, ids.n_gids),
        uid == 0 && !(ids.n_uids && ids.n_gids)
            ? " (uid 0 without ranges, as under `unshare -r`: images and uid 0 get the single map)"
            : "");
    add(&r, "newuidmap",
        setuid_or_caps(ids.newuidmap) && setuid_or_caps(ids.newgidmap) ? OK : MISSING, false,
        "install the uidmap package (Debian/Ubuntu) or shadow-utils (Fedora)",
        "newuidmap and newgidmap, set-uid or with file capabilities%s",
        ids.newuidmap && ids.newgidmap ? "" : ": not installed");
    if (userns == 0 && ids.n_uids && ids.n_gids && ids.newuidmap && ids.newgidmap) {
        /* The map auto takes for images and uid 0, as sbox_idmap_choose decides it. */
        struct sbox_plan plan = {.userns = SBOX_USERNS_AUTO,
                                 .user = (char *)user,
                                 .host_uid = uid,
                                 .host_gid = gid,
                                 .uid = 0};
        struct sbox_idmap_choice map = {0};
        struct sbox_error err = {0};
        char note[256] = "";
        struct sbox_notes notes = {.line = keep_note, .ctx = note};
        rc = sbox_idmap_choose(&plan, &map, &notes, &err);
        if (rc >= 0 && map.ranged)
            rc = in_userns(probe_mount, CLONE_NEWNS, &map.r, uid, gid);
        add(&r, "subuid_map", rc == 0 && map.ranged ? OK : DEGRADED, false,
            "images and uid 0 run with the single map (their files show as one owner); see the "
            "reason",
            "the ranged map images and uid 0 get (auto)%s%s%s",
            rc == 0 && map.ranged ? " (tried)" : ": ", note[0] ? note : "",
            rc != 0 && !note[0] ? (rc < 0 ? err.msg : strerror(rc)) : "");
        if (rc == 0 && map.ranged) {
            /* Said, so the process in `ps` is explained where a user would look. */
            struct sbox_keptns kept;
            char why[160], what[256];
            if (sbox_keptns_find(&map.r, uid, gid, &kept, why, sizeof why) == 0)
                snprintf(what, sizeof what, "kept by " SBOX_KEPTNS_NAME " (pid %d)",
                         (int)kept.keeper);
            else
                snprintf(what, sizeof what, "none now (%s); the next ranged run starts one", why);
            add(&r, "kept_userns", OK, false, NULL,
                "the user namespace ranged runs nest in (userns-keep): %s", what);
            sbox_keptns_close(&kept);
        }
        sbox_idmap_choice_free(&map);
    }

    add(&r, "fuse_overlayfs", fuse ? OK : MISSING, false, "install the fuse-overlayfs package",
        "fuse-overlayfs (overlay-driver = fuse, and auto over the host's directories)%s",
        fuse ? "" : ": not installed");
    device(&r, "dev_fuse", "/dev/fuse", "fuse", "");
    add(&r, "slirp4netns", slirp ? OK : MISSING, false, "install the slirp4netns package",
        "slirp4netns (net = slirp: user-mode NAT and published ports)%s",
        slirp ? "" : ": not installed");
    add(&r, "pasta", pasta ? OK : MISSING, false, "install the passt package",
        "pasta (net = pasta: the same, faster)%s", pasta ? "" : ": not installed");
    device(&r, "dev_net_tun", "/dev/net/tun", "tun", " (net = slirp, pasta)");
    cgroups(&r);
    seccomp_and_landlock(&r);

    for (size_t i = 0; i < r.n; i++)
        can_run = can_run && !r.e[i].fatal;
    if (json)
        print_json(out, &r, user, uid, can_run);
    else
        print_text(out, &r, user, uid, can_run);
    for (size_t i = 0; i < r.n; i++) {
        free(r.e[i].detail);
        free(r.e[i].fix);
    }
    return can_run ? 0 : 1;
}
