/* overlay.h: a writable layer over read-only trees, made by the kernel's overlayfs (in the
 * user namespace, with user.* xattrs) or by fuse-overlayfs. Runs in the child, before the
 * sandbox's root exists; layer paths are sbox's own staging paths, never the user's. */
#ifndef SBOX_OVERLAY_H
#define SBOX_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "plan.h"

/* The most lower layers an overlay takes from sbox: an image's (SBOX_OCI_MAX_LAYERS). */
#define SBOX_OVERLAY_MAX_LOWERS 128

struct sbox_overlay_layers {
    const char *lower; /* read-only layer (when lowers is NULL) */
    /* or several read-only layers, opened already (O_PATH, with no symlink followed), bottom
     * first as an image lists them; borrowed */
    const int *lowers;
    size_t n_lowers;
    const char *upper; /* writes (same file system as work) */
    const char *work;  /* overlayfs's scratch directory */
    const char *what;  /* for messages: the image or directory being overlaid */
    /* The kernel's overlay skips its syncs (volatile): whoever reads the upper layer after
     * the run syncs its file system once (a capture's end). */
    bool unsynced;
};

struct sbox_overlay_ctx {
    enum sbox_overlay_driver driver;
    const char *fuse_program; /* fuse-overlayfs's full path, NULL when not installed */
    int daemon_chan;          /* overlayd.h: where to ask for a daemon, or -1 */
    char note[256];           /* which driver was used and why, for -v */
    bool native_refused;      /* auto: native failed once, so the rest go straight to fuse */
    bool host_files;          /* the lower layers are the host's own directories */
    int daemons;              /* fuse-overlayfs daemons started so far */
};

/* Mounts an overlay of layers and returns it detached (*ret_mnt, for move_mount). Native first
 * unless the driver is fuse; auto falls back to fuse-overlayfs, whose daemon runs outside the
 * sandbox's pid namespace (overlayd.h) and dies with sbox. */
int sbox_overlay_mount(struct sbox_overlay_ctx *c, const struct sbox_overlay_layers *l,
                       int *ret_mnt, struct sbox_error *err);

/* Quotes a path for an overlay option string: `\`, `:` and `,` are escaped with `\`. For
 * layer paths that must be spelt out (sbox's own staging paths never need it). */
char *sbox_overlay_escape(const char *path);

/* Why a file system of this statfs type cannot hold an upper layer, or NULL when it can. */
const char *sbox_overlay_upper_unsupported(long fs_type);

#endif
