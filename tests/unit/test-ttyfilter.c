/* Unit tests for ttyfilter.c: what each terminal mode lets through, byte for byte and the same
 * whatever the chunking, what it counts as dropped, and what reset writes. */
#include "tap.h"
#include "ttyfilter.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Bytes as C escapes, so a failure's log stays readable on a terminal. */
static void show(const char *what, const char *s, size_t n)
{
    printf("#   %s: \"", what);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    printf("\" (%zu bytes)\n", n);
}

static bool same(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

#define is_bytes(got, gn, want, wn, ...)                                                           \
    do {                                                                                           \
        bool same_ = same(got, gn, want, wn);                                                      \
        ok(same_, __VA_ARGS__);                                                                    \
        if (!same_) {                                                                              \
            show("got", got, gn);                                                                  \
            show("want", want, wn);                                                                \
        }                                                                                          \
    } while (0)

struct fed {
    char *out; /* everything feed wrote, in order */
    size_t len;
    unsigned long dropped;
    bool overran; /* a call wrote more than its n + SBOX_TTYFILTER_HOLD */
};

/* in fed to a new filter in chunks that end at cuts[] (ascending) and at n; each chunk is read
 * from, and written to, buffers of exactly its size and room, for the sanitizers to see. */
static struct fed feed_cut(enum sbox_terminal mode, const char *in, size_t n, const size_t *cuts,
                           size_t ncuts)
{
    struct fed r = {sbox_xmalloc(n + SBOX_TTYFILTER_HOLD), 0, 0, false};
    struct sbox_ttyfilter f;
    size_t at = 0;
    sbox_ttyfilter_init(&f, mode);
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : n, m = end - at, got;
        char *chunk = sbox_xmalloc(m + 1), *out = sbox_xmalloc(m + SBOX_TTYFILTER_HOLD);
        memcpy(chunk, in + at, m);
        got = sbox_ttyfilter_feed(&f, chunk, m, out);
        if (got > m + SBOX_TTYFILTER_HOLD || r.len + got > n + SBOX_TTYFILTER_HOLD)
            r.overran = true;
        else
            memcpy(r.out + r.len, out, got);
        r.len += r.overran ? 0 : got;
        free(chunk);
        free(out);
        at = end;
    }
    r.dropped = sbox_ttyfilter_dropped(&f);
    return r;
}

/* Whether the chunks that end at cuts give what the whole input gave, dropped count included. */
static bool same_cut(enum sbox_terminal mode, const char *in, size_t n, const size_t *cuts,
                     size_t ncuts, const struct fed *whole)
{
    struct fed r = feed_cut(mode, in, n, cuts, ncuts);
    bool ok_ =
        !r.overran && same(r.out, r.len, whole->out, whole->len) && r.dropped == whole->dropped;
    if (!ok_) {
        printf("#   cut at");
        for (size_t k = 0; k < ncuts; k++)
            printf(" %zu", cuts[k]);
        printf("\n");
        show("got", r.out, r.len);
    }
    free(r.out);
    return ok_;
}

/* Two tests: in (n bytes) gives want whole, and the same whatever the chunking: byte by byte,
 * cut once anywhere, and (for short inputs) cut twice anywhere. */
static void check(enum sbox_terminal mode, const char *in, size_t n, const char *want, size_t wn,
                  const char *what)
{
    struct fed whole = feed_cut(mode, in, n, NULL, 0);
    size_t *cuts = sbox_xmalloc((n + 1) * sizeof(*cuts));
    bool all = true;
    is_bytes(whole.out, whole.len, want, wn, "%s", what);
    for (size_t i = 1; i < n; i++)
        cuts[i - 1] = i;
    all = all && same_cut(mode, in, n, cuts, n ? n - 1 : 0, &whole);
    for (size_t i = 0; all && i <= n; i++)
        all = same_cut(mode, in, n, &i, 1, &whole);
    for (size_t i = 0; all && n <= 64 && i <= n; i++)
        for (size_t j = i; all && j <= n; j++)
            all = same_cut(mode, in, n, (size_t[]){i, j}, 2, &whole);
    ok(all && !whole.overran, "... the same fed byte by byte and cut anywhere");
    free(cuts);
    free(whole.out);
}

