/* Unit tests for util.c (lexical paths and edit distance), files.c's pid lock files and text.c
 * (what sbox diff, apply and the run's summary escape, and how). */
#include "cleanup.h"
#include "files.h"
#include "tap.h"
#include "text.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void norm(const char *in, const char *want)
{
    _cleanup_free_ char *got = sbox_path_normalize(in);
    is_str(got, want, "normalize '%s'", in);
}

/* A made-up file system: /home/u exists, reached through /h (a symlink to it). */
static char *fake_resolve(const char *path)
{
    if (strcmp(path, "/") == 0 || strcmp(path, "/home") == 0 || strcmp(path, "/home/u") == 0)
        return sbox_xstrdup(path);
    if (strcmp(path, "/h") == 0)
        return sbox_xstrdup("/home/u");
    return NULL;
}

static void to_be(const char *in, const char *want)
{
    _cleanup_free_ char *got = sbox_path_resolve_to_be(in, fake_resolve);
    is_str(got, want, "resolve_to_be '%s'", in);
}

static char *put(const char *s, size_t n, enum sbox_text_as as)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sbox_text_put(f, s, n, as);
    fclose(f);
    return buf;
}

/* s (a C string) as a line of a file is shown as want. */
static void line(const char *s, const char *want, const char *what)
{
    _cleanup_free_ char *got = put(s, strlen(s), SBOX_AS_LINE);
    is_str(got, want, "%s", what);
}

