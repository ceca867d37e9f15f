/* plan.h: struct sbox_plan, set (settings.c), finished (plan.c), printed (plan-print.c), and its
 * environment (plan-env.c). Building one makes no system calls; nothing after it writes to it. */
#ifndef SBOX_PLAN_H
#define SBOX_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"
#include "host.h"
#include "proxy.h"
#include "seccomp.h"
#include "ttyfilter.h"
#include "value.h"

/* The longest profile line --dry-run writes: what Debian's inih reads (its buffer is 200 bytes,
 * newline and NUL included). */
#define SBOX_PLAN_LINE_MAX 198

/* The size of sbox's own tmpfs that hold only mount points, device nodes and links and are
 * read-only before the payload starts: /dev itself, the root when it is not an overlay, an
 * image's throwaway upper layer. */
#define SBOX_TMPFS_OWN_SIZE (1u << 20)

/* How many files a tmpfs of size bytes may hold: one per 4K, the kernel's own ratio when it
 * sizes a tmpfs itself, and at least 1024. Each file costs about 1K of kernel memory that its
 * size does not count (empty ones nothing else), and the kernel's default count is per machine,
 * not per size: a 1M tmpfs could otherwise pin gigabytes in inodes. 0 for size 0. */
static inline uint64_t sbox_tmpfs_inodes(uint64_t size)
{
    return size == 0 ? 0 : size / 4096 > 1024 ? size / 4096 : 1024;
}

enum sbox_origin_kind {
    SBOX_ORIGIN_BUILTIN, /* the embedded default */
    SBOX_ORIGIN_CMDLINE, /* a flag; name is the flag's key */
    SBOX_ORIGIN_FILE,    /* a profile; file and line */
    SBOX_ORIGIN_IMAGE,   /* the config of image = NAME; file is the image's name */
};

struct sbox_origin {
    enum sbox_origin_kind kind;
    const char *file; /* borrowed: profile paths outlive the plan */
    unsigned line;
};

enum sbox_mount_kind {
    SBOX_MOUNT_BIND,
    SBOX_MOUNT_RO_BIND,
    SBOX_MOUNT_TMPFS,
    SBOX_MOUNT_HIDE,
    SBOX_MOUNT_PROC,    /* a fresh proc */
    SBOX_MOUNT_DEV,     /* the minimal /dev */
    SBOX_MOUNT_MIRROR,  /* the host's path as it is: a symlink stays one, else read-only */
    SBOX_MOUNT_CAPTURE, /* the host's directory under an overlay whose upper is kept apart */
};

struct sbox_mount {
    enum sbox_mount_kind kind;
    char *src; /* host path (binds, mirrors), NULL otherwise */
    char *dst; /* normalised absolute path inside the sandbox */
    bool try_missing;
    bool has_size; /* tmpfs: size= was written */
    uint64_t size; /* tmpfs: as written */
    /* tmpfs, after finish: the size mounted (size=, or the default; at most memory), 0 for the
     * kernel's own default (the machine's memory unknown and no memory limit). */
    uint64_t eff_size;
    mode_t mode; /* tmpfs root mode */
    bool noexec;
    /* proc = DST:host-ro: the outer /proc bound read-only, not a fresh one */
    bool host_proc;
    const char *key; /* the setting that made it, e.g. "ro-bind" */
    struct sbox_origin origin;
};

/* path-prepend is an operation on PATH of its own: applied after every setenv and unsetenv, so
 * stacked profiles each add their directories instead of replacing one another's PATH. */
enum sbox_env_op_kind { SBOX_ENV_SET, SBOX_ENV_UNSET, SBOX_ENV_PATH_PREPEND };

struct sbox_env_op {
    enum sbox_env_op_kind op;
    char *name;
    char *value;
    struct sbox_origin origin;
};

struct sbox_pattern {
    char *glob;
    struct sbox_origin origin;
};

struct sbox_cap {
    int cap; /* CAP_... */
    struct sbox_origin origin;
};

enum sbox_cwd_mode { SBOX_CWD_NONE, SBOX_CWD_BIND, SBOX_CWD_RO_BIND };

