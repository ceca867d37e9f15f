/* mount.c: builds the sandbox's root on a tmpfs, then pivots into it.
 * Never follows a symlink out of the new root, never lets a mount propagate to the host, and
 * never leaves a writable path the plan did not ask for. */
#include "mount.h"
#include "cleanup.h"
#include "files.h"
#include "overlay.h"
#include "pin.h"
#include "sys.h"
#include "usernet.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the staging root is mounted in the child's private view; after the first pivot the
 * host's tree is /oldroot and the sandbox's is /newroot. */
#define STAGE "/tmp"
#define RESOLVE_SAFE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

struct ctx {
    const struct sbox_plan *plan;
    uint64_t *own; /* ids of the mounts sbox created: the only places it creates mount points */
    size_t n_own;
    int *devs; /* the /dev tmpfs mounts, made read-only once every mount is in place */
    size_t n_devs;
    int host;          /* O_PATH: the host's root, as the caller sees it */
    int root;          /* O_PATH: the new root */
    int empty;         /* O_PATH: an empty read-only file, the stand-in for a hidden file */
    int *layers;       /* per plan mount: the overlay a mirrored directory becomes, or -1 */
    int *binds;        /* per plan mount: a bind's source reopened here (pin.h), or -errno */
    int image_src;     /* O_PATH: the image root, opened before the staging tmpfs covers /tmp */
    int *image_layers; /* image = NAME: its layers reopened here (pin.h), bottom first */
    size_t n_image_layers;
    int store_src;      /* O_PATH: the kept overlay directory, likewise */
    int capture_src;    /* O_PATH: this run's capture directory in the store, likewise */
    int lock_fd;        /* the kept overlay's lock, held by the parent: names the store */
    bool root_writable; /* the root is an overlay the plan asked for */
    bool root_bound;    /* the image root is the image itself, bound as it is (no overlay) */
    int pty[2];         /* the payload's pseudo-terminal: master, slave (plan->pty), or -1 */
    struct sbox_overlay_ctx ovl;
};

static uint64_t mount_id(int fd)
{
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 ||
        !(stx.stx_mask & STATX_MNT_ID))
        return 0;
    return stx.stx_mnt_id;
}

static void own_mount(struct ctx *c, int fd)
{
    c->own = sbox_xrealloc(c->own, (c->n_own + 1) * sizeof *c->own);
    c->own[c->n_own++] = mount_id(fd);
}

/* Mount points are created only in file systems sbox made for this sandbox, never in a host
 * directory bound in: a run must not leave empty directories behind in the caller's files. */
static int may_create(const struct ctx *c, int parent, const char *path, struct sbox_error *err)
{
    uint64_t id = mount_id(parent);
    for (size_t i = 0; id && i < c->n_own; i++)
        if (c->own[i] == id)
            return 0;
    return sbox_error(err, 0,
                      "`%s` does not exist, and sbox creates mount points only in the sandbox's "
                      "own file systems, not in host directories: create it first",
                      path);
}

/* Opens path inside rootfd: ".." and absolute symlinks stop at rootfd. */
static int open_in(int rootfd, const char *path, int flags, int *ret)
{
    int fd = sys_openat2(rootfd, path, (uint64_t)(flags | O_CLOEXEC), RESOLVE_SAFE);
    if (fd < 0)
        return -errno;
    *ret = fd;
    return 0;
}

/* Finds or creates the mount point for path inside the new root, each missing component made
 * a directory (the last a file when !dir). Every prefix is resolved from the root again, so a
 * symlink anywhere on the way resolves inside the sandbox, never out of it. */
static int mountpoint(const struct ctx *c, const char *path, bool dir, int *ret,
                      struct sbox_error *err)
{
    int rootfd = c->root;
    _cleanup_free_ char *prefix = sbox_xstrdup(path);
    _cleanup_close_ int parent = -1;
    struct stat st;
    char *p = prefix;
    int r;

    /* Most mount points exist: the whole path at once, as the walk's last step resolves it;
     * the walk for what must be made, or to name what fails. */
    r = open_in(rootfd, path, O_PATH, &parent);
    if (r == 0) {
        p += strlen(p);
    } else {
        /* Most often only the last component is missing: its parent at once too. */
        char *last = strrchr(prefix, '/');
        if (r == -ENOENT && last && last != prefix) {
            *last = '\0';
            r = open_in(rootfd, prefix, O_PATH, &parent);
            *last = '/';
            if (r == 0)
                p = last + 1;
        }
        if (r < 0 && (r = open_in(rootfd, "/", O_PATH | O_DIRECTORY, &parent)) < 0)
            return sbox_error(err, -r, "open the new root");
    }
    while (*p == '/')
        p++;
    while (*p) {
        char *slash = strchr(p, '/');
        bool last = !slash;
        _cleanup_close_ int fd = -1;
        if (slash)
            *slash = '\0';
        r = open_in(rootfd, prefix, O_PATH, &fd);
        if (r == -ENOENT) {
            r = may_create(c, parent, prefix, err);
            if (r < 0)
                return r;
            if (!last || dir)
                r = mkdirat(parent, p, 0755);
            else
                r = mknodat(parent, p, S_IFREG | 0644, 0);
            if (r < 0 && errno != EEXIST)
                return sbox_error(err, errno, "create mount point `%s`", prefix);
            r = open_in(rootfd, prefix, O_PATH, &fd);
        }
        if (r == -ENOENT || r == -ELOOP) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(parent, p, target, sizeof target - 1);
            if (n >= 0) {
                target[n] = '\0';
                return sbox_error(err, 0,
                                  "mount point `%s` is a symlink to `%s`, which does not lead "
                                  "to a directory in the sandbox",
                                  prefix, target);
            }
        }
        if (r < 0)
            return sbox_error(err, -r, "mount point `%s`", prefix);
        sbox_closep(&parent);
        parent = steal_fd(&fd);
        if (last)
            break;
        *slash = '/';
        p = slash + 1;
    }
    if (fstat(parent, &st) < 0)
        return sbox_error(err, errno, "mount point `%s`", path);
    if (strcmp(path, "/") != 0) {
        /* A symlink such as /dev -> ../.. in an image: the mount would cover everything. */
        struct stat root_st;
        if (fstat(rootfd, &root_st) == 0 && root_st.st_dev == st.st_dev &&
            root_st.st_ino == st.st_ino)
            return sbox_error(err, 0,
                              "mount point `%s` leads to the sandbox's root (through a "
                              "symlink) and would cover it",
                              path);
    }
    if (dir && !S_ISDIR(st.st_mode))
        return sbox_error(err, ENOTDIR, "mount point `%s`", path);
    if (!dir && S_ISDIR(st.st_mode))
        return sbox_error(err, 0, "mount point `%s` is a directory, the source is not", path);
    *ret = steal_fd(&parent);
    return 0;
}