static void text_tests(void)
{
    /* Bytes: C0 controls, DEL, what is not UTF-8. */
    line("a\x1b[2Jb", "a\\x1b[2Jb", "ESC is shown as \\x1b");
    line("a\rb\x7f", "a\\x0db\\x7f", "a carriage return and DEL as bytes");
    line("caf\xe9 \xc3( \xed\xa0\x80 \xf4\x90\x80\x80",
         "caf\\xe9 \\xc3( \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80",
         "invalid UTF-8 (Latin-1, a cut sequence, a surrogate, past U+10FFFF) byte by byte");
    {
        _cleanup_free_ char *got = put("a\0b\tc\n", 6, SBOX_AS_LINE);
        is_str(got, "a\\x00b\tc\n", "NUL escaped; tab and newline stay in a line");
    }
    {
        _cleanup_free_ char *got = put("a\tb\nc\\", 6, SBOX_AS_NAME);
        is_str(got, "a\\x09b\\x0ac\\x5c", "in a name, tab, newline and backslash escaped");
    }
    {
        _cleanup_free_ char *got = put("a\tb\\", 4, SBOX_AS_TEXT);
        is_str(got, "a\\x09b\\", "in other text, tab escaped, backslash not");
    }
    /* Characters that hide or reorder text: each one, and its neighbours that stay. */
    static const struct {
        const char *in, *want, *what;
    } hidden[] = {
        {"\xc2\x85", "\\u{0085}", "C1 control U+0085 (NEL)"},
        {"\xc2\x9b", "\\u{009B}", "C1 control U+009B (CSI)"},
        {"\xc2\xad", "\\u{00AD}", "soft hyphen U+00AD"},
        {"\xcd\x8f", "\\u{034F}", "combining grapheme joiner U+034F"},
        {"\xd8\x9c", "\\u{061C}", "Arabic letter mark U+061C"},
        {"\xe1\x85\x9f", "\\u{115F}", "Hangul choseong filler U+115F"},
        {"\xe1\x85\xa0", "\\u{1160}", "Hangul jungseong filler U+1160"},
        {"\xe1\x9e\xb4", "\\u{17B4}", "Khmer vowel inherent U+17B4"},
        {"\xe1\x9e\xb5", "\\u{17B5}", "Khmer vowel inherent U+17B5"},
        {"\xe1\xa0\x8e", "\\u{180E}", "Mongolian vowel separator U+180E"},
        {"\xe2\x80\x8b", "\\u{200B}", "zero-width space U+200B"},
        {"\xe2\x80\x8d", "\\u{200D}", "zero-width joiner U+200D"},
        {"\xe2\x80\x8e", "\\u{200E}", "left-to-right mark U+200E"},
        {"\xe2\x80\x8f", "\\u{200F}", "right-to-left mark U+200F"},
        {"\xe2\x80\xa8", "\\u{2028}", "line separator U+2028"},
        {"\xe2\x80\xa9", "\\u{2029}", "paragraph separator U+2029"},
        {"\xe2\x80\xaa", "\\u{202A}", "left-to-right embedding U+202A"},
        {"\xe2\x80\xae", "\\u{202E}", "right-to-left override U+202E"},
        {"\xe2\x81\xa0", "\\u{2060}", "word joiner U+2060"},
        {"\xe2\x81\xa4", "\\u{2064}", "invisible plus U+2064"},
        {"\xe2\x81\xa6", "\\u{2066}", "left-to-right isolate U+2066"},
        {"\xe2\x81\xa9", "\\u{2069}", "pop directional isolate U+2069"},
        {"\xe3\x85\xa4", "\\u{3164}", "Hangul filler U+3164"},
        {"\xef\xb8\x80", "\\u{FE00}", "variation selector U+FE00"},
        {"\xef\xb8\x8f", "\\u{FE0F}", "variation selector U+FE0F"},
        {"\xef\xbb\xbf", "\\u{FEFF}", "zero-width no-break space U+FEFF"},
        {"\xef\xbe\xa0", "\\u{FFA0}", "halfwidth Hangul filler U+FFA0"},
        {"\xf3\xa0\x80\x80", "\\u{E0000}", "tag U+E0000"},
        {"\xf3\xa0\x81\x81", "\\u{E0041}", "tag letter A U+E0041"},
        {"\xf3\xa0\x81\xbf", "\\u{E007F}", "cancel tag U+E007F"},
        {"\xf3\xa0\x84\x80", "\\u{E0100}", "variation selector U+E0100"},
        {"\xf3\xa0\x87\xaf", "\\u{E01EF}", "variation selector U+E01EF"},
        /* ... and what stays as it is */
        {"\xc2\xa0", "\xc2\xa0", "no-break space U+00A0 stays"},
        {"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80",
         "letters and emoji stay"},
        {"\xe2\x80\x8a", "\xe2\x80\x8a", "hair space U+200A stays"},
        {"\xe2\x80\x90", "\xe2\x80\x90", "hyphen U+2010 stays"},
        {"\xef\xb8\x90", "\xef\xb8\x90", "U+FE10 stays"},
        {"\xf3\xa0\x82\x80", "\xf3\xa0\x82\x80", "U+E0080 (past the tags) stays"},
        {"\xf3\xa0\x87\xb0", "\xf3\xa0\x87\xb0", "U+E01F0 (past the selectors) stays"},
    };
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
        _cleanup_free_ char *in = sbox_xasprintf("a%sb", hidden[i].in);
        _cleanup_free_ char *want = sbox_xasprintf("a%sb", hidden[i].want);
        _cleanup_free_ char *got = put(in, strlen(in), SBOX_AS_LINE);
        _cleanup_free_ char *name = put(in, strlen(in), SBOX_AS_NAME);
        is_str(got, want, "%s", hidden[i].what);
        is_str(name, want, "... in a name too");
        ok(sbox_text_needs_escape(in) == (strcmp(hidden[i].in, hidden[i].want) != 0),
           "... and a name holding it needs escaping, or not");
    }
    {
        char buf[16];
        is_str(sbox_text_shown("x\xe2\x80\x8by\\", buf, sizeof buf), "x\\u{200B}y\\x5c",
               "sbox_text_shown escapes a name");
        is_str(sbox_text_shown("abcdefghijklmnopqrstuvwxyz", buf, sizeof buf), "abcdefghijklmno",
               "... and cuts it to fit");
        ok(!sbox_text_needs_escape("plain/name-1.txt"), "a plain name needs no escaping");
    }
    {
        /* What a file holds, counted: which bytes make it binary, which do not. */
        static const char s[] = "a\0b\r\n\x1b[m\x01\x7f\xc2\x85\xe2\x80\x8b\xff\xe9";
        struct sbox_text_tally t = {0};
        sbox_text_tally(s, sizeof s - 1, &t);
        ok(t.nul == 1 && t.in_text == 2 && t.control == 3 && t.invisible == 1 && t.invalid == 2,
           "a tally: 1 NUL, 2 control bytes text holds, 3 other controls, 1 invisible, 2 invalid "
           "(%zu %zu %zu %zu %zu)",
           t.nul, t.in_text, t.control, t.invisible, t.invalid);
        memset(&t, 0, sizeof t);
        sbox_text_tally("plain\ttext\n", 11, &t);
        ok(!t.nul && !t.in_text && !t.control && !t.invisible && !t.invalid,
           "plain text: nothing to escape");
        ok(!sbox_text_binary(&t, 11), "... and not binary");
        struct sbox_text_tally one = {.nul = 1};
        ok(!sbox_text_binary(&one, 32) && sbox_text_binary(&one, 31),
           "binary past one NUL or control byte in 32");
        struct sbox_text_tally esc = {.in_text = 5, .invalid = 5};
        ok(!sbox_text_binary(&esc, 10), "ESC, CR and bytes that are not UTF-8 do not make binary");
    }
    {
        char buf[32];
        is_str(sbox_text_size(0, buf, sizeof buf), "0 bytes", "size: 0 bytes");
        is_str(sbox_text_size(1, buf, sizeof buf), "1 byte", "size: 1 byte");
        is_str(sbox_text_size(999, buf, sizeof buf), "999 bytes", "size: 999 bytes");
        is_str(sbox_text_size(1000, buf, sizeof buf), "1.0 kB", "size: 1.0 kB");
        is_str(sbox_text_size(1500000, buf, sizeof buf), "1.5 MB", "size: 1.5 MB");
        is_str(sbox_text_size(12345678, buf, sizeof buf), "12 MB", "size: 12 MB");
        is_str(sbox_text_size(999999, buf, sizeof buf), "1.0 MB", "size: 999,999 bytes is 1.0 MB");
    }
}