struct vector {
    enum sbox_terminal mode;
    const char *in;
    size_t n;
    const char *want;
    size_t wn;
    const char *what;
};
#define V(mode, in, want, what)                                                                    \
    {                                                                                              \
        SBOX_TERMINAL_##mode, in, sizeof(in) - 1, want, sizeof(want) - 1, what                     \
    }

/* Hex escapes are cut where a hex digit follows ("\x07" "b"): C would read on into it. */
static const struct vector vectors[] = {
    V(RELAY, "plain text\r\n\tand a tab\b.", "plain text\r\n\tand a tab\b.",
      "relay: text and C0 controls pass"),
    V(RELAY, "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9d\x84\x9e \xe2\x80\x9cq\xe2\x80\x9d\xc2\xa0.",
      "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9d\x84\x9e \xe2\x80\x9cq\xe2\x80\x9d\xc2\xa0.",
      "relay: UTF-8 passes, continuation bytes 80-9F included"),
    V(RELAY, "\x1b[31mred\x1b[0m \x1b[1;38;5;208mx\x1b[m",
      "\x1b[31mred\x1b[0m \x1b[1;38;5;208mx\x1b[m", "relay: colours pass"),
    V(RELAY, "\x1b[2J\x1b[H\x1b[10;5Hx\x1b[K\x1b[?25l\x1b[?1049h\x1b[ q",
      "\x1b[2J\x1b[H\x1b[10;5Hx\x1b[K\x1b[?25l\x1b[?1049h\x1b[ q",
      "relay: cursor moves, erases, DEC modes pass"),
    V(RELAY, "ding\x07\x0e\x0f\x7f\x00.", "ding\x07\x0e\x0f\x7f\x00.",
      "relay: BEL, SO, SI, DEL, NUL pass"),
    V(RELAY,
      "before\x1b]52;c;ZXZpbAo=\x07"
      "after",
      "beforeafter", "relay: OSC 52 (clipboard) ended by BEL dropped, the text around it kept"),
    V(RELAY, "before\x1b]52;c;ZXZpbAo=\x1b\\after", "beforeafter", "relay: ... ended by ST"),
    V(RELAY,
      "a\x1b]0;owned\x07"
      "b\x1b]2;owned\x1b\\c",
      "abc", "relay: OSC 0 and 2 (title) dropped"),
    V(RELAY, "\x1b]8;;https://example.com/\x1b\\link\x1b]8;;\x1b\\", "link",
      "relay: OSC 8 (hyperlink) dropped, its text kept"),
    V(RELAY, "a\x1bP$qm\x1b\\b\x1bP+q544e\x1b\\c", "abc",
      "relay: DCS queries (DECRQSS, XTGETTCAP) dropped"),
    V(RELAY, "a\x1bPx\x07y\x1b\\b", "ab", "relay: BEL does not end a DCS"),
    V(RELAY, "a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc\x1b\\d", "abcd",
      "relay: SOS, PM, APC dropped"),
    V(RELAY, "a\x1b[21tb\x1b[8;40;100tc\x1b[2td\x1b[>2t", "abcd",
      "relay: CSI t (title report, resize, iconify) dropped"),
    V(RELAY, "a\x1b[5ib\x1b[4ic\x1b[?5id", "abcd", "relay: CSI i (printer) dropped"),
    V(RELAY,
      "a\xc2\x9d"
      "0;owned\xc2\x9c"
      "b",
      "ab", "relay: OSC in UTF-8 C1 form, ended by the C1 ST, dropped"),
    V(RELAY,
      "a\xc2\x90q\xc2\x9c"
      "b\xc2\x98s\xc2\x9c"
      "c\xc2\x9ep\xc2\x9c"
      "d\xc2\x9f"
      "a\x1b\\e",
      "abcde", "relay: DCS, SOS, PM, APC in UTF-8 C1 form dropped"),
    V(RELAY,
      "\xc2\x9b"
      "31mx\xc2\x9b"
      "21ty",
      "\x1b[31mxy", "relay: a C1 CSI goes out as ESC [, and its t is dropped"),
    V(RELAY,
      "a\xc2\x85"
      "b\xc2\x8d"
      "c\xc2\x9c"
      "d",
      "abcd", "relay: other C1 controls in UTF-8 dropped"),
    V(RELAY,
      "a\x9d"
      "0;owned\x07"
      "b\x9b"
      "31m",
      "a0;owned\x07"
      "b31m",
      "relay: lone C1 bytes dropped, what follows is text"),
    V(RELAY,
      "sbox: all done\r\n\x1b]0;hidden\r\n\x1b[1mmore\x07"
      "after\r\n",
      "sbox: all done\r\n\x1b[1mmore\x07"
      "after\r\n",
      "relay: an ESC other than ST ends a string and starts a sequence"),
    V(RELAY,
      "sbox: all done\r\n\x1b]0;hidden\r\nmore hidden\x07"
      "after\r\n",
      "sbox: all done\r\nafter\r\n", "relay: an unterminated OSC swallows all up to its BEL"),
    V(RELAY,
      "a\x1b]52;c;QUJD\x18"
      "b\x1bPq#0\x1a"
      "c\x1b[3\x18"
      "d\x1b(\x18"
      "e",
      "abcde", "relay: CAN and SUB abort a string, a CSI, an escape sequence"),
    V(RELAY, "a\x1b\x1b[1mb", "a\x1b[1mb", "relay: ESC ESC: the first dropped"),
    V(RELAY,
      "\x1b"
      "7\x1b"
      "8\x1b(0q\x1b(B\x1b=\x1b>\x1bM\x1b#8\x1b\\\x1b"
      "c",
      "\x1b"
      "7\x1b"
      "8\x1b(0q\x1b(B\x1b=\x1b>\x1bM\x1b#8\x1b\\\x1b"
      "c",
      "relay: other escape sequences pass"),
    V(RELAY, "\x1b[3\n1m\x1b\r(B", "\n\x1b[31m\r\x1b(B",
      "relay: a C0 control inside a sequence goes out ahead of it"),
    V(RELAY, "\x1b[2\n1t", "\n", "relay: ... and stays when the sequence is dropped"),
    V(RELAY, "\x1b\xc3\xa9\x1b[3\xc3\xa9m", "\xc3\xa9\xc3\xa9m",
      "relay: a non-ASCII byte ends an escape sequence or CSI, both dropped"),
    V(RELAY, "\x1bPtmux;\x1b\x1b]52;c;QUJD\x07\x1b\\", "\x1b\\",
      "relay: OSC 52 inside tmux's passthrough dropped (the ST left is inert)"),
    V(RELAY,
      "\xc2"
      "a\xc2\xc2\x9b"
      "1m\xc2\x1b[m",
      "\xc2"
      "a\xc2\x1b[1m\xc2\x1b[m",
      "relay: a 0xC2 that leads nothing passes, the next byte read afresh"),
    V(RELAY, "\xe0\x80\x9b[31m\xed\xa0\x80x", "\xe0[31m\xed\xa0x",
      "relay: overlong and surrogate forms cut where they break, their C1 bytes dropped"),
    V(RELAY, "\xe2\x80\x1b]0;t\x07\x9d\xe2\x80\x9c", "\xe2\x80\xe2\x80\x9c",
      "relay: a sequence breaks UTF-8, a continuation byte after it is lone"),
    V(PLAIN, "\x1b[31mred\x1b[0m \x1b[2J\x1b[Hx\x07\r\n\t\b \xc3\xa9\xe2\x9c\x93",
      "red x\r\n\t\b \xc3\xa9\xe2\x9c\x93",
      "plain: colours, cursor moves, BEL dropped; \\r \\n \\t \\b and UTF-8 kept"),
    V(PLAIN,
      "a\x1b]0;t\x07"
      "b\x1bP$qm\x1b\\c\xc2\x9b"
      "31md\xc2\x85"
      "e\x9b"
      "f",
      "abcdef", "plain: strings, C1 CSI, C1 controls dropped"),
    V(PLAIN,
      "\x1b"
      "7a\x1b(0b\x0e"
      "c\x0f\x7f\x00"
      "d\x1b"
      "c\x1b[?1049h\x1b[3\n1m",
      "abcd\n", "plain: escape sequences, SO, SI, DEL, NUL dropped"),
};

