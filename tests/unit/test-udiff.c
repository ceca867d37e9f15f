/* Unit tests for udiff.c (the unified diff sbox diff writes) and sha256.c (the hash it names
 * binary files by). The diff is held against diff(1) itself, run by its absolute path only
 * here, on generated edits: byte for byte where the shortest edit is unique, and otherwise as
 * a patch that turns one text into the other with as few changed lines as diff's. */
#include "cleanup.h"
#include "sha256.h"
#include "tap.h"
#include "udiff.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DIFF "/usr/bin/diff"

static char *udiff(const char *a, size_t na, const char *b, size_t nb, unsigned context,
                   bool *ret_differ)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct sbox_udiff how = {.label_a = "a", .label_b = "b", .context = context};
    bool differ = sbox_udiff_write(f, a, na, b, nb, &how);
    fclose(f);
    if (ret_differ)
        *ret_differ = differ;
    return buf;
}

static void same(const char *a, const char *b, const char *want, const char *what)
{
    bool differ;
    _cleanup_free_ char *got = udiff(a, strlen(a), b, strlen(b), 3, &differ);
    is_str(got, want, "%s", what);
    ok(differ == (want[0] != '\0'), "... and says whether they differ");
}

/* ---- diff(1) ------------------------------------------------------------------------------ */

static char *run_diff(const char *dir, const char *a, size_t na, const char *b, size_t nb)
{
    _cleanup_free_ char *fa = sbox_xasprintf("%s/a", dir), *fb = sbox_xasprintf("%s/b", dir);
    FILE *f;
    int p[2];
    pid_t pid;
    char *buf = NULL, chunk[65536];
    size_t len = 0;
    ssize_t n;
    FILE *m = open_memstream(&buf, &len);
    if (!(f = fopen(fa, "w")) || fwrite(a, 1, na, f) != na || fclose(f) != 0)
        abort();
    if (!(f = fopen(fb, "w")) || fwrite(b, 1, nb, f) != nb || fclose(f) != 0)
        abort();
    if (pipe(p) < 0 || (pid = fork()) < 0)
        abort();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        execl(DIFF, "diff", "-u", "--label", "a", "--label", "b", fa, fb, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    while ((n = read(p[0], chunk, sizeof chunk)) > 0)
        fwrite(chunk, 1, (size_t)n, m);
    close(p[0]);
    waitpid(pid, NULL, 0);
    fclose(m);
    return buf;
}

/* ---- a patch applied, to check a diff that is not diff's byte for byte ----------------- */

struct text {
    char **line; /* each with its newline, if it had one */
    size_t n;
};

static void text_split(struct text *t, const char *s, size_t n)
{
    size_t cap = 0;
    t->line = NULL;
    t->n = 0;
    for (const char *p = s; p < s + n;) {
        const char *nl = memchr(p, '\n', (size_t)(s + n - p));
        const char *end = nl ? nl + 1 : s + n;
        if (t->n == cap)
            t->line = sbox_xrealloc(t->line, (cap = cap ? 2 * cap : 64) * sizeof *t->line);
        t->line[t->n++] = sbox_xstrndup(p, (size_t)(end - p));
        p = end;
    }
}

static void text_free(struct text *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->line[i]);
    free(t->line);
}

/* Applies a unified diff (as udiff writes it, context 3) to a; the result in *ret (allocated).
 * *ret_changed counts its - and + lines. False when the diff is not well formed or its
 * context and ranges do not match a. */
