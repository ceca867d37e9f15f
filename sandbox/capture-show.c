/* capture-show.c: sbox diff and sbox captures, and the PATH arguments that choose changes. Reads a
 * capture as hostile; never writes to a captured directory, never runs a program, never shows a
 * capture's bytes unescaped nor leaves out a byte apply would land without saying so. */
#include "capture-show.h"
#include "capture-store.h"
#include "capture.h"
#include "changes.h"
#include "cleanup.h"
#include "files.h"
#include "json-out.h"
#include "sha256.h"
#include "sys.h"
#include "text.h"
#include "udiff.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- choosing paths ---------------------------------------------------------------------- */

/* A PATH argument as a path inside dir: absolute, or relative to cwd (the current directory,
 * passed only when it lies in a captured directory, as a shell user means it), else relative
 * to dir, where it may not climb with "..". NULL when it names nothing in dir. */
static char *relative_to(const char *dir, const char *arg, const char *cwd)
{
    _cleanup_free_ char *norm = NULL;
    if (arg[0] != '/' && !cwd) {
        _cleanup_free_ char *copy = sbox_xstrdup(arg);
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
            if (strcmp(c, "..") == 0)
                return NULL;
        norm = sbox_path_resolve("/", arg);
        return norm ? sbox_xstrdup(norm + 1) : NULL;
    }
    norm = arg[0] == '/' ? sbox_path_normalize(arg) : sbox_path_resolve(cwd, arg);
    if (!norm || !sbox_path_is_under(norm, dir))
        return NULL;
    return sbox_xstrdup(norm + strlen(dir) + (strcmp(dir, "/") != 0 && norm[strlen(dir)] == '/'));
}

/* The current directory when it lies in one of the captured directories, else NULL. */
const char *sbox_capture_cwd_in(const struct sbox_capture *cap, const char *cwd)
{
    for (size_t i = 0; cwd && i < cap->n_dirs; i++)
        if (sbox_path_is_under(cwd, cap->dirs[i].path))
            return cwd;
    return NULL;
}

bool sbox_capture_names_or_holds(const char *sel, const char *rel)
{
    size_t n = strlen(sel);
    return n == 0 || (strncmp(rel, sel, n) == 0 && (rel[n] == '\0' || rel[n] == '/'));
}

/* Marks the changes paths choose (all of them when there are none), with what they need: the
 * new directories that lead to them, and the deletions of what stands in their way (the walk
 * lists those right before, and a directory's changes right after the directory's own).
 * used[k] is set for each path that chose something. */
void sbox_capture_choose(const struct sbox_capture_dir *d, struct sbox_changes *ch,
                         char *const *paths, const char *cwd, bool *used)
{
    for (size_t i = 0; i < ch->n; i++)
        ch->v[i].selected = !paths || !paths[0];
    for (size_t k = 0; paths && paths[k]; k++) {
        _cleanup_free_ char *sel = relative_to(d->path, paths[k], cwd);
        if (!sel)
            continue;
        for (size_t i = 0; i < ch->n; i++)
            if (sbox_capture_names_or_holds(sel, ch->v[i].rel)) {
                ch->v[i].selected = true;
                used[k] = true;
            }
    }
    if (!paths || !paths[0])
        return;
    for (size_t j = 0; j < ch->n; j++) {
        if (ch->v[j].kind == SBOX_DELETED || !S_ISDIR(ch->v[j].now.st_mode))
            continue;
        for (size_t i = j + 1; i < ch->n && sbox_capture_names_or_holds(ch->v[j].rel, ch->v[i].rel);
             i++)
            if (ch->v[i].selected && ch->v[i].kind != SBOX_DELETED) {
                ch->v[j].selected = true;
                break;
            }
    }
    for (size_t i = 0; i < ch->n; i++) {
        if (!ch->v[i].selected || ch->v[i].kind == SBOX_DELETED)
            continue;
        for (size_t k = i; k-- > 0 && ch->v[k].kind == SBOX_DELETED &&
                           sbox_capture_names_or_holds(ch->v[i].rel, ch->v[k].rel);)
            ch->v[k].selected = true;
    }
}

int sbox_capture_check_paths(const struct sbox_capture *cap, char *const *paths, const char *cwd,
                             bool *used, FILE *msg)
{
    for (size_t k = 0; paths && paths[k]; k++) {
        char buf[PATH_MAX * 4];
        bool inside = false;
        for (size_t i = 0; i < cap->n_dirs && !inside; i++) {
            _cleanup_free_ char *r = relative_to(cap->dirs[i].path, paths[k], cwd);
            inside = r != NULL;
        }
        if (!inside) {
            fprintf(msg, "sbox: `%s`: names a path outside the captured director%s\n",
                    sbox_text_shown(paths[k], buf, sizeof buf), cap->n_dirs == 1 ? "y" : "ies");
            return 125;
        }
        if (!used[k]) {
            fprintf(msg, "sbox: `%s`: capture %s changed nothing there\n",
                    sbox_text_shown(paths[k], buf, sizeof buf), cap->id);
            return 125;
        }
    }
    return 0;
}

