/* ttyfilter.h: the payload's output filtered on its way from the pseudo-terminal to the user's
 * terminal, and what puts that terminal back afterwards. Never makes a system call. */
#ifndef SBOX_TTYFILTER_H
#define SBOX_TTYFILTER_H

#include <stdbool.h>
#include <stddef.h>

/* terminal = ... in a profile: what the payload's output may do to the user's terminal. */
enum sbox_terminal {
    SBOX_TERMINAL_RELAY, /* default: everything but what acts outside the screen */
    SBOX_TERMINAL_RAW,   /* exactly what the payload writes */
    SBOX_TERMINAL_PLAIN, /* text only: every escape sequence and control but \t \n \r \b dropped */
    SBOX_TERMINAL_NONE,  /* no pseudo-terminal at all (the filter is never used; treat like RAW) */
};

/* Bytes a sequence may hold back between two calls of feed (an escape sequence split across
 * reads). */
#define SBOX_TTYFILTER_HOLD 256

/* One filter per relay; its fields are ttyfilter.c's alone. */
struct sbox_ttyfilter {
    enum sbox_terminal mode;
    unsigned char state;              /* where the parser is: ttyfilter.c's enum state */
    bool c2;                          /* the last byte was 0xC2: the next says if it was a C1 */
    bool string_esc;                  /* an ESC inside a string: ST when a backslash follows */
    bool esc_inter;                   /* an escape sequence's intermediate byte seen */
    unsigned char csi_form;           /* what the CSI read so far may still be (CSI_* flags) */
    unsigned char utf8_left;          /* continuation bytes still expected */
    unsigned char utf8_min, utf8_max; /* the range of the next one */
    unsigned csi_param;               /* the CSI's parameter being read (saturates) */
    unsigned csi_named;               /* tracked modes the CSI named so far (bits of tracked[]) */
    unsigned modes;                   /* tracked modes the payload left set (bits of tracked[]) */
    bool overflow;                    /* the held sequence outgrew hold: dropped at its end */
    size_t held;
    unsigned char hold[SBOX_TTYFILTER_HOLD];
    unsigned long dropped;
};

void sbox_ttyfilter_init(struct sbox_ttyfilter *f, enum sbox_terminal mode);
/* Filters n bytes of the payload's output into out, which has room for n + SBOX_TTYFILTER_HOLD
 * bytes; returns how many bytes were written to out. Bytes of an unfinished sequence are held
 * until a later call decides. */
size_t sbox_ttyfilter_feed(struct sbox_ttyfilter *f, const char *in, size_t n, char *out);
/* What to write to the terminal once the payload is gone (or stopped), so the terminal is back
 * to how it was and sbox's own next line is visible; at most size bytes (size >= 128 is always
 * enough), returns the length. Does not change f (call it again later: same answer unless more
 * output came). */
size_t sbox_ttyfilter_reset(const struct sbox_ttyfilter *f, char *out, size_t size);
/* How many sequences the filter dropped so far (for -v). */
unsigned long sbox_ttyfilter_dropped(const struct sbox_ttyfilter *f);

#endif
