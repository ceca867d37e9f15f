/* idmap.h: user and group id maps of the sandbox's user namespace.
 * Never maps an id the caller does not own: this maps are single-id. */
#ifndef SBOX_IDMAP_H
#define SBOX_IDMAP_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Maps inside_uid to the caller's uid and inside_gid to the caller's gid in pid's user
 * namespace; setgroups is denied first, as the kernel requires of an unprivileged writer. */
int sbox_idmap_write_single(pid_t pid, uint32_t inside_uid, uid_t outside_uid, uint32_t inside_gid,
                            gid_t outside_gid, struct sbox_error *err);

#endif
