/* mount.h: the sandbox's file system: a new root built on a tmpfs from the plan's mounts.
 * Runs only in the child, inside the new user and mount namespaces; never touches the host's. */
#ifndef SBOX_MOUNT_H
#define SBOX_MOUNT_H

#include "error.h"
#include "plan.h"

/* What the parent found out for the child: the helper programs it may run. */
struct sbox_mount_env {
    const char *fuse_program; /* fuse-overlayfs, or NULL */
    int lock_fd;              /* the kept overlay's lock (close-on-exec), or -1 */
    int overlayd_chan;        /* overlayd.h: the fuse daemons' keeper, or -1 */
    const char *resolv_conf;  /* an image's /etc/resolv.conf with net = host: the host's, or NULL */
    int capture_lock_fd;      /* the capture's lock, held until pid 1 ends, or -1 */
    int capture_store_fd;     /* O_PATH: this run's capture directory in the store, or -1 */
    const int *capture_fds;   /* per plan mount: O_PATH of a captured directory, or -1 */
    const int *bind_fds;      /* per plan mount: O_PATH of a bind's source (pin.h), or -1 */
    int rootfs_fd;            /* O_PATH: the image root the parent opened (pin.h), or -1 */
    const int *layer_fds;     /* image = NAME: O_PATH of each layer (pin.h), bottom first */
    size_t n_layer_fds;
};

/* Builds the root the plan describes and pivots into it; the host's tree is detached after.
 * On return the working directory is "/" of the new root. note (size bytes) receives a line
 * for -v about the overlay driver used, or "". ret_pty receives the payload's pseudo-terminal
 * (master, slave; close-on-exec) when the plan has one, else -1 and -1. */
int sbox_mount_setup(const struct sbox_plan *p, const struct sbox_mount_env *env, char *note,
                     size_t size, int ret_pty[2], struct sbox_error *err);

#endif