/* How the sandbox's user namespace maps ids: auto picks subuid for an image or a root payload
 * when the caller has ranges and newuidmap/newgidmap exist, single otherwise (see launch.c). */
enum sbox_userns { SBOX_USERNS_AUTO, SBOX_USERNS_SINGLE, SBOX_USERNS_SUBUID };

/* The sandbox's network: its own namespace with loopback alone, the host's, or its own with
 * user-mode networking to the outside through slirp4netns or pasta. */
enum sbox_net { SBOX_NET_NONE, SBOX_NET_HOST, SBOX_NET_SLIRP, SBOX_NET_PASTA };

/* slirp or pasta: a helper on the host's side carries the namespace's traffic. */
static inline bool sbox_net_usermode(enum sbox_net n)
{
    return n == SBOX_NET_SLIRP || n == SBOX_NET_PASTA;
}

/* [limits]. memory, memory-swap and pids need a cgroup (cgroup.c) to be exact; nofile, fsize,
 * cpu-time and core are rlimits, exact anywhere; cpus needs a cgroup. */
enum sbox_limit {
    SBOX_LIMIT_MEMORY,
    SBOX_LIMIT_MEMORY_SWAP,
    SBOX_LIMIT_CPUS, /* in thousandths of a CPU */
    SBOX_LIMIT_PIDS,
    SBOX_LIMIT_NOFILE,
    SBOX_LIMIT_FSIZE,    /* bytes */
    SBOX_LIMIT_CPU_TIME, /* seconds */
    SBOX_LIMIT_CORE,     /* bytes; 0 by default */
    SBOX_N_LIMITS
};

struct sbox_limit_value {
    bool set;
    uint64_t value;
    char *text; /* as written, for messages */
    struct sbox_origin origin;
};

struct sbox_publish {
    struct sbox_publish_spec spec;
    struct sbox_origin origin;
};

/* What a stored image (image = NAME) brings, read by main from the store before finish
 * (sbox_plan_set_image): where its layers are, and its config's process settings. */
struct sbox_image_facts {
    char *store;   /* the store's root directory */
    char **layers; /* below it, "layers/HEX", bottom first */
    char *digest;  /* the manifest's */
    char **env;    /* Env: NAME=VALUE, before keep-env, setenv and unsetenv */
    char **entrypoint, **cmd;
    char *workdir; /* WorkingDir, or NULL */
    char *user;    /* User as written, or NULL */
    bool uid_set, gid_set;
    uint32_t uid, gid; /* User resolved in the image's /etc/passwd and /etc/group */
    char **ports;      /* ExposedPorts: "80/tcp" */
    /* The image's /etc/passwd when a uid is given without a gid (main reads it only then), or
     * NULL: that uid's primary group there is the gid, as Docker's --user N takes it. */
    char *passwd;
    /* The store's inuse lock as main holds it (shared) for the run: pid 1 keeps it too, so a
     * prune waits until the sandbox's mounts of the layers are gone with it. */
    int inuse;
};

enum sbox_overlay_driver { SBOX_OVERLAY_AUTO, SBOX_OVERLAY_NATIVE, SBOX_OVERLAY_FUSE };

/* landlock = auto (when the kernel has it), required (a run without it fails), off. */
enum sbox_landlock_mode { SBOX_LANDLOCK_AUTO, SBOX_LANDLOCK_REQUIRED, SBOX_LANDLOCK_OFF };

/* isolation = namespaces (the sandbox's own tree, pid and network), landlock (no namespace:
 * the host's tree under Landlock, seccomp, no_new_privs and rlimits; isolation.c), auto
 * (namespaces when a user namespace can be made, else landlock, said in one line). */
enum sbox_isolation { SBOX_ISOLATION_NAMESPACES, SBOX_ISOLATION_LANDLOCK, SBOX_ISOLATION_AUTO };

/* What makes the root (or, on the host's root, each mirrored directory) writable. */
enum sbox_overlay_kind { SBOX_OVERLAY_NONE, SBOX_OVERLAY_TMPFS, SBOX_OVERLAY_DIR };