/* Why a change is denied, for messages. */
void sbox_capture_deny_text(const struct sbox_change *ch, char *buf, size_t size)
{
    char p[PATH_MAX];
    if (strcmp(ch->denied, SBOX_DENIED_GIT) == 0)
        snprintf(buf, size, "it lies in a git directory (HEAD, config, objects)");
    else
        snprintf(buf, size, "matches capture-deny `%s`", sbox_text_shown(ch->denied, p, sizeof p));
}

/* ---- a file's bytes ------------------------------------------------------------------------ */

/* Files up to this size are read whole at once; a larger one is first only counted and hashed
 * as it streams by, and read whole again only when its lines are shown. */
#define HOLD_MAX ((size_t)64 << 20)

/* A file of the capture or of the directory, as read for showing. */
struct content {
    char *s;  /* the bytes, when held */
    size_t n; /* how many there are */
    bool held, script;
    struct sbox_text_tally tally;
    bool hashed;
    char hash[65];
};

static void content_free(struct content *c)
{
    free(c->s);
    memset(c, 0, sizeof *c);
}

/* rel below dir, as a regular file: the walk saw one, but a build still running may have put a
 * fifo in its place since, which a read would wait on for ever. */
static int open_file(int dir, const char *rel)
{
    struct stat st;
    int fd = sys_openat2(dir, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, BENEATH);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = errno ? errno : EINVAL;
        return -1;
    }
    return fd;
}

/* Up to size bytes of fd from offset 0, into *ret (allocated); the count read, or -1. */
static ssize_t read_whole(int fd, size_t size, char **ret)
{
    char *buf = malloc(size + 1);
    size_t got = 0;
    if (!buf)
        abort();
    while (got < size) {
        ssize_t r = pread(fd, buf + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    *ret = buf;
    return (ssize_t)got;
}

/* How many bytes at the end of buf (n bytes) start a UTF-8 sequence they do not finish: the
 * next read's bytes finish it, and tallied apart it would count as invalid. */
static size_t unfinished(const char *buf, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char u = (unsigned char)buf[n - back];
        size_t want = (u & 0xe0) == 0xc0 ? 2 : (u & 0xf0) == 0xe0 ? 3 : (u & 0xf8) == 0xf0 ? 4 : 0;
        if ((u & 0xc0) == 0x80)
            continue;
        return want > back ? back : 0;
    }
    return 0;
}

/* Reads fd into c: held whole when small, else counted and hashed on the way. */
static int read_content(int fd, struct content *c)
{
    struct stat st;
    memset(c, 0, sizeof *c);
    if (fstat(fd, &st) < 0)
        return -1;
    if ((size_t)st.st_size <= HOLD_MAX) {
        ssize_t n = read_whole(fd, (size_t)st.st_size, &c->s);
        if (n < 0)
            return -1;
        c->n = (size_t)n;
        c->held = true;
        sbox_text_tally(c->s, c->n, &c->tally);
    } else {
        _cleanup_free_ char *buf = sbox_xmalloc(1 << 20);
        struct sbox_sha256 h;
        size_t keep = 0;
        sbox_sha256_init(&h);
        for (;;) {
            ssize_t r = pread(fd, buf + keep, (1 << 20) - keep, (off_t)(c->n + keep));
            size_t have, done;
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return -1;
            have = keep + (size_t)r;
            done = r == 0 ? have : have - unfinished(buf, have);
            if (c->n == 0 && have >= 2)
                c->script = buf[0] == '#' && buf[1] == '!';
            sbox_text_tally(buf, done, &c->tally);
            sbox_sha256_add(&h, buf, done);
            c->n += done;
            keep = have - done;
            memmove(buf, buf + done, keep);
            if (r == 0)
                break;
        }
        sbox_sha256_hex(&h, c->hash);
        c->hashed = true;
    }
    if (c->held)
        c->script = c->n >= 2 && c->s[0] == '#' && c->s[1] == '!';
    return 0;
}

/* The bytes of a file read only in passing, read whole now that its lines are shown. */
static int hold(int fd, struct content *c)
{
    ssize_t n;
    if (c->held)
        return 0;
    n = read_whole(fd, c->n, &c->s);
    if (n < 0)
        return -1;
    c->n = (size_t)n;
    c->held = true;
    return 0;
}

static const char *hash_of(struct content *c)
{
    if (!c->hashed) {
        struct sbox_sha256 h;
        sbox_sha256_init(&h);
        sbox_sha256_add(&h, c->s, c->n);
        sbox_sha256_hex(&h, c->hash);
        c->hashed = true;
    }
    return c->hash;
}

/* ---- showing ----------------------------------------------------------------------------- */

static const char *type_name(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFREG:
        return "file";
    case S_IFDIR:
        return "directory";
    case S_IFLNK:
        return "symlink";
    case S_IFIFO:
        return "fifo";
    case S_IFSOCK:
        return "socket";
    default:
        return "device node";
    }
}

