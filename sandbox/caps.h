/* caps.h: the payload's capabilities and identity: none but what cap-add names (and a
 * container root's set for uid 0).
 * Must run after every privileged step, and before exec. */
#ifndef SBOX_CAPS_H
#define SBOX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct sbox_ids {
    uint32_t uid, gid;
};

/* Empties the bounding, ambient, inheritable, permitted and effective sets, so no exec (set-uid
 * or file capabilities included) can give any back; when root, the payload is uid 0 inside and
 * keeps a container root's set (chown, setuid, ... in its user namespace only) instead. When
 * ids is not NULL the process (root in a namespace with ranges mapped) first becomes ids, with
 * ids->gid as its only group. add (bits 1 << CAP_...) is kept in the bounding, permitted,
 * effective, inheritable and ambient sets, for any uid. */
int sbox_caps_drop_all(const struct sbox_ids *ids, bool root, uint64_t add, struct sbox_error *err);

#endif
