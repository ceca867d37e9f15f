/* import.h: `sbox import TARBALL DIR`: a rootfs tarball unpacked as root of a user namespace
 * with the caller's subordinate ranges, so owners, modes and xattrs are kept as root would keep
 * them. Never writes outside DIR, never follows a symlink out of it, never makes device nodes. */
#ifndef SBOX_IMPORT_H
#define SBOX_IMPORT_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct sbox_import_stats {
    unsigned long entries;  /* written */
    unsigned long devices;  /* device nodes skipped */
    unsigned long failed;   /* entries libarchive could not write */
    unsigned long warnings; /* owners, times or xattrs not restored */
    int signal;             /* the import was interrupted by this signal (and undone) */
};

/* Unpacks tarball ("-": standard input) into dir (created if missing; it must be empty
 * otherwise; it is made mode 0700). user/uid name the
 * caller for /etc/subuid; without ranges the owners collapse to the caller (a warning says so).
 * Warnings go to stderr as they happen, a few at most. Returns < 0 with err set on failure;
 * a failure after unpacking started removes what was unpacked. */
int sbox_import(const char *tarball, const char *dir, const char *user, uid_t uid, gid_t gid,
                struct sbox_import_stats *stats, struct sbox_error *err);

/* `sbox image rm DIR`: removes DIR (an imported image, a kept overlay directory), whose files
 * belong to the caller's subordinate ids, from a namespace that maps them. DIR must belong to
 * the caller, must not be "/" or hold home, nor be an overlay a sandbox holds; other file systems
 * mounted below it are not entered. ^C stops it (stats->signal). */
int sbox_image_remove(const char *dir, const char *user, uid_t uid, gid_t gid, const char *home,
                      struct sbox_import_stats *stats, struct sbox_error *err);

#endif
