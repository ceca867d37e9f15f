/* Unit tests for sbox apply on made-up captures: a store, an upper layer and a directory in a
 * temporary directory, recorded by sbox_capture_end as a run's end would. The verdict on each
 * change (sbox_apply_judge), then what lands, what is left out or refused, and conflicts that
 * stop everything. */
#include "capture-apply.h"
#include "capture-store.h"
#include "capture.h"
#include "cleanup.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char base[PATH_MAX], store[PATH_MAX + 16];

static void put(const char *dir, const char *name, const char *text)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void link_at(const char *dir, const char *name, const char *target)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    if (symlink(target, path) < 0)
        printf("# symlink %s: %s\n", path, strerror(errno));
}

static void dir_at(const char *dir, const char *name)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    mkdir(path, 0755);
}

static void chmod_at(const char *dir, const char *name, mode_t mode)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    chmod(path, mode);
}

/* The text of dir/name, or "(none)". */
static char *text_of(const char *dir, const char *name)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    char buf[256];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return sbox_xstrdup("(none)");
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return sbox_xstrdup(buf);
}

static char *target_of(const char *dir, const char *name)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    return sbox_xstrdup(n > 0 ? buf : "(none)");
}

static void file_is(const char *dir, const char *name, const char *want, const char *what)
{
    _cleanup_free_ char *got = text_of(dir, name);
    is_str(got, want, "%s", what);
}

static void link_is(const char *dir, const char *name, const char *want, const char *what)
{
    _cleanup_free_ char *got = target_of(dir, name);
    is_str(got, want, "%s", what);
}

static bool exists(const char *dir, const char *name)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Every name, type and size below dir, for "nothing was written" checks. */
static char *snapshot(const char *dir)
{
    _cleanup_free_ char *cmd =
        sbox_xasprintf("cd '%s' && find . -printf '%%p %%y %%s %%l\\n' | LC_ALL=C sort", dir);
    char *out = NULL, buf[4096];
    size_t n = 0, got;
    FILE *f = open_memstream(&out, &n), *p = popen(cmd, "r");
    while (p && (got = fread(buf, 1, sizeof buf, p)) > 0)
        fwrite(buf, 1, got, f);
    if (p)
        pclose(p);
    fclose(f);
    return out;
}

/* A capture ID of the directory dir (mount slot 0), as sbox_capture_begin makes it: meta
 * (started now, after dir was made) and an empty upper layer, whose path is returned. The layer
 * is marked as fuse-overlayfs's, whose whiteouts (.wh.NAME) any user can make. */
static char *make_capture(const char *id, const char *dir, char *const *deny)
{
    _cleanup_free_ char *cdir = sbox_xasprintf("%s/%s", store, id);
    _cleanup_free_ char *slot = sbox_xasprintf("%s/0", cdir);
    char *upper = sbox_xasprintf("%s/0/upper", cdir);
    _cleanup_free_ char *meta = NULL;
    struct timespec now;
    FILE *f;
    mkdir(cdir, 0700);
    mkdir(slot, 0700);
    mkdir(upper, 0755);
    put(slot, "fuse", "");
    clock_gettime(CLOCK_REALTIME, &now);
    meta = sbox_xasprintf("%s/meta", cdir);
    f = fopen(meta, "w");
    fprintf(f, "sbox-capture 1\nstarted %lld.%09ld\npid 1\ncommand make\ndir 0 %s\n",
            (long long)now.tv_sec, now.tv_nsec, dir);
    for (size_t i = 0; deny && deny[i]; i++)
        fprintf(f, "deny %s\n", deny[i]);
    fclose(f);
    return upper;
}

/* What sbox_capture_end records when the run is over: records, status and counts in meta. */
static void end_capture(const char *id)
{
    struct sbox_capture_run run = {.store_fd = -1, .lock_fd = -1};
    char **lines;
    run.id = sbox_xstrdup(id);
    run.store = sbox_xasprintf("%s/%s", store, id);
    lines = sbox_capture_end(&run, 0, base);
    ok(lines && lines[0] && strstr(lines[0], "review: sbox diff"), "capture %s ended: %s", id,
       lines && lines[0] ? lines[0] : "(no summary)");
    sbox_strv_free(lines);
}

struct result {
    int status;
    char *out, *err;
};