static void test_vectors(void)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const struct vector *v = &vectors[i];
        check(v->mode, v->in, v->n, v->want, v->wn, v->what);
    }
}

/* Raw passes every byte of every input above, all in one. */
static void test_raw(void)
{
    size_t n = 0;
    char *all;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        n += vectors[i].n;
    all = sbox_xmalloc(n);
    n = 0;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        memcpy(all + n, vectors[i].in, vectors[i].n);
        n += vectors[i].n;
    }
    check(SBOX_TERMINAL_RAW, all, n, all, n, "raw: every byte of every input passes");
    check(SBOX_TERMINAL_NONE, all, n, all, n, "none: like raw");
    free(all);
}

/* A sequence of n bytes in all: intro, fill, the final byte; then "x". */
static char *long_seq(const char *intro, char fill, char final, size_t n, size_t *ret_len)
{
    size_t i = strlen(intro);
    char *s = sbox_xmalloc(n + 1);
    memcpy(s, intro, i);
    memset(s + i, fill, n - i - 1);
    s[n - 1] = final;
    s[n] = 'x';
    *ret_len = n + 1;
    return s;
}

static void test_hold(void)
{
    struct sbox_ttyfilter f;
    char out[64 + SBOX_TTYFILTER_HOLD];
    size_t n, len;
    char *s;

    sbox_ttyfilter_init(&f, SBOX_TERMINAL_RELAY);
    n = sbox_ttyfilter_feed(&f, "ab\x1b", 3, out);
    is_bytes(out, n, "ab", 2, "relay: an ESC at the end of a chunk is held");
    n = sbox_ttyfilter_feed(&f, "[1", 2, out);
    ok(n == 0, "... and a CSI in progress (%zu)", n);
    n = sbox_ttyfilter_feed(&f, "mc\xc2", 3, out);
    is_bytes(out, n, "\x1b[1mc", 5, "... out whole at its final byte; a 0xC2 at the end is held");
    n = sbox_ttyfilter_feed(&f, "\xa0", 1, out);
    is_bytes(out, n, "\xc2\xa0", 2, "... until the next byte says it is no C1");

    sbox_ttyfilter_init(&f, SBOX_TERMINAL_RAW);
    n = sbox_ttyfilter_feed(&f, "ab\x1b[", 4, out);
    is_bytes(out, n, "ab\x1b[", 4, "raw holds nothing");

    sbox_ttyfilter_init(&f, SBOX_TERMINAL_RELAY);
    n = sbox_ttyfilter_feed(&f, "sbox: done\r\n\x1b]0;", 16, out);
    is_bytes(out, n, "sbox: done\r\n", 12, "relay: a fake sbox line before an open OSC passes");
    n = sbox_ttyfilter_feed(&f, "hidden\r\nstill hidden\r\n", 22, out);
    ok(n == 0, "... what follows is swallowed (%zu)", n);
    n = sbox_ttyfilter_feed(&f, "\x07ok", 3, out);
    is_bytes(out, n, "ok", 2, "... up to the BEL");

    s = long_seq("\x1b[", '1', 'm', SBOX_TTYFILTER_HOLD, &len);
    check(SBOX_TERMINAL_RELAY, s, len, s, len, "relay: a CSI as long as the hold passes");
    free(s);
    s = long_seq("\xc2\x9b", '1', 'm', SBOX_TTYFILTER_HOLD, &len);
    {
        char *want = sbox_xstrndup(s, len);
        want[0] = '\x1b';
        want[1] = '[';
        check(SBOX_TERMINAL_RELAY, s, len, want, len, "relay: ... in C1 form too");
        free(want);
    }
    free(s);
    s = long_seq("\x1b[", '1', 'm', SBOX_TTYFILTER_HOLD + 1, &len);
    check(SBOX_TERMINAL_RELAY, s, len, "x", 1, "relay: a CSI longer than the hold is dropped");
    check(SBOX_TERMINAL_RAW, s, len, s, len, "raw: ... passes");
    free(s);
    s = long_seq("\x1b", ' ', '0', SBOX_TTYFILTER_HOLD, &len);
    check(SBOX_TERMINAL_RELAY, s, len, s, len,
          "relay: an escape sequence as long as the hold passes");
    free(s);
    s = long_seq("\x1b", ' ', '0', SBOX_TTYFILTER_HOLD + 1, &len);
    check(SBOX_TERMINAL_RELAY, s, len, "x", 1, "relay: ... one byte longer is dropped");
    free(s);
}

