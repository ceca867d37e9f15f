/* overlay-store.h: a kept overlay directory (overlay = DIR): made, checked and locked by the
 * parent before the sandbox starts, so two sandboxes never share an upper layer. */
#ifndef SBOX_OVERLAY_STORE_H
#define SBOX_OVERLAY_STORE_H

#include <stdbool.h>

#include "error.h"
#include "plan.h"

struct sbox_overlay_store {
    const char *dir; /* the plan's overlay_dir */
    int lock;        /* DIR/lock, held for the run (pid 1 and fuse-overlayfs keep copies), or -1 */
    bool created;    /* DIR was made by this run */
};

/* Makes p->overlay_dir when missing (mode 0700) with upper/, work/, kind (what the upper layer
 * holds changes to) and lock, and takes the lock. Refuses a directory of another user's, one in
 * use, one of another kind, or one holding other files; errors name the setting. On failure, a
 * directory this run made is removed again. */
int sbox_overlay_store_prepare(const struct sbox_plan *p, struct sbox_overlay_store *store,
                               struct sbox_error *err);

/* The sandbox never started: a directory this run made goes again (only mount points were made
 * in it). */
void sbox_overlay_store_discard(struct sbox_overlay_store *store);

/* Lets the lock go (sbox's copy). */
void sbox_overlay_store_close(struct sbox_overlay_store *store);

#endif
