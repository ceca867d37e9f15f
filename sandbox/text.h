/* text.h: hostile names and bytes written for a terminal or a message line, and the small words
 * of messages. */
#ifndef SBOX_TEXT_H
#define SBOX_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* How sbox_text_put treats what a file's line may hold but one line of output may not. */
enum sbox_text_as {
    SBOX_AS_LINE, /* a line of a file: tab and newline stay */
    SBOX_AS_NAME, /* a file name: tab, newline and backslash itself escaped (so a name holding
                   * "\x0a" and one holding a newline differ) */
    SBOX_AS_TEXT, /* other text on one line (a command): tab and newline escaped */
};

/* What sbox_text_put escapes, counted (tab and newline are not). */
struct sbox_text_tally {
    size_t nul;       /* NUL bytes */
    size_t in_text;   /* control bytes text holds (carriage return, form feed, vertical tab,
                       * backspace, ESC: line ends, page breaks, coloured logs), though a
                       * terminal acts on them */
    size_t control;   /* the other C0 controls, DEL, and the C1 controls */
    size_t invisible; /* characters that hide or reorder text or pass for a space */
    size_t invalid;   /* bytes that are not part of a valid UTF-8 sequence */
};

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
size_t sbox_text_utf8_len(const unsigned char *s, size_t n);
/* Writes n bytes of s with what could forge the output, drive the terminal or hide from the
 * reader escaped: a byte as \xNN (C0 controls, DEL, invalid UTF-8), a character as \u{XXXX}
 * (C1 controls, zero widths, bidirectional controls, fillers, tags, variation selectors). */
void sbox_text_put(FILE *out, const char *s, size_t n, enum sbox_text_as as);
/* Adds what sbox_text_put would escape in n bytes of s (as a file's lines) to *t. */
void sbox_text_tally(const char *s, size_t n, struct sbox_text_tally *t);
/* Whether bytes so tallied, n of them, are binary rather than text with a few odd bytes: more
 * than one in 32 are NUL or control bytes text does not hold (bytes that are not UTF-8 do not
 * count: Latin-1 text is text). */
bool sbox_text_binary(const struct sbox_text_tally *t, size_t n);
/* A name for the terminal (SBOX_AS_NAME), in buf; cut to fit. */
const char *sbox_text_shown(const char *s, char *buf, size_t size);
/* Whether sbox_text_shown would show s other than as it is. */
bool sbox_text_needs_escape(const char *s);
/* path with the home spelt ~ (allocated). */
char *sbox_text_tilde(const char *path, const char *home);
const char *sbox_text_plural(unsigned long n, const char *one, const char *many);
/* A size for people: "512 bytes", "1.5 kB", "12 MB" (powers of 1000), in buf. */
const char *sbox_text_size(unsigned long long bytes, char *buf, size_t size);

#endif
