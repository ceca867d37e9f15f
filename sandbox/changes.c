/* changes.c: what an overlay's upper layer changed against the directory below it: the
 * kernel's and fuse-overlayfs's whiteouts and opaque directories read as deletions. Reads both
 * trees as hostile (no symlink followed, nothing written) and never decides what to do. */
#include "changes.h"
#include "cleanup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- patterns ---------------------------------------------------------------------------- */

/* Matches the components of pat against those of rel, "**" taking any number of them. */
static bool match_parts(char **pat, size_t np, char **rel, size_t nr)
{
    if (np == 0)
        return nr == 0;
    if (strcmp(pat[0], "**") == 0) {
        for (size_t k = 0; k <= nr; k++)
            if (match_parts(pat + 1, np - 1, rel + k, nr - k))
                return true;
        return false;
    }
    return nr > 0 && fnmatch(pat[0], rel[0], 0) == 0 &&
           match_parts(pat + 1, np - 1, rel + 1, nr - 1);
}

static size_t split(char *s, char **parts, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, "/", &save); t && n < max; t = strtok_r(NULL, "/", &save))
        parts[n++] = t;
    return n;
}

bool sbox_changes_match(const char *pattern, const char *rel)
{
    _cleanup_free_ char *pc = sbox_xstrdup(pattern[0] == '/' ? pattern + 1 : pattern);
    _cleanup_free_ char *rc = sbox_xstrdup(rel);
    char *pat[64], *parts[256];
    size_t np = split(pc, pat, 64), nr = split(rc, parts, 256);
    if (np == 0 || np == 64 || nr == 256)
        return np != 0 && nr == 256; /* too deep to tell: counted as a match, the safe side */
    /* One ending in "**" names the directory too: hooks replaced by a symlink is a change. */
    if (strcmp(pat[np - 1], "**") == 0 && np > 1 && match_parts(pat, np - 1, parts, nr))
        return true;
    if (pattern[0] == '/')
        return match_parts(pat, np, parts, nr);
    for (size_t k = 0; k < nr; k++)
        if (match_parts(pat, np, parts + k, nr - k) ||
            (strcmp(pat[np - 1], "**") == 0 && np > 1 &&
             match_parts(pat, np - 1, parts + k, nr - k)))
            return true;
    return false;
}

bool sbox_changes_link_inside(const char *rel, const char *target)
{
    _cleanup_free_ char *t = sbox_xstrdup(target);
    char *save = NULL;
    long depth = 0;
    if (target[0] == '/' || target[0] == '\0')
        return false;
    /* The link's own directory is depth components below the captured one. */
    for (const char *c = rel; (c = strchr(c, '/')); c++)
        depth++;
    for (char *p = strtok_r(t, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, "..") == 0) {
            if (--depth < 0)
                return false;
        } else if (strcmp(p, ".") != 0) {
            depth++;
        }
    }
    return true;
}

/* ---- the walk --------------------------------------------------------------------------- */

void sbox_changes_free(struct sbox_changes *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].rel);
        free(c->v[i].target);
        free(c->v[i].old_target);
    }
    free(c->v);
    free(c->error_at);
    memset(c, 0, sizeof *c);
}

static struct sbox_change *add(struct sbox_changes *c, const char *rel, enum sbox_change_kind k)
{
    struct sbox_change *ch;
    c->v = sbox_xrealloc(c->v, (c->n + 1) * sizeof *c->v);
    ch = &c->v[c->n++];
    memset(ch, 0, sizeof *ch);
    ch->rel = sbox_xstrdup(rel);
    ch->kind = k;
    return ch;
}

static void read_error(struct sbox_changes *c, const char *rel)
{
    if (!c->error) {
        c->error = errno ? errno : EIO;
        c->error_at = sbox_xstrdup(rel);
    }
}

