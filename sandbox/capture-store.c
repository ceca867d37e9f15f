/* capture-store.c: the capture store (STATE_HOME/sbox/captures/ID: meta, lock, records, layers),
 * from a run's start to discard. Reads a capture as hostile; never writes a captured directory. */
#include "capture-store.h"
#include "capture.h"
#include "changes.h"
#include "cleanup.h"
#include "files.h"
#include "import.h"
#include "overlay.h"
#include "sys.h"
#include "text.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

/* ---- lines and ids ------------------------------------------------------------------------ */

/* A line of the store's files: backslash, newline and tab escaped, so any name fits. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\t')
            fputs("\\t", f);
        else
            fputc(*s, f);
    }
}

static char *unescape(const char *s)
{
    char *out = sbox_xmalloc(strlen(s) + 1), *o = out;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

static bool valid_id(const char *id)
{
    size_t n = strlen(id);
    return n > 0 && n <= 32 && strspn(id, "0123456789abcdef") == n;
}

/* The walks hold a descriptor per level of a tree: as many as the caller may have. */
void sbox_capture_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- the store ----------------------------------------------------------------------------- */

/* The store's root, made if asked: the caller's own, private directory. */
static int open_store(const char *store, bool create, struct sbox_error *err)
{
    struct stat st;
    int fd;
    if (create && sbox_mkdir_parents(store) < 0)
        return sbox_error(err, errno, "capture store `%s`", store);
    fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sbox_error(err, errno, "capture store `%s`", store);
    if (fstat(fd, &st) < 0 || st.st_uid != getuid()) {
        close(fd);
        return sbox_error(err, 0, "capture store `%s` belongs to another user", store);
    }
    if ((st.st_mode & 077) && fchmod(fd, st.st_mode & 0700) < 0) {
        close(fd);
        return sbox_error(err, errno, "capture store `%s`: make it private", store);
    }
    return fd;
}

/* An argument as a shell would read it back: meta's command line is shown by sbox captures. */
static char *quote_arg(const char *a)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f;
    if (a[0] && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                          "-_./=:,+@%") == strlen(a))
        return sbox_xstrdup(a);
    f = open_memstream(&out, &n);
    fputc('\'', f);
    for (; *a; a++)
        if (*a == '\'')
            fputs("'\\''", f);
        else
            fputc(*a, f);
    fputc('\'', f);
    fclose(f);
    return out;
}

static char *real_path(const char *path)
{
    return realpath(path, NULL);
}

/* Makes store when a writable bind of the plan would show where it goes. */
static void prepare_one(const struct sbox_plan *p, const char *store)
{
    _cleanup_free_ char *full = NULL, *whole = NULL;
    bool binds = false;
    for (size_t i = 0; i < p->n_mounts && !binds; i++)
        binds = p->mounts[i].kind == SBOX_MOUNT_BIND;
    if (!binds)
        return; /* nothing could show it: no path to resolve */
    full = sbox_path_normalize(store);
    whole = full ? sbox_path_resolve_to_be(full, real_path) : NULL;
    if (!whole)
        return;
    for (size_t i = 0; i < p->n_mounts; i++) {
        char src[PATH_MAX];
        if (p->mounts[i].kind != SBOX_MOUNT_BIND || !realpath(p->mounts[i].src, src) ||
            !sbox_path_is_under(whole, src))
            continue;
        /* Made now, so the sandbox finds it guarded rather than free to make its own. */
        sbox_mkdir_parents(full);
        return;
    }
}

void sbox_capture_store_prepare(const struct sbox_plan *p)
{
    for (size_t i = 0; p->capture_stores && p->capture_stores[i]; i++)
        prepare_one(p, p->capture_stores[i]);
}

static void run_free(struct sbox_capture_run *run)
{
    for (size_t i = 0; run->src_fds && i < run->n_mounts; i++)
        sbox_closep(&run->src_fds[i]);
    free(run->src_fds);
    sbox_closep(&run->store_fd);
    sbox_closep(&run->lock_fd);
    free(run->id);
    free(run->store);
    memset(run, 0, sizeof *run);
    run->store_fd = run->lock_fd = -1;
}

void sbox_capture_abort(struct sbox_capture_run *run)
{
    if (run->store && !run->resumed)
        sbox_remove_tree(run->store);
    run_free(run);
}

/* The captured directories, opened first: what is opened here is what the child lays the
 * overlay over, and its resolved path is what apply writes to later. */
static int open_dirs(const struct sbox_plan *p, struct sbox_capture_run *run,
                     struct sbox_error *err)
{
    char real[PATH_MAX];
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        struct stat st;
        char where[512];
        if (m->kind != SBOX_MOUNT_CAPTURE)
            continue;
        sbox_origin_format(&m->origin, m->key, where, sizeof where);
        /* The path was resolved when the plan was made: a symlink in it now was put there
         * since. The current directory is the one the caller is in, whatever its name leads
         * to by now. */
        if (p->cwd && strcmp(m->src, p->cwd) == 0)
            run->src_fds[i] = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        else
            run->src_fds[i] = sys_openat2(AT_FDCWD, m->src, O_PATH | O_DIRECTORY | O_CLOEXEC,
                                          RESOLVE_NO_SYMLINKS);
        if (run->src_fds[i] < 0 || fstat(run->src_fds[i], &st) < 0)
            return sbox_error(err, errno == ELOOP ? 0 : errno, "%s: `%s`%s", where, m->src,
                              errno == ELOOP ? ": a symlink was put in its way" : "");
        if (sbox_fd_path(run->src_fds[i], real, sizeof real) < 0 || strcmp(real, m->src) != 0)
            return sbox_error(err, 0, "%s: `%s` moved while sbox started: run it again", where,
                              m->src);
        if (st.st_uid != p->host_uid)
            return sbox_error(err, 0,
                              "%s: `%s` belongs to another user: sbox apply could not write it",
                              where, m->src);
    }
    return 0;
}

/* ID/ under a new random id, in the store made (or checked) first. Its descriptor, or -errno. */
static int make_capture_dir(const struct sbox_plan *p, struct sbox_capture_run *run,
                            struct sbox_error *err)
{
    _cleanup_close_ int root = -1;
    struct statfs sfs;
    const char *why;
    char id[9];
    int dfd;