/* Whether a program would still run what is in a file of this name: the shells, make, node,
 * python and the other interpreters read on past a NUL byte, and so do C compilers (with a
 * warning) and the tools that read configuration a build runs from. Such a file is shown
 * whole, however binary its bytes look. */
static bool runnable_name(const char *rel)
{
    static const char *const names[] = {
        "Makefile",    "makefile",  "GNUmakefile", "Dockerfile",  "Containerfile",
        "Rakefile",    "Gemfile",   "Jenkinsfile", "Vagrantfile", "CMakeLists.txt",
        "meson.build", "configure", ".envrc",      ".bashrc",     ".profile",
        ".zshrc",      ".npmrc",    ".yarnrc",     NULL,
    };
    static const char *const exts[] = {
        "sh",   "bash", "zsh", "js",  "mjs", "cjs",    "ts",  "mts", "cts",   "jsx", "tsx",
        "py",   "pyw",  "rb",  "pl",  "pm",  "php",    "lua", "ps1", "bat",   "cmd", "json",
        "toml", "yaml", "yml", "cfg", "ini", "gradle", "kts", "mk",  "cmake", "m4",  "ac",
        "am",   "c",    "h",   "cc",  "cpp", "cxx",    "hh",  "hpp", "s",     NULL,
    };
    const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
    const char *dot = strrchr(base, '.');
    for (size_t i = 0; names[i]; i++)
        if (strcmp(base, names[i]) == 0)
            return true;
    for (size_t i = 0; dot && dot != base && exts[i]; i++)
        if (strcasecmp(dot + 1, exts[i]) == 0)
            return true;
    return false;
}

/* Whether a file's lines are shown (else one line names it, with its size and hash): text, a
 * file a program would still run, or a text file made binary. What the lines hold that a
 * terminal would hide or act on is escaped, so nothing apply lands is out of sight. */
static bool shown_as_lines(const char *rel, const struct content *c, const struct content *was)
{
    return !sbox_text_binary(&c->tally, c->n) || c->script || runnable_name(rel) ||
           (was && !sbox_text_binary(&was->tally, was->n));
}

/* Says what the shown lines of a file hold escaped, so "\x00" in a line reads as a NUL byte
 * that is there, not as four characters. */
static void say_escaped(FILE *out, const char *label, const struct content *c)
{
    const struct sbox_text_tally *t = &c->tally;
    const struct {
        size_t n;
        const char *one, *many;
    } part[] = {
        {t->nul, "NUL byte", "NUL bytes"},
        {t->control + t->in_text, "control byte", "control bytes"},
        {t->invisible, "invisible or reordering character", "invisible or reordering characters"},
        {t->invalid, "byte of invalid UTF-8", "bytes of invalid UTF-8"},
    };
    const char *sep = "";
    if (!t->nul && !t->control && !t->in_text && !t->invisible && !t->invalid)
        return;
    fprintf(out, "!!! %s holds ", label);
    for (size_t i = 0; i < sizeof part / sizeof part[0]; i++) {
        if (!part[i].n)
            continue;
        fprintf(out, "%s%zu %s", sep, part[i].n,
                sbox_text_plural(part[i].n, part[i].one, part[i].many));
        sep = ", ";
    }
    fputs(": shown escaped, bytes as \\xNN and characters as \\u{XXXX}\n", out);
}

static void put_line(FILE *out, const char *s, size_t n)
{
    sbox_text_put(out, s, n, SBOX_AS_LINE);
}

static void show_lines(FILE *out, const struct content *a, const struct content *b, const char *la,
                       const char *lb)
{
    struct sbox_udiff how = {.label_a = la, .label_b = lb, .context = 3, .put = put_line};
    sbox_udiff_write(out, a ? a->s : "", a ? a->n : 0, b ? b->s : "", b ? b->n : 0, &how);
}

/* A regular file's bytes: old (the directory's, -1 when none) against now (the capture's, -1
 * for a deletion). */
