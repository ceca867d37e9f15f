/* landlock.h: the payload's Landlock ruleset, derived from the plan (pure: sbox_landlock_derive,
 * sbox_landlock_describe) and applied in the payload's process before its exec. Must never
 * grant a path the plan does not show, nor restrict any process but the payload. */
#ifndef SBOX_LANDLOCK_H
#define SBOX_LANDLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "plan.h"

/* The kernel's rights (linux/landlock.h), written out: Debian 12's headers stop at ABI 2. */
#define SBOX_LL_EXECUTE (1ULL << 0)
#define SBOX_LL_WRITE_FILE (1ULL << 1)
#define SBOX_LL_READ_FILE (1ULL << 2)
#define SBOX_LL_READ_DIR (1ULL << 3)
#define SBOX_LL_REMOVE_DIR (1ULL << 4)
#define SBOX_LL_REMOVE_FILE (1ULL << 5)
#define SBOX_LL_MAKE_CHAR (1ULL << 6)
#define SBOX_LL_MAKE_DIR (1ULL << 7)
#define SBOX_LL_MAKE_REG (1ULL << 8)
#define SBOX_LL_MAKE_SOCK (1ULL << 9)
#define SBOX_LL_MAKE_FIFO (1ULL << 10)
#define SBOX_LL_MAKE_BLOCK (1ULL << 11)
#define SBOX_LL_MAKE_SYM (1ULL << 12)
#define SBOX_LL_REFER (1ULL << 13)     /* ABI 2 */
#define SBOX_LL_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define SBOX_LL_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define SBOX_LL_NET_BIND_TCP (1ULL << 0)
#define SBOX_LL_NET_CONNECT_TCP (1ULL << 1)
#define SBOX_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define SBOX_LL_SCOPE_SIGNAL (1ULL << 1)

/* What a plan's path is granted: the classes --dry-run names. */
#define SBOX_LL_READ (SBOX_LL_EXECUTE | SBOX_LL_READ_FILE | SBOX_LL_READ_DIR)
#define SBOX_LL_WRITE                                                                              \
    (SBOX_LL_READ | SBOX_LL_WRITE_FILE | SBOX_LL_REMOVE_DIR | SBOX_LL_REMOVE_FILE |                \
     SBOX_LL_MAKE_CHAR | SBOX_LL_MAKE_DIR | SBOX_LL_MAKE_REG | SBOX_LL_MAKE_SOCK |                 \
     SBOX_LL_MAKE_FIFO | SBOX_LL_MAKE_BLOCK | SBOX_LL_MAKE_SYM | SBOX_LL_REFER |                   \
     SBOX_LL_TRUNCATE | SBOX_LL_IOCTL_DEV)
/* Device nodes and proc's files: opened, read, written, truncated (`> /dev/null` is O_TRUNC),
 * a terminal's ioctls; nothing made or removed. */
#define SBOX_LL_DEVICES                                                                            \
    (SBOX_LL_READ_FILE | SBOX_LL_READ_DIR | SBOX_LL_WRITE_FILE | SBOX_LL_TRUNCATE |                \
     SBOX_LL_IOCTL_DEV)
/* The rights a rule on a file (not a directory) may hold. */
#define SBOX_LL_FILE_RIGHTS                                                                        \
    (SBOX_LL_EXECUTE | SBOX_LL_WRITE_FILE | SBOX_LL_READ_FILE | SBOX_LL_TRUNCATE |                 \
     SBOX_LL_IOCTL_DEV)

/* landlock = auto, required, off (enum sbox_landlock_mode, plan.h), NULL-ended. */
extern const char *const sbox_landlock_mode_names[];

struct sbox_landlock_rule {
    char *path;      /* as the payload names it */
    uint64_t access; /* SBOX_LL_* of every ABI; masked by the kernel's at apply */
    const char *why; /* the class: "read-only", "read-write", ... */
    /* The host's path as it is (a mirror, a device node): on the host's tree a symlink there is
     * skipped, its target having a rule of its own or none. */
    bool mirror;
};

struct sbox_landlock_ruleset {
    struct sbox_landlock_rule *rules;
    size_t n_rules;
    /* TCP bind and connect handled with no port allowed (none of either is what the mode
     * needs); otherwise not restricted. */
    bool deny_tcp;
    const char *tcp_why; /* the reason, for --dry-run and -v */
    /* The host's own tree: its paths are opened with no symlink followed, as another program
     * could have swapped one in since the plan was checked. */
    bool host_root;
};

/* The rights each ABI knows (0 for an ABI below 1): the kernel documentation's best effort. */
uint64_t sbox_landlock_fs_rights(int abi);
uint64_t sbox_landlock_net_rights(int abi);
uint64_t sbox_landlock_scopes(int abi);

/* The ruleset of a plan. host_root: the payload sees the host's own tree (isolation =
 * landlock), where a tmpfs is no directory of its own and /dev and /proc are the host's;
 * otherwise the sandbox's tree, as launch.c builds it. Directories are listed anywhere (the
 * root's rule), files opened only below a rule: read-only for read-only binds, mirrors and a
 * read-only image; everything for writable binds, tmpfs, captures, caches and an overlay;
 * devices for /dev; files read and written for /proc. A later mount on the same destination
 * replaces an earlier one's rule, as it covers its mount. Pure. */
void sbox_landlock_derive(const struct sbox_plan *p, bool host_root,
                          struct sbox_landlock_ruleset *ret);
/* A rule added, or the rule of path replaced. */
void sbox_landlock_grant(struct sbox_landlock_ruleset *rs, const char *path, uint64_t access,
                         const char *why);
void sbox_landlock_ruleset_free(struct sbox_landlock_ruleset *rs);

/* The ruleset as profile comments (each line starting with ';'): abi is the kernel's (0: none,
 * -1: not asked, as --dry-run on another host would be). */
void sbox_landlock_describe(const struct sbox_landlock_ruleset *rs, int abi, FILE *f);

/* The kernel's Landlock ABI, 0 when it has none (or it is disabled). */
int sbox_landlock_abi(void);

/* In the payload's process, after no_new_privs and before the seccomp filter: the ruleset
 * made, its paths opened as the payload names them (one missing is skipped: nothing to grant)
 * and the process restricted, best effort down to abi's rights. */
int sbox_landlock_apply(const struct sbox_landlock_ruleset *rs, int abi, struct sbox_error *err);

#endif