/* Moves a detached mount onto path inside the new root. */
static int attach(const struct ctx *c, int mnt, const char *path, bool dir, struct sbox_error *err)
{
    _cleanup_close_ int target = -1;
    int r = mountpoint(c, path, dir, &target, err);
    if (r < 0)
        return r;
    if (sys_move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return sbox_error(err, errno, "mount onto `%s`", path);
    return 0;
}

/* A detached copy of the tree at fd, with attrs set on every mount in it (read-only binds are
 * read-only all the way down, submounts included). */
static int clone_tree(int fd, uint64_t attrs, const char *what, int *ret, struct sbox_error *err)
{
    struct sbox_mount_attr attr = {.attr_set = attrs};
    _cleanup_close_ int tree =
        sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (tree < 0)
        return sbox_error(err, errno, "copy the mount tree at `%s`", what);
    if (attrs && sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
        return sbox_error(err, errno, "set mount flags on `%s`", what);
    *ret = steal_fd(&tree);
    return 0;
}

static int new_fs(const char *type, const char *const *opts, unsigned attrs, const char *where,
                  int *ret, struct sbox_error *err)
{
    _cleanup_close_ int fs = sys_fsopen(type, FSOPEN_CLOEXEC);
    int mnt;
    if (fs < 0)
        return sbox_error(err, errno, "create a %s for `%s`", type, where);
    for (size_t i = 0; opts && opts[i]; i += 2) {
        int r = opts[i + 1] ? sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0)
                            : sys_fsconfig(fs, SBOX_FSCONFIG_SET_FLAG, opts[i], NULL, 0);
        if (r < 0)
            return sbox_error(err, errno, "%s option `%s` for `%s`", type, opts[i], where);
    }
    if (sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return sbox_error(err, errno, "create a %s for `%s`", type, where);
    mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, attrs);
    if (mnt < 0)
        return sbox_error(err, errno, "mount a %s for `%s`", type, where);
    *ret = mnt;
    return 0;
}

static bool is_zsh(const char *path)
{
    const char *base = path ? strrchr(path, '/') : NULL;
    return base ? strcmp(base + 1, "zsh") == 0 : path && strcmp(path, "zsh") == 0;
}

static bool wants_zsh(const struct sbox_plan *p)
{
    return is_zsh(p->shell) || (p->argv && is_zsh(p->argv[0]));
}

/* An empty home would start zsh's new-user wizard in every sandbox shell: an empty .zshrc of
 * sbox's own says there is nothing to set up. Best effort: a home without it still works. */
static void quiet_zsh(int home)
{
    static const char text[] = "# sbox: an empty home (see sbox(1)); this file only keeps zsh's "
                               "new-user wizard away.\n";
    _cleanup_close_ int fd = -1;
    fd = openat(home, ".zshrc", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0)
        (void)!write(fd, text, sizeof text - 1);
}

static int do_tmpfs(struct ctx *c, const char *dst, mode_t mode, uint64_t size, unsigned attrs,
                    int *ret_mnt, struct sbox_error *err)
{
    char mode_s[16], size_s[32], inodes_s[32];
    const char *opts[] = {"mode", mode_s, size ? "size" : NULL, size_s, "nr_inodes", inodes_s,
                          NULL,   NULL};
    _cleanup_close_ int mnt = -1;
    int r;
    snprintf(mode_s, sizeof mode_s, "%o", (unsigned)mode);
    snprintf(size_s, sizeof size_s, "%llu", (unsigned long long)size);
    snprintf(inodes_s, sizeof inodes_s, "%llu", (unsigned long long)sbox_tmpfs_inodes(size));
    r = new_fs("tmpfs", opts, attrs | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, dst, &mnt, err);
    if (r < 0)
        return r;
    r = attach(c, mnt, dst, true, err);
    if (r < 0)
        return r;
    own_mount(c, mnt);
    if (ret_mnt)
        *ret_mnt = steal_fd(&mnt);
    return 0;
}

/* Binds what src names (a descriptor of this mount namespace) at m's destination. */
static int bind_tree(struct ctx *c, const struct sbox_mount *m, int src, uint64_t attrs,
                     struct sbox_error *err)
{
    _cleanup_close_ int tree = -1;
    struct stat st;
    int r;
    if (fstat(src, &st) < 0)
        return sbox_error(err, errno, "source `%s`", m->src);
    r = clone_tree(src, attrs, m->src, &tree, err);
    if (r < 0)
        return r;
    return attach(c, tree, m->dst, S_ISDIR(st.st_mode), err);
}

static int do_bind(struct ctx *c, const struct sbox_mount *m, struct sbox_error *err)
{
    /* The parent opened and checked the source (pin.c); here it is the same file again. */
    _cleanup_close_ int src = c->binds[m - c->plan->mounts];
    c->binds[m - c->plan->mounts] = -1;
    if (src == -ENOENT && m->try_missing)
        return 0;
    if (src == -ESTALE)
        return sbox_error(err, 0, "source `%s` moved or was replaced while the sandbox started",
                          m->src);
    if (src < 0)
        return sbox_error(err, -src, "source `%s`", m->src);
    return bind_tree(c, m, src,
                     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                         (m->kind == SBOX_MOUNT_RO_BIND ? MOUNT_ATTR_RDONLY : 0),
                     err);
}

/* A device node of the host's /dev (or the caller's terminal), missing ones skipped. */
static int bind_node(struct ctx *c, const char *src, const char *dst, struct sbox_error *err)
{
    const struct sbox_mount node = {
        .kind = SBOX_MOUNT_BIND, .src = (char *)src, .dst = (char *)dst};
    _cleanup_close_ int fd = sys_openat2(c->host, src, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT);
    if (fd < 0)
        return errno == ENOENT ? 0 : sbox_error(err, errno, "source `%s`", src);
    return bind_tree(c, &node, fd, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
}

/* A device node of the host's /dev bound into the /dev tmpfs sbox just made (devmnt, its
 * root): nothing but sbox has written there, so the node's mount point is made and reached by
 * its name from that descriptor, with none of attach()'s walk from the new root. */
static int bind_dev_node(struct ctx *c, int devmnt, const char *dev, const char *name,
                         struct sbox_error *err)
{
    _cleanup_free_ char *src = sbox_xasprintf("/dev/%s", name);
    _cleanup_close_ int fd = sys_openat2(c->host, src, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT);
    _cleanup_close_ int tree = -1;
    int r;
    if (fd < 0)
        return errno == ENOENT ? 0 : sbox_error(err, errno, "source `%s`", src);
    r = clone_tree(fd, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, src, &tree, err);
    if (r < 0)
        return r;
    if (mknodat(devmnt, name, S_IFREG | 0644, 0) < 0 ||
        sys_move_mount(tree, "", devmnt, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return sbox_error(err, errno, "bind `%s` at `%s/%s`", src, dev, name);
    return 0;
}

static int do_hide(struct ctx *c, const struct sbox_mount *m, struct sbox_error *err)
{
    _cleanup_close_ int target = -1, mnt = -1;
    struct stat st;
    int r = open_in(c->root, m->dst, O_PATH, &target);
    if (r == -ENOENT)
        return 0; /* nothing there to hide */
    if (r < 0 || fstat(target, &st) < 0)
        return sbox_error(err, r < 0 ? -r : errno, "hide `%s`", m->dst);
    if (S_ISDIR(st.st_mode)) {
        static const char *const opts[] = {"mode",      "555", "size", "4096",
                                           "nr_inodes", "1",   NULL,   NULL};
        r = new_fs("tmpfs", opts,
                   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                   m->dst, &mnt, err);
    } else {
        r = clone_tree(c->empty,
                       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                       m->dst, &mnt, err);
    }
    if (r < 0)
        return r;
    if (sys_move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return sbox_error(err, errno, "hide `%s`", m->dst);
    return 0;
}

/* The host's path as the host has it: a symlink (such as /bin -> usr/bin on merged-/usr systems)
 * is recreated, anything else is bound read-only, a missing path is skipped. */
static int do_mirror(struct ctx *c, const struct sbox_mount *m, struct sbox_error *err)
{
    _cleanup_close_ int src = -1, parent = -1;
    _cleanup_free_ char *dir = NULL;
    char target[PATH_MAX];
    struct stat st;
    char *slash;
    ssize_t n;
    int r;

    src = sys_openat2(c->host, m->src, O_PATH | O_NOFOLLOW | O_CLOEXEC, RESOLVE_IN_ROOT);
    if (src < 0) {
        if (errno == ENOENT)
            return 0;
        return sbox_error(err, errno, "source `%s`", m->src);
    }
    if (fstat(src, &st) < 0)
        return sbox_error(err, errno, "source `%s`", m->src);
    if (c->layers && c->layers[m - c->plan->mounts] >= 0) {
        r = attach(c, c->layers[m - c->plan->mounts], m->dst, true, err);
        if (r == 0)
            own_mount(c, c->layers[m - c->plan->mounts]);
        return r;
    }
    if (!S_ISLNK(st.st_mode))
        return bind_tree(c, m, src, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_RDONLY, err);
    n = readlinkat(src, "", target, sizeof target - 1);
    if (n < 0)
        return sbox_error(err, errno, "read the symlink `%s`", m->src);
    target[n] = '\0';
    dir = sbox_xstrdup(m->dst);
    slash = strrchr(dir, '/');
    *slash = '\0';
    r = mountpoint(c, dir[0] ? dir : "/", true, &parent, err);
    if (r < 0)
        return r;
    if (faccessat(parent, slash + 1, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return 0; /* something is there already, such as a bind of the host's root */
    r = may_create(c, parent, m->dst, err);
    if (r < 0)
        return r;
    if (symlinkat(target, parent, slash + 1) < 0)
        return sbox_error(err, errno, "symlink `%s`", m->dst);
    return 0;
}

static int do_proc(struct ctx *c, const struct sbox_mount *m, struct sbox_error *err)
{
    /* Kernel knobs that stay writable through a fresh proc: made read-only, as bubblewrap
     * does, so a payload cannot reach them even where the kernel would let it. */
    static const char *const covered[] = {"sys", "sysrq-trigger", "irq", "bus"};
    const unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    _cleanup_close_ int mnt = -1;
    int r;
    if (m->host_proc) {
        /* The outer /proc with whatever covers it (its masks come along, recursively), all of it
         * read-only; the sandbox keeps its own pid namespace, so it still signals only its own
         * processes. */
        _cleanup_close_ int outer =
            sys_openat2(c->host, "proc", O_PATH | O_NOFOLLOW | O_CLOEXEC, RESOLVE_IN_ROOT);
        if (outer < 0)
            return sbox_error(err, errno, "open the outer /proc for `%s`", m->dst);
        r = clone_tree(outer, attrs | MOUNT_ATTR_RDONLY, "/proc", &mnt, err);
        return r < 0 ? r : attach(c, mnt, m->dst, true, err);
    }
    r = new_fs("proc", NULL, attrs, m->dst, &mnt, err);
    if (r == -EPERM) {
        /* The kernel mounts a fresh proc in a user namespace only beside one with nothing
         * locked over it (mount_too_revealing): a container's masked paths, an outer sandbox's
         * covers. */
        return sbox_error(err, EPERM,
                          "mount a fresh proc at `%s`: refused, as this /proc has paths mounted "
                          "over it (a container's masked paths, or an outer sbox without `nested "
                          "= yes`); `--proc host-ro` (proc = host-ro) binds it "
                          "read-only instead, showing the processes outside",
                          m->dst);
    }
    if (r < 0)
        return r;
    r = attach(c, mnt, m->dst, true, err);
    if (r < 0 || c->plan->nested)
        return r; /* a covered proc is one a sandbox inside could not mount a fresh proc beside
                   * (the kernel wants one with nothing locked over it), see nested in sbox(1) */
    for (size_t i = 0; i < sizeof covered / sizeof *covered; i++) {
        _cleanup_close_ int fd = openat(mnt, covered[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int tree = -1;
        if (fd < 0)
            continue;
        r = clone_tree(fd,
                       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                       covered[i], &tree, err);
        if (r < 0)
            return r;
        if (sys_move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return sbox_error(err, errno, "make `%s/%s` read-only", m->dst, covered[i]);
    }
    return 0;
}

/* The payload's pseudo-terminal, made in the sandbox's own devpts (pts: its root), so that
 * inside it is /dev/pts/N, its own /dev/console too. The slave is opened from the master
 * (TIOCGPTPEER), never by a name. */
static int make_pty(struct ctx *c, const struct sbox_mount *m, int pts, struct sbox_error *err)
{
    const int unlock = 0;
    unsigned n = 0;
    char name[64];
    c->pty[0] = openat(pts, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (c->pty[0] < 0)
        return sbox_error(err, errno, "open `%s/pts/ptmx`", m->dst);
    if (ioctl(c->pty[0], TIOCSPTLCK, &unlock) < 0 || ioctl(c->pty[0], TIOCGPTN, &n) < 0)
        return sbox_error(err, errno, "unlock a pseudo-terminal");
    c->pty[1] = ioctl(c->pty[0], TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (c->pty[1] < 0)
        return sbox_error(err, errno, "open a pseudo-terminal's slave");
    snprintf(name, sizeof name, "%s/pts/%u", m->dst, n);
    {
        _cleanup_free_ char *dst = sbox_xasprintf("%s/console", m->dst);
        const struct sbox_mount node = {.kind = SBOX_MOUNT_BIND, .src = name, .dst = dst};
        return bind_tree(c, &node, c->pty[1], MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
    }
}

static int do_dev(struct ctx *c, const struct sbox_mount *m, const char *tty,
                  struct sbox_error *err)
{
    static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
    static const char *const links[][2] = {
        {"ptmx", "pts/ptmx"},          {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
        {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
    };
    static const char *const pts_opts[] = {"newinstance", NULL,  "ptmxmode", "0666",
                                           "mode",        "620", NULL,       NULL};
    _cleanup_close_ int devmnt = -1, pts = -1;
    char path[256];
    int r;

    r = do_tmpfs(c, m->dst, 0755, SBOX_TMPFS_OWN_SIZE, MOUNT_ATTR_NOEXEC, &devmnt, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        r = bind_dev_node(c, devmnt, m->dst, nodes[i], err);
        if (r < 0)
            return r;
    }
    if (tty && !(c->plan->pty && strcmp(m->dst, "/dev") == 0)) {
        /* The caller's terminal, so programs that look up their tty's name find it. */
        _cleanup_free_ char *dst = sbox_xasprintf("%s/console", m->dst);
        r = bind_node(c, tty, dst, err);
        if (r < 0)
            return r;
    }
    snprintf(path, sizeof path, "%s/pts", m->dst);
    r = new_fs("devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, path, &pts, err);
    if (r < 0)
        return r;
    r = attach(c, pts, path, true, err);
    if (r < 0)
        return r;
    if (c->plan->pty && strcmp(m->dst, "/dev") == 0 && c->pty[0] < 0) {
        r = make_pty(c, m, pts, err);
        if (r < 0)
            return r;
    }
    snprintf(path, sizeof path, "%s/shm", m->dst);
    r = do_tmpfs(c, path, 01777, c->plan->tmpfs_size, 0, NULL, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < sizeof links / sizeof *links; i++)
        if (symlinkat(links[i][1], devmnt, links[i][0]) < 0)
            return sbox_error(err, errno, "symlink `%s/%s`", m->dst, links[i][0]);
    /* Made read-only after the plan's other mounts, which may add mount points here. */
    c->devs = sbox_xrealloc(c->devs, (c->n_devs + 1) * sizeof *c->devs);
    c->devs[c->n_devs++] = steal_fd(&devmnt);
    return 0;
}

/* A directory opened as the caller would name it; -errno on failure. */
static int open_dir(const char *path)
{
    int fd = sys_openat2(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
    return fd < 0 ? -errno : fd;
}

/* Binds the host's path at a staging directory (created), read-only and without submounts: an
 * overlay's lower layer. */
static int stage_bind(int fd, const char *src, const char *at, bool rdonly, struct sbox_error *err)
{
    struct sbox_mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                               (rdonly ? MOUNT_ATTR_RDONLY : 0)};
    _cleanup_close_ int tree = -1;
    if (fd < 0)
        return sbox_error(err, -fd, "`%s`", src);
    /* Recursive: a tree with submounts inherited from the host's namespace may only be copied
     * whole (the kernel locks them to their parent). The overlay itself shows the directory's
     * own file system, not the submounts. */
    tree =
        sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (tree < 0 || sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
        return sbox_error(err, errno, "bind `%s`", src);
    if (mkdir(at, 0755) < 0 && errno != EEXIST)
        return sbox_error(err, errno, "create `%s`", at);
    if (sys_move_mount(tree, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return sbox_error(err, errno, "bind `%s`", src);
    return 0;
}

/* The store of upper layers: the plan's directory (upper/ and work/ made by the parent), or a
 * tmpfs that vanishes with the sandbox: overlay = tmpfs's, of the plan's size, or an image's
 * throwaway upper, read-only once the mount points are made. Mounted at STAGE/store. */
static int stage_store(const struct ctx *c, const struct sbox_plan *p, struct sbox_error *err)
{
    uint64_t size = p->overlay == SBOX_OVERLAY_TMPFS ? p->overlay_eff_size : SBOX_TMPFS_OWN_SIZE;
    char opts[64] = "mode=0755";
    if (p->overlay == SBOX_OVERLAY_DIR) {
        /* The directory the parent locked, not whatever its path leads to now: the lock file
         * in it must be the one the parent holds. */
        _cleanup_close_ int lock = c->store_src < 0
                                       ? -1
                                       : sys_openat2(c->store_src, "lock", O_PATH | O_CLOEXEC,
                                                     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
        struct stat a, b;
        if (lock < 0 || c->lock_fd < 0 || fstat(lock, &a) < 0 || fstat(c->lock_fd, &b) < 0 ||
            a.st_dev != b.st_dev || a.st_ino != b.st_ino)
            return sbox_error(err, 0,
                              "overlay directory `%s` moved or was replaced while the sandbox "
                              "started",
                              p->overlay_dir);
        return stage_bind(c->store_src, p->overlay_dir, STAGE "/store", false, err);
    }
    if (size)
        snprintf(opts, sizeof opts, "mode=0755,size=%llu,nr_inodes=%llu", (unsigned long long)size,
                 (unsigned long long)sbox_tmpfs_inodes(size));
    if (mkdir(STAGE "/store", 0755) < 0 ||
        mount("tmpfs", STAGE "/store", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ||
        mkdir(STAGE "/store/upper", 0755) < 0 || mkdir(STAGE "/store/work", 0700) < 0)
        return sbox_error(err, errno, "create the overlay's tmpfs");
    return 0;
}

/* An image root: the image as the lower layer of an overlay (a stored image's layers as its
 * lower layers, by descriptor), with the plan's upper, or with a throwaway one made read-only
 * at the end when the plan has none (so mount points can still be made for the plan's binds
 * without writing to the image). Mounted at STAGE/newroot. */
static int stage_image(struct ctx *c, const struct sbox_plan *p, struct sbox_error *err)
{
    const char *what = p->rootfs ? p->rootfs : p->image;
    const struct sbox_overlay_layers l = {.lower = p->rootfs ? STAGE "/lower" : NULL,
                                          .lowers = p->rootfs ? NULL : c->image_layers,
                                          .n_lowers = p->rootfs ? 0 : c->n_image_layers,
                                          .upper = STAGE "/store/upper",
                                          .work = STAGE "/store/work",
                                          .what = what};
    _cleanup_close_ int mnt = -1;
    int r = 0;
    if (p->rootfs) {
        r = c->image_src == -ESTALE
                ? sbox_error(err, 0,
                             "`%s` moved or was replaced while the sandbox "
                             "started",
                             p->rootfs)
                : stage_bind(c->image_src, p->rootfs, STAGE "/lower", true, err);
        if (r < 0)
            return sbox_error_prefix(err, "image root");
    }
    for (size_t i = 0; !p->rootfs && i < c->n_image_layers; i++)
        if (c->image_layers[i] < 0)
            return sbox_error(err, c->image_layers[i] == -ESTALE ? 0 : -c->image_layers[i],
                              "image `%s`: layer %zu %s while the sandbox started", p->image, i + 1,
                              c->image_layers[i] == -ESTALE ? "moved or was replaced" : "is gone");
    if (!p->rootfs && c->n_image_layers == 0)
        return sbox_error(err, 0, "image `%s`: no layer to run", p->image);
    r = stage_store(c, p, err);
    if (r < 0)
        return r;
    if (p->overlay == SBOX_OVERLAY_NONE) {
        /* Read-only: the kernel's overlay, or else the image bound as it is (mount points
         * must then exist in it): never a fuse daemon for a tree nobody writes, unless the
         * image's layers need merging and the kernel refused. */
        struct sbox_overlay_ctx native = {.driver = SBOX_OVERLAY_NATIVE};
        struct sbox_error native_err = {0};
        r = sbox_overlay_mount(&native, &l, &mnt, &native_err);
        if (r < 0 && (p->rootfs || c->n_image_layers == 1)) {
            mnt = sys_open_tree(
                p->rootfs ? AT_FDCWD : c->image_layers[0], p->rootfs ? STAGE "/lower" : "",
                OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (p->rootfs ? 0 : AT_EMPTY_PATH));
            if (mnt < 0)
                return sbox_error(err, errno, "mount the image root");
            c->root_bound = true;
        } else if (r < 0 && p->overlay_driver == SBOX_OVERLAY_NATIVE) {
            *err = native_err;
            return sbox_error_prefix(err, "image `%s` (overlay-driver = native)", p->image);
        } else if (r < 0) {
            /* Layers to merge, which no bind can: fuse-overlayfs then. */
            r = sbox_overlay_mount(&c->ovl, &l, &mnt, err);
            if (r < 0)
                return r;
        }
    } else {
        r = sbox_overlay_mount(&c->ovl, &l, &mnt, err);
        if (r < 0)
            return r;
        c->root_writable = true;
    }
    if (sys_move_mount(mnt, "", AT_FDCWD, STAGE "/newroot", MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return sbox_error(err, errno, "mount the image root");
    return 0;
}

/* The host's root with an overlay: each mirrored directory becomes an overlay of its own, its
 * upper layer at upper/PATH in the store (so a kept store looks like a root's upper). */
static int stage_mirrors(struct ctx *c, const struct sbox_plan *p, struct sbox_error *err)
{
    _cleanup_close_ int upper = -1, work = -1;
    int r = stage_store(c, p, err);
    if (r < 0)
        return r;
    /* No symlink followed: a kept overlay's directories are the user's, and another sandbox
     * may be writing them. */
    upper = sys_openat2(AT_FDCWD, STAGE "/store/upper", O_PATH | O_DIRECTORY | O_CLOEXEC,
                        RESOLVE_NO_SYMLINKS);
    work = sys_openat2(AT_FDCWD, STAGE "/store/work", O_PATH | O_DIRECTORY | O_CLOEXEC,
                       RESOLVE_NO_SYMLINKS);
    if (upper < 0 || work < 0)
        return sbox_error(err, errno, "open the overlay store");
    if (mkdir(STAGE "/lower", 0755) < 0)
        return sbox_error(err, errno, "create the overlay's lower layers");
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        char lower[64];
        _cleanup_free_ char *up = NULL, *wk = NULL;
        struct stat st;
        if (m->kind != SBOX_MOUNT_MIRROR || c->layers[i] < 0)
            continue;
        if (fstat(c->layers[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
            sbox_closep(&c->layers[i]);
            c->layers[i] = -1;
            continue; /* a symlink or a file: mirrored as usual */
        }
        snprintf(lower, sizeof lower, STAGE "/lower/%zu", i);
        r = stage_bind(c->layers[i], m->src, lower, true, err);
        sbox_closep(&c->layers[i]);
        c->layers[i] = -1;
        if (r == 0 && ((r = sbox_mkdirs_beneath(upper, m->dst + 1)) < 0 ||
                       (r = sbox_mkdirs_beneath(work, m->dst + 1)) < 0))
            r = sbox_error(err, -r, "create `%s` in the overlay store", m->dst + 1);
        up = sbox_xasprintf(STAGE "/store/upper%s", m->dst);
        wk = sbox_xasprintf(STAGE "/store/work%s", m->dst);
        {
            const struct sbox_overlay_layers l = {
                .lower = lower, .upper = up, .work = wk, .what = m->src};
            if (r == 0)
                r = sbox_overlay_mount(&c->ovl, &l, &c->layers[i], err);
        }
        if (r < 0) {
            if (m->origin.kind == SBOX_ORIGIN_BUILTIN)
                return sbox_error_prefix(err, "built-in mirror %s with overlay", m->dst);
            sbox_error_prefix(err, "with overlay");
            return sbox_origin_error(err, &m->origin, m->key);
        }
    }
    return 0;
}

/* Each captured directory becomes an overlay: the directory itself read-only below, this run's
 * upper and work directories from the capture store above (made by the parent). */
static int stage_captures(struct ctx *c, const struct sbox_plan *p, struct sbox_error *err)
{
    struct sbox_mount_attr safe = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    int r = stage_bind(c->capture_src, "the capture store", STAGE "/capture", false, err);
    if (r < 0)
        return r;
    if (mkdir(STAGE "/clower", 0755) < 0)
        return sbox_error(err, errno, "create the captures' lower layers");
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        char lower[64], up[64], wk[64];
        if (m->kind != SBOX_MOUNT_CAPTURE)
            continue;
        snprintf(lower, sizeof lower, STAGE "/clower/%zu", i);
        snprintf(up, sizeof up, STAGE "/capture/%zu/upper", i);
        snprintf(wk, sizeof wk, STAGE "/capture/%zu/work", i);
        r = stage_bind(c->layers[i], m->src, lower, true, err);
        sbox_closep(&c->layers[i]);
        if (r == 0) {
            /* Unsynced: the capture's end syncs the store once (capture-store.c). */
            const struct sbox_overlay_layers l = {
                .lower = lower, .upper = up, .work = wk, .what = m->src, .unsynced = true};
            int daemons = c->ovl.daemons;
            r = sbox_overlay_mount(&c->ovl, &l, &c->layers[i], err);
            /* fuse-overlayfs may write whiteouts as .wh.NAME files, which are ordinary names
             * under the kernel's overlay: the reader must know which made the layer. */
            if (r == 0 && c->ovl.daemons != daemons) {
                char mark[64];
                int fd;
                snprintf(mark, sizeof mark, STAGE "/capture/%zu/fuse", i);
                /* (There already when capture-on goes on with a capture fuse-overlayfs made.) */
                fd = open(mark, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                    r = sbox_error(err, errno, "mark the capture of `%s`", m->src);
                else
                    close(fd);
            }
        }
        if (r == 0 && sys_mount_setattr(c->layers[i], "", AT_EMPTY_PATH, &safe) < 0)
            r = sbox_error(err, errno, "set mount flags on `%s`", m->src);
        if (r < 0)
            return sbox_origin_error(err, &m->origin, m->key);
    }
    return 0;
}

static int apply(struct ctx *c, const struct sbox_plan *p, const struct sbox_mount *m,
                 struct sbox_error *err)
{
    switch (m->kind) {
    case SBOX_MOUNT_BIND:
    case SBOX_MOUNT_RO_BIND:
        return do_bind(c, m, err);
    case SBOX_MOUNT_TMPFS: {
        _cleanup_close_ int mnt = -1;
        int r =
            do_tmpfs(c, m->dst, m->mode, m->eff_size, m->noexec ? MOUNT_ATTR_NOEXEC : 0, &mnt, err);
        if (r == 0 && strcmp(m->dst, c->plan->home) == 0 && wants_zsh(c->plan))
            quiet_zsh(mnt);
        return r;
    }
    case SBOX_MOUNT_HIDE:
        return do_hide(c, m, err);
    case SBOX_MOUNT_MIRROR:
        return do_mirror(c, m, err);
    case SBOX_MOUNT_PROC:
        return do_proc(c, m, err);
    case SBOX_MOUNT_DEV:
        return do_dev(c, m, p->tty, err);
    case SBOX_MOUNT_CAPTURE:
        /* Not one of sbox's own file systems: a mount point made in it would be a change to the
         * project, so none is made there. */
        return attach(c, c->layers[m - p->mounts], m->dst, true, err);
    }
    return sbox_error(err, EINVAL, "unknown mount kind");
}

/* A read-only copy of text, staged as /etc-NAME in the staging tmpfs, as a detached mount. */
static int stage_text(const char *name, const char *text, int *tree, struct sbox_error *err)
{
    _cleanup_free_ char *staged = sbox_xasprintf("/etc-%s", name);
    _cleanup_close_ int fd = open(staged, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    size_t n = strlen(text);
    if (fd < 0 || write(fd, text, n) != (ssize_t)n)
        return sbox_error(err, errno, "write %s", staged);
    sbox_closep(&fd);
    fd = open(staged, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return sbox_error(err, errno, "open %s", staged);
    return clone_tree(fd,
                      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                      staged, tree, err);
}

/* Where /etc/resolv.conf leads when it is a symlink into /run, as with systemd-resolved
 * (../run/systemd/resolve/stub-resolv.conf), NetworkManager or resolvconf: the sandbox's /run
 * is its own, so the link leads nowhere unless something is mounted there. NULL otherwise. */
static char *resolv_link(const struct ctx *c)
{
    _cleanup_close_ int etc = -1;
    char target[PATH_MAX];
    ssize_t n;
    char *path;
    if (open_in(c->root, "/etc", O_PATH | O_DIRECTORY, &etc) < 0)
        return NULL;
    n = readlinkat(etc, "resolv.conf", target, sizeof target - 1);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    path = sbox_path_resolve("/etc", target);
    if (path && sbox_path_is_under(path, "/run") && strcmp(path, "/run") != 0)
        return path;
    free(path);
    return NULL;
}

/* The resolver's file: over /etc/resolv.conf, or where its symlink into /run leads (made there,
 * in the sandbox's own /run). A destination that cannot be made keeps what is there. */
static void attach_resolv(struct ctx *c, int tree)
{
    struct sbox_error skip;
    _cleanup_free_ char *link = NULL;
    if (attach(c, tree, "/etc/resolv.conf", false, &skip) == 0)
        return;
    link = resolv_link(c);
    if (link)
        (void)attach(c, tree, link, false, &skip);
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf for an image (or over the host's, with net =
 * slirp or pasta), written in the staging tmpfs and bound read-only over the image's: never
 * written into the image. A destination that cannot be made (a dangling symlink in a read-only
 * image) keeps the image's own file. */
static int generate_etc(struct ctx *c, const struct sbox_plan *p, const char *resolv,
                        struct sbox_error *err)
{
    /* localhost is 127.0.0.1 alone: given ::1 too, getaddrinfo sorts ::1 first, so a dev
     * server told to listen on localhost (Node, python3 -m http.server --bind) takes ::1,
     * which a port published on the host's 127.0.0.1 does not lead to under pasta. */
    _cleanup_free_ char *hosts = sbox_xasprintf(
        "127.0.0.1\tlocalhost\n::1\tip6-localhost ip6-loopback\n127.0.1.1\t%s\n", p->hostname);
    _cleanup_free_ char *hostname = sbox_xasprintf("%s\n", p->hostname);
    _cleanup_free_ char *nat = NULL;
    if (sbox_net_usermode(p->net))
        resolv = nat =
            sbox_xasprintf("nameserver %s\n", p->dns                     ? p->dns
                                              : p->net == SBOX_NET_SLIRP ? SBOX_SLIRP_DNS
                                                                         : SBOX_PASTA_DNS);
    else if (!resolv)
        resolv = p->net == SBOX_NET_HOST
                     ? "# net = host, but the host's /etc/resolv.conf was unreadable\n"
                     : "# net = none: the sandbox has no network, so no resolver\n";
    const char *files[][2] = {
        {"hostname", hostname},
        {"hosts", hosts},
        {"resolv.conf", resolv},
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        _cleanup_free_ char *dst = sbox_xasprintf("/etc/%s", files[i][0]);
        _cleanup_close_ int tree = -1;
        struct sbox_error skip;
        int r = stage_text(files[i][0], files[i][1], &tree, err);
        if (r < 0)
            return r;
        if (strcmp(files[i][0], "resolv.conf") == 0)
            attach_resolv(c, tree);
        else
            (void)attach(c, tree, dst, false, &skip);
    }
    return 0;
}

/* net = host over the host's own /etc: its /etc/resolv.conf is the host's, unless it is a
 * symlink into /run (the sandbox's own): then the host's resolver file, read by the parent, is
 * put where the link leads. */
static int host_resolv(struct ctx *c, const char *resolv, struct sbox_error *err)
{
    _cleanup_close_ int fd = -1, tree = -1;
    _cleanup_free_ char *link = NULL;
    struct sbox_error skip;
    int r;
    if (!resolv || open_in(c->root, "/etc/resolv.conf", O_RDONLY, &fd) == 0)
        return 0;
    link = resolv_link(c);
    if (!link)
        return 0;
    r = stage_text("resolv.conf", resolv, &tree, err);
    if (r < 0)
        return r;
    (void)attach(c, tree, link, false, &skip);
    return 0;
}

/* The file-descriptor mount API (open_tree, move_mount, fsopen) came with Linux 5.2 and
 * mount_setattr, the last piece, with 5.12: probed once for a clear message. Then the copy of
 * the host's mount table becomes ours alone, both ways: nothing we mount travels back, and
 * nothing the host mounts later (under /usr, say, with its own flags) shows up inside a
 * read-only tree. */
static int make_private(struct sbox_error *err)
{
    struct sbox_mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (sys_mount_setattr(-1, "", 0, &ro) < 0 && errno == ENOSYS)
        return sbox_error(err, 0,
                          "this kernel lacks mount_setattr(2): sbox needs Linux 5.12 or "
                          "later");
    if (mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0) {
        if (errno == EPERM)
            return sbox_error(err, 0,
                              "the new user namespace may not mount (a security module "
                              "such as AppArmor restricts user namespaces here)");
        return sbox_error(err, errno, "make the mount namespace private");
    }
    return 0;
}

/* The overlays' host directories and the binds' sources, opened while the host's /tmp is still
 * in view: the staging tmpfs is mounted over it next. Errors are reported where they are used. */
static void open_sources(struct ctx *c, const struct sbox_plan *p, const struct sbox_mount_env *env)
{
    c->layers = sbox_xmalloc((p->n_mounts + 1) * sizeof *c->layers);
    c->binds = sbox_xmalloc((p->n_mounts + 1) * sizeof *c->binds);
    for (size_t i = 0; i < p->n_mounts; i++) {
        c->layers[i] = -1;
        c->binds[i] =
            env->bind_fds && env->bind_fds[i] >= 0 ? sbox_pin_reopen(env->bind_fds[i]) : -ENOENT;
        if (!sbox_plan_image_root(p) && p->overlay != SBOX_OVERLAY_NONE &&
            p->mounts[i].kind == SBOX_MOUNT_MIRROR)
            c->layers[i] = sys_openat2(AT_FDCWD, p->mounts[i].src, O_PATH | O_NOFOLLOW | O_CLOEXEC,
                                       RESOLVE_NO_MAGICLINKS);
        if (p->mounts[i].kind == SBOX_MOUNT_CAPTURE && env->capture_fds)
            c->layers[i] = sbox_pin_reopen(env->capture_fds[i]);
    }
    if (env->capture_store_fd >= 0)
        c->capture_src = sbox_pin_reopen(env->capture_store_fd);
    if (p->rootfs)
        c->image_src = env->rootfs_fd >= 0 ? sbox_pin_reopen(env->rootfs_fd) : -ESTALE;
    /* A stored image's layers as the parent opened them (below the store, no symlink). */
    c->image_layers = sbox_xmalloc((env->n_layer_fds + 1) * sizeof *c->image_layers);
    for (size_t i = 0; i < env->n_layer_fds; i++)
        c->image_layers[c->n_image_layers++] = sbox_pin_reopen(env->layer_fds[i]);
    if (p->overlay == SBOX_OVERLAY_DIR)
        c->store_src = open_dir(p->overlay_dir);
}

/* The staging tmpfs over /tmp, and on it the overlays, made before the host's tree moves, from
 * sbox's own staging paths: an image's root, the mirrors', the captures'. */
static int stage(struct ctx *c, const struct sbox_plan *p, const struct sbox_mount_env *env,
                 struct sbox_error *err)
{
    int r = 0;
    if (mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") < 0)
        return sbox_error(err, errno, "mount the staging tmpfs on `%s`", STAGE);
    if (chdir(STAGE) < 0 || mkdir("newroot", 0755) < 0 || mkdir("oldroot", 0755) < 0)
        return sbox_error(err, errno, "prepare the staging tmpfs");
    c->host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c->host < 0)
        return sbox_error(err, errno, "open the host's root");
    if (sbox_plan_image_root(p)) {
        r = stage_image(c, p, err);
    } else if (p->overlay != SBOX_OVERLAY_NONE) {
        c->ovl.host_files = true;
        r = stage_mirrors(c, p, err);
    }
    if (r == 0 && env->capture_store_fd >= 0) {
        /* A captured directory is the caller's own (launch checks): the kernel's overlay
         * serves it, and its whiteouts are the ones sbox diff reads first. */
        bool host_files = c->ovl.host_files;
        c->ovl.host_files = false;
        r = stage_captures(c, p, err);
        c->ovl.host_files = host_files;
    }
    if (r == 0)
        sbox_closep(&c->host);
    return r;
}

/* Into the staging tmpfs, with the host's tree at /oldroot and the new root (an image's
 * overlay, staged already, or a tmpfs of mount points) at /newroot. */
static int enter_stage(struct ctx *c, const struct sbox_plan *p, struct sbox_error *err)
{
    char root_opts[64];
    int fd;
    if (sys_pivot_root(".", "oldroot") < 0)
        return sbox_error(err, errno, "pivot into the staging tmpfs");
    if (chdir("/") < 0)
        return sbox_error(err, errno, "chdir /");
    snprintf(root_opts, sizeof root_opts, "mode=0755,size=%u,nr_inodes=%llu", SBOX_TMPFS_OWN_SIZE,
             (unsigned long long)sbox_tmpfs_inodes(SBOX_TMPFS_OWN_SIZE));
    if (!sbox_plan_image_root(p) &&
        mount("tmpfs", "/newroot", "tmpfs", MS_NOSUID | MS_NODEV, root_opts) < 0)
        return sbox_error(err, errno, "mount the new root");
    fd = open("/empty", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
    if (fd < 0)
        return sbox_error(err, errno, "create the stand-in for hidden files");
    close(fd);
    c->host = open("/oldroot", O_PATH | O_DIRECTORY | O_CLOEXEC);
    c->root = open("/newroot", O_PATH | O_DIRECTORY | O_CLOEXEC);
    c->empty = open("/empty", O_PATH | O_CLOEXEC);
    if (c->host < 0 || c->root < 0 || c->empty < 0)
        return sbox_error(err, errno, "open the staging roots");
    own_mount(c, c->root);
    return 0;
}

/* Every mount of the plan, in order, then the generated /etc files; /dev read-only last. */
static int apply_mounts(struct ctx *c, const struct sbox_plan *p, const struct sbox_mount_env *env,
                        struct sbox_error *err)
{
    struct sbox_mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    int r = 0;
    for (size_t i = 0; i < p->n_mounts; i++) {
        r = apply(c, p, &p->mounts[i], err);
        if (r < 0) {
            if (strcmp(p->mounts[i].key, "cwd") == 0)
                return sbox_error_prefix(err, "cwd");
            if (p->mounts[i].origin.kind == SBOX_ORIGIN_BUILTIN)
                return sbox_error_prefix(err, "built-in %s %s", p->mounts[i].key, p->mounts[i].dst);
            return sbox_origin_error(err, &p->mounts[i].origin, p->mounts[i].key);
        }
    }
    /* An image's own files, and the host's resolver, wrong behind user-mode NAT. */
    if (sbox_plan_image_root(p) || sbox_net_usermode(p->net))
        r = generate_etc(c, p, env->resolv_conf, err);
    else if (p->net == SBOX_NET_HOST)
        r = host_resolv(c, env->resolv_conf, err);
    if (r < 0)
        return r;
    /* Nothing more is created in /dev: the payload cannot add entries to it. */
    for (size_t i = 0; i < c->n_devs; i++)
        if (sys_mount_setattr(c->devs[i], "", AT_EMPTY_PATH, &ro) < 0)
            return sbox_error(err, errno, "make /dev read-only");
    return 0;
}

/* One walk of make_workdir over path (the WorkingDir, or where a symlink of it led): each
 * missing component made, until the end (*ret_next NULL) or a symlink that leads nowhere yet
 * (*ret_next: the path again with its target in its place, to walk from the root once more). */
static int walk_workdir(const struct ctx *c, const struct sbox_plan *p, const char *path,
                        char **ret_next, struct sbox_error *err)
{
    const char *wd = p->chdir;
    _cleanup_free_ char *prefix = sbox_xstrdup(path);
    _cleanup_close_ int parent = -1;
    uint64_t root_id = mount_id(c->root);
    char *name = prefix;
    int r;

    *ret_next = NULL;
    r = open_in(c->root, "/", O_PATH | O_DIRECTORY, &parent);
    if (r < 0)
        return sbox_error(err, -r, "open the new root");
    while (*name == '/')
        name++;
    while (*name) {
        char *slash = strchr(name, '/');
        _cleanup_close_ int fd = -1, made = -1;
        struct stat st;
        if (slash)
            *slash = '\0';
        r = open_in(c->root, prefix, O_PATH, &fd);
        if (r == -ENOENT) {
            uint64_t id = mount_id(parent);
            bool own = false;
            char target[PATH_MAX];
            ssize_t n = readlinkat(parent, name, target, sizeof target - 1);
            if (n >= 0) {
                /* Followed as the kernel would, from where the link stands: its target is
                 * made in turn, inside the root (RESOLVE_IN_ROOT keeps `..` and `/` there). */
                target[n] = '\0';
                name[0] = '\0';
                *ret_next = sbox_xasprintf("%s%s%s%s", target[0] == '/' ? "" : prefix, target,
                                           slash ? "/" : "", slash ? slash + 1 : "");
                return 0;
            }
            for (size_t i = 0; id && i < c->n_own; i++)
                own |= c->own[i] == id;
            if (!own || (c->root_bound && id == root_id))
                return sbox_error(err, 0,
                                  "WorkingDir `%s` is missing `%s`, and sbox makes directories "
                                  "only in the sandbox's own file systems, %s",
                                  wd, prefix,
                                  own ? "not in the image (bound as it is: the kernel refused "
                                        "its overlay)"
                                      : "not in host directories bound in");
            if (mkdirat(parent, name, 0755) < 0)
                return sbox_error(err, errno, "WorkingDir `%s`: make `%s`", wd, prefix);
            /* The name was made just now beneath parent: no symlink can stand there. */
            made = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (made < 0 || fchown(made, p->uid, p->gid) < 0 || fchmod(made, 0755) < 0)
                return sbox_error(err, errno, "WorkingDir `%s`: make `%s` the command's", wd,
                                  prefix);
            r = open_in(c->root, prefix, O_PATH, &fd);
        }
        if (r < 0)
            return sbox_error(err, -r, "WorkingDir `%s`: `%s`", wd, prefix);
        if (fstat(fd, &st) < 0)
            return sbox_error(err, errno, "WorkingDir `%s`: `%s`", wd, prefix);
        if (!S_ISDIR(st.st_mode))
            return sbox_error(err, 0, "WorkingDir `%s`: `%s` is not a directory", wd, prefix);
        sbox_closep(&parent);
        parent = steal_fd(&fd);
        if (!slash)
            break;
        *slash = '/';
        name = slash + 1;
    }
    return 0;
}

/* The image's WorkingDir when the image lacks it, made as Docker makes it: each missing
 * component a directory of the payload's, mode 0755, a symlink on the way followed to make its
 * target. Every prefix is resolved from the new root again, so a symlink of the image (to /,
 * to .., to a host path) leads within it, never out; a directory is made only in the
 * sandbox's own file systems (the image's overlay, whose upper takes it, or a tmpfs of
 * sbox's), never in a host directory bound in, nor in the image itself where it is bound as it
 * is. Only for the image's WorkingDir: a chdir the user set must exist. */
static int make_workdir(const struct ctx *c, const struct sbox_plan *p, struct sbox_error *err)
{
    const char *wd = p->chdir;
    _cleanup_free_ char *path = sbox_xstrdup(wd);
    int links = 0;

    /* Refused before anything is made: no chdir could reach it anyway. */
    if (strlen(wd) >= PATH_MAX)
        return sbox_error(err, 0, "WorkingDir `%.64s...` is longer than a path may be (%zu bytes)",
                          wd, strlen(wd));
    for (const char *s = wd + strspn(wd, "/"); *s; s += strspn(s, "/")) {
        size_t n = strcspn(s, "/");
        if (n > NAME_MAX)
            return sbox_error(err, 0,
                              "WorkingDir `%.64s...` has a name longer than a file name may be "
                              "(%d bytes)",
                              wd, NAME_MAX);
        s += n;
    }
    for (;;) {
        char *next;
        int r = walk_workdir(c, p, path, &next, err);
        if (r < 0)
            return r;
        if (!next)
            return 0;
        free(path);
        path = next;
        /* The kernel's own bound on symlinks in one lookup. */
        if (++links > 40 || strlen(path) >= PATH_MAX)
            return sbox_error(err, ELOOP, "WorkingDir `%s`: its symlinks lead to `%.64s...`", wd,
                              path);
    }
}

/* The sandbox's root becomes "/"; the staging tmpfs, and the host's tree with it, is stacked
 * on top by pivot_root(".", ".") and detached. */
static int enter_root(const struct ctx *c, struct sbox_error *err)
{
    struct sbox_mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (chdir("/newroot") < 0 || sys_pivot_root(".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
        chdir("/") < 0)
        return sbox_error(err, errno, "pivot into the new root");
    /* The root only holds mount points (or is a read-only image): nothing may be created in it,
     * unless it is the overlay the plan asked for. */
    if (!c->root_writable && sys_mount_setattr(AT_FDCWD, "/", 0, &ro) < 0)
        return sbox_error(err, errno, "make the new root read-only");
    return 0;
}

int sbox_mount_setup(const struct sbox_plan *p, const struct sbox_mount_env *env, char *note,
                     size_t size, int ret_pty[2], struct sbox_error *err)
{
    struct ctx c = {.plan = p,
                    .pty = {-1, -1},
                    .host = -1,
                    .root = -1,
                    .empty = -1,
                    .image_src = -1,
                    .store_src = -1,
                    .lock_fd = -1,
                    .capture_src = -1};
    int r;

    note[0] = '\0';
    c.ovl.driver = p->overlay_driver;
    c.ovl.fuse_program = env->fuse_program;
    c.ovl.daemon_chan = env->overlayd_chan;
    c.lock_fd = env->lock_fd;
    r = make_private(err);
    if (r < 0)
        return r;
    open_sources(&c, p, env);
    r = stage(&c, p, env, err);
    if (r == 0) {
        snprintf(note, size, "%s", c.ovl.note);
        r = enter_stage(&c, p, err);
    }
    if (r == 0)
        r = apply_mounts(&c, p, env, err);
    if (r == 0 && p->image && p->chdir_origin.kind == SBOX_ORIGIN_IMAGE) {
        r = make_workdir(&c, p, err);
        if (r < 0)
            sbox_origin_error(err, &p->chdir_origin, "chdir");
    }
    if (r == 0)
        r = enter_root(&c, err);
    free(c.own);
    for (size_t i = 0; i < c.n_devs; i++)
        sbox_closep(&c.devs[i]);
    free(c.devs);
    for (size_t i = 0; c.layers && i < p->n_mounts; i++)
        sbox_closep(&c.layers[i]);
    free(c.layers);
    for (size_t i = 0; c.binds && i < p->n_mounts; i++)
        if (c.binds[i] >= 0)
            close(c.binds[i]);
    free(c.binds);
    sbox_closep(&c.host);
    sbox_closep(&c.root);
    sbox_closep(&c.empty);
    sbox_closep(&c.image_src);
    for (size_t i = 0; i < c.n_image_layers; i++)
        if (c.image_layers[i] >= 0)
            close(c.image_layers[i]);
    free(c.image_layers);
    sbox_closep(&c.store_src);
    sbox_closep(&c.capture_src);
    if (r == 0) {
        ret_pty[0] = c.pty[0];
        ret_pty[1] = c.pty[1];
    } else {
        sbox_closep(&c.pty[0]);
        sbox_closep(&c.pty[1]);
    }
    return r;
}
