/* status.h: --json-status-fd's events, one JSON line each on a descriptor the caller opened:
 * started, note, refused, exited, failed (sbox(1) shows them). */
#ifndef SBOX_STATUS_H
#define SBOX_STATUS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct sbox_status {
    int fd; /* -1: no events asked for */
};

/* --json-status-fd's value: a descriptor number, open for writing. It is made close-on-exec
 * (0-2 aside): no helper sbox runs, nor anything in the sandbox, gets it. */
int sbox_status_open(const char *value, struct sbox_status *ret, struct sbox_error *err);
/* Around the run in a systemd scope (cgroup.c): the second sbox writes the events, so the
 * descriptor must reach it. */
void sbox_status_inherit(const struct sbox_status *st, bool inherit);

/* The payload's pid as sbox's pid namespace counts it, from a pidfd of it (-1: gone already). */
pid_t sbox_status_pidfd_pid(int pidfd);

void sbox_status_started(const struct sbox_status *st, pid_t payload, pid_t init);
/* A note as main prints it; allow-host's summary of refusals also as "refused" events. */
void sbox_status_note(const struct sbox_status *st, const char *text);
/* allow-host's refusals, as sbox_notes' refused hands them: {"event":"refused","count":N,
 * "to":DEST} (DEST null: other hosts) or "malformed":true. */
void sbox_status_refused(const struct sbox_status *st, const char *dest, bool malformed,
                         unsigned long n);
/* The payload ended with this exit status (sbox's own), of signal sig when not 0. */
void sbox_status_exited(const struct sbox_status *st, int status, int sig);
/* sbox failed (status 125, or 126/127 for a command that could not be run): message says why. */
void sbox_status_failed(const struct sbox_status *st, int status, const char *message);

#endif
