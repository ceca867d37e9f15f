/* landlock.c: the payload's Landlock ruleset: derived from the plan by pure code, described for
 * --dry-run and -v, applied by the payload to itself. Must never restrict sbox or pid 1, nor
 * grant what no mount of the plan shows. */
#include "landlock.h"
#include "cleanup.h"
#include "error.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const sbox_landlock_mode_names[] = {"auto", "required", "off", NULL};

/* The ABI 1 rights: every one of them up to MAKE_SYM. */
#define LL_ABI1 ((SBOX_LL_MAKE_SYM << 1) - 1)

uint64_t sbox_landlock_fs_rights(int abi)
{
    uint64_t r = abi >= 1 ? LL_ABI1 : 0;
    /* Below ABI 2 the kernel refuses every rename and link across directories, handled or not:
     * REFER cannot be asked for, as the kernel documentation's example does. */
    if (abi >= 2)
        r |= SBOX_LL_REFER;
    if (abi >= 3)
        r |= SBOX_LL_TRUNCATE;
    if (abi >= 5)
        r |= SBOX_LL_IOCTL_DEV;
    return r;
}

uint64_t sbox_landlock_net_rights(int abi)
{
    return abi >= 4 ? SBOX_LL_NET_BIND_TCP | SBOX_LL_NET_CONNECT_TCP : 0;
}

uint64_t sbox_landlock_scopes(int abi)
{
    return abi >= 6 ? SBOX_LL_SCOPE_ABSTRACT_UNIX | SBOX_LL_SCOPE_SIGNAL : 0;
}

void sbox_landlock_grant(struct sbox_landlock_ruleset *rs, const char *path, uint64_t access,
                         const char *why)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (strcmp(rs->rules[i].path, path) == 0) {
            rs->rules[i].access = access;
            rs->rules[i].why = why;
            rs->rules[i].mirror = false;
            return;
        }
    rs->rules = sbox_xrealloc(rs->rules, (rs->n_rules + 1) * sizeof *rs->rules);
    rs->rules[rs->n_rules++] =
        (struct sbox_landlock_rule){.path = sbox_xstrdup(path), .access = access, .why = why};
}

/* A hide covers whatever was mounted at its path: that path's own rule goes (a rule above it
 * still reaches it, and the hide's read-only, empty mount is what keeps it then). */
static void drop_rule(struct sbox_landlock_ruleset *rs, const char *path)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (strcmp(rs->rules[i].path, path) == 0) {
            free(rs->rules[i].path);
            memmove(rs->rules + i, rs->rules + i + 1, (rs->n_rules - i - 1) * sizeof *rs->rules);
            rs->n_rules--;
            return;
        }
}

/* The host's device nodes a payload may use with isolation = landlock: sbox's own /dev's,
 * never the host's others (a GPU, a webcam, a disk the caller's groups may open). */
static const char *const host_nodes[] = {"null",    "zero", "full", "random",
                                         "urandom", "tty",  "ptmx", "pts"};

static void grant_dev(struct sbox_landlock_ruleset *rs, const struct sbox_mount *m, bool host_root)
{
    char path[4096];
    if (!host_root) {
        sbox_landlock_grant(rs, m->dst, SBOX_LL_DEVICES, "devices");
    } else {
        for (size_t i = 0; i < sizeof host_nodes / sizeof *host_nodes; i++) {
            snprintf(path, sizeof path, "%s/%s", strcmp(m->dst, "/") ? m->dst : "", host_nodes[i]);
            sbox_landlock_grant(rs, path, SBOX_LL_DEVICES, "devices");
            rs->rules[rs->n_rules - 1].mirror = true;
        }
    }
    /* POSIX shared memory and semaphores (shm_open, Python's multiprocessing) are files made
     * there. */
    snprintf(path, sizeof path, "%s/shm", strcmp(m->dst, "/") ? m->dst : "");
    sbox_landlock_grant(rs, path, SBOX_LL_WRITE & ~SBOX_LL_EXECUTE, "read-write (tmpfs)");
}