static void test_dropped(void)
{
    static const char in[] = "a\x1b]0;t\x07\x1b[21t\x9d\x1b\x1b[m\xc2\x85";
    struct sbox_ttyfilter f;
    char out[sizeof(in) + SBOX_TTYFILTER_HOLD];
    unsigned long d;

    sbox_ttyfilter_init(&f, SBOX_TERMINAL_RELAY);
    ok(sbox_ttyfilter_dropped(&f) == 0, "nothing dropped at first");
    sbox_ttyfilter_feed(&f, in, sizeof(in) - 1, out);
    d = sbox_ttyfilter_dropped(&f);
    ok(d == 5, "relay: OSC, CSI t, lone C1, ESC cut short, UTF-8 C1: 5 dropped (%lu)", d);
    sbox_ttyfilter_init(&f, SBOX_TERMINAL_RAW);
    sbox_ttyfilter_feed(&f, in, sizeof(in) - 1, out);
    ok(sbox_ttyfilter_dropped(&f) == 0, "raw drops nothing");
    sbox_ttyfilter_init(&f, SBOX_TERMINAL_PLAIN);
    sbox_ttyfilter_feed(&f, "\x1b[31mx\x07\r\n", 9, out);
    d = sbox_ttyfilter_dropped(&f);
    ok(d == 2, "plain: a CSI and a BEL: 2 dropped (%lu)", d);
}

