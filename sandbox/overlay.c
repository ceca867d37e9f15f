/* overlay.c: native overlayfs or fuse-overlayfs over one lower layer.
 * The fuse file system is created and mounted by sbox itself (fsopen "fuse"), and the daemon
 * is handed the open /dev/fuse as /dev/fd/N: it never mounts anything, never needs a path to
 * the sandbox, and its root is a private copy of the host's tree that no pivot_root moves.
 * When the sandbox's pid namespace ends, the daemon is killed with it; its /dev/fuse closes and
 * the mount goes away with the mount namespace. */
#include "overlay.h"
#include "cleanup.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#ifndef NFS_SUPER_MAGIC
#define NFS_SUPER_MAGIC 0x6969
#endif
#define SBOX_FUSE_SUPER_MAGIC 0x65735546
#define SBOX_EXFAT_SUPER_MAGIC 0x2011BAB0
#define SBOX_CIFS_SUPER_MAGIC 0xFF534D42
#define SBOX_SMB2_SUPER_MAGIC 0xFE534D42
#define SBOX_RAMFS_MAGIC 0x858458f6

char *sbox_overlay_escape(const char *path)
{
    char *out = sbox_xmalloc(2 * strlen(path) + 1), *o = out;
    for (const char *s = path; *s; s++) {
        if (*s == '\\' || *s == ':' || *s == ',')
            *o++ = '\\';
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

const char *sbox_overlay_upper_unsupported(long fs_type)
{
    switch ((unsigned long)fs_type) {
    case OVERLAYFS_SUPER_MAGIC:
        return "an overlay cannot be the upper layer of another";
    case NFS_SUPER_MAGIC:
    case SBOX_CIFS_SUPER_MAGIC:
    case SBOX_SMB2_SUPER_MAGIC:
        return "network file systems lack the extended attributes and whiteouts an upper needs";
    case SBOX_EXFAT_SUPER_MAGIC:
    case MSDOS_SUPER_MAGIC:
        return "FAT file systems have no owners, modes or extended attributes";
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case SBOX_RAMFS_MAGIC:
        return "it has no user extended attributes";
    case SBOX_FUSE_SUPER_MAGIC:
        return "a FUSE file system cannot hold an upper layer reliably";
    default:
        return NULL;
    }
}

static int native(const struct sbox_overlay_layers *l, int *ret_mnt, struct sbox_error *err)
{
    _cleanup_free_ char *lower = sbox_overlay_escape(l->lower);
    _cleanup_free_ char *upper = sbox_overlay_escape(l->upper);
    _cleanup_free_ char *work = sbox_overlay_escape(l->work);
    _cleanup_close_ int fs = sys_fsopen("overlay", FSOPEN_CLOEXEC);
    int mnt;
    if (fs < 0)
        return sbox_error(err, errno, "overlayfs");
    /* userxattr: the unprivileged form (user.overlay.* attributes), the one a user namespace
     * may mount. */
    if (sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
        return sbox_error(err, errno, "overlayfs options");
    if (sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return sbox_error(err, errno, "overlayfs");
    mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0)
        return sbox_error(err, errno, "overlayfs");
    *ret_mnt = mnt;
    return 0;
}

/* In the daemon's child, before exec: every capability it has (in the sandbox's user namespace)
 * kept across exec, so it can copy up files of any owner inside even when the payload's own id
 * is not root. */
static void keep_caps_across_exec(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0)
        return;
    d[0].inheritable = d[0].permitted;
    d[1].inheritable = d[1].permitted;
    if (syscall(SYS_capset, &h, d) < 0)
        return;
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
        if (d[cap / 32].permitted & (1U << (cap % 32)))
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
}

/* How long a starting fuse-overlayfs may take to answer its first request. */
#define SBOX_FUSE_START_TIMEOUT 10

/* A child that kills pid unless *ret_fd is closed within SBOX_FUSE_START_TIMEOUT seconds. */
static pid_t watchdog(pid_t pid, int *ret_fd)
{
    int p[2];
    pid_t dog;
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    dog = fork();
    if (dog == 0) {
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        close(p[1]);
        if (poll(&pfd, 1, SBOX_FUSE_START_TIMEOUT * 1000) == 0)
            kill(pid, SIGKILL);
        _exit(0);
    }
    close(p[0]);
    if (dog < 0) {
        close(p[1]);
        return -1;
    }
    *ret_fd = p[1];
    return dog;
}

static int fuse(struct sbox_overlay_ctx *c, const struct sbox_overlay_layers *l, int *ret_mnt,
                struct sbox_error *err)
{
    _cleanup_close_ int dev = -1, fs = -1, mnt = -1, root = -1, log = -1;
    _cleanup_free_ char *lower = sbox_overlay_escape(l->lower);
    _cleanup_free_ char *upper = sbox_overlay_escape(l->upper);
    _cleanup_free_ char *work = sbox_overlay_escape(l->work);
    _cleanup_free_ char *opts = NULL, *fdarg = NULL;
    char num[32], ids[2][16], out[256] = "";
    struct stat st;
    pid_t pid;

    if (!c->fuse_program)
        return sbox_error(err, 0, "fuse-overlayfs is not installed (package fuse-overlayfs)");
    if (c->fuse_fd < 0)
        return sbox_error(err, -c->fuse_fd, "`%s`", c->fuse_program);
    dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (dev < 0)
        return sbox_error(err, errno, "open /dev/fuse%s",
                          errno == EACCES
                              ? " (it should be mode 0666, as distributions ship it: see "
                                "`sbox check`)"
                              : "");
    fs = sys_fsopen("fuse", FSOPEN_CLOEXEC);
    if (fs < 0)
        return sbox_error(err, errno, "create a fuse file system");
    snprintf(num, sizeof num, "%d", dev);
    snprintf(ids[0], sizeof ids[0], "%u", (unsigned)geteuid());
    snprintf(ids[1], sizeof ids[1], "%u", (unsigned)getegid());
    /* default_permissions: the kernel checks modes and owners, so a payload that is not root
     * inside cannot write through the daemon (which is) what it could not write itself. */
    if (sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "fd", num, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "rootmode", "40755", 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "user_id", ids[0], 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "group_id", ids[1], 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_FLAG, "allow_other", NULL, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_FLAG, "default_permissions", NULL, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return sbox_error(err, errno, "create a fuse file system");
    mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0)
        return sbox_error(err, errno, "mount a fuse file system");
    /* The daemon's root: a copy of the host's tree, so pivot_root in the sandbox (which moves
     * every process whose root is the old root) never makes the daemon's root its own mount. */
    root = sys_open_tree(c->host_root, "",
                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (root < 0)
        return sbox_error(err, errno, "copy the host's tree for fuse-overlayfs");
    opts = sbox_xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
    fdarg = sbox_xasprintf("/dev/fd/%d", dev);
    /* The daemon's standard error: a file in sbox's staging tmpfs (small, and gone with the
     * sandbox), read when it fails to start. Not a pipe: nobody would read it later, and a
     * full pipe would stall the daemon. */
    snprintf(num, sizeof num, "/tmp/fuse-%d.log", ++c->daemons);
    log = open(num, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log < 0)
        return sbox_error(err, errno, "create %s", num);
    unlink(num);
    pid = fork();
    if (pid < 0)
        return sbox_error(err, errno, "start fuse-overlayfs");
    if (pid == 0) {
        char *argv[] = {(char *)c->fuse_program, "-f", "-o", opts, fdarg, NULL};
        /* Its own session: a ^C on the caller's terminal must not reach the daemon. */
        setsid();
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)
            _exit(126);
        keep_caps_across_exec();
        fcntl(dev, F_SETFD, 0);
        fcntl(c->fuse_fd, F_SETFD, 0); /* a script's interpreter reads it as /dev/fd/N */
        if (c->lock_fd >= 0)
            fcntl(c->lock_fd, F_SETFD, 0); /* held until the daemon is gone */
        dup2(log, 2);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
        }
        /* Opened before anything covered the host's paths (a program under /tmp, say). */
        fexecve(c->fuse_fd, argv, environ);
        _exit(127);
    }
    sbox_closep(&dev); /* the daemon holds it now: when it dies, the connection ends */
    /* The first request waits for the daemon's answer: a daemon that fails to start shows up
     * here as an error instead of a sandbox that hangs, and one that does not answer at all
     * is killed after a while (which ends the connection and the wait). */
    {
        /* The wait for a new connection's first answer is killable only: no signal handler
         * runs during it, so a watchdog process kills an unanswering daemon instead. */
        int rc, e, status = 0, dog_pipe = -1;
        pid_t dog = watchdog(pid, &dog_pipe);
        rc = fstat(mnt, &st);
        e = errno;
        if (dog > 0) {
            close(dog_pipe);
            waitpid(dog, NULL, 0);
        }
        if (rc < 0) {
            ssize_t n;
            waitpid(pid, &status, 0);
            n = pread(log, out, sizeof out - 1, 0);
            out[n > 0 ? n : 0] = '\0';
            out[strcspn(out, "\n")] = '\0';
            if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && !out[0])
                return sbox_error(err, 0, "fuse-overlayfs did not answer within %d seconds",
                                  SBOX_FUSE_START_TIMEOUT);
            if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !out[0])
                return sbox_error(err, 0, "could not run `%s`", c->fuse_program);
            return sbox_error(err, out[0] ? 0 : e, "fuse-overlayfs failed to start%s%s",
                              out[0] ? ": " : "", out);
        }
    }
    *ret_mnt = steal_fd(&mnt);
    return 0;
}