/* sbox apply, its standard output and its standard error kept. */
static struct result apply(const char *id, bool include_denied, bool dry_run, char *const *paths)
{
    struct result r = {0};
    size_t n = 0;
    FILE *out = open_memstream(&r.out, &n);
    int saved = dup(2), mem = memfd_create("stderr", MFD_CLOEXEC);
    char buf[8192];
    ssize_t got;
    fflush(stderr);
    dup2(mem, 2);
    r.status = sbox_capture_apply(store, id, include_denied, dry_run, paths, NULL, base, out);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(out);
    got = pread(mem, buf, sizeof buf - 1, 0);
    buf[got > 0 ? got : 0] = '\0';
    close(mem);
    r.err = sbox_xstrdup(buf);
    return r;
}

static void result_free(struct result *r)
{
    free(r->out);
    free(r->err);
}

static void has(const char *text, const char *what, const char *name)
{
    ok(text && strstr(text, what), "%s", name);
    if (!text || !strstr(text, what))
        printf("#   want: '%s'\n#   in: '%s'\n", what, text ? text : "(null)");
}

/* The verdict list of capture id: "KIND path: verdict (why)" lines, after the status of
 * opening and judging it ("open 0, judge 1"); msg gets their lines. */
static char *verdicts(const char *id, char *const *paths, char **msg)
{
    static const char *const names[] = {"unchosen", "lands",    "denied",
                                        "refused",  "conflict", "blocked"};
    struct sbox_apply a;
    char *out = NULL;
    size_t n = 0, m = 0;
    FILE *f = open_memstream(&out, &n), *mf = open_memstream(msg, &m);
    int r = sbox_apply_open(&a, store, id, paths, NULL, base, mf);
    fprintf(f, "open %d", r);
    if (r == 0) {
        fprintf(f, ", judge %d\n", sbox_apply_judge(&a, false, base, mf));
        for (size_t i = 0; i < a.n; i++)
            fprintf(f, "%c %s: %s%s%s%s\n", "AMD"[a.v[i].change->kind], a.v[i].change->rel,
                    names[a.v[i].verdict], a.v[i].why ? " (" : "", a.v[i].why ? a.v[i].why : "",
                    a.v[i].why ? ")" : "");
        sbox_apply_free(&a);
    }
    fclose(mf);
    fclose(f);
    return out;
}

/* A hostile build: edits, additions, a deletion, a denied file, symlinks out (one of them
 * only through what apply leaves out), a fifo. */
