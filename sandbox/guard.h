/* guard.h: a finished plan held against the host's paths: its last writes (sbox's own stores
 * hidden from writable binds), then the parent's checks of sources and image before any start. */
#ifndef SBOX_GUARD_H
#define SBOX_GUARD_H

#include "error.h"
#include "plan.h"

/* Once, right after sbox_plan_finish, and the plan's last writer: with an image, a uid given
 * without a gid gets its primary group from the image's passwd; then the image, the kept
 * overlay directory and the capture stores stay sbox's. A writable bind that shows one gets a
 * hide over it inside (each directory on the way to a capture store pinned by a bind onto
 * itself); a writable bind inside one, the current directory inside the image, or any other
 * writable view of a captured directory is an error; a capture named through a symlink is
 * shown at its real path, and the current directory is not bound when it lies in a capture.
 * resolve returns a path with symlinks resolved (allocated) or NULL, so any spelling is
 * caught: main passes realpath. Errors name the setting. */
int sbox_guard_plan(struct sbox_plan *p, char *(*resolve)(const char *path),
                    struct sbox_error *err);

/* In the parent, before anything is started: every source of a bind, ro-bind, mirror and
 * capture exists (unless try_missing), none is reached through a symlink lying in a directory
 * the sandbox can write; the image root is a directory apart from the kept overlay directory,
 * with a /bin/sh when no command is given. Errors name the setting. */
int sbox_guard_check(const struct sbox_plan *p, struct sbox_error *err);

#endif
