/* overlay.c: native overlayfs or fuse-overlayfs over one lower layer or an image's layers.
 * The fuse file system is created and mounted by sbox itself (fsopen "fuse"), and the daemon
 * (started outside the sandbox's pid namespace by overlayd.c) is handed the open /dev/fuse as
 * /dev/fd/N: it never mounts anything and never needs a path to the sandbox. */
#include "overlay.h"
#include "cleanup.h"
#include "overlayd.h"
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

/* Several lower layers, top first: one lowerdir+ each where the kernel has it (6.5), since
 * fsconfig takes a string of 255 bytes at most; joined in one lowerdir where it does not,
 * while they fit. */
static int native_lowers(int fs, const struct sbox_overlay_layers *l, struct sbox_error *err)
{
    char path[32], joined[256] = "";
    size_t len = 0;
    for (size_t i = l->n_lowers; i-- > 0;) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", l->lowers[i]);
        if (sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "lowerdir+", path, 0) == 0)
            continue;
        if (errno != EINVAL || i != l->n_lowers - 1)
            return sbox_error(err, errno, "overlayfs lower layer %zu", i + 1);
        /* Before Linux 6.5: no lowerdir+. */
        for (size_t j = l->n_lowers; j-- > 0;) {
            int n = snprintf(joined + len, sizeof joined - len, "%s/proc/self/fd/%d",
                             len ? ":" : "", l->lowers[j]);
            if (n < 0 || (size_t)n >= sizeof joined - len)
                return sbox_error(err, 0,
                                  "%zu layers are more than this kernel's overlay takes from "
                                  "sbox (Linux 6.5 and later take up to %d)",
                                  l->n_lowers, SBOX_OVERLAY_MAX_LOWERS);
            len += (size_t)n;
        }
        if (sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "lowerdir", joined, 0) < 0)
            return sbox_error(err, errno, "overlayfs lower layers");
        return 0;
    }
    return 0;
}

