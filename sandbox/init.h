/* init.h: pid 1 of the sandbox: reaps, forwards signals, reports the payload's status.
 * Never execs and never runs payload code; it holds nothing the payload could use. */
#ifndef SBOX_INIT_H
#define SBOX_INIT_H

#include <signal.h>
#include <sys/types.h>

/* The signals sbox relays from its caller to the payload. */
void sbox_init_forward_set(sigset_t *set);

/* Exit status for a wait() status: the code, or 128+N for signal N. */
int sbox_init_status_code(int wstatus);

/* Runs pid 1's loop until payload exits; returns its exit status code. The signals in
 * sbox_init_forward_set() and SIGCHLD must already be blocked. Signals in early (pending before
 * the payload was forked) are forwarded whatever their origin. on_stop, when not NULL, is told
 * when the payload stops (^Z), so sbox can hand the terminal back and stop too. */
int sbox_init_run(pid_t payload, const sigset_t *early, void (*on_stop)(void *ctx, int sig),
                  void *ctx);

#endif
