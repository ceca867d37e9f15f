/* isolation.h: isolation = landlock, the degraded mode for hosts where no user namespace can be
 * made: the command on the host's own tree under Landlock, seccomp, no_new_privs and rlimits.
 * Never entered unless the plan asks for it; never with a setting it cannot honour. */
#ifndef SBOX_ISOLATION_H
#define SBOX_ISOLATION_H

#include <stdbool.h>

#include "error.h"
#include "plan.h"

/* The one line a run in this mode starts with: what it cannot give. */
extern const char sbox_isolation_note[];

/* The settings isolation = landlock cannot honour, refused with the setting's origin (pure):
 * an image, an overlay, captures, a tmpfs but at /tmp, /var/tmp, /run, /dev/shm or the home,
 * a bind, cache or proc at another destination, a hide below a path it grants, user-mode
 * networks, allow-host, cap-add, another uid or gid, a hostname of its own, landlock = off. */
int sbox_isolation_check(const struct sbox_plan *p, struct sbox_error *err);

/* Whether this process may make a user namespace (tried in a child, gone at once). */
bool sbox_isolation_userns_works(void);

/* Runs the plan's command in this mode: *ret_status its exit status (126, 127 when it could
 * not be run), *ret_signal the signal it died of (0: none). -errno when sbox failed before
 * the command ran (125). */
int sbox_isolation_run(const struct sbox_plan *p, char **envp, const struct sbox_notes *notes,
                       int *ret_status, int *ret_signal, struct sbox_error *err);

#endif
