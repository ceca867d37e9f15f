/* error.h: the one way a failure travels: recorded once where it happens, printed once by main;
 * and the way a note does, handed to main. Library code never prints and never exits. */
#ifndef SBOX_ERROR_H
#define SBOX_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#define SBOX_ERROR_MAX 1024

struct sbox_error {
    int err;                  /* positive errno, or 0 when the failure is not a system call's */
    char msg[SBOX_ERROR_MAX]; /* one line, no "sbox: " prefix, no newline */
};
typedef struct sbox_error sbox_error_t;

/* Record a failure and return -errnum (or -EINVAL when errnum is 0). When errnum is not 0,
 * ": strerror(errnum)" is appended. The message is made printable (controls escaped). */
int sbox_error(struct sbox_error *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Put context in front of a recorded message ("CONTEXT: old message"); returns -e->err. */
int sbox_error_prefix(struct sbox_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A remark that is no failure (a limit approximated, under -v the id map chosen), one line
 * each: library code hands it to main's line(), which prints it at once, so it comes when it
 * did among the payload's output. NULL (or a NULL line) drops it. */
struct sbox_notes {
    void (*line)(void *ctx, const char *text); /* text: no "sbox: " prefix, no newline */
    /* allow-host's refusals summed up at the end, after the note that says each: n to dest, n
     * malformed requests, or (dest NULL) n to other hosts. NULL: not wanted. */
    void (*refused)(void *ctx, const char *dest, bool malformed, unsigned long n);
    void *ctx;
};

/* Formats one note (at most SBOX_NOTE_MAX - 1 bytes) and hands it to n. Never allocates: the
 * payload calls it before exec. */
#define SBOX_NOTE_MAX 8192
void sbox_note(const struct sbox_notes *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Escape bytes that would break a one-line message (controls, invalid UTF-8) as \xNN.
 * Writes at most size-1 bytes and always terminates. */
void sbox_escape(char *dst, size_t size, const char *src);

/* True when s is valid UTF-8 (overlong forms and surrogates are not). */
#include <stdbool.h>
bool sbox_utf8_valid(const char *s);

#endif
