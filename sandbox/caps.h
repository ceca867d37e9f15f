/* caps.h: the payload's capabilities. This part: none at all.
 * Must run after every privileged step, and before exec. */
#ifndef SBOX_CAPS_H
#define SBOX_CAPS_H

#include "error.h"

/* Empties the bounding, ambient, inheritable, permitted and effective sets, so no exec (set-uid
 * or file capabilities included) can give any back. */
int sbox_caps_drop_all(struct sbox_error *err);

#endif