int sbox_overlay_mount(struct sbox_overlay_ctx *c, const struct sbox_overlay_layers *l,
                       int *ret_mnt, struct sbox_error *err)
{
    struct sbox_error native_err = {0}, fuse_err = {0};
    int r;
    /* Over the host's own directories, auto starts with fuse-overlayfs: their files belong to
     * ids the namespace does not map, and the kernel's overlay lets nobody inside change
     * those (new files only), while fuse-overlayfs shows them as mapped ones. */
    if (c->driver == SBOX_OVERLAY_AUTO && c->host_files && c->fuse_program &&
        access("/dev/fuse", R_OK | W_OK) == 0) {
        r = fuse(c, l, ret_mnt, &fuse_err);
        if (r == 0) {
            snprintf(c->note, sizeof c->note,
                     "overlay: fuse-overlayfs (auto: over the host's directories, whose owners "
                     "the kernel's overlay would not let the sandbox change)");
            return 0;
        }
    }
    if (c->driver != SBOX_OVERLAY_FUSE && !c->native_refused) {
        r = native(l, ret_mnt, &native_err);
        if (r == 0) {
            if (c->driver == SBOX_OVERLAY_NATIVE)
                snprintf(c->note, sizeof c->note,
                         "overlay: native overlayfs (overlay-driver = "
                         "native)");
            else if (c->host_files)
                snprintf(c->note, sizeof c->note,
                         "overlay: native overlayfs (auto: fuse-overlayfs %s; files of the host "
                         "can be added but not changed)",
                         fuse_err.msg[0] ? "failed" : "is not usable");
            else
                snprintf(c->note, sizeof c->note,
                         "overlay: native overlayfs (auto: the kernel allows it)");
            return 0;
        }
        if (c->driver == SBOX_OVERLAY_NATIVE) {
            *err = native_err;
            return sbox_error_prefix(err, "overlay of `%s` (overlay-driver = native)", l->what);
        }
        c->native_refused = true;
        if (fuse_err.msg[0]) {
            *err = fuse_err;
            return sbox_error_prefix(err, "overlay of `%s`: the kernel refused (%s), and", l->what,
                                     native_err.msg);
        }
    }
    r = fuse(c, l, ret_mnt, err);
    if (r < 0) {
        if (c->driver == SBOX_OVERLAY_AUTO)
            return sbox_error_prefix(err, "overlay of `%s`: the kernel refused (%s), and", l->what,
                                     native_err.msg);
        return sbox_error_prefix(err, "overlay of `%s` (overlay-driver = fuse)", l->what);
    }
    if (c->driver == SBOX_OVERLAY_AUTO)
        snprintf(c->note, sizeof c->note,
                 "overlay: fuse-overlayfs (auto: the kernel refused: %.150s)", native_err.msg);
    else
        snprintf(c->note, sizeof c->note, "overlay: fuse-overlayfs (overlay-driver = fuse)");
    return 0;
}
