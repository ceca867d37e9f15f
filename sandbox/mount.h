/* mount.h: the sandbox's file system: a new root built on a tmpfs from the plan's mounts.
 * Runs only in the child, inside the new user and mount namespaces; never touches the host's. */
#ifndef SBOX_MOUNT_H
#define SBOX_MOUNT_H

#include "error.h"
#include "plan.h"

/* Builds the root the plan describes and pivots into it; the host's tree is detached after.
 * On return the working directory is "/" of the new root. */
int sbox_mount_setup(const struct sbox_plan *p, struct sbox_error *err);

#endif
