/* terminal.h: the caller's terminal around a sandbox: the payload's pseudo-terminal relayed
 * (raw mode, window size, output filtered) and job control as a shell expects. Never reads the
 * caller's terminal unless the payload asked for input while sbox is in the foreground. */
#ifndef SBOX_TERMINAL_H
#define SBOX_TERMINAL_H

#include "ttyfilter.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

/* sbox to pid 1, by sigqueue: continue the payload; the value says whether it may have its
 * terminal: SBOX_RESUME_BACKGROUND (no: a read stops it, as a background job's),
 * SBOX_RESUME_FOREGROUND (yes, as it had it), SBOX_RESUME_HAND (yes, its own group: it asked for
 * input). */
#define SBOX_SIG_RESUME (SIGRTMIN + 2)
enum { SBOX_RESUME_BACKGROUND, SBOX_RESUME_FOREGROUND, SBOX_RESUME_HAND };

/* What main's crash handler puts back: the caller's terminal mode while sbox holds it raw. */
struct sbox_tty_restore {
    volatile sig_atomic_t active;
    int fd;
    struct termios mode;
};

/* The relay between the caller's terminal and the payload's pseudo-terminal. */
struct sbox_relay {
    int in, out;      /* the caller's terminal: keys read from in, output written to out, or -1 */
    int master;       /* the payload's pseudo-terminal, -1 until pid 1 sends it */
    bool interactive; /* 0 and 1 are the terminal: the payload has it from the start */
    bool handed;      /* the payload has its terminal: keys are read while in the foreground */
    bool raw;         /* in is in raw mode */
    bool dirty;       /* an escape went to out: the terminal may need a reset at the end */
    struct sbox_tty_restore *restore; /* main's, or NULL */
    struct sbox_ttyfilter filter;
    size_t n_pending; /* keys read, not yet taken by the pseudo-terminal */
    char pending[4096];
};

/* The caller's terminal among descriptors 0-2 (ttys: bit N for descriptor N), the relay idle. */
void sbox_relay_init(struct sbox_relay *r, unsigned ttys, bool interactive, enum sbox_terminal mode,
                     struct sbox_tty_restore *restore);

/* sbox's process group has the caller's terminal (fd), or it is not sbox's controlling
 * terminal at all. */
bool sbox_terminal_foreground(int fd);

/* sbox has a controlling terminal, so a shell's job control can continue it once stopped. */
bool sbox_terminal_job_control(void);

/* The master arrived: relaying starts (raw mode if the payload has its terminal and sbox is in
 * the foreground). */
void sbox_relay_attach(struct sbox_relay *r, int master);

/* Whether keys should be read now: the payload has its terminal, sbox is in the foreground and
 * the last ones were taken. */
bool sbox_relay_wants_input(const struct sbox_relay *r);

/* Keys from the caller's terminal to the pseudo-terminal; false when the terminal is gone. */
bool sbox_relay_input(struct sbox_relay *r);

/* Keys read before, to the pseudo-terminal as it takes them. */
void sbox_relay_flush(struct sbox_relay *r);

/* The payload's output, filtered, to the caller's terminal; false once every slave is closed. */
bool sbox_relay_output(struct sbox_relay *r);

/* The caller's window size to the pseudo-terminal (whose kernel sends SIGWINCH inside). */
void sbox_relay_resize(struct sbox_relay *r);

/* The payload asked for input (SIGTTIN or SIGTTOU on its terminal) while sbox is in the
 * foreground: from now on it has the terminal. */
void sbox_relay_hand(struct sbox_relay *r);

/* Raw mode when the payload has its terminal and sbox is in the foreground; cooked otherwise
 * (before sbox stops, in the background). Returns whether the payload may have its terminal. */
bool sbox_relay_settle(struct sbox_relay *r);

/* The caller's mode back, exactly as it was. */
void sbox_relay_cooked(struct sbox_relay *r);

/* The end: the rest of the output, the terminal reset after it, the mode back. */
void sbox_relay_end(struct sbox_relay *r);

/* Without a pseudo-terminal: ^Z stops the sandbox's process group and sbox like a job; when the
 * shell continues sbox, the group goes on too. */
void sbox_terminal_suspend(pid_t sandbox);

#endif
