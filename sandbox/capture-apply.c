/* capture-apply.c: sbox apply, which lands a capture's chosen changes in the captured directory.
 * Writes nowhere else: never outside it, through a symlink, nor a device, fifo or set-id file. */
#include "capture-apply.h"
#include "capture-show.h"
#include "capture-store.h"
#include "capture.h"
#include "changes.h"
#include "cleanup.h"
#include "sys.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The directory that holds rel, opened beneath real with no symlink followed; *name is rel's
 * last component. */
static int open_parent(int real, const char *rel, const char **name)
{
    const char *slash = strrchr(rel, '/');
    _cleanup_free_ char *dir = NULL;
    int fd;
    *name = slash ? slash + 1 : rel;
    if (!slash)
        return fcntl(real, F_DUPFD_CLOEXEC, 3);
    dir = sbox_xstrndup(rel, (size_t)(slash - rel));
    fd = sys_openat2(real, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, BENEATH);
    return fd;
}

static int temp_name(char out[32])
{
    uint32_t n;
    if (getrandom(&n, sizeof n, 0) != sizeof n)
        return -1;
    snprintf(out, 32, ".sbox-apply-%08x", n);
    return 0;
}

/* Copies len bytes at off from one file to the other, at the same offset. */
static int copy_range(int from, int to, off_t off, off_t len)
{
    char buf[65536];
    loff_t in = off, out = off;
    while (len > 0) {
        ssize_t n = copy_file_range(from, &in, to, &out, (size_t)len, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
            break; /* copied by hand below */
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        len -= n;
    }
    while (len > 0) {
        ssize_t n =
            pread(from, buf, (size_t)(len < (off_t)sizeof buf ? len : (off_t)sizeof buf), in);
        if (n <= 0)
            return n < 0 ? -1 : 0;
        for (ssize_t w = 0, m; w < n; w += m)
            if ((m = pwrite(to, buf + w, (size_t)(n - w), out + w)) < 0)
                return -1;
        in += n;
        out += n;
        len -= n;
    }
    return 0;
}

/* Copies a file, holes kept as holes: a 1 GiB sparse file the build made in a few blocks must
 * not fill the disk when it lands. */
static int copy_file(int from, int to, off_t size)
{
    off_t off = 0;
    for (;;) {
        off_t data = lseek(from, off, SEEK_DATA), hole;
        if (data < 0 && errno == ENXIO)
            break; /* nothing but a hole to the end */
        if (data < 0)
            return copy_range(from, to, 0, size) < 0 ? -1 : 0; /* no SEEK_DATA here */
        hole = lseek(from, data, SEEK_HOLE);
        if (hole < 0)
            hole = size;
        if (copy_range(from, to, data, hole - data) < 0)
            return -1;
        if (hole >= size)
            break;
        off = hole;
    }
    return ftruncate(to, size);
}

/* Writes one change into the directory; -errno on failure. Nothing is removed that the
 * change list did not name (a deletion comes before what takes its place). A file is written
 * unnamed (O_TMPFILE) and linked in, so a sbox killed meanwhile leaves nothing; a file or
 * symlink that replaces one is linked under a temporary name and renamed over it, so a reader
 * never sees half a file and a symlink in the way is replaced, not followed. */
static int write_change(int real, int upper, const struct sbox_change *ch, bool *kept)
{
    _cleanup_close_ int parent = -1, src = -1, dst = -1, dir = -1;
    const char *name;
    char tmp[32], proc[64];
    struct stat st;
    bool exists;
    parent = open_parent(real, ch->rel, &name);
    if (parent < 0)
        return -errno;
    exists = fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists && errno != ENOENT)
        return -errno;
    if (ch->kind == SBOX_DELETED) {
        if (!exists)
            return 0;
        if (unlinkat(parent, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0) {
            if (errno == ENOTEMPTY || errno == EEXIST) {
                *kept = true; /* it holds what was left out */
                return 0;
            }
            return -errno;
        }
        return 0;
    }
    if (S_ISDIR(ch->now.st_mode)) {
        if (exists && !S_ISDIR(st.st_mode))
            return -EEXIST;
        if (!exists && mkdirat(parent, name, 0700) < 0)
            return -errno;
        dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        /* set-group-id stays (inherited from a shared directory, it is no privilege);
         * set-user-id means nothing on a directory. */
        if (dir < 0 || fchmod(dir, ch->now.st_mode & 03777) < 0)
            return -errno;
        return 0;
    }
    if (exists && S_ISDIR(st.st_mode))
        return -EISDIR; /* its deletion was left out */
    if (temp_name(tmp) < 0)
        return -errno;
    if (S_ISLNK(ch->now.st_mode)) {
        if (symlinkat(ch->target, parent, tmp) < 0)
            return -errno;
    } else {
        struct timespec times[2];
        bool named = false;
        src = sys_openat2(upper, ch->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, BENEATH);
        if (src < 0 || fstat(src, &st) < 0)
            return -errno;
        if (!S_ISREG(st.st_mode))
            return -EINVAL;
        dst = openat(parent, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
        if (dst < 0) {
            /* A file system without O_TMPFILE: a named temporary file. */
            dst = openat(parent, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (dst < 0)
                return -errno;
            named = true;
        }
        times[0] = st.st_atim;
        times[1] = st.st_mtim;
        /* The file's time as the build left it: make and its kind compare times. */
        if (copy_file(src, dst, st.st_size) < 0 || fchmod(dst, st.st_mode & 0777) < 0 ||
            futimens(dst, times) < 0) {
            int e = errno;
            if (named)
                unlinkat(parent, tmp, 0);
            return -e;
        }
        if (!named) {
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", dst);
            /* A new file takes its name at once, and only if it is still free. */
            if (!exists)
                return linkat(AT_FDCWD, proc, parent, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
            if (linkat(AT_FDCWD, proc, parent, tmp, AT_SYMLINK_FOLLOW) < 0)
                return -errno;
        }
    }
    if (renameat(parent, tmp, parent, name) < 0) {
        int e = errno;
        unlinkat(parent, tmp, 0);
        return -e;
    }
    return 0;
}

/* Why the change cannot land whole, or NULL: what must go first (the deletion at the same path,
 * or the contents of a directory that becomes something else) is left out. Found before
 * anything is written, so a failed apply changes nothing. */
static const char *blocked(const struct sbox_changes *c, size_t i)
{
    const struct sbox_change *ch = &c->v[i];
    if (!ch->selected || ch->kind == SBOX_DELETED)
        return NULL;
    for (size_t k = i; k-- > 0 && c->v[k].kind == SBOX_DELETED &&
                       sbox_capture_names_or_holds(ch->rel, c->v[k].rel);) {
        if (c->v[k].selected)
            continue;
        if (strcmp(c->v[k].rel, ch->rel) == 0)
            return "what it replaces is left out";
        if (!S_ISDIR(ch->now.st_mode))
            return "the directory it replaces holds paths that are left out";
    }
    return NULL;
}

/* ---- opening ----------------------------------------------------------------------------- */

void sbox_apply_free(struct sbox_apply *a)
{
    for (size_t i = 0; a->dirs && i < a->cap.n_dirs; i++) {
        sbox_changes_free(&a->dirs[i].ch);
        sbox_closep(&a->dirs[i].real);
        sbox_closep(&a->dirs[i].upper);
    }
    free(a->dirs);
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i].why);
    free(a->v);
    sbox_capture_records_free(&a->recs);
    sbox_closep(&a->lock);
    sbox_capture_free(&a->cap);
    memset(a, 0, sizeof *a);
    a->lock = -1;
}

/* sbox never captures / or a directory holding the home: a capture that names one was not made
 * by it. */
static int check_dirs(const struct sbox_apply *a, const char *home, FILE *msg)
{
    char buf[PATH_MAX * 4];
    for (size_t i = 0; i < a->cap.n_dirs; i++)
        if (strcmp(a->cap.dirs[i].path, "/") == 0 ||
            (home && sbox_path_is_under(home, a->cap.dirs[i].path))) {
            fprintf(msg,
                    "sbox: apply: capture %s names `%s`, your home or a directory holding it: "
                    "refused\n",
                    a->cap.id, sbox_text_shown(a->cap.dirs[i].path, buf, sizeof buf));
            return 125;
        }
    return 0;
}

/* Each directory's changes, all of them readable, and those paths choose marked. */
static int read_changes(struct sbox_apply *a, char *const *paths, const char *cwd, FILE *msg)
{
    struct sbox_error err = {0};
    _cleanup_free_ bool *used = calloc(sbox_strv_len(paths) + 1, sizeof *used);
    const char *here = sbox_capture_cwd_in(&a->cap, cwd);
    char buf[PATH_MAX * 4];
    for (size_t i = 0; i < a->cap.n_dirs; i++) {
        struct sbox_apply_dir *d = &a->dirs[i];
        if (sbox_capture_changes(&a->cap, &a->cap.dirs[i], &d->ch, &d->upper, &d->real, &err) < 0) {
            fprintf(msg, "sbox: apply: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
            return 125;
        }
        if (d->ch.error) {
            fprintf(msg, "sbox: apply: `%s` cannot be read in capture %s: %s\n",
                    sbox_text_shown(d->ch.error_at, buf, sizeof buf), a->cap.id,
                    strerror(d->ch.error));
            return 125;
        }
        sbox_capture_choose(&a->cap.dirs[i], &d->ch, paths, here, used);
    }
    return sbox_capture_check_paths(&a->cap, paths, here, used, msg);
}

int sbox_apply_open(struct sbox_apply *a, const char *store, const char *id, char *const *paths,
                    const char *cwd, const char *home, FILE *msg)
{
    struct sbox_error err = {0};
    char buf[PATH_MAX * 4];
    int holder, status;
    bool run;

    memset(a, 0, sizeof *a);
    a->lock = -1;
    sbox_capture_raise_nofile();
    if (sbox_capture_find(store, id, &a->cap, &err) < 0) {
        fprintf(msg, "sbox: apply: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
        return 125;
    }
    if (a->cap.damaged) {
        fprintf(msg, "sbox: apply: capture %s cannot be applied: %s (sbox discard %s removes it)\n",
                a->cap.id, a->cap.damaged, a->cap.id);
        sbox_apply_free(a);
        return 125;
    }
    holder = sbox_capture_hold(&a->cap, &a->lock, &run);
    if (holder > 0)
        fprintf(msg, "sbox: apply: capture %s is in use (sbox pid %d): %s\n", a->cap.id, holder,
                run ? "its run is still going; apply it once the run has ended"
                    : "another sbox applies or discards it");
    else if (holder == 0)
        fprintf(msg, "sbox: apply: capture %s is in use by another sbox\n", a->cap.id);
    if (holder >= 0) {
        sbox_apply_free(a);
        return 125;
    }
    status = check_dirs(a, home, msg);
    if (status == 0) {
        sbox_capture_load_records(&a->cap, &a->recs);
        if (a->recs.error) {
            fprintf(msg,
                    "sbox: apply: capture %s cannot be applied: %s (sbox discard %s removes "
                    "it)\n",
                    a->cap.id, a->recs.error, a->cap.id);
            sbox_apply_free(a);
            return 125;
        }
        a->dirs = sbox_xmalloc((a->cap.n_dirs + 1) * sizeof *a->dirs);
        for (size_t i = 0; i < a->cap.n_dirs; i++)
            a->dirs[i] = (struct sbox_apply_dir){.upper = -1, .real = -1};
        status = read_changes(a, paths, cwd, msg);
    }
    if (status)
        sbox_apply_free(a);
    return status;
}

/* ---- verdicts ---------------------------------------------------------------------------- */

static struct sbox_apply_verdict *verdict_on(const struct sbox_apply *a, size_t i, size_t k)
{
    return &a->v[a->dirs[i].first + k];
}

static size_t count_verdicts(const struct sbox_apply *a, enum sbox_verdict verdict)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        n += a->v[i].verdict == verdict;
    return n;
}

/* A chosen change that will not be written: the others are checked as the directory will be
 * without it (the symlinks' ways, what must go first). */
static void leave_out(struct sbox_apply_verdict *v, enum sbox_verdict verdict, char *why)
{
    v->verdict = verdict;
    v->why = why;
    v->change->selected = false;
}

/* What is left out, and why, one line each: denied and refused paths, then what lies in a new
 * directory left out, which cannot land either. */
static void judge_left_out(struct sbox_apply *a, size_t i, bool include_denied, FILE *msg)
{
    const struct sbox_changes *c = &a->dirs[i].ch;
    char buf[PATH_MAX * 4], why[PATH_MAX * 4];
    const char *altered;
    for (size_t k = 0; k < c->n; k++) {
        struct sbox_apply_verdict *v = verdict_on(a, i, k);
        if (!v->change->selected)
            continue;
        if (v->change->denied && !include_denied) {
            sbox_capture_deny_text(v->change, why, sizeof why);
            fprintf(msg, "sbox: apply: left out %s: %s (--include-denied applies it)\n",
                    sbox_text_shown(v->change->rel, buf, sizeof buf), why);
            leave_out(v, SBOX_VERDICT_DENIED, sbox_xstrdup(why));
        } else if (v->change->refused) {
            fprintf(msg, "sbox: apply: refused %s: %s\n",
                    sbox_text_shown(v->change->rel, buf, sizeof buf), v->change->refused);
            leave_out(v, SBOX_VERDICT_REFUSED, sbox_xstrdup(v->change->refused));
        } else if ((altered = sbox_capture_altered(&a->recs, a->cap.dirs[i].slot, v->change,
                                                   a->dirs[i].upper))) {
            /* Not what a review of the ended run could have seen. */
            fprintf(msg, "sbox: apply: refused %s: %s\n",
                    sbox_text_shown(v->change->rel, buf, sizeof buf), altered);
            leave_out(v, SBOX_VERDICT_REFUSED, sbox_xstrdup(altered));
        }
    }
    for (size_t k = 0; k < c->n; k++) {
        const struct sbox_change *p = &c->v[k];
        if (p->selected || p->kind == SBOX_DELETED || !S_ISDIR(p->now.st_mode) ||
            (p->real_present && S_ISDIR(p->real.st_mode)))
            continue;
        for (size_t j = k + 1; j < c->n && sbox_capture_names_or_holds(p->rel, c->v[j].rel); j++)
            if (c->v[j].selected && c->v[j].kind != SBOX_DELETED) {
                fprintf(msg, "sbox: apply: left out %s: its directory is left out\n",
                        sbox_text_shown(c->v[j].rel, buf, sizeof buf));
                leave_out(verdict_on(a, i, j), SBOX_VERDICT_DENIED,
                          sbox_xstrdup("its directory is left out"));
            }
    }
}

/* Symlinks as apply will leave the directory: what they lead through may be left out.
 * Leaving one out can change another's way, so until nothing changes. */
static void judge_links(struct sbox_apply *a, FILE *msg)
{
    static const char out[] =
        "a symlink that would lead out of the directory through what is left out";
    char buf[PATH_MAX * 4];
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < a->cap.n_dirs; i++)
            for (size_t k = 0; k < a->dirs[i].ch.n; k++) {
                struct sbox_apply_dir *d = &a->dirs[i];
                struct sbox_change *ch = &d->ch.v[k];
                if (!ch->selected || ch->kind == SBOX_DELETED || !S_ISLNK(ch->now.st_mode) ||
                    sbox_changes_link_lands_inside(&d->ch, k, d->upper, d->real))
                    continue;
                fprintf(msg, "sbox: apply: refused %s: %s\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf), out);
                leave_out(verdict_on(a, i, k), SBOX_VERDICT_REFUSED, sbox_xstrdup(out));
                again = true;
            }
    }
}

/* Whether each change that lands can land whole, and has not changed since the run: a change
 * that cannot, or a conflict, stops everything. Such a change stays chosen: what comes after
 * it is judged as if it landed. Then whether the directory has room for the files. */
static void judge_landing(struct sbox_apply *a, size_t i, const char *home, FILE *msg)
{
    struct sbox_apply_dir *d = &a->dirs[i];
    const struct sbox_capture_dir *cd = &a->cap.dirs[i];
    char buf[PATH_MAX * 4], where[PATH_MAX * 4];
    unsigned long long need = 0;
    struct statvfs fs;
    for (size_t k = 0; k < d->ch.n; k++) {
        struct sbox_apply_verdict *v = verdict_on(a, i, k);
        const struct sbox_change *ch = v->change;
        const char *w;
        if (!ch->selected)
            continue;
        if (ch->kind != SBOX_DELETED && S_ISREG(ch->now.st_mode)) {
            /* What apply will read, read now: a failure halfway would leave half. */
            int fd = sys_openat2(d->upper, ch->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, BENEATH);
            if (fd < 0) {
                v->why = sbox_xasprintf("the capture's copy cannot be read (%s)", strerror(errno));
                v->verdict = SBOX_VERDICT_BLOCKED;
                fprintf(msg, "sbox: apply: %s cannot land: %s\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf), v->why);
                continue;
            }
            close(fd);
            need += (unsigned long long)ch->now.st_blocks * 512;
        }
        if ((w = blocked(&d->ch, k))) {
            fprintf(msg, "sbox: apply: %s cannot land: %s\n",
                    sbox_text_shown(ch->rel, buf, sizeof buf), w);
            v->verdict = SBOX_VERDICT_BLOCKED;
            v->why = sbox_xstrdup(w);
        } else if ((w = sbox_capture_conflict(&a->cap, &a->recs, cd->slot, ch, d->real))) {
            _cleanup_free_ char *t = sbox_text_tilde(cd->path, home);
            fprintf(msg, "sbox: apply: conflict: %s in %s was %s\n",
                    sbox_text_shown(ch->rel, buf, sizeof buf),
                    sbox_text_shown(t, where, sizeof where), w);
            v->verdict = SBOX_VERDICT_CONFLICT;
            v->why = sbox_xstrdup(w);
        }
    }
    if (fstatvfs(d->real, &fs) == 0 &&
        need > (unsigned long long)fs.f_bavail * (unsigned long long)fs.f_frsize) {
        _cleanup_free_ char *t = sbox_text_tilde(cd->path, home);
        fprintf(msg, "sbox: apply: the files need %llu MiB, and %s has %llu MiB free\n", need >> 20,
                sbox_text_shown(t, where, sizeof where),
                ((unsigned long long)fs.f_bavail * fs.f_frsize) >> 20);
        a->short_of_space++;
    }
}

int sbox_apply_judge(struct sbox_apply *a, bool include_denied, const char *home, FILE *msg)
{
    size_t conflicts, blocks, total = 0;
    for (size_t i = 0; i < a->cap.n_dirs; i++)
        total += a->dirs[i].ch.n;
    a->v = sbox_xmalloc((total + 1) * sizeof *a->v);
    for (size_t i = 0; i < a->cap.n_dirs; i++) {
        a->dirs[i].first = a->n;
        for (size_t k = 0; k < a->dirs[i].ch.n; k++) {
            struct sbox_change *ch = &a->dirs[i].ch.v[k];
            a->v[a->n++] = (struct sbox_apply_verdict){
                .dir = i,
                .change = ch,
                .verdict = ch->selected ? SBOX_VERDICT_LANDS : SBOX_VERDICT_UNCHOSEN,
            };
        }
    }
    for (size_t i = 0; i < a->cap.n_dirs; i++)
        judge_left_out(a, i, include_denied, msg);
    judge_links(a, msg);
    for (size_t i = 0; i < a->cap.n_dirs; i++)
        judge_landing(a, i, home, msg);

    conflicts = count_verdicts(a, SBOX_VERDICT_CONFLICT);
    blocks = count_verdicts(a, SBOX_VERDICT_BLOCKED) + a->short_of_space;
    if (conflicts)
        fprintf(msg,
                "sbox: apply: nothing applied: %zu %s changed since the run%s (apply other "
                "paths by name, or run the build again)\n",
                conflicts, sbox_text_plural(conflicts, "path", "paths"),
                blocks ? ", and changes that cannot land whole" : "");
    else if (blocks)
        fprintf(msg,
                "sbox: apply: nothing applied: %zu %s cannot land whole (apply other paths "
                "by name)\n",
                blocks, sbox_text_plural(blocks, "change", "changes"));
    return conflicts || blocks ? 1 : 0;
}

/* ---- landing ----------------------------------------------------------------------------- */

/* --dry-run: the changes that land, as sbox diff --stat lines. */
static void list_landing(const struct sbox_apply *a, FILE *out)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].verdict == SBOX_VERDICT_LANDS)
            sbox_capture_stat_line(out, a->v[i].change);
}

