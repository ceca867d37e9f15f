/* keptns.h: the kept user namespace. One user namespace with the caller's subordinate ranges,
 * made once and held by a small process of the caller's (named sbox-userns) until it has gone
 * unused for a while: a run nests its sandbox's own user namespace in it, where it may write the
 * maps itself, instead of running the set-uid newuidmap and newgidmap at every start. */
#ifndef SBOX_KEPTNS_H
#define SBOX_KEPTNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "idmap.h"

/* The keeper's name (its comm, what `ps` and `pkill -x` see). */
#define SBOX_KEPTNS_NAME "sbox-userns"

struct sbox_keptns {
    int fd;       /* the kept user namespace (an nsfs descriptor); -1: none */
    pid_t keeper; /* the process that keeps it, as sbox's /proc numbers it */
};

/* The directory of the keeper's socket: $XDG_RUNTIME_DIR/sbox when XDG_RUNTIME_DIR names a
 * directory, else /tmp/sbox-UID. */
char *sbox_keptns_dir(void);

/* The kept namespace for the ranges r of the caller (uid, gid), when a keeper serves one and it
 * passes every check: a child of sbox's own user namespace, owned by the caller, with exactly the
 * map newuidmap and newgidmap would write (inside 0 the caller, 1-N the ranges), held by a
 * process of the caller's outside every sandbox (sbox's pid and mount namespaces). Returns 0 with
 * k filled, or -1 with why (a phrase for -v) set; never an error of the run's: without one, the
 * run maps a namespace of its own as before. */
int sbox_keptns_find(const struct sbox_idranges *r, uid_t uid, gid_t gid, struct sbox_keptns *k,
                     char *why, size_t why_size);

/* Starts a keeper in the background and returns at once: a process detached from the run (a
 * session of its own, none of the run's descriptors, the caller's cgroup) makes the namespace,
 * has newuidmap and newgidmap map it, and serves it until idle_ms have passed without a run
 * asking for it. Two runs starting keepers at once make one (a lock in the directory). */
void sbox_keptns_start(const struct sbox_idranges *r, uid_t uid, gid_t gid, uint64_t idle_ms);

void sbox_keptns_close(struct sbox_keptns *k);

#endif