static void show_bytes(FILE *out, const char *rel, const char *name, int old, int now)
{
    struct content a = {0}, b = {0};
    _cleanup_free_ char *la = old >= 0 ? sbox_xasprintf("a/%s", name) : sbox_xstrdup("/dev/null");
    _cleanup_free_ char *lb = now >= 0 ? sbox_xasprintf("b/%s", name) : sbox_xstrdup("/dev/null");
    if ((old >= 0 && read_content(old, &a) < 0) || (now >= 0 && read_content(now, &b) < 0)) {
        fprintf(out, "(%s cannot be read: %s)\n", name, strerror(errno));
    } else if (now < 0) {
        if (shown_as_lines(rel, &a, NULL) && hold(old, &a) == 0)
            show_lines(out, &a, NULL, la, lb);
        else
            fprintf(out, "Binary file %s deleted (%zu bytes, sha256 %s)\n", la, a.n, hash_of(&a));
    } else if (shown_as_lines(rel, &b, old >= 0 ? &a : NULL)) {
        if ((old >= 0 && hold(old, &a) < 0) || hold(now, &b) < 0) {
            fprintf(out, "(%s cannot be read: %s)\n", name, strerror(errno));
        } else {
            say_escaped(out, lb, &b);
            show_lines(out, old >= 0 ? &a : NULL, &b, la, lb);
        }
    } else if (old >= 0) {
        fprintf(out, "Binary file %s differs (%zu -> %zu bytes, sha256 %s -> %s)\n", lb, a.n, b.n,
                hash_of(&a), hash_of(&b));
    } else {
        fprintf(out, "Binary file %s added (%zu bytes, sha256 %s)\n", lb, b.n, hash_of(&b));
    }
    content_free(&a);
    content_free(&b);
}

static void show_change(FILE *out, const struct sbox_change *ch, int upper, int real)
{
    char name[PATH_MAX * 4], t1[PATH_MAX * 4], t2[PATH_MAX * 4];
    _cleanup_close_ int a = -1, b = -1;
    sbox_text_shown(ch->rel, name, sizeof name);
    if (ch->denied) {
        sbox_capture_deny_text(ch, t1, sizeof t1);
        fprintf(out, "!!! DENIED: %s %s: sbox apply leaves it out unless --include-denied\n", name,
                t1);
    }
    if (ch->refused)
        fprintf(out, "!!! REFUSED: %s is %s: sbox apply never writes it\n", name, ch->refused);
    if (ch->kind == SBOX_DELETED) {
        if (S_ISREG(ch->real.st_mode)) {
            fprintf(out, "deleted file %s (mode %04o)\n", name, ch->real.st_mode & 07777);
            a = open_file(real, ch->rel);
            if (a < 0)
                fprintf(out, "(%s cannot be read in the directory: %s)\n", name, strerror(errno));
            else
                show_bytes(out, ch->rel, name, a, -1);
        } else if (S_ISLNK(ch->real.st_mode)) {
            fprintf(out, "deleted symlink %s -> %s\n", name,
                    sbox_text_shown(ch->old_target ? ch->old_target : "?", t1, sizeof t1));
        } else {
            fprintf(out, "deleted %s %s%s\n", type_name(ch->real.st_mode), name,
                    S_ISDIR(ch->real.st_mode) ? "/" : "");
        }
        return;
    }
    if (ch->real_present && (ch->real.st_mode & S_IFMT) != (ch->now.st_mode & S_IFMT))
        fprintf(out, "%s: was a %s, is now a %s\n", name, type_name(ch->real.st_mode),
                type_name(ch->now.st_mode));
    if (S_ISDIR(ch->now.st_mode)) {
        if (ch->kind == SBOX_ADDED)
            fprintf(out, "new directory %s/ (mode %04o)\n", name, ch->now.st_mode & 07777);
        else
            fprintf(out, "mode %s/: %04o -> %04o\n", name, ch->real.st_mode & 07777,
                    ch->now.st_mode & 07777);
        return;
    }
    if (S_ISLNK(ch->now.st_mode)) {
        if (ch->kind == SBOX_MODIFIED && S_ISLNK(ch->real.st_mode))
            fprintf(out, "symlink %s: -> %s, now -> %s\n", name,
                    sbox_text_shown(ch->old_target ? ch->old_target : "?", t1, sizeof t1),
                    sbox_text_shown(ch->target ? ch->target : "?", t2, sizeof t2));
        else
            fprintf(out, "new symlink %s -> %s\n", name,
                    sbox_text_shown(ch->target ? ch->target : "?", t1, sizeof t1));
        return;
    }
    if (!S_ISREG(ch->now.st_mode)) {
        fprintf(out, "new %s %s\n", type_name(ch->now.st_mode), name);
        return;
    }
    if (ch->kind == SBOX_ADDED || !S_ISREG(ch->real.st_mode))
        fprintf(out, "new file %s (mode %04o)\n", name, ch->now.st_mode & 07777);
    else if ((ch->real.st_mode & 07777) != (ch->now.st_mode & 07777))
        fprintf(out, "mode %s: %04o -> %04o\n", name, ch->real.st_mode & 07777,
                ch->now.st_mode & 07777);
    if (ch->kind == SBOX_MODIFIED && S_ISREG(ch->real.st_mode) && !ch->content)
        return;
    b = open_file(upper, ch->rel);
    if (b < 0) {
        fprintf(out, "(%s cannot be read in the capture: %s)\n", name, strerror(errno));
        return;
    }
    if (ch->kind == SBOX_MODIFIED && S_ISREG(ch->real.st_mode))
        a = open_file(real, ch->rel);
    show_bytes(out, ch->rel, name, a, b);
}

