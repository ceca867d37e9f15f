/* import.c: unpacks an image tarball or an OCI layer with libarchive in a child that is root of
 * a new user namespace (ranges mapped through newuidmap/newgidmap by the parent). The child
 * reports back over a pipe: its stats, then an error message if it failed. Never writes outside
 * the directory it was handed, and never leaves a half-unpacked one behind. */
#include "import.h"
#include "cleanup.h"
#include "files.h"
#include "idmap.h"
#include "sha256.h"
#include "sys.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

/* libarchive is loaded when an import runs, not linked: with the fifteen libraries it pulls in
 * (xml2, icu, zstd, ...), linking it would add milliseconds to every sandbox's start. */
#define ARCHIVE_FUNCTIONS(X)                                                                       \
    X(archive_entry_filetype)                                                                      \
    X(archive_entry_hardlink)                                                                      \
    X(archive_entry_pathname)                                                                      \
    X(archive_entry_size)                                                                          \
    X(archive_entry_xattr_add_entry)                                                               \
    X(archive_entry_xattr_clear)                                                                   \
    X(archive_entry_xattr_next)                                                                    \
    X(archive_entry_xattr_reset)                                                                   \
    X(archive_errno)                                                                               \
    X(archive_error_string)                                                                        \
    X(archive_read_data_block)                                                                     \
    X(archive_read_data_skip)                                                                      \
    X(archive_read_free)                                                                           \
    X(archive_read_new)                                                                            \
    X(archive_read_next_header)                                                                    \
    X(archive_read_open)                                                                           \
    X(archive_read_support_filter_all)                                                             \
    X(archive_read_support_format_tar)                                                             \
    X(archive_set_error)                                                                           \
    X(archive_write_data_block)                                                                    \
    X(archive_write_disk_new)                                                                      \
    X(archive_write_disk_set_options)                                                              \
    X(archive_write_finish_entry)                                                                  \
    X(archive_write_free)                                                                          \
    X(archive_write_header)

static struct {
#define DECLARE(f) __typeof__(f) *f;
    ARCHIVE_FUNCTIONS(DECLARE)
#undef DECLARE
} la;