struct sbox_plan {
    struct sbox_mount *mounts;
    size_t n_mounts;
    struct sbox_env_op *env_ops;
    size_t n_env_ops;
    struct sbox_pattern *keep_env;
    size_t n_keep_env;
    char *hostname;
    struct sbox_origin hostname_origin;
    enum sbox_net net;
    struct sbox_origin net_origin;
    struct sbox_publish *publish;
    size_t n_publish;
    bool host_loopback, ipv6;
    struct sbox_origin host_loopback_origin, ipv6_origin;
    bool allow_private; /* allow-host's names may resolve to private addresses (a mirror) */
    struct sbox_origin allow_private_origin;
    char *dns; /* the resolver inside, or NULL: the NAT's */
    struct sbox_origin dns_origin;
    /* allow-host: what the sandbox reaches through sbox's proxy (proxy.h), in order; any makes
     * the proxy's network (net = none's loopback, the proxy listening on it) */
    struct sbox_proxy_rule *allow_hosts;
    struct sbox_origin *allow_host_origins;
    size_t n_allow_hosts;
    char *proxy_hosts; /* for tests: the proxy's names from this hosts file, never DNS */
    struct sbox_origin proxy_hosts_origin;
    char *chdir; /* NULL until finish: then the working directory inside */
    struct sbox_origin chdir_origin;
    enum sbox_cwd_mode cwd_mode; /* how the caller's directory is shown */
    bool cwd_here;               /* cwd = here/ro-here: that directory alone, not its project */
    struct sbox_origin cwd_origin;
    uint32_t uid, gid; /* identity inside */
    struct sbox_origin uid_origin, gid_origin;
    enum sbox_userns userns;
    struct sbox_origin userns_origin;
    /* userns-keep: the kept user namespace (keptns.h) lives this long after its last use; 0: no
     * namespace is kept (nor joined). */
    uint64_t userns_keep_ms;
    char *userns_keep_text; /* as written, for --dry-run */
    struct sbox_origin userns_keep_origin;
    /* nested = yes: a sandbox may run inside (the filter lets it make its namespaces and mounts,
     * and /proc's knobs are not covered, which a fresh proc inside needs); policy_rules is then
     * the seccomp rules the policy uses: nested's allows, then syscall_rules (finish makes it). */
    bool nested;
    struct sbox_origin nested_origin;
    struct sbox_seccomp_rule *policy_rules;
    size_t n_policy_rules;
    char *rootfs; /* an image root instead of the host's system directories, or NULL */
    struct sbox_origin rootfs_origin;
    char *image; /* image = NAME: a stored image instead, or NULL (never both: finish refuses) */
    struct sbox_origin image_origin;
    struct sbox_image_facts image_facts; /* image: filled by sbox_plan_set_image */
    enum sbox_overlay_kind overlay;
    char *overlay_dir; /* SBOX_OVERLAY_DIR: holds upper/, work/ and the lock */
    struct sbox_origin overlay_origin;
    enum sbox_overlay_driver overlay_driver;
    struct sbox_origin overlay_driver_origin;
    /* overlay = tmpfs: overlay-size as written (0: not written), and after finish the size of
     * the upper layer's tmpfs, as eff_size. */
    uint64_t overlay_size, overlay_eff_size;
    struct sbox_origin overlay_size_origin;
    /* After finish: the size of each tmpfs not given one (see size_tmpfs in plan.c), 0 for
     * the kernel's own default. */
    uint64_t tmpfs_size;
    /* seccomp: the base policy is seccomp, or a policy file's base when seccomp_file is set
     * (profile.c reads the file after the profiles and flags). The rules are the file's first
     * (n_file_rules of them), then the profiles' and flags', in order. */
    enum sbox_seccomp_base seccomp;
    struct sbox_origin seccomp_origin;
    char *seccomp_file;
    enum sbox_seccomp_base file_base;
    struct sbox_seccomp_rule *syscall_rules;
    struct sbox_origin *syscall_origins;
    size_t n_syscall_rules, n_file_rules;
    int seccomp_errno, file_errno; /* 0: not set */
    struct sbox_origin seccomp_errno_origin;
    enum sbox_seccomp_action seccomp_action, file_action;
    bool seccomp_action_set, file_action_set;
    struct sbox_origin seccomp_action_origin;
    enum sbox_landlock_mode landlock;
    struct sbox_origin landlock_origin;
    /* for tests: the read-only bind at this destination is mounted writable, so Landlock alone
     * refuses writes there; only with landlock = required */
    char *landlock_test_rw;
    struct sbox_origin landlock_test_rw_origin;
    enum sbox_isolation isolation;
    struct sbox_origin isolation_origin;
    struct sbox_cap *caps; /* cap-add */
    size_t n_caps;
    struct sbox_limit_value limits[SBOX_N_LIMITS];
    bool limits_strict; /* a limit that cannot be enforced exactly is an error */
    struct sbox_origin limits_strict_origin;
    enum sbox_terminal terminal; /* what the payload's terminal output may do (ttyfilter.h) */
    struct sbox_origin terminal_origin;
    bool exit_code_only; /* 128+N for a payload killed by signal N, never N re-raised */
    /* Set by main for --json-status-fd, whose started event names the payload's pid: sbox reads
     * it from a pidfd pid 1 sends, which a payload reaped meanwhile no longer names, so the
     * payload is not started early (launch.c's payload_may_start_early). */
    bool payload_pid_wanted;
    struct sbox_origin exit_code_only_origin;
    /* pass-fd: the caller's descriptors (above 2) the payload gets as they are; jobserver:
     * make's jobserver from MAKEFLAGS joins them (main adds them, or binds its fifo) */
    int *pass_fds;
    struct sbox_origin *pass_fd_origins;
    size_t n_pass_fds;
    bool jobserver;
    struct sbox_origin jobserver_origin;
    bool git_identity; /* git-identity: GIT_AUTHOR_* and GIT_COMMITTER_* from git_name/email */
    struct sbox_origin git_identity_origin;
    char *git_name, *git_email; /* read by main (sbox_host_git_identity), NULL when none */
    uint64_t timeout_ms;        /* timeout: the whole sandbox is killed after this long; 0: never */
    char *timeout_text;         /* as written, for the line that says so */
    struct sbox_origin timeout_origin;
    /* entrypoint: an image's Entrypoint replaced by this one word, or (entrypoint_set, NULL)
     * none; only with image = NAME (finish refuses it otherwise) */
    char *entrypoint;
    bool entrypoint_set;
    struct sbox_origin entrypoint_origin;
    /* After finish: the payload gets a pseudo-terminal of its own in place of each of its
     * descriptors 0-2 that is the caller's terminal (terminal.c); interactive: 0 and 1 both
     * are, and the payload has its terminal from the start. */
    bool pty, interactive;
    /* capture-deny: paths in a captured directory that `sbox apply` leaves out unless told
     * (capture-apply.c); built-in ones first, until an empty value resets the list. */
    struct sbox_pattern *capture_deny;
    size_t n_capture_deny;
    bool capture_deny_builtin; /* the built-in patterns are still the list's first */
    /* capture-on: the pending capture a run goes on writing ("last", or an id), so a build in
     * steps is reviewed and applied once; NULL: a new capture each run. */
    char *capture_on;
    struct sbox_origin capture_on_origin;
    char *image_store;     /* sbox's image store (main sets it), guarded as the capture stores */
    char *capture_store;   /* where captures are kept: STATE_HOME/sbox/captures */
    char *cache_home;      /* CACHE_HOME: `cache` directories are its sbox/NAME */
    char **capture_stores; /* every store sbox guards: this one, and the home's default */
    char **argv;
    bool argv_default; /* no command given: the caller's shell */

