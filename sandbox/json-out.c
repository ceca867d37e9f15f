/* json-out.c: JSON written for programs, from strings that may hold any bytes (file names,
 * commands, a payload's words). No system call but stdio's; never writes invalid JSON. */
#include "json-out.h"
#include "text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void sbox_jw_quote(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    fputc('"', f);
    while (n > 0) {
        size_t len = *p < 0x80 ? 1 : sbox_text_utf8_len(p, n);
        if (len == 0) {
            /* Not UTF-8: a parser would refuse the document, or worse, guess. */
            fputs("\\ufffd", f);
            p++, n--;
            continue;
        }
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else if (len == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
            fputs(p[2] == 0xa8 ? "\\u2028" : "\\u2029", f);
        else
            fwrite(p, 1, len, f);
        p += len, n -= len;
    }
    fputc('"', f);
}

void sbox_jw_begin(struct sbox_jw *j, FILE *f)
{
    *j = (struct sbox_jw){.f = f};
}

/* The comma before a member, and its name. */
static void member(struct sbox_jw *j, const char *key)
{
    if (j->depth > 0) {
        if (j->more[j->depth - 1])
            fputc(',', j->f);
        j->more[j->depth - 1] = true;
    }
    if (key) {
        sbox_jw_quote(j->f, key);
        fputc(':', j->f);
    }
}

static void open_one(struct sbox_jw *j, const char *key, char open, char close)
{
    member(j, key);
    fputc(open, j->f);
    /* No document of sbox's is nested this deep: a writer that tries is wrong. */
    if (j->depth == SBOX_JW_DEPTH)
        abort();
    j->more[j->depth] = false;
    j->close[j->depth] = close;
    j->depth++;
}

void sbox_jw_object(struct sbox_jw *j, const char *key)
{
    open_one(j, key, '{', '}');
}

void sbox_jw_array(struct sbox_jw *j, const char *key)
{
    open_one(j, key, '[', ']');
}

void sbox_jw_end(struct sbox_jw *j)
{
    if (j->depth == 0)
        return;
    fputc(j->close[--j->depth], j->f);
    if (j->depth == 0)
        fputc('\n', j->f);
}

void sbox_jw_str(struct sbox_jw *j, const char *key, const char *s)
{
    member(j, key);
    if (s)
        sbox_jw_quote(j->f, s);
    else
        fputs("null", j->f);
}

void sbox_jw_int(struct sbox_jw *j, const char *key, int64_t v)
{
    member(j, key);
    fprintf(j->f, "%" PRId64, v);
}

void sbox_jw_bool(struct sbox_jw *j, const char *key, bool v)
{
    member(j, key);
    fputs(v ? "true" : "false", j->f);
}

void sbox_jw_null(struct sbox_jw *j, const char *key)
{
    member(j, key);
    fputs("null", j->f);
}