/* What marks a change in one line of --stat: denied, refused. */
static void stat_marks(FILE *out, const struct sbox_change *ch)
{
    char t[PATH_MAX * 4];
    if (ch->denied && strcmp(ch->denied, SBOX_DENIED_GIT) == 0)
        fprintf(out, "   !! denied (in a git directory)");
    else if (ch->denied)
        fprintf(out, "   !! denied (capture-deny %s)", sbox_text_shown(ch->denied, t, sizeof t));
    if (ch->refused)
        fprintf(out, "   !! refused: %s", ch->refused);
}

void sbox_capture_stat_line(FILE *out, const struct sbox_change *ch)
{
    char name[PATH_MAX * 4], t[PATH_MAX * 4];
    const mode_t m = ch->kind == SBOX_DELETED ? ch->real.st_mode : ch->now.st_mode;
    fprintf(out, "  %c %s%s", "AMD"[ch->kind], sbox_text_shown(ch->rel, name, sizeof name),
            S_ISDIR(m) ? "/" : "");
    if (ch->kind != SBOX_DELETED && S_ISLNK(m))
        fprintf(out, " -> %s", sbox_text_shown(ch->target ? ch->target : "?", t, sizeof t));
    stat_marks(out, ch);
    fputc('\n', out);
}

/* ---- what is reviewed -------------------------------------------------------------------- */

/* Whether an --exclude pattern matches rel or a directory holding it. *last is the directory
 * (or path) found excluded last: the walk lists a directory's changes right after it. */
static bool excluded(char *const *patterns, const char *rel, char **last)
{
    _cleanup_free_ char *part = NULL;
    size_t depth = 0;
    if (!patterns || !patterns[0])
        return false;
    if (*last && sbox_capture_names_or_holds(*last, rel) && (*last)[0])
        return true;
    for (const char *c = rel; (c = strchr(c, '/')); c++)
        depth++;
    if (depth >= 250)
        return false; /* deeper than the matcher tells apart: shown, the safe side here */
    part = sbox_xstrdup(rel);
    for (char *end = part;; end++) {
        char keep = *end;
        if (keep != '/' && keep != '\0')
            continue;
        *end = '\0';
        for (size_t k = 0; patterns[k]; k++)
            if (sbox_changes_match(patterns[k], part)) {
                free(*last);
                *last = sbox_xstrdup(part);
                return true;
            }
        *end = keep;
        if (!keep)
            return false;
    }
}

/* Whether change i is a directory that is wholly new (nothing of it was there, nothing in it
 * changed but additions) with more than a few entries, which --stat shows as one line;
 * *ret_end: the first change past it. *ret_named: a PATH argument (sels) names it or
 * something in it, so it and every directory in it are shown whole. */
static bool collapses(const struct sbox_changes *ch, size_t i, char *const *sels, size_t *ret_end,
                      bool *ret_named)
{
    const struct sbox_change *d = &ch->v[i];
    size_t end = i + 1;
    *ret_named = false;
    if (d->kind != SBOX_ADDED || !S_ISDIR(d->now.st_mode) ||
        (d->real_present && S_ISDIR(d->real.st_mode)))
        return false;
    for (; end < ch->n && sbox_capture_names_or_holds(d->rel, ch->v[end].rel); end++)
        if (ch->v[end].kind != SBOX_ADDED)
            return false;
    *ret_end = end;
    for (size_t k = 0; sels && sels[k]; k++)
        if (sbox_capture_names_or_holds(d->rel, sels[k]))
            *ret_named = true;
    return !*ret_named && end - i - 1 > 3;
}

/* The --stat lines of the wholly new directory at i (its changes up to end): one for it, with
 * how many files and bytes it holds, then one for each entry in it that must not hide in a
 * count: denied, refused, or with a name shown escaped. */