static void derive_tcp(const struct sbox_plan *p, bool host_root, struct sbox_landlock_ruleset *rs)
{
    if (host_root && p->net == SBOX_NET_NONE) {
        rs->deny_tcp = true;
        rs->tcp_why = "no TCP bind or connect (net = none without a network namespace: Landlock "
                      "cannot tell the loopback from the outside)";
    } else if (p->net == SBOX_NET_HOST) {
        rs->tcp_why = "not restricted (net = host)";
    } else if (sbox_net_usermode(p->net)) {
        rs->tcp_why = "not restricted (the user-mode network reaches any port; published ports "
                      "are the command's to bind)";
    } else if (p->n_allow_hosts) {
        rs->tcp_why = "not restricted (the sandbox's own loopback: allow-host's proxy and the "
                      "command's own servers, on any port)";
    } else {
        rs->tcp_why = "not restricted (the sandbox's own loopback: test and development servers "
                      "of its own, on any port; the network namespace has no other way out)";
    }
}

void sbox_landlock_derive(const struct sbox_plan *p, bool host_root,
                          struct sbox_landlock_ruleset *ret)
{
    struct sbox_landlock_ruleset rs = {0};
    /* The root: directories can be listed anywhere (programs list / and walk up from their
     * directory); files are opened only below a rule of their own. */
    const bool image = p->rootfs || p->image; /* a directory, or a stored image's layers */
    if (!host_root && image && p->overlay != SBOX_OVERLAY_NONE)
        sbox_landlock_grant(&rs, "/", SBOX_LL_WRITE, "read-write (the image's overlay)");
    else if (!host_root && image)
        sbox_landlock_grant(&rs, "/", SBOX_LL_READ, "read-only (the image)");
    else
        sbox_landlock_grant(&rs, "/", SBOX_LL_READ_DIR, "directories listed, nothing opened");
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        switch (m->kind) {
        case SBOX_MOUNT_BIND:
            sbox_landlock_grant(&rs, m->dst, SBOX_LL_WRITE, "read-write");
            break;
        case SBOX_MOUNT_CAPTURE:
            sbox_landlock_grant(&rs, m->dst, SBOX_LL_WRITE, "read-write (captured)");
            break;
        case SBOX_MOUNT_RO_BIND:
            sbox_landlock_grant(&rs, m->dst, SBOX_LL_READ, "read-only");
            break;
        case SBOX_MOUNT_MIRROR:
            if (p->overlay != SBOX_OVERLAY_NONE && !host_root)
                sbox_landlock_grant(&rs, m->dst, SBOX_LL_WRITE, "read-write (overlay)");
            else
                sbox_landlock_grant(&rs, m->dst, SBOX_LL_READ, "read-only");
            rs.rules[rs.n_rules - 1].mirror = strcmp(m->dst, "/") != 0;
            break;
        case SBOX_MOUNT_TMPFS:
            /* On the host's tree a tmpfs is no directory of its own: isolation.c decides what
             * stands for it. */
            if (host_root)
                drop_rule(&rs, m->dst);
            else
                sbox_landlock_grant(&rs, m->dst, SBOX_LL_WRITE & ~(m->noexec ? SBOX_LL_EXECUTE : 0),
                                    "read-write (tmpfs)");
            break;
        case SBOX_MOUNT_HIDE:
            drop_rule(&rs, m->dst);
            break;
        case SBOX_MOUNT_PROC:
            sbox_landlock_grant(&rs, m->dst, SBOX_LL_DEVICES & ~SBOX_LL_IOCTL_DEV, "proc");
            break;
        case SBOX_MOUNT_DEV:
            grant_dev(&rs, m, host_root);
            break;
        }
    }
    derive_tcp(p, host_root, &rs);
    rs.host_root = host_root;
    *ret = rs;
}