    root = open_store(p->capture_store, true, err);
    if (root < 0)
        return root;
    if (fstatfs(root, &sfs) == 0 && (why = sbox_overlay_upper_unsupported((long)sfs.f_type)))
        return sbox_error(err, 0,
                          "capture store `%s` cannot hold an overlay's upper layer: %s (set "
                          "XDG_STATE_HOME to a directory on another file system)",
                          p->capture_store, why);
    for (int tries = 0;; tries++) {
        uint32_t n = 0;
        if (getrandom(&n, sizeof n, 0) != sizeof n)
            return sbox_error(err, errno, "capture id");
        snprintf(id, sizeof id, "%08x", n);
        if (mkdirat(root, id, 0700) == 0)
            break;
        if (errno != EEXIST || tries > 100)
            return sbox_error(err, errno, "capture store `%s/%s`", p->capture_store, id);
    }
    run->id = sbox_xstrdup(id);
    run->store = sbox_xasprintf("%s/%s", p->capture_store, id);
    dfd = openat(root, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return sbox_error(err, errno, "capture store `%s`", run->store);
    return dfd;
}

/* Held for the whole run: apply and discard leave a capture alone while it is written. */
static int lock_run(struct sbox_capture_run *run, int dfd, struct sbox_error *err)
{
    int r;
    run->lock_fd = openat(dfd, "lock", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (run->lock_fd < 0 || flock(run->lock_fd, LOCK_EX | LOCK_NB) < 0)
        return sbox_error(err, errno, "capture store `%s`: lock", run->store);
    r = sbox_pid_lock_mark(run->lock_fd);
    if (r < 0)
        return sbox_error(err, -r, "capture store `%s`: lock", run->store);
    return 0;
}

/* meta's command line (after "command "), the plan's command quoted, and its end. */
static void put_command(FILE *f, const struct sbox_plan *p)
{
    for (size_t i = 0; p->argv && p->argv[i]; i++) {
        _cleanup_free_ char *q = quote_arg(p->argv[i]);
        if (i)
            fputc(' ', f);
        put_escaped(f, q);
    }
    fputc('\n', f);
}

/* meta's deny lines: the plan's capture-deny patterns. */
static void put_deny(FILE *f, const struct sbox_plan *p)
{
    for (size_t i = 0; i < p->n_capture_deny; i++) {
        fputs("deny ", f);
        put_escaped(f, p->capture_deny[i].glob);
        fputc('\n', f);
    }
}

/* N/, N/upper and N/work for the plan's mount N. */
static int make_layers(const struct sbox_capture_run *run, int dfd, size_t i,
                       struct sbox_error *err)
{
    char sub[32];
    struct stat st;
    mode_t mode;
    snprintf(sub, sizeof sub, "%zu", i);
    if (mkdirat(dfd, sub, 0700) < 0)
        return sbox_error(err, errno, "capture store `%s`", run->store);
    snprintf(sub, sizeof sub, "%zu/upper", i);
    /* The upper's root mode is the directory's as seen inside. */
    mode = fstat(run->src_fds[i], &st) == 0 ? (st.st_mode & 07777) : 0755;
    if (mkdirat(dfd, sub, 0700) < 0 || fchmodat(dfd, sub, mode, 0) < 0)
        return sbox_error(err, errno, "capture store `%s`", run->store);
    snprintf(sub, sizeof sub, "%zu/work", i);
    if (mkdirat(dfd, sub, 0700) < 0)
        return sbox_error(err, errno, "capture store `%s`", run->store);
    return 0;
}

/* ID/meta: the start time, the command, each captured directory by the path its descriptor
 * has (its layers made on the way), the deny patterns. */
static int write_meta(const struct sbox_plan *p, const struct sbox_capture_run *run, int dfd,
                      struct sbox_error *err)
{
    _cleanup_close_ int mfd = -1;
    _cleanup_free_ char *meta = NULL;
    struct timespec now;
    size_t len = 0;
    char real[PATH_MAX];
    FILE *f;
    int r = 0;

    clock_gettime(CLOCK_REALTIME, &now);
    f = open_memstream(&meta, &len);
    fprintf(f, "sbox-capture 1\nstarted %lld.%09ld\npid %d\n", (long long)now.tv_sec, now.tv_nsec,
            (int)getpid());
    fputs("command ", f);
    put_command(f, p);
    for (size_t i = 0; i < p->n_mounts && r == 0; i++) {
        if (run->src_fds[i] < 0)
            continue;
        if (sbox_fd_path(run->src_fds[i], real, sizeof real) < 0) {
            r = sbox_error(err, errno, "capture `%s`", p->mounts[i].src);
            break;
        }
        fprintf(f, "dir %zu ", i);
        put_escaped(f, real);
        fputc('\n', f);
        r = make_layers(run, dfd, i, err);
    }
    put_deny(f, p);
    fclose(f);
    if (r < 0)
        return r;
    mfd = openat(dfd, "meta", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (mfd < 0 || write(mfd, meta, len) != (ssize_t)len)
        return sbox_error(err, errno, "capture store `%s`: meta", run->store);
    return 0;
}

/* Whether a capture's directories are exactly this run's (by the paths their descriptors
 * have), and the run's mount index for each of its slots in map. */
static bool same_dirs(const struct sbox_plan *p, const struct sbox_capture_run *run,
                      const struct sbox_capture *c, size_t *map)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_mounts; i++) {
        char real[PATH_MAX];
        bool found = false;
        if (run->src_fds[i] < 0)
            continue;
        n++;
        if (sbox_fd_path(run->src_fds[i], real, sizeof real) < 0)
            return false;
        for (size_t k = 0; k < c->n_dirs; k++)
            if (strcmp(c->dirs[k].path, real) == 0) {
                map[k] = i;
                found = true;
            }
        if (!found)
            return false;
    }
    return n == c->n_dirs;
}

/* capture-on: the capture this run goes on writing, loaded into *c with the run's mount index
 * for each of its slots in *ret_map; 0 when there is none to go on with (last: the newest
 * capture of these directories was applied, or there is none), or -errno. */
static int pending_capture(const struct sbox_plan *p, const struct sbox_capture_run *run,
                           struct sbox_capture *c, size_t **ret_map, struct sbox_error *err)
{
    const bool last = strcmp(p->capture_on, "last") == 0;
    struct sbox_capture *all;
    size_t n, *map = NULL;
    int r = 0;