static void test_hostile(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj", base);
    _cleanup_free_ char *upper = NULL, *before = NULL, *after = NULL;
    struct result r;

    mkdir(proj, 0755);
    put(proj, "a.txt", "one\n");
    put(proj, "c.txt", "gone\n");
    put(proj, "keep.txt", "keep\n");
    dir_at(proj, "s");
    link_at(proj, "s/q", "..");
    upper = make_capture("0000000a", proj, (char *const[]){"/s/q/**", ".envrc", NULL});
    put(upper, "a.txt", "two\n");
    put(upper, "new.txt", "new\n");
    put(upper, ".wh.c.txt", "");
    dir_at(upper, "sub");
    put(upper, "sub/f", "f\n");
    put(upper, ".envrc", "export PATH=/evil\n");
    link_at(upper, "abs", "/etc/passwd");
    link_at(upper, "up", "../../escape");
    link_at(upper, "fine", "a.txt");
    /* s/q becomes a directory, which the deny pattern leaves out: apply leaves s/q the
     * symlink to .. it is, so p/q/../../x (fine in the capture) would lead out. */
    dir_at(upper, "s");
    dir_at(upper, "s/q");
    link_at(upper, "p", "s");
    link_at(upper, "thru", "p/q/../../x");
    {
        _cleanup_free_ char *ff = sbox_xasprintf("%s/ff", upper);
        ok(mkfifo(ff, 0644) == 0, "a fifo in the upper layer");
    }
    end_capture("0000000a");
    before = snapshot(proj);

    {
        _cleanup_free_ char *msg = NULL, *got = verdicts("0000000a", NULL, &msg);
        is_str(got,
               "open 0, judge 0\n"
               "A .envrc: denied (matches capture-deny `.envrc`)\n"
               "D c.txt: lands\n"
               "M a.txt: lands\n"
               "A abs: refused (an absolute symlink)\n"
               "A ff: refused (a fifo)\n"
               "A fine: lands\n"
               "A new.txt: lands\n"
               "A p: lands\n"
               "D s/q: denied (matches capture-deny `/s/q/**`)\n"
               "A s/q: denied (matches capture-deny `/s/q/**`)\n"
               "A sub: lands\n"
               "A sub/f: lands\n"
               "A thru: refused (a symlink that would lead out of the directory through what is "
               "left out)\n"
               "A up: refused (a symlink leading out of the directory)\n",
               "the verdict on each change");
        has(msg, "sbox: apply: refused thru:", "... with a line for each left out");
        ok(!strstr(msg, "fine") && !strstr(msg, "new.txt"), "... and none for what lands");
        free(got);
        free(msg);
        got = verdicts("0000000a", (char *const[]){"sub/f", NULL}, &msg);
        has(got, "A sub: lands\nA sub/f: lands\n", "a path chooses its new directory too");
        has(got, "M a.txt: unchosen\n", "... and not the others");
        ok(strstr(got, "refused") == NULL && strstr(got, "denied") == NULL,
           "... which are not judged");
    }

    r = apply("0000000a", false, true, NULL);
    is_str(r.out,
           "  D c.txt\n" /* the walk's order: .wh.c.txt comes first */
           "  M a.txt\n"
           "  A fine -> a.txt\n"
           "  A new.txt\n"
           "  A p -> s\n"
           "  A sub/\n"
           "  A sub/f\n",
           "--dry-run lists what would land, and only that");
    ok(r.status == 1, "--dry-run of a capture with refused paths: status 1 (%d)", r.status);
    has(r.err,
        "sbox: apply: left out .envrc: matches capture-deny `.envrc` (--include-denied "
        "applies it)\n",
        "--dry-run says what is left out");
    has(r.err, "sbox: apply: refused abs: an absolute symlink\n",
        "... an absolute symlink refused");
    has(r.err, "sbox: apply: refused up: a symlink leading out of the directory\n",
        "... a symlink leading out refused");
    has(r.err, "sbox: apply: refused ff: a fifo\n", "... a fifo refused");
    has(r.err, "sbox: apply: left out s/q: matches capture-deny `/s/q/**`",
        "... a denied directory left out");
    has(r.err,
        "sbox: apply: refused thru: a symlink that would lead out of the directory through "
        "what is left out\n",
        "... a symlink out through what is left out");
    ok(!strstr(r.err, "sbox: applied"), "--dry-run says nothing was applied");
    after = snapshot(proj);
    is_str(after, before, "--dry-run writes nothing");
    result_free(&r);

    r = apply("0000000a", false, false, NULL);
    ok(r.status == 1, "apply of a capture with refused paths: status 1 (%d)", r.status);
    is_str(r.out, "", "apply prints nothing on standard output");
    has(r.err,
        "sbox: applied 7 changes from capture 0000000a (5 added, 1 modified, 1 deleted); left "
        "out 3 denied, 4 refused\n",
        "apply counts what it did");
    file_is(proj, "a.txt", "two\n", "a changed file lands");
    file_is(proj, "new.txt", "new\n", "a new file lands");
    file_is(proj, "sub/f", "f\n", "a new directory's file lands");
    ok(!exists(proj, "c.txt"), "a deleted file goes");
    file_is(proj, "keep.txt", "keep\n", "an untouched file stays");
    link_is(proj, "fine", "a.txt", "a symlink inside lands");
    ok(!exists(proj, ".envrc"), "a denied file does not land");
    ok(!exists(proj, "abs") && !exists(proj, "up") && !exists(proj, "ff") && !exists(proj, "thru"),
       "refused entries do not land");
    link_is(proj, "s/q", "..", "the denied directory's place keeps its symlink");
    ok(!exists(base, "x") && !exists(base, "escape"), "nothing lands outside");
    result_free(&r);

    r = apply("0000000a", true, false, (char *const[]){".envrc", NULL});
    ok(r.status == 0, "--include-denied PATH: status 0 (%d)", r.status);
    file_is(proj, ".envrc", "export PATH=/evil\n", "... and the denied file lands");
    result_free(&r);

    r = apply("0000000a", false, false, (char *const[]){"../escape", NULL});
    ok(r.status == 125, "a path outside the directory: status 125 (%d)", r.status);
    has(r.err, "names a path outside the captured directory", "... saying why");
    result_free(&r);
}