static bool patch(const char *a, size_t na, const char *diff, char **ret, size_t *ret_changed)
{
    struct text ta, td;
    char *out = NULL;
    size_t outlen = 0, at = 0, changed = 0, k = 2;
    FILE *o = open_memstream(&out, &outlen);
    bool good = true;
    text_split(&ta, a, na);
    text_split(&td, diff, strlen(diff));
    if (td.n == 0) /* the same texts */
        ;
    else if (td.n < 2 || strcmp(td.line[0], "--- a\n") || strcmp(td.line[1], "+++ b\n"))
        good = false;
    while (good && k < td.n) {
        long as, ac = 1, bc = 1, seen_a = 0, seen_b = 0;
        char *e;
        const char *h = td.line[k++];
        if (strncmp(h, "@@ -", 4) != 0) {
            good = false;
            break;
        }
        as = strtol(h + 4, &e, 10);
        if (*e == ',')
            ac = strtol(e + 1, &e, 10);
        if (strncmp(e, " +", 2) != 0) {
            good = false;
            break;
        }
        strtol(e + 2, &e, 10);
        if (*e == ',')
            bc = strtol(e + 1, &e, 10);
        if (strcmp(e, " @@\n") != 0) {
            good = false;
            break;
        }
        /* "-0,0" and "+4,0": the line before */
        size_t start = ac ? (size_t)as - 1 : (size_t)as;
        if (start < at || start > ta.n) {
            good = false;
            break;
        }
        for (; at < start; at++)
            fputs(ta.line[at], o);
        while (k < td.n && td.line[k][0] != '@') {
            const char *l = td.line[k++];
            bool no_nl = k < td.n && strcmp(td.line[k], "\\ No newline at end of file\n") == 0;
            _cleanup_free_ char *body = sbox_xstrdup(l + 1);
            if (no_nl) {
                body[strlen(body) - 1] = '\0';
                k++;
            }
            if (l[0] == ' ' || l[0] == '-') {
                if (at >= ta.n || strcmp(ta.line[at], body) != 0) {
                    good = false;
                    break;
                }
                at++;
                seen_a++;
            }
            if (l[0] == ' ' || l[0] == '+') {
                fputs(body, o);
                seen_b++;
            }
            if (l[0] == '-' || l[0] == '+')
                changed++;
            else if (l[0] != ' ')
                good = false;
        }
        if (seen_a != ac || seen_b != bc)
            good = false;
    }
    for (; good && at < ta.n; at++)
        fputs(ta.line[at], o);
    fclose(o);
    text_free(&ta);
    text_free(&td);
    *ret = out;
    *ret_changed = changed;
    return good;
}

