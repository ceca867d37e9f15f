/* check.h: `sbox check`: the host's support for sbox, one line per feature, with the fix for
 * what is missing. Never changes the host. */
#ifndef SBOX_CHECK_H
#define SBOX_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Prints the report to out: a line per feature, ok, degraded or missing, with the fix for each
 * that is not ok; with json, one JSON object instead. Returns 0 when the default profile can
 * run (whatever is missing), 1 when it cannot. SBOX_CHECK_ROOT, for tests, is a directory read
 * in place of / for /proc/sys, /proc/self/cgroup, /proc/self/mountinfo and the cgroup tree. */
int sbox_check(FILE *out, const char *user, uid_t uid, gid_t gid, bool json);

/* Why clone refused a new user namespace with errnum (EPERM, ENOSPC, EUSERS), and the fix, as
 * one phrase: the sysctl, Ubuntu's AppArmor rule, a seccomp filter (Docker's, an outer sbox's
 * without nested = yes), with `--isolation landlock` beside. Reads /proc only (or
 * SBOX_CHECK_ROOT's). */
char *sbox_check_userns_refused(int errnum);

#endif
