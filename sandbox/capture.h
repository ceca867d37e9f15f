/* capture.h: captured directories. A run keeps what the sandbox wrote over a directory in a
 * store of its own (the overlay's upper layer); later, `sbox diff` shows it and `sbox apply`
 * lands it. Only apply writes to a captured directory, and never outside it. */
#ifndef SBOX_CAPTURE_H
#define SBOX_CAPTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"

/* One run's capture, on the parent's side while the sandbox runs. */
struct sbox_capture_run {
    char *id;
    char *store;  /* the capture's directory in the store */
    int store_fd; /* O_PATH of it, for the child to bind (-1: none) */
    int lock_fd;  /* held while the sandbox runs */
    int *src_fds; /* per plan mount: O_PATH of a captured directory, or -1 */
    size_t n_mounts;
    bool resumed;   /* capture-on: an earlier run's capture, which a failure must not remove */
    char note[256]; /* a line for the user from sbox_capture_begin, or "" */
};

/* Makes the capture's directory under p->capture_store (ID/meta, ID/lock, ID/N/{upper,work}
 * for the plan's mount N) and opens the captured directories. Nothing is left on failure.
 * With capture-on, readies the pending capture instead (its lock held, its layers renamed to
 * the plan's mounts), which a failure leaves as it is. */
int sbox_capture_begin(const struct sbox_plan *p, struct sbox_capture_run *run,
                       struct sbox_error *err);

/* After the run: records how it ended and what changed; an empty capture is removed. Returns
 * the summary lines to print (NULL when there is nothing to say). */
char **sbox_capture_end(struct sbox_capture_run *run, int status, const char *home);

/* The sandbox never started: the capture goes. */
void sbox_capture_abort(struct sbox_capture_run *run);

/* Makes the capture store (mode 0700) when a writable bind of the plan would show where it
 * goes: a store that does not exist yet cannot be guarded (sbox_guard_plan hides it and
 * pins the way to it), and the sandbox could make one of its own. */
void sbox_capture_store_prepare(const struct sbox_plan *p);

/* The ids of every capture in the store, oldest first, or of the applied ones only (NULL for
 * none). */
char **sbox_capture_ids(const char *store, bool applied_only);

/* The subcommands. Each prints its own lines (stdout for what was asked, stderr for errors)
 * and returns the exit status. store is the capture store; home abbreviates paths. */
int sbox_capture_list(const char *store, const char *home, FILE *out);
/* PATH arguments are absolute, or relative to cwd when it lies in a captured directory, else
 * to the captured directory. */
int sbox_capture_diff(const char *store, const char *id, bool stat, char *const *paths,
                      const char *cwd, const char *home, FILE *out);
int sbox_capture_apply(const char *store, const char *id, bool include_denied, bool dry_run,
                       char *const *paths, const char *cwd, const char *home, FILE *out);
int sbox_capture_discard(const char *store, char *const *ids, const char *user, uid_t uid,
                         gid_t gid, const char *home);

#endif