static size_t changed_lines(const char *diff)
{
    size_t n = 0;
    for (const char *l = diff; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
        n += (l[0] == '+' || l[0] == '-') && strncmp(l, "--- ", 4) && strncmp(l, "+++ ", 4);
    return n;
}

/* ---- generated texts ---------------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* A text of lines drawn from an alphabet of `kinds` lines (0: every line different), then b:
 * a with lines deleted, inserted and replaced. The last newline of either may go. */
static void make_pair(unsigned lines, unsigned kinds, char **a, size_t *na, char **b, size_t *nb)
{
    static unsigned serial;
    FILE *fa = open_memstream(a, na), *fb = open_memstream(b, nb);
    unsigned edits = 1 + rnd(6);
    for (unsigned i = 0; i < lines; i++) {
        unsigned what = rnd(lines) < edits * 2 ? rnd(3) : 3;
        char line[64];
        if (kinds)
            snprintf(line, sizeof line, "line %u\n", rnd(kinds));
        else
            snprintf(line, sizeof line, "line %u\n", serial++);
        if (what != 1) /* 1: an insertion in b only */
            fputs(line, fa);
        if (what == 0) /* a deletion */
            continue;
        if (what == 1 || what == 2) {
            if (kinds)
                fprintf(fb, "new %u\n", rnd(kinds));
            else
                fprintf(fb, "new %u\n", serial++);
        }
        if (what != 2) /* 2: a replacement */
            fputs(line, fb);
    }
    fclose(fa);
    fclose(fb);
    if (*na && rnd(5) == 0)
        (*na)--;
    if (*nb && rnd(5) == 0)
        (*nb)--;
}

static void against_diff(const char *dir)
{
    unsigned exact = 0, cases = 0, unique_exact = 0, unique = 0, valid = 0, as_few = 0;
    for (unsigned round = 0; round < 600; round++) {
        unsigned kinds = round % 3 == 0 ? 0 : round % 3 == 1 ? 4 : 40;
        unsigned lines = rnd(round < 300 ? 30 : 300);
        _cleanup_free_ char *a = NULL, *b = NULL, *mine = NULL, *theirs = NULL, *res = NULL;
        size_t na, nb, changed = 0;
        make_pair(lines, kinds, &a, &na, &b, &nb);
        mine = udiff(a, na, b, nb, 3, NULL);
        theirs = run_diff(dir, a, na, b, nb);
        cases++;
        exact += strcmp(mine, theirs) == 0;
        if (kinds == 0) {
            unique++;
            unique_exact += strcmp(mine, theirs) == 0;
            if (strcmp(mine, theirs) != 0)
                printf("# a differing diff of unique lines:\n# mine:\n%s# diff's:\n%s", mine,
                       theirs);
        }
        if (patch(a, na, mine, &res, &changed) && strlen(res) == nb && memcmp(res, b, nb) == 0)
            valid++;
        else
            printf("# not a patch of a into b:\n%s", mine);
        as_few += changed <= changed_lines(theirs);
    }
    ok(unique_exact == unique,
       "diff -u's output, byte for byte, where every line differs (%u of %u)", unique_exact,
       unique);
    ok(valid == cases, "every diff turns a into b (%u of %u)", valid, cases);
    ok(as_few == cases, "... changing no more lines than diff -u (%u of %u)", as_few, cases);
    ok(exact * 10 >= cases * 9,
       "diff -u's output, byte for byte, in %u of %u cases with repeated "
       "lines too",
       exact, cases);
}

static void put_nul(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i])
            fputc(s[i], out);
        else
            fputs("<NUL>", out);
}

/* ---- main --------------------------------------------------------------------------------- */

static void sha(const char *in, size_t n, const char *want, const char *what)
{
    struct sbox_sha256 s;
    char hex[65];
    sbox_sha256_init(&s);
    sbox_sha256_add(&s, in, n);
    sbox_sha256_hex(&s, hex);
    is_str(hex, want, "sha256 of %s", what);
}

static void sha256_tests(void)
{
    struct sbox_sha256 s, t;
    char hex[65], hex2[65];
    _cleanup_free_ char *million = sbox_xmalloc(1000000);
    _cleanup_free_ char *noise = sbox_xmalloc(100000);
    bool same_hash = true;
    memset(million, 'a', 1000000);
    /* FIPS 180-4's examples (and NIST's long message). */
    sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "nothing");
    sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc");
    sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "the 448-bit message");
    sha(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        "a million a");
    /* Fed in pieces of any size, and with or without the processor's instructions. */
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (char)rnd(256);
    for (unsigned round = 0; round < 300; round++) {
        size_t n = rnd(sizeof noise), at = 0;
        sbox_sha256_init(&s);
        sbox_sha256_init(&t);
        t.ni = false;
        while (at < n) {
            size_t k = rnd(300);
            k = k > n - at ? n - at : k;
            sbox_sha256_add(&s, noise + at, k);
            at += k;
        }
        sbox_sha256_add(&t, noise, n);
        sbox_sha256_hex(&s, hex);
        sbox_sha256_hex(&t, hex2);
        same_hash = same_hash && strcmp(hex, hex2) == 0;
    }
    ok(same_hash, "the same hash fed in pieces, and by both ways of computing it");
}

