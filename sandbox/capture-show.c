/* capture-show.c: sbox diff and sbox captures, and the PATH arguments that choose changes. Reads a
 * capture as hostile; never writes to a captured directory, nor a capture's bytes unescaped. */
#include "capture-show.h"
#include "capture-store.h"
#include "capture.h"
#include "changes.h"
#include "cleanup.h"
#include "files.h"
#include "sys.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* Copies a diff's output with what could drive a terminal made visible, whether or not the
 * output is one: `| less -R` would pass it on. The output is for reading; apply lands the
 * bytes themselves. */
static void copy_shown(int from, FILE *out)
{
    FILE *in = fdopen(dup(from), "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    if (!in)
        return;
    while ((n = getline(&line, &cap, in)) > 0)
        sbox_text_put(out, line, (size_t)n, SBOX_AS_LINE);
    free(line);
    fclose(in);
}

static bool binary(int fd)
{
    char buf[8192];
    ssize_t n = fd < 0 ? 0 : pread(fd, buf, sizeof buf, 0);
    return n > 0 && memchr(buf, '\0', (size_t)n) != NULL;
}

/* diff -u of two open files (-1: empty), labelled. */
static void run_diff(FILE *out, int a, int b, const char *la, const char *lb)
{
    int p[2];
    pid_t pid;
    int status;
    fflush(out);
    if (pipe2(p, O_CLOEXEC) < 0)
        return;
    pid = fork();
    if (pid == 0) {
        int na = a >= 0 ? fcntl(a, F_DUPFD, 10) : -1, nb = b >= 0 ? fcntl(b, F_DUPFD, 10) : -1;
        if (dup2(p[1], 1) < 0 || (na >= 0 && dup2(na, 3) < 0) || (nb >= 0 && dup2(nb, 4) < 0))
            _exit(127);
        execlp("diff", "diff", "-u", "--label", la, "--label", lb,
               na >= 0 ? "/dev/fd/3" : "/dev/null", nb >= 0 ? "/dev/fd/4" : "/dev/null",
               (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    if (pid > 0)
        copy_shown(p[0], out);
    close(p[0]);
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 127)
        fputs("(the lines are not shown: diff(1), from diffutils, is not installed)\n", out);
}

/* The unified diff of a file against nothing, written here rather than by diff(1): a build
 * that adds 40,000 files would otherwise fork 40,000 times. sign is '+' (added) or '-'. */
static void one_sided(FILE *out, int fd, char sign, const char *la, const char *lb)
{
    FILE *in = lseek(fd, 0, SEEK_SET) == 0 ? fdopen(dup(fd), "r") : NULL;
    char *line = NULL;
    size_t cap = 0, lines = 0;
    ssize_t n;
    bool newline = true;
    if (!in)
        return;
    while ((n = getline(&line, &cap, in)) > 0) {
        lines++;
        newline = line[n - 1] == '\n';
    }
    if (lines == 0) {
        free(line);
        fclose(in);
        return; /* an empty file: diff shows no lines either */
    }
    fprintf(out, "--- %s\n+++ %s\n", la, lb);
    /* As diff writes them: "+1" for one line, "+1,N" for more. */
    if (lines == 1)
        fprintf(out, sign == '+' ? "@@ -0,0 +1 @@\n" : "@@ -1 +0,0 @@\n");
    else if (sign == '+')
        fprintf(out, "@@ -0,0 +1,%zu @@\n", lines);
    else
        fprintf(out, "@@ -1,%zu +0,0 @@\n", lines);
    rewind(in);
    while ((n = getline(&line, &cap, in)) > 0) {
        fputc(sign, out);
        sbox_text_put(out, line, (size_t)n, SBOX_AS_LINE);
    }
    if (!newline)
        fputs("\n\\ No newline at end of file\n", out);
    free(line);
    fclose(in);
}

/* A file with a NUL byte is shown as binary, which could hide a script: text followed by NULs
 * still runs. When the file was text, or starts as a script does, its text up to the first NUL
 * is shown too. */
static void text_before_nul(FILE *out, int old, int now, const char *la, const char *lb)
{
    char buf[65536];
    ssize_t n = pread(now, buf, sizeof buf, 0);
    const char *nul = n > 0 ? memchr(buf, '\0', (size_t)n) : NULL;
    size_t len = nul ? (size_t)(nul - buf) : n > 0 ? (size_t)n : 0;
    _cleanup_close_ int mem = -1;
    bool script = len >= 2 && buf[0] == '#' && buf[1] == '!';
    bool text = len >= 2;
    /* Text: valid UTF-8 with no control character but tab, newline and carriage return
     * (which an executable's or an image's first bytes are not). */
    for (size_t i = 0; text && i < len;) {
        size_t l = sbox_text_utf8_len((const unsigned char *)buf + i, len - i);
        text = l && !((unsigned char)buf[i] < 0x20 && !strchr("\t\n\r", buf[i]));
        i += l ? l : 1;
    }
    if (len == 0 || !((old >= 0 && !binary(old)) || script || text))
        return;
    mem = memfd_create("text", MFD_CLOEXEC);
    if (mem < 0 || write(mem, buf, len) != (ssize_t)len)
        return;
    fprintf(out, "!!! %s is binary, but %s: its text before the first NUL byte:\n", lb,
            script                     ? "starts as a script does"
            : old >= 0 && !binary(old) ? "was text"
                                       : "starts as text");
    if (old >= 0 && !binary(old))
        run_diff(out, old, mem, la, lb);
    else
        one_sided(out, mem, '+', "/dev/null", lb);
}

static void show_change(FILE *out, const struct sbox_change *ch, int upper, int real)
{
    char name[PATH_MAX * 4], t1[PATH_MAX * 4], t2[PATH_MAX * 4];
    _cleanup_free_ char *la = NULL, *lb = NULL;
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
            a = sys_openat2(real, ch->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, BENEATH);
            la = sbox_xasprintf("a/%s", name);
            if (binary(a))
                fprintf(out, "Binary file %s deleted (%lld bytes)\n", la,
                        (long long)ch->real.st_size);
            else if (a >= 0)
                one_sided(out, a, '-', la, "/dev/null");
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
    b = sys_openat2(upper, ch->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, BENEATH);
    if (ch->kind == SBOX_MODIFIED && S_ISREG(ch->real.st_mode))
        a = sys_openat2(real, ch->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, BENEATH);
    la = a >= 0 ? sbox_xasprintf("a/%s", name) : sbox_xstrdup("/dev/null");
    lb = sbox_xasprintf("b/%s", name);
    if (b < 0)
        fprintf(out, "(%s cannot be read in the capture: %s)\n", name, strerror(errno));
    else if (binary(a) || binary(b)) {
        fprintf(out, "Binary file %s %s (%lld bytes)\n", lb, a >= 0 ? "differs" : "added",
                (long long)ch->now.st_size);
        if (binary(b))
            text_before_nul(out, a, b, la, lb);
    } else if (a < 0)
        one_sided(out, b, '+', la, lb);
    else
        run_diff(out, a, b, la, lb);
}

void sbox_capture_stat_line(FILE *out, const struct sbox_change *ch)
{
    char name[PATH_MAX * 4], t[PATH_MAX * 4];
    const mode_t m = ch->kind == SBOX_DELETED ? ch->real.st_mode : ch->now.st_mode;
    fprintf(out, "  %c %s%s", "AMD"[ch->kind], sbox_text_shown(ch->rel, name, sizeof name),
            S_ISDIR(m) ? "/" : "");
    if (ch->kind != SBOX_DELETED && S_ISLNK(m))
        fprintf(out, " -> %s", sbox_text_shown(ch->target ? ch->target : "?", t, sizeof t));
    if (ch->denied && strcmp(ch->denied, SBOX_DENIED_GIT) == 0)
        fprintf(out, "   !! denied (in a git directory)");
    else if (ch->denied)
        fprintf(out, "   !! denied (capture-deny %s)", sbox_text_shown(ch->denied, t, sizeof t));
    if (ch->refused)
        fprintf(out, "   !! refused: %s", ch->refused);
    fputc('\n', out);
}

int sbox_capture_diff(const char *store, const char *id, bool stat, char *const *paths,
                      const char *cwd, const char *home, FILE *out)
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
    here = sbox_capture_cwd_in(&cap, cwd);
    used = calloc(sbox_strv_len(paths) + 1, sizeof *used);
    for (size_t i = 0; i < cap.n_dirs; i++) {
        struct sbox_changes ch;
        _cleanup_close_ int real = -1, upper = -1;
        _cleanup_free_ char *where = sbox_text_tilde(cap.dirs[i].path, home);
        unsigned long n[3] = {0, 0, 0};
        if (sbox_capture_changes(&cap, &cap.dirs[i], &ch, &upper, &real, &err) < 0) {
            fprintf(stderr, "sbox: diff: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
            sbox_capture_free(&cap);
            return 125;
        }
        sbox_capture_choose(&cap.dirs[i], &ch, paths, here, used);
        for (size_t k = 0; k < ch.n; k++)
            if (ch.v[k].selected) {
                n[0]++;
                n[1] += ch.v[k].kind == SBOX_ADDED;
                n[2] += ch.v[k].kind == SBOX_DELETED;
            }
        if (stat)
            fprintf(out, "capture %s of %s:\n", cap.id, sbox_text_shown(where, buf, sizeof buf));
        for (size_t k = 0; k < ch.n; k++) {
            if (!ch.v[k].selected)
                continue;
            if (stat)
                sbox_capture_stat_line(out, &ch.v[k]);
            else
                show_change(out, &ch.v[k], upper, real);
        }
        if (ch.error)
            fprintf(out, "!!! %s could not be read in the capture: %s\n",
                    sbox_text_shown(ch.error_at, buf, sizeof buf), strerror(ch.error));
        if (stat)
            fprintf(out, "%lu changed, %lu added, %lu deleted\n", n[0], n[1], n[2]);
        sbox_changes_free(&ch);
    }
    r = sbox_capture_check_paths(&cap, paths, here, used, stderr);
    sbox_capture_free(&cap);
    return r;
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

int sbox_capture_list(const char *store, const char *home, FILE *out)
{
    size_t n, shown_n = 0;
    struct sbox_capture *all;
    sbox_capture_raise_nofile();
    all = sbox_capture_load_all(store, &n);
    for (size_t i = 0; i < n; i++) {
        struct sbox_capture *c = &all[i];
        char when[32], status[32], changes[64], buf[PATH_MAX * 4];
        time_t t = c->started.tv_sec;
        struct tm tm;
        int lock = -1, holder = sbox_capture_take_lock(c, &lock);
        _cleanup_free_ char *where =
            c->n_dirs ? sbox_text_tilde(c->dirs[0].path, home) : sbox_xstrdup("?");
        if (holder < 0 && !c->ended) {
            /* A run killed before its end was counted: counted now, and gone if empty (as the
             * run itself would have removed it). */
            c->counted = count_now(c, c->counts);
            if (c->counted && c->counts[0] == 0) {
                sbox_remove_tree(c->path);
                sbox_closep(&lock);
                sbox_capture_free(c);
                continue;
            }
        }
        if (shown_n++ == 0)
            fprintf(out, "%-8s  %-16s  %-16s  %-30s  %s\n", "ID", "STARTED", "STATUS", "CHANGES",
                    "DIRECTORY: COMMAND");
        strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
        if (holder >= 0)
            snprintf(status, sizeof status, "running (%d)", holder);
        else if (c->ended)
            snprintf(status, sizeof status, "exit %d", c->status);
        else
            snprintf(status, sizeof status, "interrupted");
        sbox_closep(&lock);
        if (c->counted)
            snprintf(changes, sizeof changes, "%lu changed, %lu added, %lu del", c->counts[0],
                     c->counts[1], c->counts[2]);
        else
            snprintf(changes, sizeof changes, "(sbox diff --stat %s)", c->id);
        fprintf(out, "%-8s  %-16s  %-16s  %-30s  %s%s: ", c->id, when, status, changes,
                sbox_text_shown(where, buf, sizeof buf), c->n_dirs > 1 ? " ..." : "");
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