/* The directory changed after the run: nothing is applied, but other paths may be by name. */
static void test_conflicts(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj2", base);
    _cleanup_free_ char *upper = NULL, *before = NULL, *after = NULL, *c = NULL;
    struct result r;

    mkdir(proj, 0755);
    put(proj, "a.txt", "one\n");
    put(proj, "b.txt", "b\n");
    put(proj, "c.txt", "c\n");
    put(proj, "same.txt", "same\n");
    upper = make_capture("0000000b", proj, NULL);
    put(upper, "a.txt", "two\n");
    put(upper, "b.txt", "b2\n");
    put(upper, "c.txt", "c2\n");
    put(upper, "same.txt", "built\n");
    end_capture("0000000b");
    put(proj, "a.txt", "mine, longer\n");
    c = sbox_xasprintf("%s/c.txt", proj);
    unlink(c);
    put(proj, "same.txt", "same\n"); /* written back with its bytes: no conflict */
    before = snapshot(proj);

    {
        _cleanup_free_ char *msg = NULL, *got = verdicts("0000000b", NULL, &msg);
        is_str(got,
               "open 0, judge 1\n"
               "M a.txt: conflict (changed since the run ended)\n"
               "M b.txt: lands\n"
               "A c.txt: conflict (deleted since the run ended)\n" /* c.txt is gone now */
               "M same.txt: lands\n",
               "conflicts are verdicts, and stop everything");
        has(msg, "nothing applied: 2 paths changed since the run", "... saying so");
        free(got);
        free(msg);
        got = verdicts("0000000b", (char *const[]){"zzz", NULL}, &msg);
        is_str(got, "open 125", "a path that chooses nothing: status 125 before any verdict");
    }

    r = apply("0000000b", false, true, NULL);
    ok(r.status == 1, "--dry-run over conflicts: status 1 (%d)", r.status);
    is_str(r.out, "", "... and lists nothing");
    result_free(&r);

    r = apply("0000000b", false, false, NULL);
    ok(r.status == 1, "apply over conflicts: status 1 (%d)", r.status);
    has(r.err, "sbox: apply: conflict: a.txt in ~/proj2 was changed since the run ended\n",
        "a file changed since the run is a conflict");
    has(r.err, "sbox: apply: conflict: c.txt in ~/proj2 was deleted since the run ended\n",
        "a file deleted since the run is a conflict");
    ok(!strstr(r.err, "same.txt"), "a file written back with its bytes is none");
    has(r.err,
        "sbox: apply: nothing applied: 2 paths changed since the run (apply other paths by "
        "name, or run the build again)\n",
        "... and nothing is applied");
    after = snapshot(proj);
    is_str(after, before, "... not even what has no conflict");
    result_free(&r);

    r = apply("0000000b", false, false, (char *const[]){"b.txt", "same.txt", NULL});
    ok(r.status == 0, "the paths without a conflict apply by name (%d)", r.status);
    file_is(proj, "b.txt", "b2\n", "... and land");
    file_is(proj, "a.txt", "mine, longer\n", "... while the conflicting file stays");
    result_free(&r);
}

/* A file that replaces a directory holding a denied path cannot land whole. */
static void test_blocked(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj4", base);
    _cleanup_free_ char *upper = NULL, *msg = NULL, *got = NULL;

    mkdir(proj, 0755);
    dir_at(proj, "conf");
    put(proj, "conf/.envrc", "export A=1\n");
    put(proj, "conf/c", "c\n");
    upper = make_capture("0000000d", proj, (char *const[]){".envrc", NULL});
    put(upper, "conf", "file\n");
    end_capture("0000000d");
    got = verdicts("0000000d", NULL, &msg);
    is_str(got,
           "open 0, judge 1\n"
           "D conf/.envrc: denied (matches capture-deny `.envrc`)\n"
           "D conf/c: lands\n"
           "D conf: lands\n"
           "A conf: blocked (the directory it replaces holds paths that are left out)\n",
           "a change that cannot land whole is blocked");
    has(msg,
        "sbox: apply: nothing applied: 1 change cannot land whole (apply other paths by name)\n",
        "... and nothing is applied");
}

/* A run sbox did not see end (no records): the start time alone tells. */
static void test_unended(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj3", base);
    _cleanup_free_ char *upper = NULL;
    struct result r;

    mkdir(proj, 0755);
    put(proj, "a.txt", "one\n");
    upper = make_capture("0000000c", proj, NULL);
    put(upper, "a.txt", "two\n");
    dir_at(upper, "d");
    put(upper, "d/n", "n\n");
    r = apply("0000000c", false, false, NULL);
    ok(r.status == 0, "apply of an interrupted run's capture: status 0 (%d)", r.status);
    has(r.err, "sbox: applied 3 changes from capture 0000000c (2 added, 1 modified, 0 deleted)\n",
        "... counting what it did");
    file_is(proj, "d/n", "n\n", "... and it lands");
    result_free(&r);
}

static mode_t mode_of(const char *dir, const char *name)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

/* Modes: write for group or others and the sticky bit land only where they were; a file made
 * executable, or a new executable file, is said. */
