/* changes.c: what an overlay's upper layer changed against the directory below it: the
 * kernel's and fuse-overlayfs's whiteouts and opaque directories read as deletions. Reads both
 * trees as hostile (no symlink followed, nothing written) and never decides what to do. */
#include "changes.h"
#include "cleanup.h"
#include "files.h"
#include "gitconfig.h"
#include "sys.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
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

/* Whether rel matches pattern whole, or (leading) only the first components of it: a symlink
 * there would lead every path the pattern names somewhere of the build's choosing. */
static bool match(const char *pattern, const char *rel, bool leading)
{
    _cleanup_free_ char *pc = sbox_xstrdup(pattern[0] == '/' ? pattern + 1 : pattern);
    _cleanup_free_ char *rc = sbox_xstrdup(rel);
    char *pat[64], *parts[256];
    size_t np = split(pc, pat, 64), nr = split(rc, parts, 256);
    if (np == 0 || np == 64 || nr == 256)
        return np != 0 && nr == 256; /* too deep to tell: counted as a match, the safe side */
    for (size_t k = 0; k < (pattern[0] == '/' ? 1 : nr); k++) {
        /* One ending in "**" names the directory too: hooks replaced by a symlink is a change. */
        size_t whole = strcmp(pat[np - 1], "**") == 0 && np > 1 ? np - 1 : np;
        if (match_parts(pat, np, parts + k, nr - k) || match_parts(pat, whole, parts + k, nr - k))
            return true;
        for (size_t cut = 1; leading && cut < np; cut++)
            if (match_parts(pat, cut, parts + k, nr - k))
                return true;
    }
    return false;
}

bool sbox_changes_match(const char *pattern, const char *rel)
{
    return match(pattern, rel, false);
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

/* The most of a .git/config read: the user's own, but read as any file in the directory. */
#define GIT_CONFIG_MAX (1 << 20)

/* The names git runs hooks by (githooks(5)): what a hooks directory that is the captured
 * directory itself would run. */
static const char *const hook_names[] = {
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "pre-receive",
    "update",
    "proc-receive",
    "post-receive",
    "post-update",
    "reference-transaction",
    "push-to-checkout",
    "pre-auto-gc",
    "post-rewrite",
    "sendemail-validate",
    "fsmonitor-watchman",
    "p4-changelist",
    "p4-prepare-changelist",
    "p4-post-changelist",
    "p4-pre-submit",
    "post-index-change",
};

/* A path below the directory as a deny pattern: anchored, its glob characters escaped. */
static char *literal_pattern(const char *rel, const char *tail)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    fputc('/', f);
    for (const char *c = rel; *c; c++) {
        if (strchr("*?[]\\", *c))
            fputc('\\', f);
        fputc(*c, f);
    }
    fputs(tail, f);
    fclose(f);
    return out;
}

static void deny_push(struct sbox_changes *c, char *pattern)
{
    for (size_t i = 0; c->implied && c->implied[i]; i++)
        if (strcmp(c->implied[i], pattern) == 0) {
            free(pattern);
            return;
        }
    sbox_strv_push(&c->implied, pattern);
    sbox_strv_push(&c->implied_why, sbox_xasprintf("%s (core.hooksPath)", pattern));
}

/* Denies what lies in hooks directory rel (normalised, below the directory; "" for the
 * directory itself, where only the hooks' own names are denied). */
static void deny_hooks_at(struct sbox_changes *c, const char *rel)
{
    if (rel[0]) {
        deny_push(c, literal_pattern(rel, "/**"));
        return;
    }
    for (size_t i = 0; i < sizeof hook_names / sizeof *hook_names; i++)
        deny_push(c, literal_pattern(hook_names[i], ""));
}

/* rel as a path inside the directory at dir_path (value absolute, relative, or ~/ for the
 * home as git reads it); NULL when it lies elsewhere. */