static int native(const struct sbox_overlay_layers *l, int *ret_mnt, struct sbox_error *err)
{
    _cleanup_free_ char *lower = l->lowers ? NULL : sbox_overlay_escape(l->lower);
    _cleanup_free_ char *upper = sbox_overlay_escape(l->upper);
    _cleanup_free_ char *work = sbox_overlay_escape(l->work);
    _cleanup_close_ int fs = sys_fsopen("overlay", FSOPEN_CLOEXEC);
    int mnt;
    if (fs < 0)
        return sbox_error(err, errno, "overlayfs");
    /* userxattr: the unprivileged form (user.overlay.* attributes: an image's opaque
     * directories are marked so), the one a user namespace may mount. Set first: it decides
     * how the layers are read. */
    if (sys_fsconfig(fs, SBOX_FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
        return sbox_error(err, errno, "overlayfs options");
    if (l->lowers ? native_lowers(fs, l, err) < 0
                  : sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
        return l->lowers ? -EINVAL : sbox_error(err, errno, "overlayfs options");
    if (sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
        sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
        return sbox_error(err, errno, "overlayfs options");
    /* Without it every file copied up is synced on the way (a build writing 100 files spent
     * most of its time there); a kernel before 5.10 does without. */
    if (l->unsynced && sys_fsconfig(fs, SBOX_FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0 &&
        errno != EINVAL)
        return sbox_error(err, errno, "overlayfs option volatile");
    if (sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return sbox_error(err, errno, "overlayfs");
    mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0)
        return sbox_error(err, errno, "overlayfs");
    *ret_mnt = mnt;
    return 0;
}

/* The layers opened once, with no symlink followed (the upper and work directories of a kept
 * overlay lie in a directory of the user's, which another sandbox may be writing), and named
 * from then on by their descriptors: neither the kernel nor the daemon resolves them again. */
struct layer_fds {
    int fd[3];
    char path[3][32];
    struct sbox_overlay_layers l;
};

static int fuse(struct sbox_overlay_ctx *c, const struct sbox_overlay_layers *l,
                const struct layer_fds *f, int *ret_mnt, struct sbox_error *err)
{
    _cleanup_close_ int dev = -1, fs = -1, mnt = -1;
    char num[32], ids[2][16];
    struct stat st;
    int r, rc;

    if (!c->fuse_program)
        return sbox_error(err, 0, "fuse-overlayfs is not installed (package fuse-overlayfs)");
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
    /* The daemon runs outside the sandbox's pid namespace (overlayd.c), served the connection
     * through the keeper. */
    if (f->l.lowers)
        r = sbox_overlayd_spawn(c->daemon_chan, dev, l->upper, l->work, f->l.lowers, f->l.n_lowers,
                                f->fd[1], f->fd[2], err);
    else
        r = sbox_overlayd_spawn(c->daemon_chan, dev, l->upper, l->work, &f->fd[0], 1, f->fd[1],
                                f->fd[2], err);
    if (r < 0)
        return r;
    c->daemons++;
    sbox_closep(&dev); /* the daemon holds it now: when it dies, the connection ends */
    /* The first request waits for the daemon's answer: a daemon that fails to start shows up
     * here as an error instead of a sandbox that hangs (the keeper kills a silent one). */
    rc = fstat(mnt, &st);
    r = sbox_overlayd_settle(c->daemon_chan, rc == 0, rc < 0 ? errno : 0, err);
    if (r < 0)
        return r;
    *ret_mnt = steal_fd(&mnt);
    return 0;
}

static void layer_fds_close(struct layer_fds *f)
{
    for (int i = 0; i < 3; i++)
        sbox_closep(&f->fd[i]);
}

static int open_layers(const struct sbox_overlay_layers *l, struct layer_fds *f,
                       struct sbox_error *err)
{
    const char *paths[3] = {l->lower, l->upper, l->work};
    if (l->lowers && (l->n_lowers == 0 || l->n_lowers > SBOX_OVERLAY_MAX_LOWERS))
        return sbox_error(err, 0, "overlay of `%s`: %zu lower layers (1 to %d)", l->what,
                          l->n_lowers, SBOX_OVERLAY_MAX_LOWERS);
    for (int i = l->lowers ? 1 : 0; i < 3; i++) {
        f->fd[i] = sys_openat2(AT_FDCWD, paths[i], O_PATH | O_DIRECTORY | O_CLOEXEC,
                               RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (f->fd[i] < 0)
            return sbox_error(err, errno == ELOOP ? 0 : errno, "overlay layer of `%s`%s", l->what,
                              errno == ELOOP ? ": a symlink was put in its way" : "");
        snprintf(f->path[i], sizeof f->path[i], "/proc/self/fd/%d", f->fd[i]);
    }
    f->l = (struct sbox_overlay_layers){.lower = l->lowers ? NULL : f->path[0],
                                        .lowers = l->lowers,
                                        .n_lowers = l->n_lowers,
                                        .upper = f->path[1],
                                        .work = f->path[2],
                                        .what = l->what,
                                        .unsynced = l->unsynced};
    return 0;
}

int sbox_overlay_mount(struct sbox_overlay_ctx *c, const struct sbox_overlay_layers *layers,
                       int *ret_mnt, struct sbox_error *err)
{
    struct sbox_error native_err = {0}, fuse_err = {0};
    _cleanup_(layer_fds_close) struct layer_fds f = {.fd = {-1, -1, -1}};
    const struct sbox_overlay_layers *l = &f.l;
    int r = open_layers(layers, &f, err);
    if (r < 0)
        return r;
    /* Over the host's own directories, auto starts with fuse-overlayfs: their files belong to
     * ids the namespace does not map, and the kernel's overlay lets nobody inside change
     * those (new files only), while fuse-overlayfs shows them as mapped ones. */
    if (c->driver == SBOX_OVERLAY_AUTO && c->host_files && c->fuse_program &&
        access("/dev/fuse", R_OK | W_OK) == 0) {
        r = fuse(c, layers, &f, ret_mnt, &fuse_err);
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
    r = fuse(c, layers, &f, ret_mnt, err);
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
