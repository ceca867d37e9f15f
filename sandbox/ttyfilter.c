/* ttyfilter.c: placeholder (pass-through) until the filter lands. */
#include "ttyfilter.h"

#include <stdio.h>
#include <string.h>

void sbox_ttyfilter_init(struct sbox_ttyfilter *f, enum sbox_terminal mode)
{
    f->mode = mode;
}

size_t sbox_ttyfilter_feed(struct sbox_ttyfilter *f, const char *in, size_t n, char *out)
{
    (void)f;
    memcpy(out, in, n);
    return n;
}

size_t sbox_ttyfilter_reset(const struct sbox_ttyfilter *f, char *out, size_t size)
{
    (void)f;
    return (size_t)snprintf(out, size, "\x18\x1b[0m");
}

unsigned long sbox_ttyfilter_dropped(const struct sbox_ttyfilter *f)
{
    (void)f;
    return 0;
}