void sbox_landlock_ruleset_free(struct sbox_landlock_ruleset *rs)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        free(rs->rules[i].path);
    free(rs->rules);
    rs->rules = NULL;
    rs->n_rules = 0;
}

void sbox_landlock_describe(const struct sbox_landlock_ruleset *rs, int abi, FILE *f)
{
    char path[600];
    if (abi == 0) {
        fputs(";   this kernel has no Landlock: no ruleset\n", f);
        return;
    }
    if (abi > 0)
        fprintf(f, ";   Landlock ABI %d here:%s%s%s\n", abi,
                abi < 2 ? " renames and links across directories refused (ABI 1)," : "",
                abi < 4 ? " no TCP rules (ABI 4)," : "",
                abi < 6 ? " no scopes (ABI 6)" : " every right sbox asks for");
    for (size_t i = 0; i < rs->n_rules; i++) {
        sbox_escape(path, sizeof path, rs->rules[i].path);
        fprintf(f, ";   landlock: %s  %s\n", path, rs->rules[i].why);
    }
    fprintf(f, ";   landlock: TCP %s\n", rs->tcp_why);
    fputs(";   landlock: abstract UNIX sockets and signals scoped to the sandbox\n", f);
}

int sbox_landlock_abi(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1UL /* _VERSION */);
    return abi > 0 ? (int)abi : 0;
}

struct ruleset_attr {
    uint64_t handled_access_fs, handled_access_net, scoped;
};

struct path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int sbox_landlock_apply(const struct sbox_landlock_ruleset *rs, int abi, struct sbox_error *err)
{
    const struct ruleset_attr attr = {
        .handled_access_fs = sbox_landlock_fs_rights(abi),
        .handled_access_net = rs->deny_tcp ? sbox_landlock_net_rights(abi) : 0,
        .scoped = sbox_landlock_scopes(abi),
    };
    /* The struct as this ABI knows it: a larger one is E2BIG on an older kernel. */
    const size_t size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
    _cleanup_close_ int ruleset = -1;
    if (abi < 1)
        return sbox_error(err, EOPNOTSUPP, "Landlock");
    ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0)
        return sbox_error(err, errno, "create the Landlock ruleset");
    for (size_t i = 0; i < rs->n_rules; i++) {
        /* In the sandbox's root every path leads where its mount is; on the host's tree a path
         * is followed to nothing but itself. */
        _cleanup_close_ int fd =
            rs->host_root
                ? sys_openat2(AT_FDCWD, rs->rules[i].path, O_PATH | O_CLOEXEC, RESOLVE_NO_SYMLINKS)
                : open(rs->rules[i].path, O_PATH | O_CLOEXEC);
        struct path_beneath_attr pb;
        struct stat st;
        /* Nothing there (a mirror or bind-try the host lacks), or out of the payload's reach:
         * nothing to grant; a mirrored symlink (/bin -> usr/bin) leads to a mirror of its own. */
        if (fd < 0 && (errno == ENOENT || errno == EACCES || errno == ENOTDIR ||
                       (errno == ELOOP && rs->rules[i].mirror)))
            continue;
        if (fd < 0 || fstat(fd, &st) < 0)
            return sbox_error(err, errno, "Landlock: open `%s`", rs->rules[i].path);
        pb.allowed_access = rs->rules[i].access & attr.handled_access_fs;
        if (!S_ISDIR(st.st_mode))
            pb.allowed_access &= SBOX_LL_FILE_RIGHTS;
        pb.parent_fd = fd;
        if (pb.allowed_access &&
            syscall(SYS_landlock_add_rule, ruleset, 1 /* PATH_BENEATH */, &pb, 0) < 0)
            return sbox_error(err, errno, "Landlock: a rule for `%s`", rs->rules[i].path);
    }
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
        return sbox_error(err, errno, "apply the Landlock ruleset");
    return 0;
}