/* The first of the signals in stop that is pending, or 0. */
static int pending_stop(const sigset_t *stop)
{
    sigset_t pending;
    sigpending(&pending);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(stop, sig) && sigismember(&pending, sig))
            return sig;
    return 0;
}

/* Writes the changes that land, in order, and one line on msg saying what was done. Returns
 * the exit status. */
static int land(const struct sbox_apply *a, FILE *msg)
{
    unsigned long applied = 0, added = 0, deleted = 0, kept_dirs = 0;
    size_t denied = count_verdicts(a, SBOX_VERDICT_DENIED);
    size_t refused = count_verdicts(a, SBOX_VERDICT_REFUSED);
    char buf[PATH_MAX * 4];
    sigset_t stop, old_mask;
    int status = refused ? 1 : 0;

    /* ^C and the like end the apply between two changes, never inside one (which would leave
     * a temporary file behind): each change lands whole or not at all. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    sigaddset(&stop, SIGQUIT);
    sigprocmask(SIG_BLOCK, &stop, &old_mask);
    for (size_t i = 0; i < a->n; i++) {
        const struct sbox_apply_verdict *v = &a->v[i];
        const struct sbox_apply_dir *d = &a->dirs[v->dir];
        bool kept = false;
        int sig, r;
        if (v->verdict != SBOX_VERDICT_LANDS)
            continue;
        if ((sig = pending_stop(&stop))) {
            fprintf(msg,
                    "sbox: apply: interrupted after %lu changes; run it again to land the "
                    "rest\n",
                    applied);
            status = 128 + sig;
            goto out;
        }
        r = write_change(d->real, d->upper, v->change, &kept);
        if (r < 0) {
            fprintf(msg, "sbox: apply: %s: %s; stopped after %lu changes\n",
                    sbox_text_shown(v->change->rel, buf, sizeof buf), strerror(-r), applied);
            status = 1;
            goto out;
        }
        if (kept) {
            kept_dirs++;
            continue;
        }
        applied++;
        added += v->change->kind == SBOX_ADDED;
        deleted += v->change->kind == SBOX_DELETED;
    }
    fprintf(msg, "sbox: applied %lu %s from capture %s (%lu added, %lu deleted)", applied,
            sbox_text_plural(applied, "change", "changes"), a->cap.id, added, deleted);
    if (denied || refused)
        fprintf(msg, "; left out %zu denied, %zu refused", denied, refused);
    if (kept_dirs)
        fprintf(msg, "; %lu %s kept, holding what was left out", kept_dirs,
                sbox_text_plural(kept_dirs, "directory", "directories"));
    fputc('\n', msg);
out:
    /* A signal held back ends sbox now, as it would have (the status says so too). */
    fflush(msg);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    return status;
}

int sbox_capture_apply(const char *store, const char *id, bool include_denied, bool dry_run,
                       char *const *paths, const char *cwd, const char *home, FILE *out)
{
    struct sbox_apply a;
    int status = sbox_apply_open(&a, store, id, paths, cwd, home, stderr);
    if (status)
        return status;
    status = sbox_apply_judge(&a, include_denied, home, stderr);
    if (status == 0 && dry_run) {
        list_landing(&a, out);
        status = count_verdicts(&a, SBOX_VERDICT_REFUSED) ? 1 : 0;
    } else if (status == 0) {
        status = land(&a, stderr);
    }
    sbox_apply_free(&a);
    return status;
}
