/* check.h: `sbox check`: the host's support for sbox, one line per feature, with the fix for
 * what is missing. Never changes the host. */
#ifndef SBOX_CHECK_H
#define SBOX_CHECK_H

#include <stdio.h>
#include <sys/types.h>

/* Prints the report to out. Returns 0 when everything is there, 1 when sandboxes run but some
 * feature is missing, 2 when sandboxes cannot run at all. */
int sbox_check(FILE *out, const char *user, uid_t uid, gid_t gid);

#endif