static int load_libarchive(struct sbox_error *err)
{
    static const char *const names[] = {"libarchive.so.13", "libarchive.so"};
    void *h = NULL;
    for (size_t i = 0; !h && i < sizeof names / sizeof *names; i++)
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return sbox_error(err, 0, "import needs libarchive (package libarchive13): %s", dlerror());
#define LOAD(f)                                                                                    \
    if (!(*(void **)&la.f = dlsym(h, #f)))                                                         \
        return sbox_error(err, 0, "libarchive lacks %s", #f);
    ARCHIVE_FUNCTIONS(LOAD)
#undef LOAD
    return 0;
}

#define MAX_SHOWN 5 /* warnings printed one by one; the rest are counted */

/* Set by SIGINT, SIGTERM or SIGHUP (the parent forwards them, and dies with SIGTERM coming
 * here): the unpacking stops and removes what it unpacked. */
static volatile sig_atomic_t interrupted;
static bool removal_stops; /* sbox image rm: a signal stops the removal (not an import's undo) */
static volatile pid_t forward_to;         /* the parent: where signals go */
static volatile sig_atomic_t pending_sig; /* the parent: a signal that came before the child */

static void on_signal(int sig)
{
    interrupted = sig;
}

/* "." and "./": the directory itself, whose owner and mode are sbox's (private to the caller),
 * never the tarball's. */
static bool is_top(const char *path)
{
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    return path[0] == '\0' || (path[0] == '.' && path[1] == '\0');
}

struct report {
    struct sbox_import_stats stats;
    char **devices; /* the device nodes skipped: a hard link to one is skipped as one too */
    struct sbox_error err;
    bool failed;
    int signal; /* the unpacking was interrupted by this signal */
};

static void warn(unsigned long *count, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(unsigned long *count, const char *fmt, ...)
{
    char raw[SBOX_ERROR_MAX], line[SBOX_ERROR_MAX];
    va_list ap;
    if ((*count)++ >= MAX_SHOWN)
        return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    sbox_escape(line, sizeof line, raw);
    fprintf(stderr, "sbox: import: %s\n", line);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (interrupted && removal_stops)
        return -1;
    if (flag == FTW_DP)
        return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
    return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Everything below the current directory, as root of the namespace (the files belong to ids
 * only it can remove). */
static void remove_contents(void)
{
    DIR *d = opendir(".");
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            nftw(e->d_name, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    closedir(d);
}

/* What the child is asked to do. */
struct job {
    int tarball;        /* what to unpack, or -1: empty the directory (sbox image rm) */
    int dirfd;          /* where */
    bool layer;         /* an OCI layer: whiteouts turned into the overlay's, digest checked */
    bool archive;       /* an image archive: plain files, directories and symlinks, no owners */
    const char *digest; /* a layer's: "sha256:HEX" of every byte of the blob */
};

struct source {
    int fd;
    struct sbox_sha256 *hash; /* every byte read, when a digest is to be checked */
    char buf[1 << 16];
};

/* libarchive's own descriptor reader retries a read a signal interrupted; this one stops when
 * the signal asked for it, so a stalled pipe cannot keep an interrupted import alive. */
static la_ssize_t read_source(struct archive *a, void *ctx, const void **buf)
{
    struct source *src = ctx;
    for (;;) {
        ssize_t n = read(src->fd, src->buf, sizeof src->buf);
        if (n >= 0) {
            if (src->hash)
                sbox_sha256_add(src->hash, src->buf, (size_t)n);
            *buf = src->buf;
            return n;
        }
        if (errno != EINTR || interrupted) {
            la.archive_set_error(a, errno, "read: %s", strerror(errno));
            return -1;
        }
    }
}

/* A layer's path, "./" and "/" in front dropped: whiteouts are handled by sbox, so it checks
 * them as libarchive checks what it writes. NULL for a path with "..", which no layer needs. */
static const char *layer_path(const char *path)
{
    while (path[0] == '/' || (path[0] == '.' && path[1] == '/'))
        path += path[0] == '/' ? 1 : 2;
    for (const char *c = path; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return NULL;
        c += n + (c[n] == '/');
    }
    return path;
}

/* What an OCI layout or a docker save holds at its top, and a root file system never does. */
static bool is_image_archive_entry(const char *path)
{
    const char *rel = layer_path(path);
    return rel && (!strcmp(rel, "oci-layout") || !strcmp(rel, "manifest.json"));
}

/* The directory dir (relative to the layer's root, the current directory; "" is the root),
 * made if missing, reached without following any symlink: a whiteout must land inside. */
static int open_layer_dir(const char *dir)
{
    int fd;
    if (!dir[0])
        return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    fd = sys_openat2(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    if (fd < 0 && errno == ENOENT) {
        _cleanup_close_ int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r = here < 0 ? -errno : sbox_mkdirs_beneath(here, dir);
        if (r < 0) {
            errno = -r;
            return -1;
        }
        fd = sys_openat2(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                         RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    }
    return fd;
}

/* An OCI whiteout (.wh.NAME: NAME of the layers below is gone; .wh..wh..opq: the directory
 * hides theirs) as both overlays read it: a 0/0 character device, which a user namespace may
 * make, and user.overlay.opaque (the kernel's overlay with userxattr, and fuse-overlayfs). */
static int whiteout(const char *path, struct report *rep)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    _cleanup_free_ char *dir = sbox_xstrndup(path, slash ? (size_t)(slash - path) : 0);
    _cleanup_close_ int fd = -1;
    const char *name = base + 4;
    bool opaque = strcmp(base, ".wh..wh..opq") == 0;
    if (!opaque &&
        (!name[0] || !strcmp(name, ".") || !strcmp(name, "..") || !strncmp(name, ".wh.", 4)))
        return sbox_error(&rep->err, 0, "the layer's whiteout `%s` names no file", path);
    fd = open_layer_dir(dir);
    if (fd < 0)
        return sbox_error(&rep->err, errno == ELOOP ? 0 : errno, "the layer's whiteout `%s`%s",
                          path, errno == ELOOP ? " leads through a symlink" : "");
    if (opaque) {
        if (fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0)
            return sbox_error(&rep->err, errno, "mark `%s` opaque", dir[0] ? dir : "/");
    } else if (mknodat(fd, name, S_IFCHR | 0, makedev(0, 0)) < 0 && errno != EEXIST) {
        /* EEXIST: the layer has NAME itself, and a whiteout only hides the layers below. */
        return sbox_error(&rep->err, errno, "the layer's whiteout `%s`", path);
    }
    rep->stats.whiteouts++;
    return 0;
}

/* The overlay's own attributes are sbox's to write: one carried in a layer could make the
 * overlay hide or redirect what the layers below hold, where the image says nothing of it. */
static void drop_overlay_xattrs(struct archive_entry *e)
{
    struct {
        char *name;
        void *value;
        size_t size;
    } keep[64];
    size_t n = 0;
    const char *name;
    const void *value;
    size_t size;
    bool dropped = false;
    if (la.archive_entry_xattr_reset(e) == 0)
        return;
    while (la.archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        if (strstr(name, "overlay.") &&
            (!strncmp(name, "user.", 5) || !strncmp(name, "trusted.", 8))) {
            dropped = true;
        } else if (n < sizeof keep / sizeof *keep) {
            keep[n].name = sbox_xstrdup(name);
            keep[n].value = sbox_xmalloc(size ? size : 1);
            memcpy(keep[n].value, value, size);
            keep[n++].size = size;
        }
    }
    if (dropped) {
        la.archive_entry_xattr_clear(e);
        for (size_t i = 0; i < n; i++)
            la.archive_entry_xattr_add_entry(e, keep[i].name, keep[i].value, keep[i].size);
    }
    for (size_t i = 0; i < n; i++) {
        free(keep[i].name);
        free(keep[i].value);
    }
}

/* The bytes libarchive left unread (the tar's padding after its end), hashed; then the
 * digest held against the one the manifest gave. */
static int check_digest(struct source *src, const char *want, struct report *rep)
{
    char hex[65];
    for (;;) {
        ssize_t n = read(src->fd, src->buf, sizeof src->buf);
        if (n < 0 && errno == EINTR && !interrupted)
            continue;
        if (n < 0)
            return sbox_error(&rep->err, errno, "read the layer");
        if (n == 0)
            break;
        sbox_sha256_add(src->hash, src->buf, (size_t)n);
    }
    sbox_sha256_hex(src->hash, hex);
    if (strcmp(hex, want + 7) != 0)
        return sbox_error(&rep->err, 0, "digest mismatch: the blob of %.19s... is sha256:%.12s...",
                          want, hex);
    return 0;
}

static int unpack(const struct job *job, struct report *rep)
{
    static struct source src;
    struct sbox_sha256 hash;
    const int secure = ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                       ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
    const int flags = job->archive
                          ? secure
                          : secure | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
                                ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL;
    struct archive *in = la.archive_read_new(), *out = la.archive_write_disk_new();
    struct archive_entry *e;
    int r, ret = 0;

    la.archive_read_support_filter_all(in);
    la.archive_read_support_format_tar(in); /* ustar, pax and GNU tar: what image tools write */
    /* No name lookup: the numeric ids in the tarball are the image's, not this host's. */
    la.archive_write_disk_set_options(out, flags);
    src.fd = job->tarball;
    src.hash = job->layer ? &hash : NULL;
    sbox_sha256_init(&hash);
    if (la.archive_read_open(in, &src, NULL, read_source, NULL) != ARCHIVE_OK) {
        ret = sbox_error(&rep->err, 0, "cannot read the tarball: %s", la.archive_error_string(in));
        goto done;
    }
    while ((r = la.archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
        const char *path;
        if (interrupted) {
            ret = sbox_error(&rep->err, 0, "interrupted by signal %d", (int)interrupted);
            goto done;
        }
        if (r < ARCHIVE_WARN) {
            ret = sbox_error(&rep->err, 0, "the tarball is damaged after %lu entries: %s",
                             rep->stats.entries, la.archive_error_string(in));
            goto done;
        }
        path = la.archive_entry_pathname(e);
        if (!path)
            path = "?";
        /* The top ("." or, as umoci writes it, "/") is sbox's directory, not the image's. */
        if ((is_top(path) || (layer_path(path) && !layer_path(path)[0])) &&
            la.archive_entry_filetype(e) == AE_IFDIR)
            continue;
        if (job->archive && la.archive_entry_filetype(e) != AE_IFREG &&
            la.archive_entry_filetype(e) != AE_IFDIR && la.archive_entry_filetype(e) != AE_IFLNK) {
            warn(&rep->stats.failed, "`%s` not unpacked: an image archive holds files only", path);
            continue;
        }
        if (!job->layer && !job->archive && is_image_archive_entry(path)) {
            /* An image archive is no root file system: unpacked as one, it would "work". */
            ret = sbox_error(&rep->err, 0,
                             "this is an image archive (OCI or docker save), not a root file "
                             "system: `sbox image import oci-archive:FILE NAME` (or "
                             "docker-archive:FILE) imports it");
            goto done;
        }
        if (job->layer) {
            const char *rel = layer_path(path);
            const char *base;
            if (!rel) {
                warn(&rep->stats.failed, "`%s` not unpacked: a path with `..`", path);
                continue;
            }
            base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
            if (!strncmp(base, ".wh.", 4)) {
                if (whiteout(rel, rep) < 0) {
                    ret = -EINVAL;
                    goto done;
                }
                continue;
            }
            drop_overlay_xattrs(e);
        }
        if (la.archive_entry_filetype(e) == AE_IFCHR || la.archive_entry_filetype(e) == AE_IFBLK) {
            /* A user namespace may not make device nodes; the sandbox's /dev is sbox's. */
            warn(&rep->stats.devices, "skipped the device node `%s` (sbox provides /dev)", path);
            sbox_strv_push(&rep->devices, sbox_xstrdup(path));
            continue;
        }
        if (la.archive_entry_hardlink(e) &&
            sbox_strv_contains(rep->devices, la.archive_entry_hardlink(e))) {
            /* Another name of a device node skipped: skipped, and counted, as one. */
            warn(&rep->stats.devices, "skipped the device node `%s` (a link to `%s`)", path,
                 la.archive_entry_hardlink(e));
            continue;
        }
        r = la.archive_write_header(out, e);
        if (r == ARCHIVE_OK && la.archive_entry_size(e) > 0) {
            const void *buf;
            size_t size;
            la_int64_t offset;
            int rr;
            while ((rr = la.archive_read_data_block(in, &buf, &size, &offset)) == ARCHIVE_OK)
                if (la.archive_write_data_block(out, buf, size, offset) < ARCHIVE_OK) {
                    r = la.archive_errno(out) ? ARCHIVE_FAILED : ARCHIVE_WARN;
                    break;
                }
            if (rr < ARCHIVE_WARN) {
                ret = sbox_error(&rep->err, 0, "the tarball is damaged at `%s`: %s", path,
                                 la.archive_error_string(in));
                goto done;
            }
        }
        if (r == ARCHIVE_OK)
            r = la.archive_write_finish_entry(out);
        if (r == ARCHIVE_FATAL) {
            ret = sbox_error(&rep->err, 0, "`%s`: %s", path, la.archive_error_string(out));
            goto done;
        }
        if (r == ARCHIVE_FAILED) {
            warn(&rep->stats.failed, "`%s` not unpacked: %s", path, la.archive_error_string(out));
            continue;
        }
        if (r == ARCHIVE_WARN)
            warn(&rep->stats.warnings, "`%s`: %s", path, la.archive_error_string(out));
        rep->stats.entries++;
    }
    if (rep->stats.failed)
        ret = sbox_error(&rep->err, 0, "%lu %s could not be unpacked", rep->stats.failed,
                         rep->stats.failed == 1 ? "entry" : "entries");
    else if (!job->layer && !job->archive && rep->stats.entries == 0 && rep->stats.devices == 0)
        ret = sbox_error(&rep->err, 0, "the tarball holds no entries");
    else if (job->layer)
        ret = check_digest(&src, job->digest, rep);
done:
    if (ret < 0 && job->layer && !interrupted && !strstr(rep->err.msg, "digest mismatch")) {
        /* A blob that cannot be read is most often one that changed: said as such when so. */
        struct report digest = {0};
        if (check_digest(&src, job->digest, &digest) < 0 &&
            strstr(digest.err.msg, "digest mismatch"))
            rep->err = digest.err;
    }
    la.archive_read_free(in);
    la.archive_write_free(out);
    return ret;
}

static bool dir_is_empty(int fd)
{
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    DIR *d = dup < 0 ? NULL : fdopendir(dup);
    bool empty = true;
    if (!d)
        return false;
    for (struct dirent *e; empty && (e = readdir(d));)
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    return empty;
}

static _Noreturn void child(int go, int out, const struct job *job, bool ranged)
{
    struct report rep = {0};
    struct sigaction sa = {.sa_handler = on_signal};
    sigset_t all;
    char c;
    /* sbox's death (even by SIGKILL) interrupts the unpacking too. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (pending_sig) /* caught by the parent's handler, in this process, before the line above */
        interrupted = pending_sig;
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    if (read(go, &c, 1) != 1)
        _exit(125);
    umask(0);
    if (ranged) {
        gid_t root = 0;
        if (setgroups(1, &root) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
            sbox_error(&rep.err, errno, "become root of the namespace");
            goto report;
        }
    }
    if (fchdir(job->dirfd) < 0) {
        sbox_error(&rep.err, errno, "enter the directory");
        goto report;
    }
    if (job->tarball < 0) {
        /* sbox image rm: everything below, then check that nothing is left. */
        removal_stops = true;
        remove_contents();
        if (interrupted) {
            rep.signal = (int)interrupted;
            sbox_error(&rep.err, 0, "interrupted: partly removed");
            goto report;
        }
        if (!dir_is_empty(job->dirfd)) {
            sbox_error(&rep.err, 0, "some files could not be removed (a mount point below it?)");
            goto report;
        }
    } else if (unpack(job, &rep) < 0) {
        remove_contents();
        rep.signal = (int)interrupted;
        goto report;
    }
    if (write(out, &rep, sizeof rep) != (ssize_t)sizeof rep)
        _exit(125);
    _exit(0);
report:
    rep.failed = true;
    (void)!write(out, &rep, sizeof rep);
    _exit(125);
}

/* The parent's handler: passes the signal on to the unpacking, or keeps it until there is one. */
static void forward(int sig)
{
    if (forward_to > 0)
        kill(forward_to, sig);
    else
        pending_sig = sig;
}

static ssize_t read_all(int fd, void *buf, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, (char *)buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Runs child() (unpacking tfd into dfd, or with tfd < 0 emptying dfd) as root of a new user
 * namespace with the caller's ranges (or its own id alone, with a warning from warn_what),
 * forwarding ^C and kills to it, and returns its report. */
static int run_child(const struct job *job, const char *user, uid_t uid, gid_t gid,
                     const char *warn_what, struct report *rep, struct sbox_error *err)
{
    struct sigaction old_int, old_hup, old_term;
    _cleanup_(sbox_idmap_ranges_free) struct sbox_idranges ranges;
    const char *why = sbox_idmap_load(&ranges, user, uid);
    int go[2], back[2], status, r = 0;
    bool ranged = !why;
    pid_t pid;

    if (why && warn_what)
        fprintf(stderr, "sbox: %s: %s (see `sbox check`)\n", why, warn_what);
    if (pipe2(go, O_CLOEXEC) < 0)
        return sbox_error(err, errno, "pipe");
    if (pipe2(back, O_CLOEXEC) < 0) {
        close(go[0]);
        close(go[1]);
        return sbox_error(err, errno, "pipe");
    }
    /* From here a ^C or kill reaches the child too (directly, or forwarded, or through its
     * death signal); sbox waits for it to remove what it unpacked and then reports. */
    {
        struct sigaction fwd = {.sa_handler = forward};
        forward_to = 0;
        pending_sig = 0;
        sigaction(SIGINT, &fwd, &old_int);
        sigaction(SIGHUP, &fwd, &old_hup);
        sigaction(SIGTERM, &fwd, &old_term);
    }
    fflush(NULL);
    pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0) {
        close(go[1]);
        close(back[0]);
        child(go[0], back[1], job, ranged);
    }
    close(go[0]);
    close(back[1]);
    if (pid < 0) {
        r = sbox_error(err, errno, "create a user namespace");
        close(go[1]);
        close(back[0]);
        goto out;
    }
    r = ranged ? sbox_idmap_write_ranges(pid, uid, gid, &ranges, err)
               : sbox_idmap_write_single(pid, 0, uid, 0, gid, err);
    if (r < 0 || write(go[1], "g", 1) != 1) {
        if (r >= 0)
            r = sbox_error(err, errno, "start the namespace");
        kill(pid, SIGKILL);
    }
    close(go[1]);
    forward_to = pid;
    if (pending_sig)
        kill(pid, pending_sig);
    if (read_all(back[0], rep, sizeof *rep) != (ssize_t)sizeof *rep && r >= 0) {
        rep->failed = true;
        sbox_error(&rep->err, 0, "the unpacking process died");
    }
    close(back[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
out:
    forward_to = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return r;
}

int sbox_import(const char *tarball, const char *dir, const char *user, uid_t uid, gid_t gid,
                struct sbox_import_stats *stats, struct sbox_error *err)
{
    _cleanup_close_ int tfd = -1, dfd = -1;
    struct report rep = {0};
    bool created = false;
    struct stat st;
    int r;

    r = load_libarchive(err);
    if (r < 0)
        return r;
    if (strcmp(tarball, "-") == 0 && isatty(0))
        return sbox_error(err, 0, "import: standard input is a terminal, not a tarball");
    tfd = strcmp(tarball, "-") == 0 ? fcntl(0, F_DUPFD_CLOEXEC, 3)
                                    : open(tarball, O_RDONLY | O_CLOEXEC);
    if (tfd < 0)
        return sbox_error(err, errno, "import: tarball `%s`", tarball);
    if (fstat(tfd, &st) < 0)
        return sbox_error(err, errno, "import: tarball `%s`", tarball);
    if (S_ISDIR(st.st_mode) && faccessat(tfd, "index.json", F_OK, 0) == 0)
        return sbox_error(err, 0,
                          "import: `%s` is an OCI image layout, not a tarball: `sbox image "
                          "import oci:%s NAME` imports it",
                          tarball, tarball);
    if (S_ISDIR(st.st_mode))
        return sbox_error(err, EISDIR, "import: tarball `%s`", tarball);
    if (mkdir(dir, 0700) == 0)
        created = true;
    else if (errno != EEXIST)
        return sbox_error(err, errno, "import: directory `%s`", dir);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        r = sbox_error(err, errno, "import: directory `%s`", dir);
        goto fail;
    }
    if (!created && !dir_is_empty(dfd))
        return sbox_error(
            err, 0, "import: directory `%s` is not empty (unpack into a new or empty one)", dir);
    /* Private: an image holds set-uid files (owned, outside, by the caller and its subordinate
     * ids) and world-writable directories, which no other user of the host may reach. Inside
     * the sandbox the image's root shows with the mode of sbox's own upper layer. */
    if (fchmod(dfd, 0700) < 0) {
        r = sbox_error(err, errno, "import: directory `%s`", dir);
        goto fail;
    }
    r = run_child(&(struct job){.tarball = tfd, .dirfd = dfd}, user, uid, gid,
                  "import: every file will belong to you, and owners other than root are lost",
                  &rep, err);
    if (r < 0) {
        sbox_error_prefix(err, "import");
        goto fail;
    }
    *stats = rep.stats;
    stats->signal = rep.signal;
    if (rep.failed && rep.signal) {
        r = sbox_error(err, 0, "import: %s: interrupted; what was unpacked is removed", tarball);
        goto fail;
    }
    if (rep.failed) {
        *err = rep.err;
        err->msg[sizeof err->msg - 1] = '\0';
        r = sbox_error_prefix(err, "import: %s", tarball);
        goto fail;
    }
    return 0;
fail:
    if (created)
        rmdir(dir); /* emptied by the child; fails harmlessly if it could not be */
    return r;
}

int sbox_image_remove(const char *dir, const char *user, uid_t uid, gid_t gid, const char *home,
                      struct sbox_import_stats *stats, struct sbox_error *err)
{
    _cleanup_close_ int dfd = -1, lock = -1;
    _cleanup_free_ char *real = realpath(dir, NULL);
    struct report rep = {0};
    struct stat st;
    int r;

    if (!real)
        return sbox_error(err, errno, "image rm: `%s`", dir);
    /* Everything below works on the resolved path: "." or "link/" name what they lead to. */
    dfd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0 || fstat(dfd, &st) < 0)
        return sbox_error(err, errno, "image rm: `%s`", dir);
    if (st.st_uid != uid)
        return sbox_error(err, 0, "image rm: `%s` belongs to another user", dir);
    if (strcmp(real, "/") == 0 || (home && sbox_path_is_under(home, real)))
        return sbox_error(err, 0, "image rm: `%s` is your home or holds it: not removed", dir);
    /* A kept overlay in use by a sandbox is left alone. */
    lock = openat(dfd, "lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0) {
        pid_t holder = sbox_pid_lock_holder(lock);
        char pid[16] = "?";
        if (holder > 0)
            snprintf(pid, sizeof pid, "%d", (int)holder);
        return sbox_error(err, 0, "image rm: `%s` is in use by a sandbox (sbox pid %s)", dir, pid);
    }
    r = run_child(&(struct job){.tarball = -1, .dirfd = dfd}, user, uid, gid, NULL, &rep, err);
    if (r < 0)
        return sbox_error_prefix(err, "image rm: `%s`", dir);
    stats->signal = rep.signal;
    if (rep.failed) {
        *err = rep.err;
        err->msg[sizeof err->msg - 1] = '\0';
        return sbox_error_prefix(err, "image rm: `%s`", dir);
    }
    if (rmdir(real) < 0)
        return sbox_error(err, errno, "image rm: `%s`", dir);
    return 0;
}

int sbox_import_layer(int fd, const char *digest, int parent, const char *name, const char *user,
                      uid_t uid, gid_t gid, struct sbox_import_stats *stats, struct sbox_error *err)
{
    _cleanup_close_ int dfd = -1;
    struct report rep = {0};
    int r = load_libarchive(err);
    if (r < 0)
        return r;
    if (mkdirat(parent, name, 0700) < 0)
        return sbox_error(err, errno, "layer %.19s...", digest);
    dfd = sys_openat2(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    if (dfd < 0) {
        r = sbox_error(err, errno, "layer %.19s...", digest);
        goto fail;
    }
    r = run_child(
        &(struct job){.tarball = fd, .dirfd = dfd, .layer = true, .digest = digest}, user, uid, gid,
        "import: every file will belong to you, and owners other than root are lost", &rep, err);
    if (r < 0)
        goto fail;
    *stats = rep.stats;
    stats->signal = rep.signal;
    if (rep.failed) {
        *err = rep.err;
        err->msg[sizeof err->msg - 1] = '\0';
        r = rep.signal ? sbox_error(err, 0, "interrupted; what was unpacked is removed")
                       : sbox_error_prefix(err, "layer %.19s...", digest);
        goto fail;
    }
    return 0;
fail:
    unlinkat(parent, name, AT_REMOVEDIR); /* emptied by the child */
    return r;
}

int sbox_import_sniff(int fd, enum sbox_archive_kind *ret, struct sbox_error *err)
{
    static struct source src;
    struct archive *in;
    struct archive_entry *e;
    bool index = false, layout = false, manifest = false;
    int r = load_libarchive(err), n = 0;
    if (r < 0)
        return r;
    in = la.archive_read_new();
    la.archive_read_support_filter_all(in);
    la.archive_read_support_format_tar(in);
    src.fd = fd;
    src.hash = NULL;
    if (la.archive_read_open(in, &src, NULL, read_source, NULL) != ARCHIVE_OK) {
        r = sbox_error(err, 0, "not a tarball: %s", la.archive_error_string(in));
        goto done;
    }
    /* An image archive's top holds a few names of its own; a root file system shows itself
     * with its first entry that is none of them. */
    while ((r = la.archive_read_next_header(in, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *path =
            layer_path(la.archive_entry_pathname(e) ? la.archive_entry_pathname(e) : "");
        size_t top = path ? strcspn(path, "/") : 0;
        if (!path || !path[0])
            continue;
        if (!strcmp(path, "oci-layout"))
            layout = true;
        else if (!strcmp(path, "index.json"))
            index = true;
        else if (!strcmp(path, "manifest.json"))
            manifest = true;
        else if (!strcmp(path, "repositories") || (top == 5 && !strncmp(path, "blobs", 5)) ||
                 (top >= 64 && strspn(path, "0123456789abcdef") >= 64))
            ; /* docker save's layer directories and config files are named by hex digests */
        else
            break;
        if (++n > 100000)
            break;
        la.archive_read_data_skip(in);
    }
    *ret = layout && index ? SBOX_ARCHIVE_OCI
           : manifest      ? SBOX_ARCHIVE_DOCKER
                           : SBOX_ARCHIVE_ROOTFS;
    r = 0;
done:
    la.archive_read_free(in);
    return r;
}

int sbox_import_archive(int fd, int dirfd, const char *user, uid_t uid, gid_t gid,
                        struct sbox_error *err)
{
    struct report rep = {0};
    int r = load_libarchive(err);
    if (r < 0)
        return r;
    r = run_child(&(struct job){.tarball = fd, .dirfd = dirfd, .archive = true}, user, uid, gid,
                  NULL, &rep, err);
    if (r < 0)
        return r;
    if (rep.failed) {
        *err = rep.err;
        err->msg[sizeof err->msg - 1] = '\0';
        return rep.signal ? sbox_error(err, 0, "interrupted") : -EINVAL;
    }
    return 0;
}
