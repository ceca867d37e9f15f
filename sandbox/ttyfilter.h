/* ttyfilter.h: placeholder (pass-through) until the filter lands. */
#ifndef SBOX_TTYFILTER_H
#define SBOX_TTYFILTER_H

#include <stdbool.h>
#include <stddef.h>

enum sbox_terminal {
    SBOX_TERMINAL_RELAY,
    SBOX_TERMINAL_RAW,
    SBOX_TERMINAL_PLAIN,
    SBOX_TERMINAL_NONE,
};

#define SBOX_TTYFILTER_HOLD 256

struct sbox_ttyfilter {
    enum sbox_terminal mode;
};

void sbox_ttyfilter_init(struct sbox_ttyfilter *f, enum sbox_terminal mode);
size_t sbox_ttyfilter_feed(struct sbox_ttyfilter *f, const char *in, size_t n, char *out);
size_t sbox_ttyfilter_reset(const struct sbox_ttyfilter *f, char *out, size_t size);
unsigned long sbox_ttyfilter_dropped(const struct sbox_ttyfilter *f);

#endif