static void stat_collapsed(FILE *out, const struct sbox_changes *ch, size_t i, size_t end,
                           const bool *hide)
{
    char name[PATH_MAX * 4], size[32];
    unsigned long files = 0;
    unsigned long long bytes = 0;
    for (size_t k = i + 1; k < end; k++) {
        if (hide[k] || S_ISDIR(ch->v[k].now.st_mode))
            continue;
        files++;
        if (S_ISREG(ch->v[k].now.st_mode))
            bytes += (unsigned long long)ch->v[k].now.st_size;
    }
    fprintf(out, "  A %s/ (%lu %s, %s)", sbox_text_shown(ch->v[i].rel, name, sizeof name), files,
            sbox_text_plural(files, "file", "files"), sbox_text_size(bytes, size, sizeof size));
    stat_marks(out, &ch->v[i]);
    fputc('\n', out);
    for (size_t k = i + 1; k < end; k++)
        if (!hide[k] &&
            (ch->v[k].denied || ch->v[k].refused || sbox_text_needs_escape(ch->v[k].rel) ||
             (ch->v[k].target && sbox_text_needs_escape(ch->v[k].target))))
            sbox_capture_stat_line(out, &ch->v[k]);
}

/* The first line of the review when the capture may still change under it: its run goes on
 * (the build can still write what is shown), or an apply or discard holds it. */
static void say_in_use(FILE *out, const struct sbox_capture *cap)
{
    int lock = -1, holder = sbox_capture_take_lock(cap, &lock);
    char pid[32] = "";
    /* Held for no longer than the look: an apply started meanwhile must find it free. */
    sbox_closep(&lock);
    if (holder < 0)
        return;
    if (holder > 0)
        snprintf(pid, sizeof pid, " (sbox pid %d)", holder);
    if (!cap->ended)
        fprintf(out,
                "!!! the run that makes capture %s is still going%s: what this shows may still "
                "change\n",
                cap->id, pid);
    else
        fprintf(out, "!!! capture %s is being applied or discarded%s: what this shows may change\n",
                cap->id, pid);
}

static void review_dir(FILE *out, const struct sbox_capture *cap, struct sbox_changes *ch,
                       int upper, int real, const struct sbox_diff_options *o, char *const *sels,
                       const char *where)
{
    char buf[PATH_MAX * 4];
    _cleanup_free_ bool *hide = calloc(ch->n + 1, sizeof *hide);
    _cleanup_free_ char *last = NULL;
    unsigned long n[3] = {0, 0, 0}, left_out = 0, collapsed = 0;
    if (!hide)
        abort();
    for (size_t k = 0; k < ch->n; k++) {
        if (!ch->v[k].selected)
            continue;
        n[0]++;
        n[1] += ch->v[k].kind == SBOX_ADDED;
        n[2] += ch->v[k].kind == SBOX_DELETED;
        hide[k] = excluded(o->exclude, ch->v[k].rel, &last);
        left_out += hide[k];
    }
    if (o->stat)
        fprintf(out, "capture %s of %s:\n", cap->id, sbox_text_shown(where, buf, sizeof buf));
    for (size_t k = 0, whole_to = 0; k < ch->n; k++) {
        size_t end;
        bool named;
        if (!ch->v[k].selected || hide[k])
            continue;
        if (!o->stat) {
            show_change(out, &ch->v[k], upper, real);
        } else if (o->expand || k < whole_to) {
            sbox_capture_stat_line(out, &ch->v[k]);
        } else if (!collapses(ch, k, sels, &end, &named)) {
            whole_to = named ? end : whole_to;
            sbox_capture_stat_line(out, &ch->v[k]);
        } else {
            stat_collapsed(out, ch, k, end, hide);
            collapsed++;
            k = end - 1;
        }
    }
    if (ch->error)
        fprintf(out, "!!! %s could not be read in the capture: %s\n",
                sbox_text_shown(ch->error_at, buf, sizeof buf), strerror(ch->error));
    if (o->stat)
        fprintf(out, "%lu changed, %lu added, %lu deleted\n", n[0], n[1], n[2]);
    if (collapsed)
        fprintf(out,
                "(%lu new %s shown as one line: --expand, or the directory as a PATH, lists "
                "what %s)\n",
                collapsed, sbox_text_plural(collapsed, "directory", "directories"),
                sbox_text_plural(collapsed, "it holds", "they hold"));
    if (left_out)
        fprintf(out, "(%lu %s left out by --exclude: sbox apply still lands %s)\n", left_out,
                sbox_text_plural(left_out, "change", "changes"),
                sbox_text_plural(left_out, "it", "them"));
}