    all = sbox_capture_load_all(p->capture_store, &n);
    for (size_t i = n; i-- > 0 && r == 0;) {
        struct sbox_capture *x = &all[i];
        _cleanup_free_ char *applied = sbox_xasprintf("%s/applied", x->path);
        if (x->damaged || (!last && strncmp(x->id, p->capture_on, strlen(p->capture_on)) != 0))
            continue;
        free(map);
        map = sbox_xmalloc((x->n_dirs + 1) * sizeof *map);
        if (!same_dirs(p, run, x, map)) {
            if (!last)
                r = sbox_origin_errorf(err, &p->capture_on_origin, "capture-on",
                                       "capture %s holds other directories than this run "
                                       "captures",
                                       x->id);
            continue;
        }
        if (faccessat(AT_FDCWD, applied, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
            if (!last)
                r = sbox_origin_errorf(err, &p->capture_on_origin, "capture-on",
                                       "capture %s was applied already: start a new one", x->id);
            break; /* last: the newest of these directories is applied, nothing is pending */
        }
        *c = *x;
        memset(x, 0, sizeof *x);
        *ret_map = steal_ptr(&map);
        r = 1;
    }
    for (size_t i = 0; i < n; i++)
        sbox_capture_free(&all[i]);
    free(all);
    free(map);
    if (r == 0 && !last)
        r = sbox_origin_errorf(err, &p->capture_on_origin, "capture-on",
                               "no capture `%s` (see sbox captures)", p->capture_on);
    return r;
}

/* The directory of the capture to go on with, ready for this run: its lock held, each slot
 * renamed to this run's mount index, fresh work directories, the records of its last run
 * gone (this run's end writes them again), its meta made this run's. Its descriptor, or
 * -errno. */
static int resume_capture(const struct sbox_plan *p, struct sbox_capture_run *run,
                          const struct sbox_capture *c, const size_t *map, struct sbox_error *err)
{
    _cleanup_close_ int dfd = -1, mfd = -1;
    _cleanup_free_ char *meta = NULL;
    size_t len = 0;
    FILE *f;
    int holder;

    run->id = sbox_xstrdup(c->id);
    run->store = sbox_xstrdup(c->path);
    holder = sbox_capture_take_lock(c, &run->lock_fd);
    if (holder >= 0 || run->lock_fd < 0) {
        snprintf(run->note, sizeof run->note,
                 "capture %s is in use (sbox pid %d): this run makes a capture of its own", c->id,
                 holder);
        return sbox_error(err, EBUSY, "capture %s is in use (sbox pid %d)", c->id, holder);
    }
    (void)sbox_pid_lock_mark(run->lock_fd);
    dfd = open(c->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return sbox_error(err, errno, "capture store `%s`", c->path);
    for (size_t k = 0; k < c->n_dirs; k++) {
        char from[32], to[32], fuse[48];
        bool fused;
        snprintf(from, sizeof from, "%zu", c->dirs[k].slot);
        snprintf(to, sizeof to, "%zu.next", map[k]);
        snprintf(fuse, sizeof fuse, "%zu/fuse", c->dirs[k].slot);
        /* A layer fuse-overlayfs wrote keeps its whiteouts as .wh. files, which the kernel's
         * overlay would show as files: it goes on with the driver that made it. */
        fused = faccessat(dfd, fuse, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
        if (fused != (p->overlay_driver == SBOX_OVERLAY_FUSE))
            return sbox_error(err, 0,
                              "capture %s was made %s fuse-overlayfs: go on with "
                              "overlay-driver = %s, or start a new capture",
                              c->id, fused ? "by" : "without", fused ? "fuse" : "auto");
        if (renameat(dfd, from, dfd, to) < 0)
            return sbox_error(err, errno, "capture store `%s/%s`", c->path, from);
    }
    for (size_t k = 0; k < c->n_dirs; k++) {
        char from[32], to[32], work[40];
        snprintf(from, sizeof from, "%zu.next", map[k]);
        snprintf(to, sizeof to, "%zu", map[k]);
        snprintf(work, sizeof work, "%zu/work", map[k]);
        if (renameat(dfd, from, dfd, to) < 0)
            return sbox_error(err, errno, "capture store `%s/%s`", c->path, to);
        if (mkdirat(dfd, work, 0700) < 0 && errno != EEXIST)
            return sbox_error(err, errno, "capture store `%s/%s`", c->path, work);
    }
    if (unlinkat(dfd, "records", 0) < 0 && errno != ENOENT)
        return sbox_error(err, errno, "capture store `%s/records`", c->path);
    /* One command for the steps, the first start (what the records' times are held against
     * is the run's end, not its start). */
    f = open_memstream(&meta, &len);
    fprintf(f, "sbox-capture 1\nstarted %lld.%09ld\npid %d\ncommand ", (long long)c->started.tv_sec,
            c->started.tv_nsec, (int)getpid());
    put_escaped(f, c->command ? c->command : "?");
    fputs(" ; ", f);
    put_command(f, p);
    for (size_t k = 0; k < c->n_dirs; k++) {
        fprintf(f, "dir %zu ", map[k]);
        put_escaped(f, c->dirs[k].path);
        fputc('\n', f);
    }
    put_deny(f, p);
    fclose(f);
    mfd = openat(dfd, "meta.new", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (mfd < 0 || write(mfd, meta, len) != (ssize_t)len || fsync(mfd) < 0 ||
        renameat(dfd, "meta.new", dfd, "meta") < 0)
        return sbox_error(err, errno, "capture store `%s`: meta", c->path);
    return steal_fd(&dfd);
}

int sbox_capture_begin(const struct sbox_plan *p, struct sbox_capture_run *run,
                       struct sbox_error *err)
{
    _cleanup_close_ int dfd = -1;
    int r;

    memset(run, 0, sizeof *run);
    run->store_fd = run->lock_fd = -1;
    run->n_mounts = p->n_mounts;
    run->src_fds = sbox_xmalloc((p->n_mounts + 1) * sizeof *run->src_fds);
    for (size_t i = 0; i < p->n_mounts; i++)
        run->src_fds[i] = -1;
    r = open_dirs(p, run, err);
    if (r < 0)
        goto fail;
    if (p->capture_on) {
        struct sbox_capture c;
        _cleanup_free_ size_t *map = NULL;
        r = pending_capture(p, run, &c, &map, err);
        if (r < 0)
            goto fail;
        if (r > 0) {
            dfd = resume_capture(p, run, &c, map, err);
            sbox_capture_free(&c);
            if (dfd >= 0) {
                run->resumed = true;
                goto opened;
            }
            /* What went on the way is the capture's: only the lock goes. */
            r = dfd;
            free(run->store);
            free(run->id);
            run->store = run->id = NULL;
            sbox_closep(&run->lock_fd);
            /* Another run is writing it (two builds at once): last makes a capture of its
             * own, and says so; an id asked for is an error. */
            if (r != -EBUSY || strcmp(p->capture_on, "last") != 0)
                goto fail;
        }
    }
    dfd = make_capture_dir(p, run, err);
    if (dfd < 0) {
        r = dfd;
        goto fail;
    }
    r = lock_run(run, dfd, err);
    if (r < 0)
        goto fail;
    r = write_meta(p, run, dfd, err);
    if (r < 0)
        goto fail;
opened:
    run->store_fd = open(run->store, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (run->store_fd < 0) {
        r = sbox_error(err, errno, "capture store `%s`", run->store);
        goto fail;
    }
    return 0;
fail:
    sbox_capture_abort(run);
    return r;
}

/* ---- reading a capture ------------------------------------------------------------------- */

void sbox_capture_free(struct sbox_capture *c)
{
    free(c->id);
    free(c->path);
    free(c->command);
    for (size_t i = 0; i < c->n_dirs; i++)
        free(c->dirs[i].path);
    free(c->dirs);
    sbox_strv_free(c->deny);
    memset(c, 0, sizeof *c);
}

/* The most of a store file read whole: meta holds a command line and deny patterns; records a
 * line per change, and a build may change a million files. */
#define META_MAX (16 << 20)
#define RECORDS_MAX (1LL << 30)

/* A capture's directory in the store, never through a symlink in its place. */
static int open_capture_dir(const char *path)
{
    return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

/* Why a store file (meta, records) cannot be read, from sbox_open_regular's answer r. */
static const char *unreadable(int r, bool meta)
{
    switch (-r) {
    case ENOENT:
        return meta ? "it has no meta file" : "it has no records file";
    case ELOOP:
        return meta ? "its meta file is a symlink" : "its records file is a symlink";
    case EINVAL:
        return meta ? "its meta file is not a regular file"
                    : "its records file is not a regular file";
    case EFBIG:
        return meta ? "its meta file is too large" : "its records file is too large";
    default:
        return meta ? "its meta file cannot be read" : "its records file cannot be read";
    }
}

/* One line of meta, its key cut off at the first space; false when the capture it tells is
 * damaged. */
static bool meta_line(struct sbox_capture *c, char *line, bool *started)
{
    char *v = strchr(line, ' ');
    if (!v)
        return true;
    *v++ = '\0';
    if (!strcmp(line, "started")) {
        long long s = 0;
        long ns = 0;
        *started = sscanf(v, "%lld.%ld", &s, &ns) == 2 && ns >= 0 && ns < 1000000000;
        c->started = (struct timespec){.tv_sec = s, .tv_nsec = ns};
    } else if (!strcmp(line, "command")) {
        free(c->command);
        c->command = unescape(v);
    } else if (!strcmp(line, "dir")) {
        char *sp = strchr(v, ' '), *end;
        size_t slot;
        if (!sp)
            return false;
        *sp = '\0';
        slot = strtoul(v, &end, 10);
        if (end == v || *end || slot > 100000 || sp[1] != '/')
            return false;
        for (size_t i = 0; i < c->n_dirs; i++)
            if (c->dirs[i].slot == slot)
                return false; /* two directories would get the same layer */
        c->dirs = sbox_xrealloc(c->dirs, (c->n_dirs + 1) * sizeof *c->dirs);
        c->dirs[c->n_dirs].slot = slot;
        c->dirs[c->n_dirs++].path = unescape(sp + 1);
    } else if (!strcmp(line, "deny")) {
        sbox_strv_push(&c->deny, unescape(v));
    } else if (!strcmp(line, "status")) {
        c->ended = true;
        c->status = atoi(v);
    } else if (!strcmp(line, "changes")) {
        c->counted = sscanf(v, "%lu %lu %lu", &c->counts[0], &c->counts[1], &c->counts[2]) == 3;
    }
    return true;
}

/* Reads capture id of the store. What is not as sbox writes it (no meta file, or one that is
 * not a regular file of the caller's, too large, naming no directory, or one not absolute) is
 * no error: c->damaged says why, so that the capture is listed as damaged, and can be
 * discarded, rather than taken for an empty one. Never blocks on a FIFO planted in the store. */
static void read_meta(const char *store, const char *id, struct sbox_capture *c)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int dir = -1, fd = -1;
    struct stat st;
    bool started = false;
    size_t len = 0;

    memset(c, 0, sizeof *c);
    c->id = sbox_xstrdup(id);
    c->path = sbox_xasprintf("%s/%s", store, id);
    dir = open_capture_dir(c->path);
    if (dir < 0) {
        c->damaged = errno == ENOTDIR || errno == ELOOP ? "it is not a directory"
                                                        : "its directory cannot be read";
        /* Listed where it was made, among the others. */
        if (lstat(c->path, &st) == 0)
            c->started = st.st_mtim;
        return;
    }
    if (fstat(dir, &st) == 0)
        c->started = st.st_mtim;
    fd = sbox_open_regular(dir, "meta", O_RDONLY, META_MAX, &st);
    if (fd < 0) {
        c->damaged = unreadable(fd, true);
        return;
    }
    if (st.st_uid != getuid()) {
        c->damaged = "its meta file belongs to another user";
        return;
    }
    text = sbox_read_fd(fd, META_MAX, &len);
    if (!text) {
        c->damaged = unreadable(-EIO, true);
        return;
    }
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!meta_line(c, line, &started)) {
            c->damaged = "its meta file names a captured directory wrongly";
            return;
        }
    }
    if (!started)
        c->damaged = "its meta file has no start time";
    else if (c->n_dirs == 0)
        c->damaged = "its meta file names no captured directory";
    else if (fstatat(dir, "lock", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
        c->damaged = "its lock file is not a regular file";
    else if (fstatat(dir, "records", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
        c->damaged = "its records file is not a regular file";
}

/* A capture to write the end of its run in: a damaged one is an error. */
static int load(const char *store, const char *id, struct sbox_capture *c, struct sbox_error *err)
{
    read_meta(store, id, c);
    if (c->damaged) {
        int r = sbox_error(err, 0, "capture %s: %s", id, c->damaged);
        sbox_capture_free(c);
        return r;
    }
    return 0;
}

static int by_started(const void *a, const void *b)
{
    const struct sbox_capture *x = a, *y = b;
    if (x->started.tv_sec != y->started.tv_sec)
        return x->started.tv_sec < y->started.tv_sec ? -1 : 1;
    return (x->started.tv_nsec > y->started.tv_nsec) - (x->started.tv_nsec < y->started.tv_nsec);
}

/* Every capture in the store, oldest first, the damaged ones (c->damaged) included. */
struct sbox_capture *sbox_capture_load_all(const char *store, size_t *ret_n)
{
    struct sbox_capture *v = NULL;
    size_t n = 0;
    DIR *d = opendir(store);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!valid_id(e->d_name))
            continue;
        v = sbox_xrealloc(v, (n + 1) * sizeof *v);
        read_meta(store, e->d_name, &v[n++]);
    }
    if (d)
        closedir(d);
    if (n)
        qsort(v, n, sizeof *v, by_started);
    *ret_n = n;
    return v;
}

/* id as given: a whole id, a prefix of exactly one, or "last". A damaged capture is found too
 * (c->damaged): discard must reach it; what would read it refuses it. */
int sbox_capture_find(const char *store, const char *id, struct sbox_capture *ret,
                      struct sbox_error *err)
{
    struct sbox_capture *all;
    size_t n, hit = 0, hits = 0;
    if (strcmp(id, "last") != 0 && !valid_id(id))
        return sbox_error(err, 0, "`%s` is not a capture id (see sbox captures)", id);
    all = sbox_capture_load_all(store, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(id, "last") == 0 || strncmp(all[i].id, id, strlen(id)) == 0)
            hit = i, hits++;
    if (strcmp(id, "last") == 0 && n)
        hits = 1, hit = n - 1;
    for (size_t i = 0; i < n; i++)
        if (hits != 1 || i != hit)
            sbox_capture_free(&all[i]);
    if (hits == 1)
        *ret = all[hit];
    free(all);
    if (hits == 0)
        return sbox_error(err, 0, "no capture `%s` (see sbox captures)", id);
    if (hits > 1)
        return sbox_error(err, 0, "`%s` names %zu captures: give more of the id", id, hits);
    return 0;
}

/* What an apply or a discard writes in a capture's lock after its pid; the run writes its pid
 * alone. */
#define HOLD_MARK " hold"

/* Who holds the lock at fd, which flock refused: the pid written in it. A holder writes its pid
 * right after it takes the lock, so an empty file, or the pid of a process gone (the last
 * holder's), is read again for a moment (two applies at once read 0 otherwise); a holder that
 * let go meanwhile leaves the lock to this caller (-1). 0 when no pid could be told. */
static int lock_holder(int fd, bool *ret_run)
{
    for (int tries = 0; tries < 100; tries++) {
        char text[64];
        ssize_t n = pread(fd, text, sizeof text - 1, 0);
        struct timespec pause = {.tv_nsec = 2000000};
        int pid;
        text[n > 0 ? n : 0] = '\0';
        pid = atoi(text);
        if (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)) {
            *ret_run = strstr(text, HOLD_MARK) == NULL;
            return pid;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return -1;
        nanosleep(&pause, NULL);
    }
    *ret_run = false;
    return 0;
}

/* The lock of a capture: -1 when free (taken, *fd holds it), else the pid holding it (0 when it
 * cannot be told) and, in *ret_run, whether that is the run writing the capture. */
static int take(const struct sbox_capture *c, int *fd, bool *ret_run)
{
    _cleanup_close_ int dir = open_capture_dir(c->path);
    bool run = false;
    int holder, r;
    *ret_run = false;
    r = dir < 0 ? -errno : sbox_open_regular(dir, "lock", O_RDWR, 4096, NULL);
    *fd = r < 0 ? -1 : r;
    if (r < 0)
        return -1; /* no lock file sbox made (none, or a FIFO...): nobody can hold it */
    if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
        return -1;
    holder = lock_holder(*fd, &run);
    if (holder >= 0) {
        sbox_closep(fd);
        *ret_run = run;
    }
    return holder;
}

int sbox_capture_take_lock(const struct sbox_capture *c, int *fd)
{
    bool run;
    return take(c, fd, &run);
}

int sbox_capture_hold(const struct sbox_capture *cap, int *lock, bool *ret_run)
{
    int holder = take(cap, lock, ret_run);
    char text[32];
    int n;
    if (holder >= 0 || *lock < 0)
        return holder;
    /* The pid written over the old one before the rest is cut: the file never reads empty. */
    n = snprintf(text, sizeof text, "%d" HOLD_MARK "\n", (int)getpid());
    if (pwrite(*lock, text, (size_t)n, 0) == n)
        (void)!ftruncate(*lock, n);
    return -1;
}

/* Holds the capture's lock for this apply (or discard): free, then marked with this pid. */
int sbox_capture_hold_lock(const struct sbox_capture *cap, int *lock)
{
    bool run;
    return sbox_capture_hold(cap, lock, &run);
}

/* The changes of one captured directory: the upper layer against the directory as it is now. */
int sbox_capture_changes(const struct sbox_capture *cap, const struct sbox_capture_dir *d,
                         struct sbox_changes *out, int *ret_upper, int *ret_real,
                         struct sbox_error *err)
{
    _cleanup_close_ int dir = -1, upper = -1, real = -1;
    char sub[64];
    memset(out, 0, sizeof *out);
    if (cap->damaged)
        return sbox_error(err, 0, "capture %s: %s (sbox discard %s removes it)", cap->id,
                          cap->damaged, cap->id);
    /* The layer below the capture's directory, no symlink followed on the way. */
    dir = open_capture_dir(cap->path);
    snprintf(sub, sizeof sub, "%zu/upper", d->slot);
    upper = dir < 0 ? -1 : sys_openat2(dir, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC, BENEATH);
    if (upper < 0)
        return sbox_error(err, errno, "capture %s: `%s/%s`", cap->id, cap->path, sub);
    /* The directory by the path it had when captured, no symlink followed on the way. */
    real = sys_openat2(AT_FDCWD, d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                       RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (real < 0)
        return sbox_error(err, errno == ELOOP ? 0 : errno,
                          errno == ELOOP ? "capture %s: `%s` is now reached through a symlink"
                                         : "capture %s: `%s`",
                          cap->id, d->path);
    snprintf(sub, sizeof sub, "%zu/fuse", d->slot);
    sbox_changes_walk(out, upper, real, faccessat(dir, sub, F_OK, AT_SYMLINK_NOFOLLOW) == 0,
                      cap->deny);
    if (ret_upper)
        *ret_upper = steal_fd(&upper);
    if (ret_real)
        *ret_real = steal_fd(&real);
    return 0;
}

void sbox_capture_count(const struct sbox_changes *c, unsigned long counts[3])
{
    counts[0] = c->n;
    counts[1] = counts[2] = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].kind == SBOX_ADDED)
            counts[1]++;
        else if (c->v[i].kind == SBOX_DELETED)
            counts[2]++;
}

/* ---- the end of a run -------------------------------------------------------------------- */

static bool after(const struct timespec *t, const struct timespec *start)
{
    return t->tv_sec > start->tv_sec || (t->tv_sec == start->tv_sec && t->tv_nsec > start->tv_nsec);
}

/* The largest file whose bytes the records keep a hash of. */
#define HASHED_MAX (8 << 20)

#define FNV_START 14695981039346656037ULL

/* FNV-1a over n more bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ULL;
    return h;
}

/* FNV-1a of a regular file's bytes below dir, as 16 hex digits in out; "-" when it is not a
 * regular file, too large or unreadable. A file written back with the same bytes (a checkout,
 * then a checkout back) is the same file to apply. */
static void hash_of(int dir, const char *rel, const struct stat *st, char out[17])
{
    _cleanup_close_ int fd = -1;
    uint64_t h = FNV_START;
    char buf[65536];
    struct stat now;
    off_t total = 0;
    ssize_t n;
    strcpy(out, "-");
    if (!S_ISREG(st->st_mode) || st->st_size > HASHED_MAX)
        return;
    /* O_NONBLOCK: the entry may be a FIFO by now, which must not hang apply. */
    fd = sys_openat2(dir, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, BENEATH);
    if (fd < 0 || fstat(fd, &now) < 0 || !S_ISREG(now.st_mode))
        return;
    while ((n = read(fd, buf, sizeof buf)) > 0 && (total += n) <= HASHED_MAX)
        h = fnv(h, buf, (size_t)n);
    if (n == 0)
        snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* The hash the records keep of the capture's entry: a file's bytes, a symlink's target. */
static void capture_hash(int upper, const struct sbox_change *ch, char out[17])
{
    strcpy(out, "-");
    if (S_ISREG(ch->now.st_mode))
        hash_of(upper, ch->rel, &ch->now, out);
    else if (S_ISLNK(ch->now.st_mode) && ch->target)
        snprintf(out, 17, "%016llx",
                 (unsigned long long)fnv(FNV_START, ch->target, strlen(ch->target)));
}

/* An entry the run copied up from the directory, which the directory no longer holds there,
 * while the directory holding it did not change during the run: the run moved it. Otherwise
 * someone deleted it since the run started. */
static bool moved_by_run(const struct sbox_change *ch, const struct timespec *started)
{
    return ch->kind == SBOX_ADDED && ch->has_origin && ch->parent_present &&
           !after(&ch->parent_ctime, started);
}

/* One line of records: the change's kind and whether the run moved it; the directory's entry
 * at the end of the run (inode, size, times, hash) or "-"; after "=", the capture's own entry
 * then (mode, size, change time, hash), or "=-" for a deletion; a tab and the path. Records
 * written before the "=" field was added load as before, without it. */
static void put_record(FILE *f, const struct sbox_change *ch, const struct timespec *started,
                       int real, int upper)
{
    char hash[17] = "-";
    /* m: an entry the run moved here (see moved_by_run). */
    fprintf(f, "%c %c ", "AMD"[ch->kind], moved_by_run(ch, started) ? 'm' : '-');
    if (ch->real_present)
        hash_of(real, ch->rel, &ch->real, hash);
    if (ch->real_present)
        fprintf(f, "%llu %llu %lld.%09ld %lld.%09ld %s", (unsigned long long)ch->real.st_ino,
                (unsigned long long)ch->real.st_size, (long long)ch->real.st_mtim.tv_sec,
                ch->real.st_mtim.tv_nsec, (long long)ch->real.st_ctim.tv_sec,
                ch->real.st_ctim.tv_nsec, hash);
    else
        fputc('-', f);
    if (ch->kind == SBOX_DELETED) {
        fputs(" =-", f);
    } else {
        capture_hash(upper, ch, hash);
        fprintf(f, " =%o %llu %lld.%09ld %s", (unsigned)ch->now.st_mode,
                (unsigned long long)ch->now.st_size, (long long)ch->now.st_ctim.tv_sec,
                ch->now.st_ctim.tv_nsec, hash);
    }
    fputc('\t', f);
    put_escaped(f, ch->rel);
    fputc('\n', f);
}

char **sbox_capture_end(struct sbox_capture_run *run, int status, const char *home)
{
    struct sbox_error err;
    struct sbox_capture cap;
    char **lines = NULL;
    unsigned long total[3] = {0, 0, 0};
    _cleanup_fclose_ FILE *records = NULL;
    _cleanup_free_ char *store = NULL, *records_path = NULL, *records_tmp = NULL;
    _cleanup_free_ char *meta_path = NULL;
    int fd;

    if (!run->store)
        return NULL;
    sbox_capture_raise_nofile(); /* the sandbox has ended: nothing inherits it */
    store = sbox_xstrdup(run->store);
    *strrchr(store, '/') = '\0';
    if (load(store, run->id, &cap, &err) < 0) {
        sbox_strv_push(&lines, sbox_xasprintf("capture %s: %s", run->id, err.msg));
        run_free(run);
        return lines;
    }
    /* What each changed path of the directory was at the end: apply compares it with what
     * it finds, to tell a file changed since. */
    /* Written aside and renamed: a sbox killed meanwhile leaves no half record, which would
     * read as conflicts. */
    /* The overlay did not sync what the run wrote (volatile): once, here, before anything says
     * the capture is complete. */
    fd = open(run->store, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        syncfs(fd);
        close(fd);
    }
    records_path = sbox_xasprintf("%s/records", run->store);
    records_tmp = sbox_xasprintf("%s/records.new", run->store);
    records = fopen(records_tmp, "wxe");
    for (size_t i = 0; i < cap.n_dirs; i++) {
        struct sbox_changes ch;
        unsigned long n[3];
        _cleanup_close_ int real = -1, upper = -1;
        _cleanup_free_ char *work = sbox_xasprintf("%s/%zu/work", run->store, cap.dirs[i].slot);
        sbox_remove_tree(work); /* overlayfs's scratch space, needed no more */
        if (sbox_capture_changes(&cap, &cap.dirs[i], &ch, &upper, &real, &err) < 0) {
            sbox_strv_push(&lines, sbox_xasprintf("%s (kept: sbox diff %s)", err.msg, run->id));
            total[0]++;
            continue;
        }
        sbox_capture_count(&ch, n);
        if (ch.error && !n[0])
            n[0] = 1; /* something that cannot be read is not nothing: kept */
        for (int k = 0; k < 3; k++)
            total[k] += n[k];
        for (size_t k = 0; records && k < ch.n; k++) {
            fprintf(records, "%zu ", cap.dirs[i].slot);
            put_record(records, &ch.v[k], &cap.started, real, upper);
        }
        if (n[0]) {
            _cleanup_free_ char *where = sbox_text_tilde(cap.dirs[i].path, home);
            _cleanup_free_ char *left = NULL;
            char buf[PATH_MAX * 4];
            unsigned long denied = 0, refused = 0;
            for (size_t k = 0; k < ch.n; k++) {
                denied += ch.v[k].denied != NULL;
                refused += ch.v[k].refused != NULL;
            }
            /* What apply would leave out is said now, not first at apply. */
            if (denied || refused)
                left = sbox_xasprintf(" (%lu denied, %lu refused: apply leaves them out)", denied,
                                      refused);
            sbox_strv_push(&lines,
                           sbox_xasprintf("%lu %s changed, %lu added, %lu deleted in %s%s; "
                                          "review: sbox diff %s",
                                          n[0], sbox_text_plural(n[0], "file", "files"), n[1], n[2],
                                          sbox_text_shown(where, buf, sizeof buf), left ? left : "",
                                          run->id));
        }
        sbox_changes_free(&ch);
    }
    if (total[0] == 0) {
        sbox_capture_free(&cap);
        sbox_fclosep(&records);
        records = NULL;
        run->resumed = false; /* a capture the steps left empty goes too */
        sbox_capture_abort(run);
        sbox_strv_free(lines);
        return NULL; /* nothing written: nothing to keep */
    }
    if (!records || fflush(records) != 0 || fsync(fileno(records)) != 0 ||
        rename(records_tmp, records_path) != 0) {
        unlink(records_tmp);
        sbox_strv_push(&lines, sbox_xasprintf("capture %s: could not record the directory's "
                                              "state; a later apply compares times only",
                                              run->id));
    }
    meta_path = sbox_xasprintf("%s/meta", run->store);
    fd = open(meta_path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        dprintf(fd, "ended %lld\nstatus %d\nchanges %lu %lu %lu\n", (long long)time(NULL), status,
                total[0], total[1], total[2]);
        close(fd);
    }
    sbox_capture_free(&cap);
    run_free(run);
    return lines;
}

/* ---- records of the end of a run --------------------------------------------------------- */

void sbox_capture_records_free(struct sbox_capture_records *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].rel);
    free(r->v);
    memset(r, 0, sizeof *r);
}

static int by_record(const void *a, const void *b)
{
    const struct sbox_capture_record *x = a, *y = b;
    int c = strcmp(x->rel, y->rel);
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return c ? c : x->kind - y->kind;
}

/* One line of records into r (its path still escaped, after the tab); false when it is not
 * one. */
static bool record_line(char *line, struct sbox_capture_record *r)
{
    char *tab = strchr(line, '\t'), *eq;
    unsigned long slot;
    long long ms, cs;
    long mn, cn;
    char dash, flag;
    if (!tab)
        return false;
    *tab = '\0';
    memset(r, 0, sizeof *r);
    eq = strstr(line, " =");
    if (eq) {
        /* The capture's entry at the end of the run (see put_record). */
        unsigned mode;
        unsigned long long size;
        *eq = '\0';
        if (strcmp(eq + 2, "-") == 0) {
            r->frozen = true;
        } else if (sscanf(eq + 2, "%o %llu %lld.%ld %16s", &mode, &size, &cs, &cn, r->up_hash) ==
                   5) {
            r->frozen = true;
            r->up_mode = mode;
            r->up_size = size;
            r->up_ctime = (struct timespec){.tv_sec = cs, .tv_nsec = cn};
        }
    }
    if (sscanf(line, "%lu %c %c %c", &slot, &r->kind, &flag, &dash) == 4 && dash == '-' &&
        strchr("AMD", r->kind)) {
        r->present = false;
    } else if (sscanf(line, "%lu %c %c %llu %llu %lld.%ld %lld.%ld %16s", &slot, &r->kind, &flag,
                      &r->ino, &r->size, &ms, &mn, &cs, &cn, r->hash) == 10 &&
               strchr("AMD", r->kind)) {
        r->present = true;
        r->mtime = (struct timespec){.tv_sec = ms, .tv_nsec = mn};
        r->ctime = (struct timespec){.tv_sec = cs, .tv_nsec = cn};
    } else {
        return false;
    }
    r->rel = unescape(tab + 1);
    r->slot = slot;
    r->moved = flag == 'm';
    return true;
}

void sbox_capture_load_records(const struct sbox_capture *cap, struct sbox_capture_records *out)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int dir = -1, fd = -1;
    size_t len = 0, cap_v = 0;
    memset(out, 0, sizeof *out);
    dir = open_capture_dir(cap->path);
    fd = dir < 0 ? -errno : sbox_open_regular(dir, "records", O_RDONLY, RECORDS_MAX, NULL);
    if (fd == -ENOENT)
        return; /* a run sbox did not see end */
    if (fd < 0 || !(text = sbox_read_fd(fd, RECORDS_MAX, &len))) {
        out->error = unreadable(fd < 0 ? fd : -EIO, false);
        return;
    }
    out->loaded = true;
    for (char *line = text, *next; line && *line; line = next) {
        struct sbox_capture_record r;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!record_line(line, &r))
            continue;
        if (out->n == cap_v) {
            cap_v = cap_v ? 2 * cap_v : 256;
            out->v = sbox_xrealloc(out->v, cap_v * sizeof *out->v);
        }
        out->v[out->n++] = r;
    }
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, by_record);
}

static const struct sbox_capture_record *find_record(const struct sbox_capture_records *r,
                                                     size_t slot, const struct sbox_change *ch)
{
    struct sbox_capture_record key = {.slot = slot, .rel = ch->rel, .kind = "AMD"[ch->kind]};
    return r->n ? bsearch(&key, r->v, r->n, sizeof *r->v, by_record) : NULL;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Why the directory's entry is not as it was when the run started (so applying over it would
 * lose someone's work), or NULL. Directories are compared by identity only: their times move
 * with every entry made in them. */
const char *sbox_capture_conflict(const struct sbox_capture *cap,
                                  const struct sbox_capture_records *recs, size_t slot,
                                  const struct sbox_change *ch, int real)
{
    const struct sbox_capture_record *r;
    bool dir = ch->real_present && S_ISDIR(ch->real.st_mode);
    char hash[17];
    /* The run copied it from the directory, which no longer has it there: deleted since the
     * run started, unless the run moved it (as the records of the end say). */
    if (ch->kind == SBOX_ADDED && ch->has_origin) {
        r = recs->loaded ? find_record(recs, slot, ch) : NULL;
        if (r ? !r->moved : !recs->loaded && !moved_by_run(ch, &cap->started))
            return "deleted since the run started (or moved by the run while its directory "
                   "changed)";
    }
    if (!recs->loaded) {
        /* A run sbox did not see end: only the start time tells. */
        if (ch->real_present && !dir && after(&ch->real.st_ctim, &cap->started))
            return "changed since the run started";
        return NULL;
    }
    r = find_record(recs, slot, ch);
    if (!r) {
        /* The same path was another kind of change at the end: the directory moved since. */
        for (int k = SBOX_ADDED; k <= SBOX_DELETED && !r; k++) {
            struct sbox_change other = *ch;
            other.kind = (enum sbox_change_kind)k;
            r = find_record(recs, slot, &other);
        }
        if (r && r->present && !ch->real_present)
            return "deleted since the run ended";
        if (r && !r->present && ch->real_present)
            return "made since the run ended";
        return "changed since the run ended";
    }
    if (r->present != ch->real_present)
        return r->present ? "deleted since the run ended" : "made since the run ended";
    if (!r->present)
        return NULL;
    if (!dir && after(&r->ctime, &cap->started))
        return "changed while the run went on";
    if (dir) /* by identity alone: a directory's times move with every entry made in it */
        return r->ino != (unsigned long long)ch->real.st_ino ? "replaced since the run ended"
                                                             : NULL;
    if (r->ino == (unsigned long long)ch->real.st_ino &&
        r->size == (unsigned long long)ch->real.st_size &&
        same_time(&r->mtime, &ch->real.st_mtim) && same_time(&r->ctime, &ch->real.st_ctim))
        return NULL;
    /* Touched since, but maybe written back as it was (a checkout, then a checkout back). */
    hash_of(real, ch->rel, &ch->real, hash);
    if (strcmp(r->hash, "-") != 0 && strcmp(hash, r->hash) == 0)
        return NULL;
    return r->ino != (unsigned long long)ch->real.st_ino ? "replaced since the run ended"
                                                         : "changed since the run ended";
}

const char *sbox_capture_altered(const struct sbox_capture_records *recs, size_t slot,
                                 const struct sbox_change *ch, int upper)
{
    const struct sbox_capture_record *r;
    char hash[17];
    if (ch->kind == SBOX_DELETED || !recs->loaded || !(r = find_record(recs, slot, ch)) ||
        !r->frozen)
        return NULL; /* nothing to tell it by (sbox_capture_conflict speaks of the rest) */
    if (r->up_mode != (unsigned)ch->now.st_mode)
        return "changed in the capture since its run ended";
    if (S_ISREG(ch->now.st_mode)) {
        /* Every write moves a file's change time, which no one can set back. */
        if (r->up_size == (unsigned long long)ch->now.st_size &&
            same_time(&r->up_ctime, &ch->now.st_ctim))
            return NULL;
        hash_of(upper, ch->rel, &ch->now, hash);
    } else if (S_ISLNK(ch->now.st_mode)) {
        capture_hash(upper, ch, hash);
    } else {
        return NULL;
    }
    return strcmp(r->up_hash, "-") != 0 && strcmp(hash, r->up_hash) == 0
               ? NULL
               : "changed in the capture since its run ended";
}

bool sbox_capture_is_checked(const struct sbox_capture_records *recs, size_t slot,
                             const struct sbox_change *ch, int parent, const char *name,
                             const struct stat *now, const struct timespec *checked_at)
{
    const struct sbox_capture_record *r;
    struct timespec recent = *checked_at;
    const struct stat st = *now;
    char hash[17];
    if ((st.st_mode & S_IFMT) != (ch->real.st_mode & S_IFMT) || st.st_ino != ch->real.st_ino ||
        st.st_size != ch->real.st_size || !same_time(&st.st_mtim, &ch->real.st_mtim))
        return false;
    /* The kernel stamps a write with a coarse clock (a tick of some milliseconds): a write
     * right after the one that gave ch->real its time may leave the time as it was. */
    recent.tv_sec--;
    if (!S_ISREG(st.st_mode) || !after(&st.st_mtim, &recent))
        return true;
    r = recs->loaded ? find_record(recs, slot, ch) : NULL;
    if (!r)
        return true; /* no hash to tell it by: the times alone */
    hash_of(parent, name, &st, hash);
    return strcmp(r->hash, "-") == 0 || strcmp(hash, r->hash) == 0;
}

/* ---- discarding -------------------------------------------------------------------------- */

bool sbox_capture_applied(const struct sbox_capture *c)
{
    _cleanup_free_ char *mark = sbox_xasprintf("%s/applied", c->path);
    return faccessat(AT_FDCWD, mark, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

char **sbox_capture_ids(const char *store, bool applied_only)
{
    size_t n;
    struct sbox_capture *all = sbox_capture_load_all(store, &n);
    char **ids = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!applied_only || sbox_capture_applied(&all[i]))
            sbox_strv_push(&ids, sbox_xstrdup(all[i].id));
        sbox_capture_free(&all[i]);
    }
    free(all);
    return ids;
}

int sbox_capture_discard(const char *store, char *const *ids, const char *user, uid_t uid,
                         gid_t gid, const char *home)
{
    struct sbox_error err = {0};
    size_t n = sbox_strv_len(ids);
    _cleanup_free_ struct sbox_capture *caps = sbox_xmalloc((n + 1) * sizeof *caps);
    char buf[PATH_MAX * 4];
    int status = 0;
    /* Every id is looked up before any capture goes: a typo stops nothing halfway. */
    for (size_t i = 0; i < n; i++)
        if (sbox_capture_find(store, ids[i], &caps[i], &err) < 0) {
            fprintf(stderr, "sbox: discard: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
            while (i-- > 0)
                sbox_capture_free(&caps[i]);
            return 125;
        }
    for (size_t i = 0; i < n; i++) {
        struct sbox_capture *cap = &caps[i];
        int lock = -1, holder = sbox_capture_hold_lock(cap, &lock);
        if (holder >= 0) {
            fprintf(stderr, "sbox: discard: capture %s is in use (sbox pid %d)\n", cap->id, holder);
            status = 125;
        } else if (sbox_remove_tree(cap->path) < 0) {
            /* Files the sandbox made as another of its ids (userns = subuid) are removed from
             * inside a user namespace with the same map, as for images. */
            struct sbox_import_stats stats = {0};
            sbox_closep(&lock);
            if (sbox_image_remove(cap->path, user, uid, gid, home, &stats, &err) < 0) {
                fprintf(stderr, "sbox: discard: capture %s: %s\n", cap->id,
                        sbox_text_shown(err.msg, buf, sizeof buf));
                status = 125;
            }
        }
        if (status == 0)
            fprintf(stderr, "sbox: discarded capture %s\n", cap->id);
        sbox_closep(&lock);
        sbox_capture_free(cap);
    }
    return status;
}
