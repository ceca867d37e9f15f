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

struct sbox_init {
    pid_t payload;
    int tty; /* the payload's pseudo-terminal (a slave, pid 1's controlling terminal), or -1 */
    /* Told when the payload stops (^Z, a read from the background, its own SIGSTOP), so sbox
     * can stop too, hand it the terminal, or continue it. */
    void (*on_stop)(void *ctx, int sig);
    void *ctx;
};

/* Runs pid 1's loop until the payload exits; returns its exit status code and its wait status
 * in *ret_wstatus. The signals in sbox_init_forward_set(), SIGCHLD, SIGTSTP and SBOX_SIG_RESUME
 * must already be blocked. Signals in early (pending before the payload was forked) are
 * forwarded whatever their origin. */
int sbox_init_run(const struct sbox_init *in, const sigset_t *early, int *ret_wstatus);

/* Kills every other process of pid 1's namespace and reaps them all: what the kernel does when
 * pid 1 exits, done before pid 1 reports, so that once sbox has the status no process of the
 * sandbox runs and sbox need not wait for the namespaces' teardown. */
void sbox_init_end_all(void);

#endif