static void test_modes(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj5", base);
    _cleanup_free_ char *upper = NULL;
    struct result r;

    mkdir(proj, 0755);
    put(proj, "script.sh", "echo old\n");
    chmod_at(proj, "script.sh", 0644);
    put(proj, "shared.txt", "old\n");
    chmod_at(proj, "shared.txt", 0664);
    put(proj, "tool", "old\n");
    chmod_at(proj, "tool", 0755);
    upper = make_capture("0000000e", proj, NULL);
    put(upper, "Makefile", "all:\n");
    chmod_at(upper, "Makefile", 0666);
    put(upper, "script.sh", "echo new\n");
    chmod_at(upper, "script.sh", 0755);
    put(upper, "shared.txt", "new\n");
    chmod_at(upper, "shared.txt", 0664);
    put(upper, "new-tool", "#!/bin/sh\n");
    chmod_at(upper, "new-tool", 0775);
    put(upper, "tool", "new\n");
    chmod_at(upper, "tool", 0755);
    put(upper, "sticky", "s\n");
    chmod_at(upper, "sticky", 01644);
    dir_at(upper, "open");
    chmod_at(upper, "open", 0777);
    end_capture("0000000e");

    r = apply("0000000e", false, true, NULL);
    has(r.err, "sbox: apply: would make executable: script.sh\n",
        "--dry-run says which file would be made executable");
    has(r.err, "sbox: apply: would take write for group or others (or the sticky bit) off 4 paths",
        "... and which modes would lose write for others");
    ok(mode_of(proj, "script.sh") == 0644, "... and changes nothing");
    result_free(&r);

    r = apply("0000000e", false, false, NULL);
    ok(r.status == 0, "apply with modes to adjust: status 0 (%d)", r.status);
    ok(mode_of(proj, "Makefile") == 0644, "a new world-writable file lands 0644 (%04o)",
       mode_of(proj, "Makefile"));
    ok(mode_of(proj, "open") == 0755, "a new world-writable directory lands 0755 (%04o)",
       mode_of(proj, "open"));
    ok(mode_of(proj, "sticky") == 0644, "a file's sticky bit does not land (%04o)",
       mode_of(proj, "sticky"));
    ok(mode_of(proj, "new-tool") == 0755, "a new executable keeps its execute bits (%04o)",
       mode_of(proj, "new-tool"));
    ok(mode_of(proj, "shared.txt") == 0664, "group write the file had stays (%04o)",
       mode_of(proj, "shared.txt"));
    ok(mode_of(proj, "script.sh") == 0755, "an execute bit added lands (%04o)",
       mode_of(proj, "script.sh"));
    has(r.err, "sbox: apply: made executable: script.sh\n", "... with a line saying so");
    ok(!strstr(r.err, "executable: tool"), "... and none for a file that was executable");
    has(r.err, "sbox: apply: new executable: new-tool\n", "a new executable file is named");
    has(r.err,
        "sbox: apply: took write for group or others (or the sticky bit) off 4 paths: "
        "Makefile, new-tool, open/, sticky\n",
        "the modes that lost write for others, in one line");
    has(r.err, "(4 added, 3 modified, 0 deleted; 1 mode changed)",
        "the summary counts modified files and mode changes");
    result_free(&r);
}