int main(void)
{
    text_tests();
    to_be("/home/u", "/home/u");
    to_be("/h/.local/state/sbox", "/home/u/.local/state/sbox");
    to_be("/nowhere/x", "/nowhere/x");
    norm("/", "/");
    norm("//usr///bin/", "/usr/bin");
    norm("/a/./b/../c", "/a/c");
    norm("/../../etc", "/etc");
    norm("/a/..", "/");
    norm("relative", NULL);
    norm("", NULL);

    {
        _cleanup_free_ char *r = sbox_path_resolve("/home/u/proj", "../data");
        is_str(r, "/home/u/data", "resolve a relative path against a base");
    }
    ok(sbox_path_is_under("/home/u/x", "/home/u"), "a child is under its parent");
    ok(sbox_path_is_under("/home/u", "/home/u"), "a path is under itself");
    ok(!sbox_path_is_under("/home/user2", "/home/u"), "a sibling with a common prefix is not");
    ok(sbox_path_is_under("/anything", "/"), "everything is under /");
    ok(sbox_path_depth("/") == 0 && sbox_path_depth("/a") == 1 && sbox_path_depth("/a/b") == 2,
       "path depth counts components");
    ok(sbox_edit_distance("ro-bnd", "ro-bind") == 1, "edit distance of one insertion");
    ok(sbox_edit_distance("", "abc") == 3, "edit distance from empty");

    {
        char **v = NULL;
        sbox_strv_push(&v, sbox_xstrdup("a"));
        sbox_strv_push(&v, sbox_xstrdup("b"));
        ok(sbox_strv_len(v) == 2 && v[2] == NULL, "string vector grows and stays terminated");
        ok(sbox_strv_contains(v, "b") && !sbox_strv_contains(v, "c") &&
               !sbox_strv_contains(v, "") && !sbox_strv_contains(NULL, "a"),
           "sbox_strv_contains finds what is there, and only that");
        sbox_strv_free(v);
    }
    {
        /* A lock file: the pid its holder wrote, replaced by the next holder's. */
        FILE *f = tmpfile();
        int fd = f ? fileno(f) : -1;
        ok(fd >= 0 && sbox_pid_lock_holder(fd) == 0, "an empty lock file names no holder");
        char mine[32];
        struct stat st;
        snprintf(mine, sizeof mine, "%d\n", (int)getpid());
        ok(fd >= 0 && pwrite(fd, "123456789\n", 10, 0) == 10 && sbox_pid_lock_mark(fd) == 0 &&
               sbox_pid_lock_holder(fd) == getpid() && fstat(fd, &st) == 0 &&
               st.st_size == (off_t)strlen(mine),
           "a lock file marked names this process, and only it");
        ok(fd >= 0 && pwrite(fd, "x\n", 2, 0) == 2 && sbox_pid_lock_holder(fd) == 0,
           "a lock file holding no number names no holder");
        if (f)
            fclose(f);
    }
    return tap_done();
}
