/* launch.h: runs a plan: clone into new namespaces, map ids, release the child, relay signals,
 * wait, and return the payload's status. Leaves nothing behind on any path. */
#ifndef SBOX_LAUNCH_H
#define SBOX_LAUNCH_H

#include "error.h"
#include "plan.h"
#include "terminal.h"

/* Runs p's command with environment envp; on_ready (if not NULL) is called once the sandbox is
 * set up and the payload forked (main prints its remarks then, so a failed setup prints one
 * line only), with the payload's pid as sbox counts it (-1 when it ended before sbox looked)
 * and pid 1's. Notes (under -v the id map, a limit approximated, the capture's summary, an out
 * of memory kill) go to notes as they come. *ret_status is the exit status sbox should return
 * (the payload's, 128+N for signal N, 125 for sbox's own failure, 126/127 when the command
 * could not be run); *ret_signal is N when the payload died of signal N (sbox then dies of it
 * too, unless exit-code-only), else 0. restore (main's, for a crash handler) holds the
 * caller's terminal mode while sbox has it in raw mode. Returns < 0 with err set when there is
 * a message to print. */
int sbox_launch(const struct sbox_plan *p, char **envp, const struct sbox_notes *notes,
                void (*on_ready)(void *ctx, pid_t payload, pid_t init), void *ready_ctx,
                struct sbox_tty_restore *restore, int *ret_status, int *ret_signal,
                struct sbox_error *err);

#endif
