/* error.c: recording failures as one printable line, handing notes to main.
 * Never prints, never allocates: it must work in a child that is about to _exit. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence starting at s, or 0 when it is invalid. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n;
    unsigned int cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

bool sbox_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

void sbox_escape(char *dst, size_t size, const char *src)
{
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)src;
    if (size == 0)
        return;
    while (*s) {
        size_t n = utf8_len(s);
        if (n == 1 && (*s < 0x20 || *s == 0x7f))
            n = 0;
        if (n == 0) {
            if (o + 4 >= size)
                break;
            snprintf(dst + o, size - o, "\\x%02x", *s);
            o += 4;
            s++;
            continue;
        }
        if (o + n >= size)
            break;
        memcpy(dst + o, s, n);
        o += n;
        s += n;
    }
    dst[o] = '\0';
}

static void set_msg(struct sbox_error *e, const char *raw)
{
    sbox_escape(e->msg, sizeof e->msg, raw);
}

int sbox_error(struct sbox_error *e, int errnum, const char *fmt, ...)
{
    char raw[SBOX_ERROR_MAX];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof raw && errnum != 0)
        snprintf(raw + n, sizeof raw - (size_t)n, ": %s", strerror(errnum));
    if (e) {
        set_msg(e, raw);
        e->err = errnum ? errnum : EINVAL;
    }
    return errnum ? -errnum : -EINVAL;
}

int sbox_error_prefix(struct sbox_error *e, const char *fmt, ...)
{
    char raw[SBOX_ERROR_MAX];
    char escaped[SBOX_ERROR_MAX];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    sbox_escape(escaped, sizeof escaped, raw);
    if (n >= 0 && (size_t)n < sizeof raw) {
        char old[SBOX_ERROR_MAX];
        size_t n1 = strlen(escaped), n2;
        /* e->msg is already escaped; only truncate. */
        memcpy(old, e->msg, sizeof old);
        n2 = strnlen(old, sizeof old - 1);
        if (n1 > sizeof e->msg - 3)
            n1 = sizeof e->msg - 3;
        memcpy(e->msg, escaped, n1);
        memcpy(e->msg + n1, ": ", 2);
        if (n2 > sizeof e->msg - 3 - n1)
            n2 = sizeof e->msg - 3 - n1;
        memcpy(e->msg + n1 + 2, old, n2);
        e->msg[n1 + 2 + n2] = '\0';
    }
    if (e->err == 0)
        e->err = EINVAL;
    return -e->err;
}

void sbox_note(const struct sbox_notes *n, const char *fmt, ...)
{
    char text[SBOX_NOTE_MAX];
    va_list ap;
    if (!n || !n->line)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    n->line(n->ctx, text);
}