static void feed_str(struct sbox_ttyfilter *f, const char *in)
{
    size_t n = strlen(in);
    char *out = sbox_xmalloc(n + SBOX_TTYFILTER_HOLD);
    sbox_ttyfilter_feed(f, in, n, out);
    free(out);
}

/* What reset writes after in, fed in one go. */
static void reset_after(enum sbox_terminal mode, const char *in, const char *want, const char *what)
{
    struct sbox_ttyfilter f;
    size_t n = strlen(in);
    char *out = sbox_xmalloc(n + SBOX_TTYFILTER_HOLD), reset[128];
    sbox_ttyfilter_init(&f, mode);
    sbox_ttyfilter_feed(&f, in, n, out);
    n = sbox_ttyfilter_reset(&f, reset, sizeof(reset));
    is_bytes(reset, n, want, strlen(want), "%s", what);
    free(out);
}

static void test_reset(void)
{
    static const char all[] = "\x18\x1b[?1049l\x1b[?1047l\x1b[?47l\x1b[?1000l\x1b[?1002l"
                              "\x1b[?1003l\x1b[?1005l\x1b[?1006l\x1b[?1015l\x1b[?1004l"
                              "\x1b[?2004l\x1b[?1l\x1b[?25h\x1b[0m";
    static const char less[] = "\x18\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1005l\x1b[?1006l"
                               "\x1b[?1015l\x1b[?1004l\x1b[?2004l\x1b[?1l\x1b[0m";
    struct sbox_ttyfilter f;
    char a[128], b[128];
    size_t n, m;

    reset_after(SBOX_TERMINAL_RELAY, "", "\x18\x1b[0m", "reset of a quiet payload: CAN, SGR 0");
    reset_after(SBOX_TERMINAL_RELAY, "\x1b[?1049h\x1b[?25l\x1b[?1000h\x1b[?2004h",
                "\x18\x1b[?1049l\x1b[?1000l\x1b[?2004l\x1b[?25h\x1b[0m",
                "reset after ?1049h ?25l ?1000h ?2004h turns each back, the screen first");
    reset_after(SBOX_TERMINAL_RELAY, "\x1b[?1049hfull screen\x1b[?1049l", "\x18\x1b[0m",
                "reset after ?1049h ... ?1049l has no ?1049l");
    reset_after(SBOX_TERMINAL_RELAY, "\x1b[?1049;1006;1h",
                "\x18\x1b[?1049l\x1b[?1006l\x1b[?1l\x1b[0m", "several modes in one CSI");
    reset_after(SBOX_TERMINAL_RELAY,
                "\x1b[?1049h\x1b[?1000h\x1b[?25l\x1b"
                "c",
                "\x18\x1b[0m", "ESC c forgets every mode");
    reset_after(SBOX_TERMINAL_RELAY, "\xc2\x9b?2004h", "\x18\x1b[?2004l\x1b[0m",
                "a mode set by a C1 CSI");
    reset_after(SBOX_TERMINAL_RELAY, "\x1b[?1049s\x1b[?1049r", "\x18\x1b[?1049l\x1b[0m",
                "a mode xterm restores counts as set");
    reset_after(SBOX_TERMINAL_RELAY,
                "\x1b[1049h\x1b[>1h\x1b[?1:2h\x1b[?1 h\x1b[?1049\x1b[m\x1b[?1000t\x1b[?2004",
                "\x18\x1b[0m",
                "not modes: no '?', another prefix, sub-parameters, an intermediate, a CSI "
                "cut short, dropped or unfinished");
    reset_after(SBOX_TERMINAL_RAW, "\x1b[?1000h\x1b]0;t\x1b[?2004h",
                "\x18\x1b[?1000l\x1b[?2004l\x1b[0m",
                "raw tracks modes, past a string an ESC ended");
    reset_after(SBOX_TERMINAL_PLAIN, "\x1b[?1049h\x1b[?25l", "\x18\x1b[0m",
                "plain: no mode reached the terminal");
    {
        char in[600];
        size_t k = 0;
        k += (size_t)sprintf(in, "\x1b[?");
        for (int i = 0; i < 200; i++)
            k += (size_t)sprintf(in + k, "0;");
        sprintf(in + k, "2004h");
        reset_after(SBOX_TERMINAL_RAW, in, "\x18\x1b[?2004l\x1b[0m",
                    "raw tracks a CSI longer than the hold");
        reset_after(SBOX_TERMINAL_RELAY, in, "\x18\x1b[0m", "relay: ... which it dropped");
    }

    sbox_ttyfilter_init(&f, SBOX_TERMINAL_RELAY);
    feed_str(&f, "\x1b[?1049;1047;47;1000;1002;1003;1005;1006;1015;1004;2004;1h\x1b[?25l");
    n = sbox_ttyfilter_reset(&f, a, sizeof(a));
    is_bytes(a, n, all, sizeof(all) - 1, "every mode set: every mode back");
    ok(n < 128, "... in under 128 bytes (%zu)", n);
    m = sbox_ttyfilter_reset(&f, b, sizeof(b));
    ok(same(a, n, b, m), "reset leaves the filter as it was");
    feed_str(&f, "\x1b[?1049l\x1b[?1047l\x1b[?47l\x1b[?25h");
    n = sbox_ttyfilter_reset(&f, a, sizeof(a));
    is_bytes(a, n, less, sizeof(less) - 1, "... and answers anew after more output");
    ok(sbox_ttyfilter_reset(&f, a, 10) <= 10, "never more than size");
}

int main(void)
{
    test_vectors();
    test_raw();
    test_hold();
    test_dropped();
    test_reset();
    return tap_done();
}
