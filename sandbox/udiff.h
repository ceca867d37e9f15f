/* udiff.h: the unified diff of two texts, written as `diff -u` writes it, computed in the
 * process (no diff(1) found through a PATH a build could have written to). */
#ifndef SBOX_UDIFF_H
#define SBOX_UDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sbox_udiff {
    const char *label_a, *label_b; /* the "---" and "+++" lines, as diff's --label */
    unsigned context;              /* unchanged lines around a change: 3 for diff -u */
    /* Writes one line's bytes (its newline left off); NULL writes them as they are. */
    void (*put)(FILE *out, const char *s, size_t n);
};

/* Writes the unified diff of a (na bytes) and b (nb bytes) to out: nothing when they are the
 * same, else the two labels and the hunks. Returns whether they differ. Lines are what ends
 * with a newline, and a last line without one ("\ No newline at end of file"). Past a cost
 * that grows with the square root of the sizes the search takes the best split it has
 * found, as diff does without --minimal: huge, wholly different inputs still end quickly. */
bool sbox_udiff_write(FILE *out, const char *a, size_t na, const char *b, size_t nb,
                      const struct sbox_udiff *how);

#endif
