/* guard.h: the checks of a finished plan against the host's paths, made by the parent before
 * anything is started: missing or planted sources, an image that cannot run. */
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

#endif