int sbox_capture_show(const char *store, const char *id, const struct sbox_diff_options *o,
                      char *const *paths, const char *cwd, const char *home, FILE *out)
{
    struct sbox_error err = {0};
    struct sbox_capture cap;
    _cleanup_free_ bool *used = NULL;
    char buf[PATH_MAX * 4];
    const char *here;
    int r;
    sbox_capture_raise_nofile();
    if (sbox_capture_find(store, id, &cap, &err) < 0) {
        fprintf(stderr, "sbox: diff: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
        return 125;
    }
    if (cap.damaged) {
        fprintf(stderr, "sbox: diff: capture %s is damaged: %s (sbox discard %s removes it)\n",
                cap.id, cap.damaged, cap.id);
        sbox_capture_free(&cap);
        return 125;
    }
    say_in_use(out, &cap);
    here = sbox_capture_cwd_in(&cap, cwd);
    used = calloc(sbox_strv_len(paths) + 1, sizeof *used);
    if (!used)
        abort();
    for (size_t i = 0; i < cap.n_dirs; i++) {
        struct sbox_changes ch;
        _cleanup_close_ int real = -1, upper = -1;
        _cleanup_free_ char *where = sbox_text_tilde(cap.dirs[i].path, home);
        _cleanup_strv_ char **sels = NULL;
        if (sbox_capture_changes(&cap, &cap.dirs[i], &ch, &upper, &real, &err) < 0) {
            fprintf(stderr, "sbox: diff: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
            sbox_capture_free(&cap);
            return 125;
        }
        sbox_capture_choose(&cap.dirs[i], &ch, paths, here, used);
        for (size_t k = 0; paths && paths[k]; k++) {
            char *sel = relative_to(cap.dirs[i].path, paths[k], here);
            if (sel)
                sbox_strv_push(&sels, sel);
        }
        review_dir(out, &cap, &ch, upper, real, o, sels, where);
        sbox_changes_free(&ch);
    }
    r = sbox_capture_check_paths(&cap, paths, here, used, stderr);
    sbox_capture_free(&cap);
    return r;
}

/* capture.h's form, without the options sbox_capture_show takes. */
int sbox_capture_diff(const char *store, const char *id, bool stat, char *const *paths,
                      const char *cwd, const char *home, FILE *out)
{
    const struct sbox_diff_options o = {.stat = stat};
    return sbox_capture_show(store, id, &o, paths, cwd, home, out);
}

/* ---- listing ----------------------------------------------------------------------------- */

/* The changes of an interrupted run's capture, counted now; false when one cannot be read. */
static bool count_now(const struct sbox_capture *c, unsigned long counts[3])
{
    counts[0] = counts[1] = counts[2] = 0;
    for (size_t i = 0; i < c->n_dirs; i++) {
        struct sbox_changes ch;
        struct sbox_error err;
        unsigned long n[3];
        if (sbox_capture_changes(c, &c->dirs[i], &ch, NULL, NULL, &err) < 0)
            return false;
        sbox_capture_count(&ch, n);
        for (int k = 0; k < 3; k++)
            counts[k] += n[k];
        if (ch.error) {
            sbox_changes_free(&ch);
            return false;
        }
        sbox_changes_free(&ch);
    }
    return true;
}

/* What the capture's layers hold on disk, in bytes (what can be read of it: files a run made
 * as another of its ids may be out of reach). */
static unsigned long long layer_bytes(int dir, int depth)
{
    unsigned long long total = 0;
    DIR *d = fdopendir(dir);
    struct dirent *e;
    if (!d) {
        close(dir);
        return 0;
    }
    while ((e = readdir(d))) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        total += (unsigned long long)st.st_blocks * 512;
        if (S_ISDIR(st.st_mode) && depth < 256) {
            int sub = openat(dirfd(d), e->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            if (sub >= 0)
                total += layer_bytes(sub, depth + 1);
        }
    }
    closedir(d);
    return total;
}

/* The applied file's count of what was left out, or -1 when it says none. */
static long left_out(const struct sbox_capture *c)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/applied", c->path);
    _cleanup_free_ char *text = sbox_read_text(path);
    const char *l = text ? strstr(text, "left-out ") : NULL;
    return l ? strtol(l + 9, NULL, 10) : -1;
}

/* What a listing says of a capture beside what it holds: who writes it now, what apply left
 * out, its size. */
struct look {
    int holder; /* the pid writing it, or -1 */
    long left;  /* applied: the changes left out (0: none) */
    bool applied;
    unsigned long long bytes;
};

static void look_at(struct sbox_capture *c, struct look *l)
{
    int lock = -1, dir;
    l->holder = sbox_capture_take_lock(c, &lock);
    /* A run killed before its end was counted is counted now. Listing never removes: an
     * empty or damaged capture is shown, and sbox discard takes it. */
    if (l->holder < 0 && !c->ended && !c->damaged)
        c->counted = count_now(c, c->counts);
    l->applied = l->holder < 0 && !c->damaged && sbox_capture_applied(c);
    l->left = l->applied ? left_out(c) : 0;
    sbox_closep(&lock);
    dir = open(c->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    l->bytes = dir >= 0 ? layer_bytes(dir, 0) : 0;
}

int sbox_capture_list(const char *store, const char *home, FILE *out)
{
    size_t n, shown_n = 0;
    struct sbox_capture *all;
    sbox_capture_raise_nofile();
    all = sbox_capture_load_all(store, &n);
    for (size_t i = 0; i < n; i++) {
        struct sbox_capture *c = &all[i];
        char when[32], status[48], changes[64], size[32], buf[PATH_MAX * 4];
        time_t t = c->started.tv_sec;
        struct tm tm;
        struct look l;
        _cleanup_free_ char *where =
            c->n_dirs ? sbox_text_tilde(c->dirs[0].path, home) : sbox_xstrdup("?");
        look_at(c, &l);
        if (shown_n++ == 0)
            fprintf(out, "%-8s  %-16s  %-22s  %-8s  %-30s  %s\n", "ID", "STARTED", "STATUS", "SIZE",
                    "CHANGES", "DIRECTORY: COMMAND");
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
        if (c->damaged)
            snprintf(status, sizeof status, "damaged");
        else if (l.holder >= 0)
            snprintf(status, sizeof status, "running (%d)", l.holder);
        else if (l.applied && l.left > 0)
            snprintf(status, sizeof status, "applied, %ld left out", l.left);
        else if (l.applied)
            snprintf(status, sizeof status, "applied");
        else if (c->ended)
            snprintf(status, sizeof status, "exit %d", c->status);
        else
            snprintf(status, sizeof status, "interrupted");
        if (c->damaged)
            snprintf(changes, sizeof changes, "(sbox discard %s)", c->id);
        else if (c->counted)
            snprintf(changes, sizeof changes, "%lu changed, %lu added, %lu del", c->counts[0],
                     c->counts[1], c->counts[2]);
        else
            snprintf(changes, sizeof changes, "(sbox diff --stat %s)", c->id);
        sbox_text_size(l.bytes, size, sizeof size);
        fprintf(out, "%-8s  %-16s  %-22s  %-8s  %-30s  %s%s: ", c->id, when, status, size, changes,
                sbox_text_shown(where, buf, sizeof buf), c->n_dirs > 1 ? " ..." : "");
        if (c->damaged) {
            fprintf(out, "damaged: %s\n", c->damaged);
            sbox_capture_free(c);
            continue;
        }
        sbox_text_put(out, c->command ? c->command : "", strlen(c->command ? c->command : ""),
                      SBOX_AS_TEXT);
        fputc('\n', out);
        sbox_capture_free(c);
    }
    if (shown_n == 0)
        fprintf(out, "no captures in %s\n", store);
    free(all);
    return 0;
}

int sbox_capture_list_json(const char *store, FILE *out)
{
    size_t n;
    struct sbox_capture *all;
    struct sbox_jw j;
    sbox_capture_raise_nofile();
    all = sbox_capture_load_all(store, &n);
    sbox_jw_begin(&j, out);
    sbox_jw_object(&j, NULL);
    sbox_jw_str(&j, "store", store);
    sbox_jw_array(&j, "captures");
    for (size_t i = 0; i < n; i++) {
        struct sbox_capture *c = &all[i];
        char when[32];
        struct tm tm;
        struct look l;
        time_t t = c->started.tv_sec;
        look_at(c, &l);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        sbox_jw_object(&j, NULL);
        sbox_jw_str(&j, "id", c->id);
        sbox_jw_str(&j, "started", when);
        sbox_jw_str(&j, "state",
                    c->damaged      ? "damaged"
                    : l.holder >= 0 ? "running"
                    : l.applied     ? "applied"
                    : c->ended      ? "exited"
                                    : "interrupted");
        if (c->damaged)
            sbox_jw_str(&j, "damaged", c->damaged);
        if (l.holder >= 0)
            sbox_jw_int(&j, "pid", l.holder);
        if (c->ended && !c->damaged)
            sbox_jw_int(&j, "status", c->status);
        if (l.applied)
            sbox_jw_int(&j, "left_out", l.left > 0 ? l.left : 0);
        sbox_jw_int(&j, "bytes", (int64_t)l.bytes);
        if (c->counted && !c->damaged) {
            sbox_jw_object(&j, "changes");
            sbox_jw_int(&j, "changed", (int64_t)c->counts[0]);
            sbox_jw_int(&j, "added", (int64_t)c->counts[1]);
            sbox_jw_int(&j, "deleted", (int64_t)c->counts[2]);
            sbox_jw_end(&j);
        } else {
            sbox_jw_null(&j, "changes");
        }
        sbox_jw_array(&j, "directories");
        for (size_t k = 0; k < c->n_dirs; k++)
            sbox_jw_str(&j, NULL, c->dirs[k].path);
        sbox_jw_end(&j);
        sbox_jw_str(&j, "command", c->damaged ? NULL : c->command);
        sbox_jw_end(&j);
        sbox_capture_free(c);
    }
    sbox_jw_end(&j);
    sbox_jw_end(&j);
    free(all);
    return fflush(out) == 0 ? 0 : 125;
}