/* An editor saves a file between apply's checks and its writes: the save is kept. */
static void test_late(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj6", base);
    _cleanup_free_ char *upper = NULL, *msg = NULL, *a_path = NULL, *tmp = NULL;
    struct sbox_apply a;
    struct timespec t0;
    size_t n = 0;
    FILE *mf;
    int r;

    mkdir(proj, 0755);
    put(proj, "renamed.txt", "one\n");
    put(proj, "inplace.txt", "two\n");
    put(proj, "gone.txt", "three\n");
    put(proj, "kept.txt", "four\n");
    put(proj, "fine.txt", "five\n");
    upper = make_capture("0000000f", proj, NULL);
    put(upper, "renamed.txt", "build\n");
    put(upper, "inplace.txt", "buil\n"); /* the size the user's save has too */
    put(upper, ".wh.gone.txt", "");
    put(upper, "kept.txt", "build\n");
    put(upper, "fine.txt", "build\n");
    put(upper, "new.txt", "build\n");
    dir_at(upper, "newdir");
    put(upper, "newdir/f", "build\n");
    end_capture("0000000f");

    mf = open_memstream(&msg, &n);
    clock_gettime(CLOCK_REALTIME, &t0);
    r = sbox_apply_open(&a, store, "0000000f", NULL, NULL, base, mf);
    ok(r == 0 && sbox_apply_judge(&a, false, base, mf) == 0, "the capture is checked");
    /* Now, as editors do: a new file renamed over one, a file written in place (same size, in
     * the same clock tick: only its bytes tell), a file to delete saved, a new file made. */
    put(proj, "renamed.txt.tmp", "mine\n");
    a_path = sbox_xasprintf("%s/renamed.txt", proj);
    tmp = sbox_xasprintf("%s/renamed.txt.tmp", proj);
    rename(tmp, a_path);
    {
        _cleanup_free_ char *path = sbox_xasprintf("%s/inplace.txt", proj);
        struct stat st;
        int fd;
        stat(path, &st);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        ok(fd >= 0 && pwrite(fd, "mine", 4, 0) == 4, "a file saved in place");
        futimens(fd, (struct timespec[]){st.st_atim, st.st_mtim});
        close(fd);
    }
    put(proj, "gone.txt", "three, and mine\n");
    put(proj, "new.txt", "mine\n");
    if (r == 0)
        r = sbox_apply_land(&a, &t0, base, mf);
    fclose(mf);
    ok(r == 1, "apply over saves made while it ran: status 1 (%d)", r);
    file_is(proj, "renamed.txt", "mine\n", "a file renamed over the checked one stays");
    file_is(proj, "inplace.txt", "mine", "a file saved in place stays");
    file_is(proj, "gone.txt", "three, and mine\n", "a file saved before its deletion stays");
    file_is(proj, "new.txt", "mine\n", "a file made where a new one lands stays");
    file_is(proj, "kept.txt", "build\n", "the others land");
    file_is(proj, "newdir/f", "build\n", "... new directories too");
    has(msg,
        "sbox: apply: conflict: renamed.txt in ~/proj6 was changed while apply ran: left as it "
        "is\n",
        "a line for each");
    has(msg, "conflict: inplace.txt in ~/proj6 was changed while apply ran", "... in place too");
    has(msg, "conflict: gone.txt in ~/proj6 was changed while apply ran", "... a deletion");
    has(msg, "conflict: new.txt in ~/proj6 was made while apply ran", "... a new file");
    has(msg, "4 paths changed while it wrote, left as they are", "... and the summary counts them");
    {
        _cleanup_free_ char *left = snapshot(proj);
        ok(!strstr(left, ".sbox-apply-"), "no temporary file is left");
    }
    sbox_apply_free(&a);
}

/* The capture's layer changed after its run ended: that file is refused, the rest lands. */
static void test_altered(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj7", base);
    _cleanup_free_ char *upper = NULL, *rec = NULL, *old = NULL, *path = NULL;
    struct result r;

    mkdir(proj, 0755);
    upper = make_capture("00000010", proj, NULL);
    put(upper, "shown.txt", "shown\n");
    put(upper, "later.txt", "shown\n");
    put(upper, "mode.txt", "m\n");
    link_at(upper, "link", "shown.txt");
    end_capture("00000010");
    put(upper, "later.txt", "HIDDEN\n");
    chmod_at(upper, "mode.txt", 0755);
    path = sbox_xasprintf("%s/link", upper);
    unlink(path);
    link_at(upper, "link", "later.txt");
    r = apply("00000010", false, false, NULL);
    ok(r.status == 1, "apply of a capture changed after its run: status 1 (%d)", r.status);
    has(r.err, "sbox: apply: refused later.txt: changed in the capture since its run ended\n",
        "a file written after the run is refused");
    has(r.err, "refused mode.txt: changed in the capture", "... one whose mode changed");
    has(r.err, "refused link: changed in the capture", "... a symlink pointed elsewhere");
    ok(!exists(proj, "later.txt") && !exists(proj, "mode.txt") && !exists(proj, "link"),
       "... and none of them lands");
    file_is(proj, "shown.txt", "shown\n", "what the run left lands");
    result_free(&r);

    /* Records written before they held the capture's side still load. */
    proj[0] = proj[0];
    upper = (free(upper), make_capture("00000011", proj, NULL));
    put(upper, "old.txt", "old format\n");
    rec = sbox_xasprintf("%s/00000011/records", store);
    {
        FILE *f = fopen(rec, "w");
        fprintf(f, "0 A - -\told.txt\n");
        fclose(f);
    }
    r = apply("00000011", false, false, NULL);
    ok(r.status == 0, "a capture recorded by an earlier sbox applies (%d)", r.status);
    file_is(proj, "old.txt", "old format\n", "... and lands");
    result_free(&r);
    (void)old;
}