    /* Facts copied from the host at init, read by launch. */
    uid_t host_uid;
    gid_t host_gid;
    char *user;
    char *home;
    char *home_real;
    char *home_passwd;
    char *cwd;     /* the caller's directory, NULL when gone */
    char *pwd;     /* the shell's $PWD when a symlink makes it differ from cwd, else NULL */
    char *project; /* the project's top holding cwd (sbox_host_project), or NULL */
    const char *project_marker; /* the name that made it the top */
    char *shell;
    char *tty;               /* the caller's terminal, shown as /dev/console without a pty */
    unsigned ttys;           /* bit N: the caller's descriptor N (0, 1, 2) is a terminal */
    uint64_t mem_total;      /* the machine's memory in bytes, 0 when unknown */
    char **notes;            /* one-line remarks main prints before running */
    char **profiles_applied; /* profile.c: the files applied (real paths), each applied once */
    bool profiles_default;   /* ... and the built-in default */
    bool verbose;            /* main's -v: launch reports the choices it makes (driver, id map) */
};

/* An empty plan (no mounts, hostname sbox, the caller's ids) with host facts copied in. The
 * embedded default is a profile (profiles/default.ini), applied by profile.c. */
void sbox_plan_init(struct sbox_plan *p, const struct sbox_host *host);
void sbox_plan_free(struct sbox_plan *p);

