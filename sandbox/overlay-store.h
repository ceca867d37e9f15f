/* overlay-store.h: a kept overlay directory (overlay = DIR): made, checked and locked by the
 * parent before the sandbox starts, so two sandboxes never share an upper layer. */
#ifndef SBOX_OVERLAY_STORE_H
#define SBOX_OVERLAY_STORE_H

#include <stdbool.h>

#include "error.h"
#include "plan.h"

/* Makes p->overlay_dir when missing (mode 0700) with upper/, work/, kind (what the upper layer
 * holds changes to) and lock, and takes the lock: *ret_lock is its descriptor. Refuses a
 * directory of another user's, one in use, one of another kind, or one holding other files.
 * *created is set when this run made the directory (the caller removes it if the sandbox never
 * starts), also on failure. Errors name the setting. */
int sbox_overlay_store_prepare(const struct sbox_plan *p, int *ret_lock, bool *created,
                               struct sbox_error *err);

#endif
