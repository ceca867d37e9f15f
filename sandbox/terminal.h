/* terminal.h: the caller's terminal and job control around a sandbox in a process group of its
 * own. Never takes the terminal from a job that is not the sandbox's, never from the shell. */
#ifndef SBOX_TERMINAL_H
#define SBOX_TERMINAL_H

#include <sys/types.h>

/* The caller's terminal among descriptors 0-2, or -1. */
int sbox_terminal_find(void);

/* To the sandbox's group (sandbox: its pid 1, the group's leader), only while sbox's own group
 * has the terminal. */
void sbox_terminal_give(int tty, pid_t sandbox);

/* Back to sbox's group, only from the sandbox's group or a dead one. */
void sbox_terminal_take(int tty, pid_t sandbox);

/* The payload stopped (^Z): stop the sandbox and sbox like a job, and continue both when the
 * shell continues sbox. */
void sbox_terminal_suspend(pid_t sandbox, int tty);

#endif