/* Applies one setting. section may be NULL to find the key in any section (command line).
 * Errors name the origin: "--bind: ..." or "FILE:LINE: ...". */
int sbox_plan_set(struct sbox_plan *p, const char *section, const char *key, const char *value,
                  const struct sbox_origin *o, struct sbox_error *err);

/* A descriptor the payload gets as it is (pass-fd); once each. */
void sbox_plan_pass_fd(struct sbox_plan *p, int fd, const struct sbox_origin *o);

/* Takes the command (copied). An empty argv means the caller's shell. */
void sbox_plan_set_command(struct sbox_plan *p, char *const *argv);

/* Takes what main read of the image named by image = NAME (facts is moved, then zeroed):
 * finish makes its layers the root and applies its config where the plan does not decide. */
void sbox_plan_set_image(struct sbox_plan *p, struct sbox_image_facts *facts);

/* The root is an image (rootfs = DIR or image = NAME), not the host's system. */
static inline bool sbox_plan_image_root(const struct sbox_plan *p)
{
    return p->rootfs || p->image;
}

/* Validates and derives what the settings leave open (working directory, mount order). */
int sbox_plan_finish(struct sbox_plan *p, struct sbox_error *err);

/* A mount added at the end (mode 0755, the rest zero): for the settings' parsers, finish, and
 * guard.c, which writes the plan last (sbox_guard_plan); and the mounts put in order again,
 * as finish does. */
struct sbox_mount *sbox_plan_add_mount(struct sbox_plan *p, enum sbox_mount_kind kind,
                                       const char *key, const struct sbox_origin *o);
void sbox_plan_sort_mounts(struct sbox_plan *p);

/* Removes the mounts made by setting key (when not NULL) or of kind (when >= 0). */
void sbox_plan_drop_mounts(struct sbox_plan *p, const char *key, int kind);

/* Appends a pattern (capture-deny's, built in or set). */
void sbox_plan_add_pattern(struct sbox_pattern **v, size_t *n, const char *glob,
                           const struct sbox_origin *o);

/* Why path is a directory shared with other programs or users, never a project to bind or
 * capture ("your home or a directory holding it", "a shared system directory": /tmp, /usr, ...), or
 * NULL; and whether it is a home or holds one. */
const char *sbox_plan_shared_dir(const struct sbox_plan *p, const char *path);
bool sbox_plan_holds_a_home(const struct sbox_plan *p, const char *path);

/* Applies one key of a policy file's [seccomp] section (base, deny, allow, errno, action): the
 * file's rules go before the profiles', its errno and action count where no profile set one. */
int sbox_plan_set_policy(struct sbox_plan *p, const char *key, const char *value,
                         const struct sbox_origin *o, struct sbox_error *err);

/* The effective seccomp policy, borrowing the plan's rules. */
void sbox_plan_seccomp_policy(const struct sbox_plan *p, struct sbox_seccomp_policy *pol);

/* The capabilities cap-add keeps, as a mask of bits 1 << CAP_... */
uint64_t sbox_plan_caps(const struct sbox_plan *p);

