/* check.c: `sbox check`: what this host offers sbox, and how to fix what it lacks.
 * Probes in short-lived children, so nothing of the probing stays behind. */
#include "check.h"
#include "cleanup.h"
#include "idmap.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

struct report {
    FILE *out;
    int problems;
};

static void line(struct report *r, bool good, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void line(struct report *r, bool good, const char *fix, const char *fmt, ...)
{
    va_list ap;
    fprintf(r->out, "  %-8s ", good ? "ok" : "missing");
    va_start(ap, fmt);
    vfprintf(r->out, fmt, ap);
    va_end(ap);
    fputc('\n', r->out);
    if (!good) {
        r->problems++;
        if (fix)
            fprintf(r->out, "  %-8s fix: %s\n", "", fix);
    }
}

/* A device the caller must open (read and write): there, and not 0600 as some minimal machines
 * leave it. */
static void device(struct report *r, const char *path, const char *module, const char *what)
{
    char fix[256];
    struct stat st;
    bool there = stat(path, &st) == 0;
    bool usable = there && access(path, R_OK | W_OK) == 0;
    if (there)
        snprintf(fix, sizeof fix,
                 "as root: `chmod 0666 %s` (it is %04o here; distributions ship it 0666 through "
                 "udev rules)",
                 path, (unsigned)(st.st_mode & 07777));
    else
        snprintf(fix, sizeof fix, "load the %s module: `modprobe %s` (as root)", module, module);
    line(r, usable, fix, "%s usable by you%s%s", path, what,
         usable  ? ""
         : there ? ": permission denied"
                 : ": missing");
}

/* Runs probe in a child with a new user (and mount) namespace, mapped to the caller alone;
 * returns the child's exit status (0: it worked), or -errno when clone failed. */
static int in_userns(int (*probe)(void), uid_t uid, gid_t gid)
{
    int status;
    char map[64];
    pid_t pid;
    int go[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return -errno;
    pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, NULL);
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
    snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
    {
        char path[64];
        FILE *f;
        snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
        if ((f = fopen(path, "we"))) {
            fputs(map, f);
            fclose(f);
        }
        snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
        if ((f = fopen(path, "we"))) {
            fputs("deny", f);
            fclose(f);
        }
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
        if ((f = fopen(path, "we"))) {
            fputs(map, f);
            fclose(f);
        }
    }
    (void)!write(go[1], "g", 1);
    close(go[1]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 121;
}

static int probe_mount(void)
{
    return mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) == 0 ? 0 : 1;
}

/* The kernel's overlay in a user namespace: a tmpfs with lower, upper and work inside it. */
static int probe_overlay(void)
{
    char dir[] = "/tmp";
    int fs, mnt;
    if (mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0 ||
        mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0 || mkdir("/tmp/l", 0755) < 0 ||
        mkdir("/tmp/u", 0755) < 0 || mkdir("/tmp/w", 0755) < 0)
        return 2;
    fs = sys_fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0 || sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "lowerdir", "/tmp/l", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "upperdir", "/tmp/u", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "workdir", "/tmp/w", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return 1;
    mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
    return mnt < 0 ? 1 : 0;
}

static bool setuid_or_caps(const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) < 0)
        return false;
    /* Set-uid root, or file capabilities (some distributions ship them so). */
    return (st.st_mode & S_ISUID) || getxattr(path, "security.capability", NULL, 0) > 0;
}

int sbox_check(FILE *out, const char *user, uid_t uid, gid_t gid)
{
    struct report r = {.out = out};
    struct utsname u;
    unsigned major = 0, minor = 0;
    _cleanup_(sbox_idmap_ranges_free) struct sbox_idranges ids;
    _cleanup_free_ char *fuse = sbox_find_program("fuse-overlayfs");
    char fix[512];
    int userns, rc;

    fprintf(out, "sbox check: what this host offers sbox (user %s, uid %u)\n", user, (unsigned)uid);
    if (uname(&u) == 0)
        sscanf(u.release, "%u.%u", &major, &minor);
    line(&r, major > 5 || (major == 5 && minor >= 12),
         "sbox needs Linux 5.12 or later (mount_setattr)", "Linux %s (5.12 or later needed)",
         u.release);

    userns = in_userns(probe_mount, uid, gid);
    line(&r, userns == 0,
         "enable unprivileged user namespaces: `sysctl -w user.max_user_namespaces=15000`; on "
         "Debian/Ubuntu kernels also `sysctl -w kernel.unprivileged_userns_clone=1`; on Ubuntu "
         "24.04+ allow them in AppArmor (kernel.apparmor_restrict_unprivileged_userns)",
         "unprivileged user namespaces%s",
         userns == 0  ? " (sandboxes can run)"
         : userns < 0 ? ": creating one is refused"
                      : ": created, but mounting in one is refused");

    sbox_idmap_load(&ids, user, uid);
    {
        _cleanup_free_ char *hint = sbox_idmap_add_hint(user);
        snprintf(fix, sizeof fix,
                 "as root: `%s` (a range no other user has); needed for images with many owners "
                 "and `sbox import`",
                 hint);
    }
    line(&r, ids.n_uids && ids.n_gids, fix,
         "subordinate ids in /etc/subuid and /etc/subgid: %llu uids, %llu gids",
         (unsigned long long)sbox_idmap_count(ids.uids, ids.n_uids),
         (unsigned long long)sbox_idmap_count(ids.gids, ids.n_gids));
    line(&r, setuid_or_caps(ids.newuidmap) && setuid_or_caps(ids.newgidmap),
         "install the uidmap package (Debian/Ubuntu) or shadow-utils (Fedora)",
         "newuidmap and newgidmap%s", ids.newuidmap && ids.newgidmap ? "" : ": not installed");

    rc = userns == 0 ? in_userns(probe_overlay, uid, gid) : -1;
    line(&r, rc == 0, "the kernel's overlay needs Linux 5.11 or later; fuse-overlayfs stands in",
         "the kernel's overlayfs in a user namespace (overlay-driver = native)");
    line(&r, fuse != NULL, "install the fuse-overlayfs package",
         "fuse-overlayfs (overlay-driver = fuse, and auto over the host's directories)%s",
         fuse ? "" : ": not installed");
    device(&r, "/dev/fuse", "fuse", "");
    {
        _cleanup_free_ char *slirp = sbox_find_program("slirp4netns");
        _cleanup_free_ char *pasta = sbox_find_program("pasta");
        line(&r, slirp != NULL, "install the slirp4netns package",
             "slirp4netns (net = slirp: user-mode NAT and published ports)%s",
             slirp ? "" : ": not installed");
        line(&r, pasta != NULL, "install the passt package",
             "pasta (net = pasta: the same, faster)%s", pasta ? "" : ": not installed");
    }
    device(&r, "/dev/net/tun", "tun", " (net = slirp, pasta)");
    if (r.problems)
        fprintf(out, "%d missing: sandboxes %s; see above for how to fix each.\n", r.problems,
                userns == 0 ? "run, with fewer features" : "cannot run");
    else
        fprintf(out, "everything sbox can use is here.\n");
    return userns == 0 ? (r.problems ? 1 : 0) : 2;
}
