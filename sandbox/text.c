/* text.c: hostile names and bytes written for a terminal or a message line, and the small words
 * of messages. Never lets through a byte that could forge a line or drive the terminal, nor a
 * character that hides text from the one reading it. */
#include "text.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
size_t sbox_text_utf8_len(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80             ? 1
                 : (s[0] & 0xe0) == 0xc0 ? 2
                 : (s[0] & 0xf0) == 0xe0 ? 3
                 : (s[0] & 0xf8) == 0xf0 ? 4
                                         : 0;
    unsigned cp;
    if (!len || len > n)
        return 0;
    cp = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* The code point of the valid sequence at s, len bytes long. */
static unsigned code_point(const unsigned char *s, size_t len)
{
    unsigned cp = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (s[i] & 0x3f);
    return cp;
}

/* Characters a terminal shows as nothing, or that reorder the text around them, or that pass
 * for a space: a name or a line holding one reads as another (CVE-2021-42574, "Trojan
 * Source"; a Hangul filler as a JavaScript identifier). C1 controls drive terminals as ESC
 * sequences do. Sorted. */
static const struct {
    unsigned lo, hi;
} hidden[] = {
    {0x0080, 0x009f},   /* C1 controls */
    {0x00ad, 0x00ad},   /* soft hyphen */
    {0x034f, 0x034f},   /* combining grapheme joiner */
    {0x061c, 0x061c},   /* Arabic letter mark */
    {0x115f, 0x1160},   /* Hangul choseong and jungseong fillers */
    {0x17b4, 0x17b5},   /* Khmer inherent vowels */
    {0x180b, 0x180f},   /* Mongolian variation selectors, vowel separator */
    {0x200b, 0x200f},   /* zero widths, left-to-right and right-to-left marks */
    {0x2028, 0x202e},   /* line and paragraph separators, embeddings, overrides */
    {0x2060, 0x206f},   /* word joiner, invisible operators, isolates, deprecated formats */
    {0x2800, 0x2800},   /* braille pattern blank */
    {0x3164, 0x3164},   /* Hangul filler */
    {0xfe00, 0xfe0f},   /* variation selectors */
    {0xfeff, 0xfeff},   /* zero-width no-break space (byte order mark) */
    {0xffa0, 0xffa0},   /* halfwidth Hangul filler */
    {0xfff9, 0xfffb},   /* interlinear annotation */
    {0x1d173, 0x1d17a}, /* musical formatting */
    {0xe0000, 0xe007f}, /* tags */
    {0xe0100, 0xe01ef}, /* variation selectors supplement */
};

static bool hidden_cp(unsigned cp)
{
    size_t lo = 0, hi = sizeof hidden / sizeof hidden[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < hidden[mid].lo)
            hi = mid;
        else if (cp > hidden[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* How the character at s (n bytes left) is written: its length in *len, and whether it stays
 * as it is ('='), or is escaped as bytes ('x', one byte) or as a code point ('u'). */
static char classify(const unsigned char *s, size_t n, enum sbox_text_as as, size_t *len)
{
    if (s[0] >= 0x20 && s[0] < 0x7f) {
        *len = 1;
        return s[0] == '\\' && as == SBOX_AS_NAME ? 'x' : '=';
    }
    *len = sbox_text_utf8_len(s, n);
    if (*len == 0) {
        *len = 1;
        return 'x';
    }
    if (*len == 1)
        return as == SBOX_AS_LINE && (s[0] == '\t' || s[0] == '\n') ? '=' : 'x';
    return hidden_cp(code_point(s, *len)) ? 'u' : '=';
}

void sbox_text_put(FILE *out, const char *s, size_t n, enum sbox_text_as as)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0; /* where the bytes not yet written that stay as they are start */
    for (size_t i = 0; i < n;) {
        size_t len;
        char how = classify(u + i, n - i, as, &len);
        if (how == '=') {
            i += len;
            continue;
        }
        fwrite(u + run, 1, i - run, out);
        if (how == 'x')
            fprintf(out, "\\x%02x", u[i]);
        else
            fprintf(out, "\\u{%04X}", code_point(u + i, len));
        i += len;
        run = i;
    }
    fwrite(u + run, 1, n - run, out);
}

void sbox_text_tally(const char *s, size_t n, struct sbox_text_tally *t)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len;
        char how = classify(u + i, n - i, SBOX_AS_LINE, &len);
        if (how == 'u')
            *(code_point(u + i, len) < 0xa0 ? &t->control : &t->invisible) += 1;
        else if (how == 'x' && u[i] == 0)
            t->nul++;
        else if (how == 'x' && u[i] && strchr("\r\f\v\b\x1b", u[i]))
            t->in_text++;
        else if (how == 'x' && (u[i] < 0x20 || u[i] == 0x7f))
            t->control++;
        else if (how == 'x')
            t->invalid++;
        i += len;
    }
}

bool sbox_text_binary(const struct sbox_text_tally *t, size_t n)
{
    return (t->nul + t->control) * 32 > n;
}

/* A name for the terminal (see sbox_text_put), in buf. */
const char *sbox_text_shown(const char *s, char *buf, size_t size)
{
    FILE *f = fmemopen(buf, size, "w");
    if (!f) {
        snprintf(buf, size, "?");
        return buf;
    }
    setvbuf(f, NULL, _IONBF, 0);
    sbox_text_put(f, s, strlen(s), SBOX_AS_NAME);
    fputc('\0', f);
    fclose(f);
    buf[size - 1] = '\0';
    return buf;
}

bool sbox_text_needs_escape(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), len;
    for (size_t i = 0; i < n; i += len)
        if (classify(u + i, n - i, SBOX_AS_NAME, &len) != '=')
            return true;
    return false;
}

/* path with the home spelt ~. */
char *sbox_text_tilde(const char *path, const char *home)
{
    if (home && strcmp(home, "/") != 0 && sbox_path_is_under(path, home))
        return sbox_xasprintf("~%s", path + strlen(home));
    return sbox_xstrdup(path);
}

const char *sbox_text_plural(unsigned long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

const char *sbox_text_size(unsigned long long bytes, char *buf, size_t size)
{
    static const char *const unit[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
    double v = (double)bytes;
    size_t u = 0;
    if (bytes < 1000) {
        snprintf(buf, size, "%llu %s", bytes, bytes == 1 ? "byte" : "bytes");
        return buf;
    }
    for (v /= 1000; v >= 999.5 && u + 1 < sizeof unit / sizeof unit[0]; v /= 1000)
        u++;
    snprintf(buf, size, v < 9.95 ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return buf;
}