static char *inside_path(const char *dir_path, const char *value)
{
    _cleanup_free_ char *full = NULL;
    const char *home = getenv("HOME");
    if (strncmp(value, "~/", 2) == 0 || strcmp(value, "~") == 0)
        full = home && home[0] == '/' ? sbox_path_resolve(home, value[1] ? value + 2 : ".") : NULL;
    else if (value[0] == '~' || strncmp(value, "%(prefix)/", 10) == 0)
        return NULL; /* another user's home, git's own prefix: not the directory */
    else
        full = sbox_path_resolve(dir_path, value[0] ? value : ".");
    if (!full || !sbox_path_is_under(full, dir_path))
        return NULL;
    return sbox_xstrdup(full[strlen(dir_path)] ? full + strlen(dir_path) + 1 : "");
}

/* The directory's own repository (.git/config, read beneath real with no symlink followed, a
 * regular file of bounded size) may name a hooks directory inside it: git runs what lies there,
 * later, outside any sandbox. Denied by its path and by where the directory's symlinks lead
 * it. A .git file (a worktree's, a submodule's) points outside: not read. */
static void deny_hooks_path(struct sbox_changes *c, int real)
{
    _cleanup_close_ int fd = -1, at = -1;
    _cleanup_free_ char *value = NULL, *rel = NULL, *text = NULL;
    char dir_path[PATH_MAX], where[PATH_MAX];
    struct stat st;
    ssize_t n;
    fd = sys_openat2(real, ".git/config", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        sbox_fd_path(real, dir_path, sizeof dir_path) < 0)
        return;
    text = sbox_xmalloc(GIT_CONFIG_MAX);
    n = pread(fd, text, GIT_CONFIG_MAX, 0);
    if (n <= 0 || !(value = sbox_gitconfig_get(text, (size_t)n, "core", "hookspath")) ||
        !(rel = inside_path(dir_path, value)))
        return;
    deny_hooks_at(c, rel);
    /* Where git will find it: through the directory's symlinks, never out of it. */
    at = sys_openat2(real, rel[0] ? rel : ".", O_PATH | O_DIRECTORY | O_CLOEXEC,
                     RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    if (at >= 0 && sbox_fd_path(at, where, sizeof where) == 0) {
        _cleanup_free_ char *resolved = inside_path(dir_path, where);
        if (resolved && strcmp(resolved, rel) != 0)
            deny_hooks_at(c, resolved);
    }
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
    free(c->by_rel);
    free(c->error_at);
    sbox_strv_free(c->implied);
    sbox_strv_free(c->implied_why);
    memset(c, 0, sizeof *c);
}

static struct sbox_change *add(struct sbox_changes *c, const char *rel, enum sbox_change_kind k,
                               bool in_git)
{
    struct sbox_change *ch;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->v = sbox_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    ch = &c->v[c->n++];
    memset(ch, 0, sizeof *ch);
    ch->rel = sbox_xstrdup(rel);
    ch->kind = k;
    ch->in_git = in_git;
    return ch;
}

static void read_error(struct sbox_changes *c, const char *rel)
{
    if (!c->error) {
        c->error = errno ? errno : EIO;
        c->error_at = sbox_xstrdup(rel);
    }
}

/* Deeper trees are not walked (each level holds descriptors and stack): they are reported as
 * unreadable, which keeps the capture and stops apply. */
#define MAX_DEPTH 1000

static bool too_deep(struct sbox_changes *c, const char *rel)
{
    size_t depth = 0;
    for (const char *p = rel; *p; p++)
        depth += *p == '/';
    if (depth < MAX_DEPTH)
        return false;
    errno = ENAMETOOLONG;
    read_error(c, rel);
    return true;
}

static char *join(const char *prefix, const char *name)
{
    return prefix[0] ? sbox_xasprintf("%s/%s", prefix, name) : sbox_xstrdup(name);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct names {
    char **v;
    size_t n, cap;
};

static void names_push(struct names *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = sbox_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

static void names_free(struct names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool names_has(const struct names *l, const char *name)
{
    return l->n && bsearch(&name, l->v, l->n, sizeof *l->v, by_name) != NULL;
}

/* The names in the directory at fd (not "." and ".."), sorted; false when it cannot be read. */
static bool names_of(int fd, struct names *out)
{
    int dup = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
    struct dirent *e;
    memset(out, 0, sizeof *out);
    if (!d) {
        if (dup >= 0)
            close(dup);
        return false;
    }
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names_push(out, sbox_xstrdup(e->d_name));
    closedir(d);
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, by_name);
    return true;
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

/* Whether a directory (its upper and real sides, either -1) is a git directory, whatever its
 * name: HEAD with config, commondir (which names where the config is), objects or refs; or
 * the common part alone (config, objects and refs). git runs what such a directory's config
 * and hooks name when it is used, and a build can make one anywhere (a bare repository, or one
 * a .git file or symlink points to). */
static bool git_dir(int upper, int real)
{
    static const char *const names[] = {"HEAD", "config", "commondir", "objects", "refs"};
    bool has[5];
    for (size_t i = 0; i < 5; i++) {
        struct stat st;
        has[i] = (upper >= 0 && fstatat(upper, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0) ||
                 (real >= 0 && fstatat(real, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0);
    }
    return (has[0] && (has[1] || has[2] || has[3] || has[4])) || (has[1] && has[3] && has[4]);
}

/* The directory's entry rel and everything below it, deleted: children first. */
static void deleted_tree(struct sbox_changes *c, int real, const char *name, const char *rel,
                         bool in_git)
{
    struct stat st;
    struct sbox_change *ch;
    if (fstatat(real, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT)
            read_error(c, rel);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        _cleanup_close_ int sub = -1;
        struct names names;
        if (too_deep(c, rel))
            return;
        sub = openat(real, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        bool sub_git;
        if (sub < 0 || !names_of(sub, &names)) {
            read_error(c, rel);
            return;
        }
        sub_git = in_git || git_dir(-1, sub);
        for (size_t i = 0; i < names.n; i++) {
            _cleanup_free_ char *r = join(rel, names.v[i]);
            deleted_tree(c, sub, names.v[i], r, sub_git);
        }
        names_free(&names);
    }
    ch = add(c, rel, SBOX_DELETED, in_git);
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

/* Whether the kernel's overlay copied the entry up from the directory (user.overlay.origin,
 * empty when file handles are not in use, as in a user namespace), and the state of the
 * directory's parent directory then: a copied-up entry the directory no longer has was moved
 * by the run, or deleted by someone else, which changed that directory. */
static void origin_of(int dir, const char *name, int real_parent, struct sbox_change *ch)
{
    _cleanup_close_ int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    char path[64];
    struct stat st;
    if (fd < 0)
        return;
    /* fgetxattr needs a descriptor opened for reading; an O_PATH one (which can name a
     * symlink) is reached through its /proc link, which getxattr follows to the entry itself. */
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (getxattr(path, "user.overlay.origin", NULL, 0) < 0)
        return;
    ch->has_origin = true;
    if (real_parent >= 0 && fstat(real_parent, &st) == 0) {
        ch->parent_present = true;
        ch->parent_ctime = st.st_ctim;
    }
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

static void walk(struct sbox_changes *c, int upper, int real, const char *prefix, bool in_git,
                 bool hidden);

/* One entry of an upper directory against the directory's entry of the same name. */
static void walk_entry(struct sbox_changes *c, int upper, int real, const char *name,
                       const char *rel, bool in_git, bool hidden)
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
            deleted_tree(c, real, name, rel, in_git);
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
                ch = add(c, rel, SBOX_MODIFIED, in_git);
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
                deleted_tree(c, real, name, rel, in_git);
            ch = add(c, rel, SBOX_ADDED, in_git);
            ch->now = up;
            if (!c->fuse)
                origin_of(upper, name, real, ch);
        }
        /* Below an opaque directory every directory hides the directory's own, though the
         * kernel marks only the top one (those made inside it have no lower layer). */
        {
            bool hides = hidden || opaque(usub, c->fuse);
            walk(c, usub, rsub, rel, in_git || git_dir(usub, hides ? -1 : rsub), hides);
        }
        return;
    }
    if (present && S_ISDIR(re.st_mode)) {
        /* A directory became something else: its contents go first, each one a deletion. */
        deleted_tree(c, real, name, rel, in_git);
        present = false;
    }
    if (!present) {
        ch = add(c, rel, SBOX_ADDED, in_git);
        ch->now = up;
        if (S_ISLNK(up.st_mode) && !(ch->target = link_target(upper, name)))
            read_error(c, rel);
        if (!c->fuse)
            origin_of(upper, name, real, ch);
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
        ch = add(c, rel, SBOX_MODIFIED, in_git);
        ch->now = up;
        ch->real = re;
        ch->real_present = true;
        ch->content = content;
        ch->target = steal_ptr(&target);
        ch->old_target = steal_ptr(&old);
    }
}

static void walk(struct sbox_changes *c, int upper, int real, const char *prefix, bool in_git,
                 bool hidden)
{
    struct names names, covered = {0};
    bool hides = real >= 0 && hidden;
    if (too_deep(c, prefix))
        return;
    if (!names_of(upper, &names)) {
        read_error(c, prefix[0] ? prefix : ".");
        return;
    }
    for (size_t i = 0; i < names.n; i++) {
        const char *name = names.v[i];
        _cleanup_free_ char *rel = NULL;
        if (c->fuse && strcmp(name, ".wh..wh..opq") == 0)
            continue;
        if (c->fuse && strncmp(name, ".wh.", 4) == 0 && name[4]) {
            /* fuse-overlayfs's whiteout, where it may not make a device node */
            rel = join(prefix, name + 4);
            names_push(&covered, sbox_xstrdup(name + 4));
            if (real >= 0)
                deleted_tree(c, real, name + 4, rel, in_git);
            continue;
        }
        names_push(&covered, sbox_xstrdup(name));
        rel = join(prefix, name);
        walk_entry(c, upper, real, name, rel, in_git, hidden);
    }
    if (hides) {
        /* An opaque directory: what the directory holds that the capture does not was
         * deleted (rm -r, then made again). */
        struct names rnames;
        if (covered.n)
            qsort(covered.v, covered.n, sizeof *covered.v, by_name);
        if (!names_of(real, &rnames))
            read_error(c, prefix[0] ? prefix : ".");
        for (size_t i = 0; i < rnames.n; i++) {
            if (!names_has(&covered, rnames.v[i])) {
                _cleanup_free_ char *rel = join(prefix, rnames.v[i]);
                deleted_tree(c, real, rnames.v[i], rel, in_git);
            }
        }
        names_free(&rnames);
    }
    names_free(&covered);
    names_free(&names);
}

/* ---- where a symlink leads ----------------------------------------------------------------- */

/* A view of the directory: the capture laid over it (upper first, real where the upper has
 * nothing), the directory alone (upper == -1), or the directory as apply will leave it (sel:
 * the upper's entry where a chosen change puts one, nothing where a chosen deletion is, the
 * directory's own elsewhere). */
struct view {
    int upper, real;
    struct sbox_changes *sel;
};

static int by_rel(const void *a, const void *b, void *ctx)
{
    const struct sbox_changes *c = ctx;
    return strcmp(c->v[*(const size_t *)a].rel, c->v[*(const size_t *)b].rel);
}

/* The chosen change at path that decides it in the view sel: 1 the capture's entry, 0 none
 * (deleted), -1 the directory's own. The changes are looked up by path through an index made
 * once (a path has at most a deletion and what replaces it). */
static int chosen_at(struct sbox_changes *c, const char *path)
{
    size_t lo = 0, hi;
    int r = -1;
    if (!c->by_rel && c->n) {
        c->by_rel = sbox_xmalloc(c->n * sizeof *c->by_rel);
        for (size_t i = 0; i < c->n; i++)
            c->by_rel[i] = i;
        qsort_r(c->by_rel, c->n, sizeof *c->by_rel, by_rel, c);
    }
    hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(c->v[c->by_rel[mid]].rel, path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < c->n && strcmp(c->v[c->by_rel[lo]].rel, path) == 0; lo++) {
        const struct sbox_change *ch = &c->v[c->by_rel[lo]];
        if (!ch->selected)
            continue;
        if (ch->kind != SBOX_DELETED)
            return 1;
        r = 0;
    }
    return r;
}

/* The symlink at path (components below the directory) in a view: its target, or NULL when
 * path is not a symlink there. No symlink is followed on the way: the components before were
 * resolved already. */
static char *view_link(const struct view *v, const char *path)
{
    const char *slash = strrchr(path, '/');
    _cleanup_free_ char *dir = slash ? sbox_xstrndup(path, (size_t)(slash - path)) : NULL;
    const char *name = slash ? slash + 1 : path;
    int sides[2] = {v->upper, v->real};
    if (v->sel) {
        int at = chosen_at(v->sel, path);
        if (at == 0)
            return NULL;
        if (at < 0)
            sides[0] = -1;
    }
    for (int i = 0; i < 2; i++) {
        _cleanup_close_ int parent = -1;
        struct stat st;
        if (sides[i] < 0)
            continue;
        parent = dir ? sys_openat2(sides[i], dir, O_PATH | O_DIRECTORY | O_CLOEXEC,
                                   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
                     : fcntl(sides[i], F_DUPFD_CLOEXEC, 3);
        if (parent < 0 || fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue; /* not on this side: the next one */
        if (i == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0)
            return NULL; /* deleted in the capture */
        return S_ISLNK(st.st_mode) ? link_target(parent, name) : NULL;
    }
    return NULL;
}

/* An absolute target in the host's read-only system directories, as a virtualenv's python
 * links are: it leads nowhere the build could have written, nor to anyone's data. */
static bool system_target(const char *target)
{
    static const char *const system[] = {"/usr",   "/bin",   "/sbin",   "/lib",
                                         "/lib32", "/lib64", "/libx32", "/opt"};
    _cleanup_free_ char *norm = sbox_path_normalize(target);
    for (size_t i = 0; norm && i < sizeof system / sizeof *system; i++)
        if (sbox_path_is_under(norm, system[i]) && strcmp(norm, system[i]) != 0)
            return true;
    return false;
}

/* Whether one of the components still to resolve (names, last first) climbs with "..". */
static bool climbs(const struct names *queue)
{
    for (size_t i = 0; i < queue->n; i++)
        if (strcmp(queue->v[i], "..") == 0)
            return true;
    return false;
}

/* Whether a symlink at rel with this target, resolved as the kernel would in one view, stays
 * in the directory: every symlink met on the way (the capture's own included) is followed,
 * up to 40 of them. A way that reaches an absolute symlink into the system's directories, and
 * only goes down from there, is accepted as that symlink itself is (a virtualenv's
 * bin/python -> python3 -> /usr/bin/python3). */
static bool stays_inside(const struct view *v, const char *rel, const char *target)
{
    char *stack[PATH_MAX / 2];
    size_t depth = 0;
    struct names queue = {0}; /* components still to resolve, last first */
    _cleanup_free_ char *dir = sbox_xstrdup(rel);
    char *slash = strrchr(dir, '/'), *save = NULL;
    bool inside = true;
    int hops = 0;
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
    for (char *t = strtok_r(dir, "/", &save); t && depth < PATH_MAX / 2;
         t = strtok_r(NULL, "/", &save))
        stack[depth++] = sbox_xstrdup(t);
    {
        struct names parts = {0};
        _cleanup_free_ char *copy = sbox_xstrdup(target);
        for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
            names_push(&parts, sbox_xstrdup(t));
        while (parts.n)
            names_push(&queue, parts.v[--parts.n]);
        free(parts.v);
    }
    while (inside && queue.n) {
        char *comp = queue.v[--queue.n];
        _cleanup_free_ char *path = NULL, *link = NULL;
        size_t len = 0;
        if (!strcmp(comp, ".")) {
            free(comp);
            continue;
        }
        if (!strcmp(comp, "..")) {
            free(comp);
            if (depth == 0)
                inside = false;
            else
                free(stack[--depth]);
            continue;
        }
        if (depth == PATH_MAX / 2) {
            free(comp);
            inside = false;
            break;
        }
        stack[depth++] = comp;
        for (size_t i = 0; i < depth; i++)
            len += strlen(stack[i]) + 1;
        path = sbox_xmalloc(len);
        path[0] = '\0';
        for (size_t i = 0; i < depth; i++) {
            if (i)
                strcat(path, "/");
            strcat(path, stack[i]);
        }
        link = view_link(v, path);
        if (!link)
            continue;
        if (++hops > 40) {
            inside = false;
            break;
        }
        if (link[0] == '/') {
            inside = system_target(link) && !climbs(&queue);
            break;
        }
        free(stack[--depth]);
        {
            struct names parts = {0};
            for (char *t = strtok_r(link, "/", &save); t; t = strtok_r(NULL, "/", &save))
                names_push(&parts, sbox_xstrdup(t));
            while (parts.n)
                names_push(&queue, parts.v[--parts.n]);
            free(parts.v);
        }
    }
    while (depth)
        free(stack[--depth]);
    names_free(&queue);
    return inside;
}

/* Why apply must never write this change, or NULL. */
static const char *refusal(const struct sbox_change *ch, int upper, int real)
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
            return system_target(ch->target) ? NULL : "an absolute symlink";
        if (!sbox_changes_link_inside(ch->rel, ch->target))
            return "a symlink leading out of the directory";
        /* Through other symlinks, as the capture would leave them and as the directory has
         * them now: either way it must stay inside. */
        if (!stays_inside(&(struct view){upper, real, NULL}, ch->rel, ch->target) ||
            !stays_inside(&(struct view){-1, real, NULL}, ch->rel, ch->target))
            return "a symlink leading out of the directory through other symlinks";
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
    walk(out, upper, real, "", git_dir(upper, real), opaque(upper, fuse));
    deny_hooks_path(out, real);
    for (size_t i = 0; i < out->n; i++) {
        struct sbox_change *ch = &out->v[i];
        bool link = ch->kind != SBOX_DELETED && S_ISLNK(ch->now.st_mode);
        ch->refused = refusal(ch, upper, real);
        for (size_t k = 0; deny && deny[k] && !ch->denied; k++)
            if (match(deny[k], ch->rel, link))
                ch->denied = deny[k];
        for (size_t k = 0; out->implied && out->implied[k] && !ch->denied; k++)
            if (match(out->implied[k], ch->rel, link))
                ch->denied = out->implied_why[k];
        if (!ch->denied && ch->in_git)
            ch->denied = SBOX_DENIED_GIT;
    }
}

bool sbox_changes_link_lands_inside(struct sbox_changes *c, size_t i, int upper, int real)
{
    const struct sbox_change *ch = &c->v[i];
    if (ch->kind == SBOX_DELETED || !S_ISLNK(ch->now.st_mode) || !ch->target ||
        ch->target[0] == '/')
        return true;
    return stays_inside(&(struct view){upper, real, c}, ch->rel, ch->target);
}