/* What the store holds is read as hostile: nothing hangs, nothing is deleted by reading. */
static void test_damaged(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj8", base);
    _cleanup_free_ char *upper = NULL, *meta = NULL, *path = NULL;
    struct sbox_capture *all;
    struct sbox_capture c;
    struct sbox_error err = {0};
    struct result r;
    size_t n;
    const char *why = NULL;

    mkdir(proj, 0755);
    upper = make_capture("00000012", proj, NULL);
    put(upper, "build.o", "object\n");
    meta = sbox_xasprintf("%s/00000012/meta", store);
    put(store, "00000012/meta", "sbox-capture 1\nstarted 1.0\ncommand make\n"); /* no dir line */
    all = sbox_capture_load_all(store, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i].id, "00000012") == 0)
            why = all[i].damaged;
        sbox_capture_free(&all[i]);
    }
    free(all);
    is_str(why, "its meta file names no captured directory",
           "a capture whose meta names no directory is listed as damaged");
    ok(sbox_capture_find(store, "00000012", &c, &err) == 0 && c.damaged, "... and found");
    sbox_capture_free(&c);
    r = apply("00000012", false, false, NULL);
    ok(r.status == 125, "apply of it: status 125 (%d)", r.status);
    has(r.err,
        "sbox: apply: capture 00000012 cannot be applied: its meta file names no captured "
        "directory (sbox discard 00000012 removes it)\n",
        "... saying why and how to discard it");
    ok(exists(upper, "build.o"), "... and the build's output is still there");
    result_free(&r);

    /* FIFOs in place of the store's files: alarm ends a hang as a failure. */
    alarm(20);
    unlink(meta);
    ok(mkfifo(meta, 0600) == 0, "a fifo as meta");
    r = apply("00000012", false, false, NULL);
    has(r.err, "its meta file is not a regular file", "apply says so, without hanging");
    result_free(&r);
    unlink(meta);
    put(store, "00000012/meta", "");
    upper = (free(upper), make_capture("00000013", proj, NULL));
    put(upper, "x", "x\n");
    end_capture("00000013");
    path = sbox_xasprintf("%s/00000013/records", store);
    unlink(path);
    ok(mkfifo(path, 0600) == 0, "a fifo as records");
    r = apply("00000013", false, false, NULL);
    ok(r.status == 125, "apply of it: status 125 (%d)", r.status);
    has(r.err, "its records file is not a regular file", "... saying so, without hanging");
    result_free(&r);
    unlink(path);
    free(path);
    path = sbox_xasprintf("%s/00000013/lock", store);
    unlink(path);
    ok(mkfifo(path, 0600) == 0, "a fifo as lock");
    r = apply("00000013", false, false, NULL);
    has(r.err, "its lock file is not a regular file", "... saying so, without hanging");
    result_free(&r);
    alarm(0);
    ok(exists(store, "00000012") && exists(store, "00000013"), "nothing was deleted");
    ok(sbox_capture_discard(store, (char *const[]){"00000013", NULL}, "u", getuid(), getgid(),
                            base) == 0 &&
           !exists(store, "00000013"),
       "sbox discard removes a capture whose lock is a fifo, as it says");
}

/* The pid that holds a capture, even while it is only taking the lock. */
static void test_lock(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj9", base);
    _cleanup_free_ char *upper = NULL, *lock = NULL, *want = NULL;
    int p[2];
    pid_t pid;
    struct result r;

    mkdir(proj, 0755);
    upper = make_capture("00000014", proj, NULL);
    put(upper, "x", "x\n");
    end_capture("00000014");
    lock = sbox_xasprintf("%s/00000014/lock", store);
    /* The pid of the last holder, gone. */
    pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    {
        _cleanup_free_ char *gone = sbox_xasprintf("%d\n", (int)pid);
        put(store, "00000014/lock", gone);
    }
    for (int kind = 0; kind < 2; kind++) {
        int held[2];
        char c;
        if (pipe(p) < 0 || pipe(held) < 0)
            return;
        pid = fork();
        if (pid == 0) {
            int fd = open(lock, O_RDWR | O_CLOEXEC);
            char text[32];
            flock(fd, LOCK_EX);
            close(p[1]);
            close(held[0]);
            close(held[1]); /* taken */
            /* Marked a moment after it is taken, as sbox does. */
            usleep(50000);
            snprintf(text, sizeof text, kind ? "%d hold\n" : "%d\n", (int)getpid());
            if (ftruncate(fd, 0) < 0 || pwrite(fd, text, strlen(text), 0) < 0)
                _exit(1);
            if (read(p[0], text, 1) < 0)
                _exit(1);
            _exit(0);
        }
        close(p[0]);
        close(held[1]);
        ok(read(held[0], &c, 1) == 0, "another process takes the lock");
        close(held[0]);
        r = apply("00000014", false, false, NULL);
        close(p[1]);
        waitpid(pid, NULL, 0);
        want = (free(want), sbox_xasprintf("is in use (sbox pid %d): %s", (int)pid,
                                           kind ? "another sbox applies or discards it"
                                                : "its run is still going"));
        ok(r.status == 125, "apply of a capture held by another: status 125 (%d)", r.status);
        has(r.err, want, kind ? "... naming the apply holding it" : "... naming the run's pid");
        result_free(&r);
    }
}

