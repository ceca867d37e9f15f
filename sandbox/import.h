/* import.h: `sbox import TARBALL DIR`: a rootfs tarball unpacked as root of a user namespace
 * with the caller's subordinate ranges, so owners, modes and xattrs are kept as root would keep
 * them. Never writes outside DIR, never follows a symlink out of it, never makes device nodes. */
#ifndef SBOX_IMPORT_H
#define SBOX_IMPORT_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct sbox_import_stats {
    unsigned long entries;   /* written */
    unsigned long devices;   /* device nodes skipped */
    unsigned long failed;    /* entries libarchive could not write */
    unsigned long warnings;  /* owners, times or xattrs not restored */
    unsigned long whiteouts; /* an OCI layer's whiteouts and opaque directories */
    int signal;              /* the import was interrupted by this signal (and undone) */
};

/* Unpacks tarball ("-": standard input) into dir (created if missing; it must be empty
 * otherwise; it is made mode 0700). user/uid name the
 * caller for /etc/subuid; without ranges the owners collapse to the caller (a warning says so).
 * Warnings go to stderr as they happen, a few at most. Returns < 0 with err set on failure;
 * a failure after unpacking started removes what was unpacked. */
int sbox_import(const char *tarball, const char *dir, const char *user, uid_t uid, gid_t gid,
                struct sbox_import_stats *stats, struct sbox_error *err);

/* Unpacks one OCI layer, the blob at fd, into parent/name (made here, mode 0700; it must not
 * exist): as sbox_import, and its whiteouts (.wh.NAME, .wh..wh..opq) made what the overlay
 * reads, the overlay's own attributes dropped, and every byte of the blob held against digest
 * ("sha256:HEX"). On failure nothing of parent/name is left. */
int sbox_import_layer(int fd, const char *digest, int parent, const char *name, const char *user,
                      uid_t uid, gid_t gid, struct sbox_import_stats *stats,
                      struct sbox_error *err);

/* What a tarball holds: a root file system, an OCI image layout, a `docker save`. */
enum sbox_archive_kind { SBOX_ARCHIVE_ROOTFS, SBOX_ARCHIVE_OCI, SBOX_ARCHIVE_DOCKER };

/* Tells from the entries' names what the tarball at fd holds (read from where fd stands, which
 * is left wherever the reading stopped). */
int sbox_import_sniff(int fd, enum sbox_archive_kind *ret, struct sbox_error *err);

/* Unpacks an image archive (an OCI layout or a docker save, tarred) at fd into the empty
 * directory dirfd: directories, regular files and symlinks only, none leading out, owned by the
 * caller. Its layers stay tarballs, for sbox_import_layer. */
int sbox_import_archive(int fd, int dirfd, const char *user, uid_t uid, gid_t gid,
                        struct sbox_error *err);

/* `sbox image rm DIR`: removes DIR (an imported image, a kept overlay directory), whose files
 * belong to the caller's subordinate ids, from a namespace that maps them. DIR must belong to
 * the caller, must not be "/" or hold home, nor be an overlay a sandbox holds; other file systems
 * mounted below it are not entered. ^C stops it (stats->signal). */
int sbox_image_remove(const char *dir, const char *user, uid_t uid, gid_t gid, const char *home,
                      struct sbox_import_stats *stats, struct sbox_error *err);

#endif