/* The key of a limit ("memory", "cpu-time", ...). */
const char *sbox_limit_key(enum sbox_limit l);

/* The variables that point the payload at allow-host's proxy (NAME, VALUE pairs, NULL-ended):
 * set after keep-env, before setenv and unsetenv. */
extern const char *const sbox_proxy_environ[][2];

/* The payload's environment: the allowlist and keep-env patterns applied to host_env, the
 * proxy's variables when the plan has allow-host, then the setenv/unsetenv operations in order. A
 * keep-env with glob characters never passes a variable sbox_env_credential() calls a credential;
 * one that names the variable exactly does. */
char **sbox_plan_environ(const struct sbox_plan *p, char *const *host_env);

/* One line per variable of host_env a pattern matched but sbox_plan_environ() withholds as a
 * credential, naming it (never its value), the pattern and why; NULL when there is none. */
char **sbox_plan_env_withheld(const struct sbox_plan *p, char *const *host_env);

/* Why a variable looks like a credential, or NULL. Its name, case aside, contains TOKEN,
 * SECRET, PASSW, PASSPHRASE, CREDENTIAL, COOKIE, PRIVATE, APIKEY, or AUTH (but not as the word
 * AUTHOR or AUTHORS), or has the word KEY (words split at anything but letters and digits, and
 * at camelCase); or its value holds a URL with user information (scheme://USER[:PASS]@HOST),
 * a PEM private key, or is a token of a known form (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_,
 * glpat-, npm_, pypi-, xoxb-, xoxp- or AKIA, then 16 or more of [A-Za-z0-9_-]). */
const char *sbox_env_credential(const char *name, const char *value);

/* make's jobserver as MAKEFLAGS names it: the last --jobserver-auth= (or make 4.1's
 * --jobserver-fds=), "R,W" descriptors into *ret_r and *ret_w, or "fifo:PATH" (make 4.4) into
 * *ret_fifo (allocated). 1 when there is one, 0 when there is none. */
int sbox_makeflags_jobserver(const char *makeflags, int *ret_r, int *ret_w, char **ret_fifo);

/* The primary group of uid in text (the /etc/passwd format), for a uid given without a gid in
 * an image. */
bool sbox_passwd_gid(const char *text, uint32_t uid, uint32_t *gid);

/* The plan as a profile, each value with where it came from: loading it back gives the same
 * plan. */
void sbox_plan_print(const struct sbox_plan *p, FILE *f);

/* Why the plan keeps a physical path from the sandbox, or NULL when it does not: a hidden
 * directory of the home (a name starting with `.`: ~/.ssh, ~/.config, ...), the runtime
 * directory, a hide, or a tmpfs the profile lays there (not the home, /tmp or /var/tmp, where
 * projects live). The text goes into messages ("a hidden directory of your home"). */
const char *sbox_plan_hidden(const struct sbox_plan *p, const char *path, char *buf, size_t size);

/* sbox_plan_hidden (with the plan's hides and tmpfs when mounts is true), or a directory
 * holding the home or the runtime directory (`/` among them), or /proc, /sys or /dev: what a
 * bind source or image root reached through a symlink must never turn out to be. */
const char *sbox_plan_exposes(const struct sbox_plan *p, const char *path, bool mounts, char *buf,
                              size_t size);

/* Whether the plan captures any directory. */
bool sbox_plan_captures(const struct sbox_plan *p);

/* "--bind" or "FILE:LINE" or "built-in", for messages. */
void sbox_origin_format(const struct sbox_origin *o, const char *key, char *buf, size_t size);

/* The one way an error names the setting it is about, by where its value came from (as
 * sbox_origin_format says it): sbox_origin_error puts that in front of the message err holds
 * ("WHERE: old message") and returns -err->err; sbox_origin_errorf records "WHERE: message"
 * and returns -EINVAL. */
int sbox_origin_error(struct sbox_error *err, const struct sbox_origin *o, const char *key);
int sbox_origin_errorf(struct sbox_error *err, const struct sbox_origin *o, const char *key,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
