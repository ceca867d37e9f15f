/* error.c: recording failures as one printable line, handing notes to main.
 * Never prints, never allocates: it must work in a child that is about to _exit. */
#include "error.h"
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool sbox_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left) {
        size_t n = sbox_text_utf8_len(p, left);
        if (n == 0)
            return false;
        p += n;
        left -= n;
    }
    return true;
}

void sbox_escape(char *dst, size_t size, const char *src)
{
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)src;
    size_t left = strlen(src);
    if (size == 0)
        return;
    while (left) {
        size_t n = sbox_text_utf8_len(s, left);
        if (n == 1 && (*s < 0x20 || *s == 0x7f))
            n = 0;
        if (n == 0) {
            if (o + 4 >= size)
                break;
            snprintf(dst + o, size - o, "\\x%02x", *s);
            o += 4;
            s++;
            left--;
            continue;
        }
        if (o + n >= size)
            break;
        memcpy(dst + o, s, n);
        o += n;
        s += n;
        left -= n;
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
