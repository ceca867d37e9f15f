/* overlayd.h: the fuse-overlayfs daemons, run outside the sandbox's pid namespace.
 * A keeper process, forked by sbox itself after the sandbox is cloned, joins the sandbox's user
 * and mount namespaces (not its pid namespace) and starts each daemon the sandbox asks for, in a
 * mount namespace whose root holds only the daemon's layers and the system's read-only
 * libraries, with the capabilities a copy-up needs, no_new_privs and the default seccomp policy.
 * The payload can neither see, signal nor trace a daemon, nor reach the host's tree through one. */
#ifndef SBOX_OVERLAYD_H
#define SBOX_OVERLAYD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "seccomp.h"

struct sbox_overlayd {
    pid_t pid;   /* the keeper, or -1 */
    int chan[2]; /* SOCK_SEQPACKET: [0] the keeper's end, [1] the sandbox's; -1 when closed */
    int program; /* fuse-overlayfs, opened to be run (fexecve), or -1 */
    int devnull; /* the daemons' standard input and output */
    struct sbox_seccomp filter; /* the default policy, for the daemons */
};

/* Before clone: the channel, the program and the daemons' filter. */
int sbox_overlayd_prepare(struct sbox_overlayd *d, const char *program, struct sbox_error *err);

/* After clone and the id map: forks the keeper, which joins sandbox's user and mount namespaces.
 * lock_fd (or -1) is held by every daemon until it is gone. Closes the keeper's end here. */
int sbox_overlayd_start(struct sbox_overlayd *d, pid_t sandbox, int lock_fd,
                        struct sbox_error *err);

/* Kills the keeper (its daemons die with it) and reaps it; closes what is left. Call once the
 * sandbox is gone. */
void sbox_overlayd_stop(struct sbox_overlayd *d);

/* In the sandbox's setup: asks the keeper for a daemon serving the fuse connection dev over
 * the layers: lowers (n_lowers of them, bottom first) and the upper and work directories
 * (upper_fd, work_fd), all opened with no symlink followed, where upper and work are those
 * staging paths, in one directory tree. The daemon is started when this returns 0; the caller
 * then waits for its first answer and reports with sbox_overlayd_settle(). */
int sbox_overlayd_spawn(int chan, int dev, const char *upper, const char *work, const int *lowers,
                        size_t n_lowers, int upper_fd, int work_fd, struct sbox_error *err);

/* answered: the first request was answered. When it was not, the keeper's account of why (the
 * daemon's own message, or its silence) becomes the error, and -1 is returned. */
int sbox_overlayd_settle(int chan, bool answered, int wait_errno, struct sbox_error *err);

#endif
