/* text.h: hostile names and bytes written for a terminal or a message line, and the small words
 * of messages. */
#ifndef SBOX_TEXT_H
#define SBOX_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* How put_shown treats what a file's line may hold but one line of output may not. */
enum shown_as {
    AS_LINE, /* a line of a file: tab and newline stay */
    AS_NAME, /* a file name: tab, newline and backslash itself escaped (so a name holding
              * "\x0a" and one holding a newline differ) */
    AS_TEXT, /* other text on one line (a command): tab and newline escaped */
};

size_t utf8_len(const unsigned char *s, size_t n);
void put_shown(FILE *out, const char *s, size_t n, enum shown_as as);
const char *shown(const char *s, char *buf, size_t size);
char *tilde(const char *path, const char *home);
const char *plural(unsigned long n, const char *one, const char *many);

#endif