static char *join(const char *prefix, const char *name)
{
    return prefix[0] ? sbox_xasprintf("%s/%s", prefix, name) : sbox_xstrdup(name);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the directory at fd (not "." and ".."), sorted; *ok is false when it could not
 * be read (NULL is also an empty directory). */
static char **names_of(int fd, bool *ok)
{
    char **v = NULL;
    int dup = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
    struct dirent *e;
    *ok = d != NULL;
    if (!d) {
        if (dup >= 0)
            close(dup);
        return NULL;
    }
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            sbox_strv_push(&v, sbox_xstrdup(e->d_name));
    closedir(d);
    if (v)
        qsort(v, sbox_strv_len(v), sizeof *v, by_name);
    return v;
}

static char *link_target(int dir, const char *name)
{
    char buf[PATH_MAX];
    ssize_t n = readlinkat(dir, name, buf, sizeof buf - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return sbox_xstrdup(buf);
}

/* The directory's entry rel and everything below it, deleted: children first. */
static void deleted_tree(struct sbox_changes *c, int real, const char *name, const char *rel)
{
    struct stat st;
    struct sbox_change *ch;
    if (fstatat(real, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT)
            read_error(c, rel);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        _cleanup_close_ int sub =
            openat(real, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        bool ok = false;
        _cleanup_strv_ char **names = sub >= 0 ? names_of(sub, &ok) : NULL;
        if (!ok) {
            read_error(c, rel);
            return;
        }
        for (size_t i = 0; names && names[i]; i++) {
            _cleanup_free_ char *r = join(rel, names[i]);
            deleted_tree(c, sub, names[i], r);
        }
    }
    ch = add(c, rel, SBOX_DELETED);
    ch->real = st;
    ch->real_present = true;
    if (S_ISLNK(st.st_mode))
        ch->old_target = link_target(real, name);
}

static bool xattr_is(int fd, const char *name, const char *want)
{
    char v[8];
    ssize_t n = fgetxattr(fd, name, v, sizeof v);
    return n == (ssize_t)strlen(want) && memcmp(v, want, (size_t)n) == 0;
}

/* Whether the directory at fd hides what lies below it (an opaque directory): the kernel's
 * mark, or fuse-overlayfs's. */
static bool opaque(int fd, bool fuse)
{
    if (!fuse)
        return xattr_is(fd, "user.overlay.opaque", "y");
    return xattr_is(fd, "user.fuseoverlayfs.opaque", "y") ||
           xattr_is(fd, "user.overlay.opaque", "y") ||
           faccessat(fd, ".wh..wh..opq", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Whether entry name (st) in the upper directory at fd is a whiteout: a deletion. */
static bool whiteout(int fd, const char *name, const struct stat *st)
{
    if (S_ISCHR(st->st_mode) && st->st_rdev == 0)
        return true;
    if (S_ISREG(st->st_mode) && st->st_size == 0) {
        _cleanup_close_ int f = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        return f >= 0 && fgetxattr(f, "user.overlay.whiteout", NULL, 0) >= 0;
    }
    return false;
}

static bool same_bytes(int a, int b)
{
    char x[65536], y[65536];
    for (;;) {
        ssize_t n = read(a, x, sizeof x), m;
        if (n < 0)
            return false;
        if (n == 0)
            return read(b, y, 1) == 0;
        for (ssize_t got = 0; got < n; got += m) {
            m = read(b, y + got, (size_t)(n - got));
            if (m <= 0)
                return false;
        }
        if (memcmp(x, y, (size_t)n) != 0)
            return false;
    }
}

static void walk(struct sbox_changes *c, int upper, int real, const char *prefix);

/* One entry of an upper directory against the directory's entry of the same name. */
static void walk_entry(struct sbox_changes *c, int upper, int real, const char *name,
                       const char *rel)
{
    struct stat up, re;
    bool present = false;
    struct sbox_change *ch;
    if (fstatat(upper, name, &up, AT_SYMLINK_NOFOLLOW) < 0) {
        read_error(c, rel);
        return;
    }
    if (real >= 0) {
        present = fstatat(real, name, &re, AT_SYMLINK_NOFOLLOW) == 0;
        if (!present && errno != ENOENT) {
            read_error(c, rel);
            return;
        }
    }
    if (whiteout(upper, name, &up)) {
        if (present)
            deleted_tree(c, real, name, rel);
        return;
    }
    if (S_ISDIR(up.st_mode)) {
        _cleanup_close_ int usub =
            openat(upper, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int rsub = -1;
        if (usub < 0) {
            read_error(c, rel);
            return;
        }
        if (present && S_ISDIR(re.st_mode)) {
            if ((re.st_mode & 07777) != (up.st_mode & 07777)) {
                ch = add(c, rel, SBOX_MODIFIED);
                ch->now = up;
                ch->real = re;
                ch->real_present = true;
            }
            rsub = openat(real, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (rsub < 0) {
                read_error(c, rel);
                return;
            }
        } else {
            if (present)
                deleted_tree(c, real, name, rel);
            ch = add(c, rel, SBOX_ADDED);
            ch->now = up;
        }
        walk(c, usub, rsub, rel);
        return;
    }
    if (present && S_ISDIR(re.st_mode)) {
        /* A directory became something else: its contents go first, each one a deletion. */
        deleted_tree(c, real, name, rel);
        present = false;
    }
    if (!present) {
        ch = add(c, rel, SBOX_ADDED);
        ch->now = up;
        if (S_ISLNK(up.st_mode) && !(ch->target = link_target(upper, name)))
            read_error(c, rel);
        return;
    }
    {
        bool differ = (up.st_mode & S_IFMT) != (re.st_mode & S_IFMT) ||
                      (up.st_mode & 07777) != (re.st_mode & 07777);
        bool content = false;
        _cleanup_free_ char *target = NULL, *old = NULL;
        if (S_ISREG(up.st_mode)) {
            /* Something else before, or other bytes now. */
            content = (up.st_mode & S_IFMT) != (re.st_mode & S_IFMT) || up.st_size != re.st_size;
            if (!content) {
                _cleanup_close_ int a = openat(upper, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int b = openat(real, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (a < 0)
                    read_error(c, rel);
                content = a < 0 || b < 0 || !same_bytes(a, b);
            }
        }
        if (S_ISLNK(up.st_mode))
            target = link_target(upper, name);
        if (S_ISLNK(re.st_mode))
            old = link_target(real, name);
        if (S_ISLNK(up.st_mode) && !differ)
            differ = !target || !old || strcmp(target, old) != 0;
        if ((S_ISCHR(up.st_mode) || S_ISBLK(up.st_mode)) && !differ)
            differ = up.st_rdev != re.st_rdev;
        if (!differ && !content)
            return; /* copied up, but the same: a touch, or written back as it was */
        ch = add(c, rel, SBOX_MODIFIED);
        ch->now = up;
        ch->real = re;
        ch->real_present = true;
        ch->content = content;
        ch->target = steal_ptr(&target);
        ch->old_target = steal_ptr(&old);
    }
}

static void walk(struct sbox_changes *c, int upper, int real, const char *prefix)
{
    bool ok;
    _cleanup_strv_ char **names = names_of(upper, &ok);
    _cleanup_strv_ char **covered = NULL;
    bool hides = real >= 0 && opaque(upper, c->fuse);
    if (!ok) {
        read_error(c, prefix[0] ? prefix : ".");
        return;
    }
    for (size_t i = 0; names && names[i]; i++) {
        const char *name = names[i];
        _cleanup_free_ char *rel = NULL;
        if (c->fuse && strcmp(name, ".wh..wh..opq") == 0)
            continue;
        if (c->fuse && strncmp(name, ".wh.", 4) == 0 && name[4]) {
            /* fuse-overlayfs's whiteout, where it may not make a device node */
            rel = join(prefix, name + 4);
            sbox_strv_push(&covered, sbox_xstrdup(name + 4));
            if (real >= 0)
                deleted_tree(c, real, name + 4, rel);
            continue;
        }
        sbox_strv_push(&covered, sbox_xstrdup(name));
        rel = join(prefix, name);
        walk_entry(c, upper, real, name, rel);
    }
    if (hides) {
        /* An opaque directory: what the directory holds that the capture does not was
         * deleted (rm -r, then made again). */
        _cleanup_strv_ char **rnames = names_of(real, &ok);
        for (size_t i = 0; rnames && rnames[i]; i++) {
            bool seen = false;
            for (size_t j = 0; covered && covered[j] && !seen; j++)
                seen = strcmp(covered[j], rnames[i]) == 0;
            if (!seen) {
                _cleanup_free_ char *rel = join(prefix, rnames[i]);
                deleted_tree(c, real, rnames[i], rel);
            }
        }
    }
}

/* Why apply must never write this change, or NULL. */
static const char *refusal(const struct sbox_change *ch)
{
    mode_t t = ch->now.st_mode & S_IFMT;
    if (ch->kind == SBOX_DELETED)
        return NULL;
    switch (t) {
    case S_IFREG:
        if (ch->now.st_mode & (S_ISUID | S_ISGID))
            return "a set-user-id or set-group-id file";
        return NULL;
    case S_IFDIR:
        return NULL;
    case S_IFLNK:
        if (!ch->target)
            return "an unreadable symlink";
        if (ch->target[0] == '/')
            return "an absolute symlink";
        if (!sbox_changes_link_inside(ch->rel, ch->target))
            return "a symlink leading out of the directory";
        return NULL;
    case S_IFIFO:
        return "a fifo";
    case S_IFSOCK:
        return "a socket";
    default:
        return "a device node";
    }
}

void sbox_changes_walk(struct sbox_changes *out, int upper, int real, bool fuse, char *const *deny)
{
    memset(out, 0, sizeof *out);
    out->fuse = fuse;
    walk(out, upper, real, "");
    for (size_t i = 0; i < out->n; i++) {
        struct sbox_change *ch = &out->v[i];
        ch->refused = refusal(ch);
        for (size_t k = 0; deny && deny[k] && !ch->denied; k++)
            if (sbox_changes_match(deny[k], ch->rel))
                ch->denied = deny[k];
    }
}
