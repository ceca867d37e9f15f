/* pin.h: the bind sources of a plan, each opened once by the parent and checked there; the
 * child mounts the very files opened, never a path resolved a second time. */
#ifndef SBOX_PIN_H
#define SBOX_PIN_H

#include <stddef.h>

#include "error.h"
#include "plan.h"

struct sbox_pins {
    int *fds; /* per plan mount: O_PATH of a bind's source, or -1 (not a bind, or missing) */
    size_t n;
    int rootfs;  /* O_PATH of the image root, or -1 */
    int *layers; /* image = NAME: O_PATH of each layer's directory, bottom first */
    size_t n_layers;
};

/* Opens the source of every bind and ro-bind of the plan: the current directory as ".", the
 * inode the caller's shell is in, whatever path now leads there; a source below a directory
 * the plan makes writable without following a symlink there; any other as its path says. Each
 * is checked where it really is: the current directory and anything reached through a symlink
 * must not be a directory the plan keeps from the sandbox (sbox_plan_hidden). Errors name the
 * setting. An image's layers too: below the store's root (the caller's), no symlink followed. */
int sbox_pin_sources(const struct sbox_plan *p, struct sbox_pins *ret, struct sbox_error *err);

void sbox_pins_close(struct sbox_pins *pins);

/* In the child's mount namespace (a mount of the parent's cannot be copied there): what fd
 * names, opened again by its path with no symlink followed, and only if it is still the same
 * file. The new descriptor, or -errno (-ESTALE: moved or replaced meanwhile). */
int sbox_pin_reopen(int fd);

#endif