/* A program that opened a file before apply moved it, and writes into it a moment later: the
 * write is seen, and the file put back with it, for a replaced file and a deleted one. */
static void test_settle(void)
{
    _cleanup_free_ char *proj = sbox_xasprintf("%s/proj10", base);
    _cleanup_free_ char *upper = NULL, *msg = NULL, *r_path = NULL, *d_path = NULL;
    struct sbox_apply a;
    struct timespec t0;
    size_t n = 0;
    int ready[2], status = -1, r;
    pid_t pid;
    FILE *mf;

    mkdir(proj, 0755);
    put(proj, "r.txt", "one\n");
    put(proj, "d.txt", "two\n");
    upper = make_capture("00000015", proj, NULL);
    put(upper, "r.txt", "build\n");
    put(upper, ".wh.d.txt", "");
    end_capture("00000015");
    r_path = sbox_xasprintf("%s/r.txt", proj);
    d_path = sbox_xasprintf("%s/d.txt", proj);
    if (pipe(ready) < 0)
        return;
    pid = fork();
    if (pid == 0) {
        int fr = open(r_path, O_WRONLY | O_CLOEXEC), fd = open(d_path, O_WRONLY | O_CLOEXEC);
        struct stat st0, st;
        bool wr = false, wd = false;
        fstat(fr, &st0);
        close(ready[0]);
        close(ready[1]);
        for (int i = 0; i < 5000 && !(wr && wd); i++) {
            if (!wr && stat(r_path, &st) == 0 && st.st_ino != st0.st_ino)
                wr = pwrite(fr, "mine-r\n", 7, 0) == 7;
            if (!wd && stat(d_path, &st) < 0 && errno == ENOENT)
                wd = pwrite(fd, "mine-d\n", 7, 0) == 7;
            usleep(1000);
        }
        _exit(wr && wd ? 0 : 1);
    }
    close(ready[1]);
    ok(read(ready[0], &(char){0}, 1) == 0, "a program holds both files open");
    close(ready[0]);
    mf = open_memstream(&msg, &n);
    clock_gettime(CLOCK_REALTIME, &t0);
    r = sbox_apply_open(&a, store, "00000015", NULL, NULL, base, mf);
    if (r == 0 && sbox_apply_judge(&a, false, base, mf) == 0)
        r = sbox_apply_land(&a, &t0, base, mf);
    if (r != 125)
        sbox_apply_free(&a);
    fclose(mf);
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "... and writes into each once it moved");
    ok(r == 1, "apply: status 1 (%d)", r);
    file_is(proj, "r.txt", "mine-r\n", "the replaced file written into is put back");
    file_is(proj, "d.txt", "mine-d\n", "the deleted file written into is put back");
    has(msg, "conflict: r.txt in ~/proj10 was changed while apply ran", "... each a conflict");
    has(msg, "conflict: d.txt in ~/proj10 was changed while apply ran", "... both");
    {
        _cleanup_free_ char *left = snapshot(proj);
        ok(!strstr(left, ".sbox-apply-"), "no temporary file is left");
    }
}

int main(void)
{
    char tmp[] = "/tmp/sbox-test-apply.XXXXXX";
    _cleanup_free_ char *cmd = NULL;
    /* The directory is opened with no symlink followed: its real path. */
    if (!mkdtemp(tmp) || !realpath(tmp, base)) {
        ok(0, "a temporary directory");
        return tap_done();
    }
    snprintf(store, sizeof store, "%s/store", base);
    mkdir(store, 0700);
    test_hostile();
    test_conflicts();
    test_blocked();
    test_unended();
    test_modes();
    test_late();
    test_altered();
    test_damaged();
    test_lock();
    test_settle();
    cmd = sbox_xasprintf("rm -rf '%s'", base);
    ok(system(cmd) == 0, "clean up");
    return tap_done();
}
