/* text.h: hostile names and bytes written for a terminal or a message line, and the small words
 * of messages. */
#ifndef SBOX_TEXT_H
#define SBOX_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* How sbox_text_put treats what a file's line may hold but one line of output may not. */
enum sbox_text_as {
    SBOX_AS_LINE, /* a line of a file: tab and newline stay */
    SBOX_AS_NAME, /* a file name: tab, newline and backslash itself escaped (so a name holding
                   * "\x0a" and one holding a newline differ) */
    SBOX_AS_TEXT, /* other text on one line (a command): tab and newline escaped */
};

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
size_t sbox_text_utf8_len(const unsigned char *s, size_t n);
/* Writes n bytes of s with what could forge the output or drive the terminal as \xNN. */
void sbox_text_put(FILE *out, const char *s, size_t n, enum sbox_text_as as);
/* A name for the terminal (SBOX_AS_NAME), in buf; cut to fit. */
const char *sbox_text_shown(const char *s, char *buf, size_t size);
/* path with the home spelt ~ (allocated). */
char *sbox_text_tilde(const char *path, const char *home);
const char *sbox_text_plural(unsigned long n, const char *one, const char *many);

#endif
