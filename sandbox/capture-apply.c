/* capture-apply.c: sbox apply, which lands a capture's chosen changes in the captured directory.
 * Writes nowhere else: never outside it, through a symlink, nor a device, fifo or set-id file. */
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

struct dir_changes {
    struct sbox_changes ch;
    int real, upper;
};

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

int sbox_capture_apply(const char *store, const char *id, bool include_denied, bool dry_run,
                       char *const *paths, const char *cwd, const char *home, FILE *out)
{
    struct sbox_error err = {0};
    struct sbox_capture cap;
    struct sbox_capture_records recs = {0};
    _cleanup_free_ bool *used = NULL;
    _cleanup_free_ struct dir_changes *d = NULL;
    char buf[PATH_MAX * 4], why[PATH_MAX * 4];
    unsigned long applied = 0, added = 0, deleted = 0, denied = 0, refused = 0, conflicts = 0;
    unsigned long kept_dirs = 0, blocks = 0;
    int lock = -1, holder, status = 0, stopped = 0;
    bool masked = false;
    const char *here;
    sigset_t stop, old_mask;

    sbox_capture_raise_nofile();
    if (sbox_capture_find(store, id, &cap, &err) < 0) {
        fprintf(stderr, "sbox: apply: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
        return 125;
    }
    holder = sbox_capture_hold_lock(&cap, &lock);
    if (holder >= 0) {
        fprintf(stderr, "sbox: apply: capture %s is in use (sbox pid %d)\n", cap.id, holder);
        sbox_capture_free(&cap);
        return 125;
    }
    here = sbox_capture_cwd_in(&cap, cwd);
    for (size_t i = 0; i < cap.n_dirs; i++)
        if (strcmp(cap.dirs[i].path, "/") == 0 ||
            (home && sbox_path_is_under(home, cap.dirs[i].path))) {
            /* sbox never captures these: a capture that names one was not made by it. */
            fprintf(stderr,
                    "sbox: apply: capture %s names `%s`, your home or one holding it: "
                    "refused\n",
                    cap.id, sbox_text_shown(cap.dirs[i].path, buf, sizeof buf));
            status = 125;
            goto out;
        }
    sbox_capture_load_records(&cap, &recs);
    used = calloc(sbox_strv_len(paths) + 1, sizeof *used);
    d = calloc(cap.n_dirs + 1, sizeof *d);
    for (size_t i = 0; i < cap.n_dirs; i++) {
        d[i].real = d[i].upper = -1;
        if (sbox_capture_changes(&cap, &cap.dirs[i], &d[i].ch, &d[i].upper, &d[i].real, &err) < 0) {
            fprintf(stderr, "sbox: apply: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
            status = 125;
            goto out;
        }
        if (d[i].ch.error) {
            fprintf(stderr, "sbox: apply: `%s` cannot be read in capture %s: %s\n",
                    sbox_text_shown(d[i].ch.error_at, buf, sizeof buf), cap.id,
                    strerror(d[i].ch.error));
            status = 125;
            goto out;
        }
        sbox_capture_choose(&cap.dirs[i], &d[i].ch, paths, here, used);
    }
    status = sbox_capture_check_paths(&cap, paths, here, used, stderr);
    if (status)
        goto out;

    /* What is left out, and why, one line each; then what cannot land whole, and conflicts:
     * either stops everything before anything is written. */
    for (size_t i = 0; i < cap.n_dirs; i++) {
        for (size_t k = 0; k < d[i].ch.n; k++) {
            struct sbox_change *ch = &d[i].ch.v[k];
            if (!ch->selected)
                continue;
            if (ch->denied && !include_denied) {
                sbox_capture_deny_text(ch, why, sizeof why);
                fprintf(stderr, "sbox: apply: left out %s: %s (--include-denied applies it)\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf), why);
                ch->selected = false;
                denied++;
            } else if (ch->refused) {
                fprintf(stderr, "sbox: apply: refused %s: %s\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf), ch->refused);
                ch->selected = false;
                refused++;
            }
        }
        /* Children of a new directory left out cannot land either. */
        for (size_t k = 0; k < d[i].ch.n; k++) {
            const struct sbox_change *p = &d[i].ch.v[k];
            if (p->selected || p->kind == SBOX_DELETED || !S_ISDIR(p->now.st_mode) ||
                (p->real_present && S_ISDIR(p->real.st_mode)))
                continue;
            for (size_t j = k + 1;
                 j < d[i].ch.n && sbox_capture_names_or_holds(p->rel, d[i].ch.v[j].rel); j++)
                if (d[i].ch.v[j].selected && d[i].ch.v[j].kind != SBOX_DELETED) {
                    d[i].ch.v[j].selected = false;
                    fprintf(stderr, "sbox: apply: left out %s: its directory is left out\n",
                            sbox_text_shown(d[i].ch.v[j].rel, buf, sizeof buf));
                    denied++;
                }
        }
    }
    /* Symlinks as apply will leave the directory: what they lead through may be left out.
     * Leaving one out can change another's way, so until nothing changes. */
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < cap.n_dirs; i++)
            for (size_t k = 0; k < d[i].ch.n; k++) {
                struct sbox_change *ch = &d[i].ch.v[k];
                if (!ch->selected || ch->kind == SBOX_DELETED || !S_ISLNK(ch->now.st_mode) ||
                    sbox_changes_link_lands_inside(&d[i].ch, k, d[i].upper, d[i].real))
                    continue;
                fprintf(stderr,
                        "sbox: apply: refused %s: a symlink that would lead out of the "
                        "directory through what is left out\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf));
                ch->selected = false;
                refused++;
                again = true;
            }
    }
    for (size_t i = 0; i < cap.n_dirs; i++) {
        unsigned long long need = 0;
        struct statvfs fs;
        for (size_t k = 0; k < d[i].ch.n; k++) {
            const struct sbox_change *ch = &d[i].ch.v[k];
            const char *w;
            if (!ch->selected)
                continue;
            if (ch->kind != SBOX_DELETED && S_ISREG(ch->now.st_mode)) {
                /* What apply will read, read now: a failure halfway would leave half. */
                int fd =
                    sys_openat2(d[i].upper, ch->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, BENEATH);
                if (fd < 0) {
                    fprintf(stderr,
                            "sbox: apply: %s cannot land: the capture's copy cannot be "
                            "read (%s)\n",
                            sbox_text_shown(ch->rel, buf, sizeof buf), strerror(errno));
                    blocks++;
                    continue;
                }
                close(fd);
                need += (unsigned long long)ch->now.st_blocks * 512;
            }
            if ((w = blocked(&d[i].ch, k))) {
                fprintf(stderr, "sbox: apply: %s cannot land: %s\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf), w);
                blocks++;
            } else if ((w = sbox_capture_conflict(&cap, &recs, cap.dirs[i].slot, ch, d[i].real))) {
                _cleanup_free_ char *t = sbox_text_tilde(cap.dirs[i].path, home);
                fprintf(stderr, "sbox: apply: conflict: %s in %s was %s\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf),
                        sbox_text_shown(t, why, sizeof why), w);
                conflicts++;
            }
        }
        if (fstatvfs(d[i].real, &fs) == 0 &&
            need > (unsigned long long)fs.f_bavail * (unsigned long long)fs.f_frsize) {
            _cleanup_free_ char *t = sbox_text_tilde(cap.dirs[i].path, home);
            fprintf(stderr, "sbox: apply: the files need %llu MiB, and %s has %llu MiB free\n",
                    need >> 20, sbox_text_shown(t, why, sizeof why),
                    ((unsigned long long)fs.f_bavail * fs.f_frsize) >> 20);
            blocks++;
        }
    }
    if (conflicts || blocks) {
        if (conflicts)
            fprintf(stderr,
                    "sbox: apply: nothing applied: %lu %s changed since the run%s (apply other "
                    "paths by name, or run the build again)\n",
                    conflicts, sbox_text_plural(conflicts, "path", "paths"),
                    blocks ? ", and changes that cannot land whole" : "");
        else
            fprintf(stderr,
                    "sbox: apply: nothing applied: %lu %s cannot land whole (apply other paths "
                    "by name)\n",
                    blocks, sbox_text_plural(blocks, "change", "changes"));
        status = 1;
        goto out;
    }
    /* ^C and the like end the apply between two changes, never inside one (which would leave
     * a temporary file behind): each change lands whole or not at all. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    sigaddset(&stop, SIGQUIT);
    sigprocmask(SIG_BLOCK, &stop, &old_mask);
    masked = true;
    for (size_t i = 0; i < cap.n_dirs; i++) {
        for (size_t k = 0; k < d[i].ch.n; k++) {
            struct sbox_change *ch = &d[i].ch.v[k];
            bool kept = false;
            sigset_t pending;
            int r;
            if (!ch->selected)
                continue;
            if (dry_run) {
                sbox_capture_stat_line(out, ch);
                continue;
            }
            sigpending(&pending);
            for (int sig = 1; sig < NSIG && !stopped; sig++)
                if (sigismember(&stop, sig) && sigismember(&pending, sig))
                    stopped = sig;
            if (stopped) {
                fprintf(stderr,
                        "sbox: apply: interrupted after %lu changes; run it again to "
                        "land the rest\n",
                        applied);
                status = 128 + stopped;
                goto out;
            }
            r = write_change(d[i].real, d[i].upper, ch, &kept);
            if (r < 0) {
                fprintf(stderr, "sbox: apply: %s: %s; stopped after %lu changes\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf), strerror(-r), applied);
                status = 1;
                goto out;
            }
            if (kept) {
                kept_dirs++;
                continue;
            }
            applied++;
            added += ch->kind == SBOX_ADDED;
            deleted += ch->kind == SBOX_DELETED;
        }
    }
    if (!dry_run) {
        fprintf(stderr, "sbox: applied %lu %s from capture %s (%lu added, %lu deleted)", applied,
                sbox_text_plural(applied, "change", "changes"), cap.id, added, deleted);
        if (denied || refused)
            fprintf(stderr, "; left out %lu denied, %lu refused", denied, refused);
        if (kept_dirs)
            fprintf(stderr, "; %lu %s kept, holding what was left out", kept_dirs,
                    sbox_text_plural(kept_dirs, "directory", "directories"));
        fputc('\n', stderr);
    }
    status = refused ? 1 : 0;
out:
    for (size_t i = 0; d && i < cap.n_dirs; i++) {
        sbox_changes_free(&d[i].ch);
        sbox_closep(&d[i].real);
        sbox_closep(&d[i].upper);
    }
    sbox_capture_records_free(&recs);
    sbox_closep(&lock);
    sbox_capture_free(&cap);
    /* A signal held back ends sbox now, as it would have (the status says so too). */
    if (masked)
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
    return status;
}
