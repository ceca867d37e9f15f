/* idmap.h: user and group id maps of the sandbox's user namespace.
 * A single map needs no help: the caller may map its own ids. Ranges come from /etc/subuid and
 * /etc/subgid and are written by the setuid newuidmap/newgidmap, so sbox itself stays
 * unprivileged. Parsing is pure, for tests; running the helpers is separate. */
#ifndef SBOX_IDMAP_H
#define SBOX_IDMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"

/* More ranges than this in /etc/subuid are ignored (the kernel takes 340 lines in all). */
#define SBOX_IDMAP_MAX_RANGES 16

struct sbox_idrange {
    uint32_t start; /* first id outside */
    uint32_t count;
};

/* The ranges of text (the /etc/subuid format: NAME-or-ID:START:COUNT per line) that belong to
 * user or to uid, in file order, overlapping ones and zero counts skipped. Returns how many
 * (at most max). */
size_t sbox_idmap_parse_ranges(const char *text, const char *user, uint32_t id,
                               struct sbox_idrange *out, size_t max);

/* The first id after every range in text (the /etc/subuid format), and at least 100000: where
 * a new user's range can start without overlapping anyone's. */
uint64_t sbox_idmap_free_start(const char *text);

/* The usermod command that gives user 65536 ids no one else has in /etc/subuid (allocated). */
char *sbox_idmap_add_hint(const char *user);

/* The total number of ids in the ranges. */
uint64_t sbox_idmap_count(const struct sbox_idrange *r, size_t n);

/* Maps inside_uid to the caller's uid and inside_gid to the caller's gid in pid's user
 * namespace; setgroups is denied first, as the kernel requires of an unprivileged writer. */
int sbox_idmap_write_single(pid_t pid, uint32_t inside_uid, uid_t outside_uid, uint32_t inside_gid,
                            gid_t outside_gid, struct sbox_error *err);

/* The argument list for newuidmap/newgidmap: inside 0 is the caller's own id, inside 1..N the
 * ranges in order. Returns a NULL-terminated vector (helper's path first). */
char **sbox_idmap_helper_argv(const char *helper, pid_t pid, uint32_t own,
                              const struct sbox_idrange *r, size_t n);

/* The caller's subordinate ranges, and the set-uid helpers that map them. */
struct sbox_idranges {
    struct sbox_idrange uids[SBOX_IDMAP_MAX_RANGES], gids[SBOX_IDMAP_MAX_RANGES];
    size_t n_uids, n_gids;
    char *newuidmap, *newgidmap; /* full paths, NULL when not installed */
};

/* Reads /etc/subuid and /etc/subgid for user (or its uid) and finds the helpers. Returns NULL
 * when ranges can be mapped, else why not, as a phrase for messages. */
const char *sbox_idmap_load(struct sbox_idranges *r, const char *user, uint32_t uid);
void sbox_idmap_ranges_free(struct sbox_idranges *r);

/* Whether every id of the ranges r is an id of the namespace whose map is map (the text of
 * /proc/self/uid_map: INSIDE OUTSIDE COUNT per line; its first column are this namespace's ids). */
bool sbox_idmap_within(const char *map, const struct sbox_idrange *r, size_t n);

/* Writes the ranged maps of pid's user namespace with the helpers sbox_idmap_load found:
 * newgidmap and newuidmap, run at the same time. */
int sbox_idmap_write_ranges(pid_t pid, uid_t uid, gid_t gid, const struct sbox_idranges *r,
                            struct sbox_error *err);

/* Maps pid's user namespace, a child of a namespace with the ranged map, onto all of that
 * namespace's ids as they are (inside 0 to N): the same ids as the ranged map gives a child of
 * sbox's own. The writer must be in the parent namespace (the kept one, keptns.h) with
 * CAP_SETUID and CAP_SETGID there; setgroups stays allowed, as newgidmap leaves it. */
int sbox_idmap_write_identity(pid_t pid, const struct sbox_idranges *r, struct sbox_error *err);

/* The full path of an executable found on PATH (or a default path), or NULL. */
char *sbox_find_program(const char *name);

/* The map a plan runs with: ranged (the caller's subordinate ids) or the single map. */
struct sbox_idmap_choice {
    bool ranged;
    struct sbox_idranges r;
};

/* Chooses the map for p (userns = single, subuid or auto), loading the ranges when it may take
 * them. Errors (userns = subuid without ranges, an id beyond them) name the setting. Under -v,
 * a note says which map and why. */
int sbox_idmap_choose(const struct sbox_plan *p, struct sbox_idmap_choice *map,
                      const struct sbox_notes *notes, struct sbox_error *err);
void sbox_idmap_choice_free(struct sbox_idmap_choice *map);

/* Writes the chosen map of pid's user namespace (the sandbox's pid 1, before it is released). */
int sbox_idmap_write(const struct sbox_plan *p, const struct sbox_idmap_choice *map, pid_t pid,
                     struct sbox_error *err);

/* The number /proc gives the process pid (a number of sbox's own pid namespace): the same, but
 * where /proc was not mounted again after a new pid namespace (`unshare -pf` without
 * --mount-proc), where /proc/PID would be some other process. */
int sbox_idmap_proc_pid(pid_t pid, pid_t *ret_pid, struct sbox_error *err);

/* Whether the payload runs in a user namespace nested in the sandbox's, mapping its ids to the
 * sandbox's 0 (the single map with a user-mode network, for a payload that is not root). */
bool sbox_idmap_nested(const struct sbox_plan *p, bool ranged);

/* In the payload: unshares that nested user namespace and writes its maps. */
int sbox_idmap_nest(const struct sbox_plan *p, struct sbox_error *err);

#endif