int main(void)
{
    char dir[] = "/tmp/test-udiff.XXXXXX";
    sha256_tests();

    same("a\nb\n", "a\nb\n", "", "the same text: no diff");
    same("", "", "", "two empty texts: no diff");
    same("", "x\n", "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n", "one line added to nothing: +1, -0,0");
    same("x\ny\n", "", "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-x\n-y\n", "all deleted: -1,2 +0,0");
    same("x", "x\n", "--- a\n+++ b\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n",
         "a newline added at the end");
    same("x\ny\n", "x\ny",
         "--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n+y\n\\ No newline at end of file\n",
         "a newline taken from the end");
    same("x\ny", "x\ny\nz",
         "--- a\n+++ b\n@@ -1,2 +1,3 @@\n x\n-y\n\\ No newline at end of file\n"
         "+y\n+z\n\\ No newline at end of file\n",
         "a line added after one without a newline");
    same("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n",
         "1\n2\nX\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\nY\n15\n16\n",
         "--- a\n+++ b\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+X\n 4\n 5\n 6\n"
         "@@ -11,6 +11,6 @@\n 11\n 12\n 13\n-14\n+Y\n 15\n 16\n",
         "changes 10 lines apart: two hunks, with their line numbers");
    same("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\nX\n4\n5\n6\n7\n8\n9\nY\n",
         "--- a\n+++ b\n@@ -1,10 +1,10 @@\n 1\n 2\n-3\n+X\n 4\n 5\n 6\n 7\n 8\n 9\n-10\n+Y\n",
         "changes 6 lines apart: one hunk");
    same("a\nb\nc\n", "a\nb\nb\nc\n", "--- a\n+++ b\n@@ -1,3 +1,4 @@\n a\n b\n+b\n c\n",
         "a repeated line is added after its twin, as diff puts it");
    {
        struct sbox_udiff how = {.label_a = "a", .label_b = "b", .context = 3, .put = put_nul};
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        sbox_udiff_write(f, "a\0b\nc\n", 6, "a\0B\nc\n", 6, &how);
        fclose(f);
        is_str(buf, "--- a\n+++ b\n@@ -1,2 +1,2 @@\n-a<NUL>b\n+a<NUL>B\n c\n",
               "a NUL byte is part of its line, and reaches the writer of lines");
    }
    {
        struct sbox_udiff how = {.label_a = "x", .label_b = "y", .context = 0};
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        sbox_udiff_write(f, "1\n2\n3\n", 6, "1\n3\n", 4, &how);
        fclose(f);
        is_str(buf, "--- x\n+++ y\n@@ -2 +1,0 @@\n-2\n", "no context: +1,0 names the line before");
    }

    if (access(DIFF, X_OK) != 0 || !mkdtemp(dir)) {
        printf("ok %d # SKIP %s is not installed\n", ++tap_n, DIFF);
    } else {
        against_diff(dir);
        _cleanup_free_ char *fa = sbox_xasprintf("%s/a", dir), *fb = sbox_xasprintf("%s/b", dir);
        unlink(fa);
        unlink(fb);
        rmdir(dir);
    }

    /* Huge, wholly different texts, and huge ones of few kinds of lines, end quickly. */
    for (int kinds = 0; kinds < 2; kinds++) {
        const unsigned lines = kinds ? 20000 : 200000;
        _cleanup_free_ char *a = NULL, *b = NULL, *mine = NULL, *res = NULL;
        size_t na, nb, changed;
        FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
        struct timespec t0, t1;
        for (unsigned i = 0; i < lines; i++) {
            fprintf(fa, kinds ? "%u\n" : "a%u\n", kinds ? rnd(8) : i);
            fprintf(fb, kinds ? "%u\n" : "b%u\n", kinds ? rnd(8) : i);
        }
        fclose(fa);
        fclose(fb);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        mine = udiff(a, na, b, nb, 3, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        ok(s < 20, "%u lines against %u %s: %.2f s", lines, lines,
           kinds ? "of eight kinds of lines, at random" : "others", s);
        ok(patch(a, na, mine, &res, &changed) && strlen(res) == nb && !memcmp(res, b, nb),
           "... and the diff turns one into the other");
    }
    return tap_done();
}
