/* guard.h: a finished plan held against the host's paths: its last writes (sbox's own stores
 * hidden from writable binds), then the parent's checks of sources and image before any start. */
#ifndef SBOX_GUARD_H
#define SBOX_GUARD_H

#include "error.h"
#include "plan.h"

/* Every source of a bind, ro-bind, mirror and capture exists (unless try_missing), and none is
 * reached through a symlink lying in a directory the sandbox can write. Errors name the
 * setting. */
int sbox_guard_sources(const struct sbox_plan *p, struct sbox_error *err);

/* The image root is a directory apart from the kept overlay directory, with a /bin/sh when no
 * command is given. Errors name the setting. */
int sbox_guard_image(const struct sbox_plan *p, struct sbox_error *err);

/* After finish: the image and the kept overlay directory stay sbox's. A writable bind that shows
 * either gets a hide over it inside; a writable bind inside the overlay directory, or the current
 * directory inside the image, is an error. resolve returns a path with symlinks resolved
 * (allocated) or NULL, so any spelling is caught: main passes realpath. */
int sbox_guard_protect_own(struct sbox_plan *p, char *(*resolve)(const char *path),
                           struct sbox_error *err);

/* With an image, a uid given without a gid gets its primary group from the image's passwd. */
void sbox_guard_image_gid(struct sbox_plan *p);

#endif
