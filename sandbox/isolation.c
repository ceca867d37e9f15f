/* isolation.c: isolation = landlock, where no user namespace can be had: the plan checked for
 * what this mode cannot honour, then the command run from a child of sbox on the host's own
 * tree under Landlock, seccomp, no_new_privs and rlimits. Must never be entered silently, nor
 * let a setting it cannot honour pass as if it held. */
#include "isolation.h"
#include "caps.h"
#include "cgroup.h"
#include "cleanup.h"
#include "coverage.h"
#include "files.h"
#include "guard.h"
#include "landlock.h"
#include "seccomp.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

const char sbox_isolation_note[] =
    "isolation = landlock: no namespaces, so no private /tmp (TMPDIR is a private directory) "
    "or home (the home is denied), hidden paths only denied (their names show), no pid "
    "namespace (what the command starts may outlive it), no network isolation but Landlock's "
    "TCP rules (UDP and UNIX sockets by path stay open), no captures, and the command has your "
    "terminal as it is";

/* Where a tmpfs of the plan stands for something this mode can give another way: /tmp and
 * /var/tmp by a private TMPDIR, /run and the home by no rule (denied), /dev/shm by the host's
 * own (granted with /dev). */
static bool tmpfs_replaced(const struct sbox_plan *p, const char *dst)
{
    static const char *const dirs[] = {"/tmp", "/var/tmp", "/run", "/dev/shm"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        if (strcmp(dst, dirs[i]) == 0)
            return true;
    return strcmp(dst, p->home) == 0 || (p->home_real && strcmp(dst, p->home_real) == 0);
}

/* A path a bind, ro-bind or mirror of the plan holds (Landlock grants all below it). */
static const struct sbox_mount *granted_above(const struct sbox_plan *p, const char *path)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        if ((m->kind == SBOX_MOUNT_BIND || m->kind == SBOX_MOUNT_RO_BIND ||
             m->kind == SBOX_MOUNT_MIRROR) &&
            sbox_path_is_under(path, m->dst))
            return m;
    }
    return NULL;
}

static int refuse_mount(const struct sbox_mount *m, const char *why, struct sbox_error *err)
{
    return sbox_origin_errorf(err, &m->origin, m->key, "`%s`: not with isolation = landlock (%s)",
                              m->dst, why);
}

static int check_mounts(const struct sbox_plan *p, struct sbox_error *err)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        switch (m->kind) {
        case SBOX_MOUNT_BIND:
        case SBOX_MOUNT_RO_BIND:
            if (strcmp(m->src, m->dst) != 0)
                return refuse_mount(m, "the host's tree has no other destination to show it at",
                                    err);
            break;
        case SBOX_MOUNT_CAPTURE:
            return refuse_mount(m, "a capture is an overlay; use namespaces, or bind it", err);
        case SBOX_MOUNT_TMPFS:
            if (!tmpfs_replaced(p, m->dst))
                return refuse_mount(m,
                                    "no tmpfs of its own; only /tmp, /var/tmp, /run, /dev/shm "
                                    "and the home are given another way",
                                    err);
            break;
        case SBOX_MOUNT_HIDE:
            if (granted_above(p, m->dst))
                return refuse_mount(m,
                                    "Landlock cannot take a path away below one it grants, and "
                                    "nothing can cover it",
                                    err);
            break;
        case SBOX_MOUNT_PROC:
            if (strcmp(m->dst, "/proc") != 0)
                return refuse_mount(m, "only the host's /proc, at /proc", err);
            break;
        case SBOX_MOUNT_DEV:
            if (strcmp(m->dst, "/dev") != 0)
                return refuse_mount(m, "only the host's /dev, at /dev", err);
            break;
        case SBOX_MOUNT_MIRROR:
            break;
        }
    }
    return 0;
}

int sbox_isolation_check(const struct sbox_plan *p, struct sbox_error *err)
{
    static const char *const nets[] = {"none", "host", "slirp", "pasta"};
    int r = check_mounts(p, err);
    if (r < 0)
        return r;
    if (p->rootfs)
        return sbox_origin_errorf(err, &p->rootfs_origin, "rootfs",
                                  "an image needs namespaces (isolation = landlock runs on the "
                                  "host's own tree)");
    if (p->image)
        return sbox_origin_errorf(err, &p->image_origin, "image",
                                  "an image needs namespaces (isolation = landlock runs on the "
                                  "host's own tree)");
    if (p->overlay != SBOX_OVERLAY_NONE)
        return sbox_origin_errorf(err, &p->overlay_origin, "overlay",
                                  "an overlay needs namespaces (isolation = landlock)");
    if (sbox_net_usermode(p->net))
        return sbox_origin_errorf(err, &p->net_origin, "net",
                                  "net = %s needs a network namespace (isolation = landlock: "
                                  "none or host)",
                                  nets[p->net]);
    if (p->n_allow_hosts)
        return sbox_origin_errorf(err, &p->allow_host_origins[0], "allow-host",
                                  "allow-host needs a network namespace: without one, Landlock's "
                                  "TCP rules know ports, not hosts (isolation = landlock)");
    if (p->n_caps)
        return sbox_origin_errorf(err, &p->caps[0].origin, "cap-add",
                                  "no capability to keep without a user namespace (isolation = "
                                  "landlock)");
    if (p->uid != (uint32_t)p->host_uid || p->gid != (uint32_t)p->host_gid)
        return sbox_origin_errorf(err,
                                  p->uid != (uint32_t)p->host_uid ? &p->uid_origin : &p->gid_origin,
                                  p->uid != (uint32_t)p->host_uid ? "uid" : "gid",
                                  "without a user namespace the command runs as you "
                                  "(isolation = landlock)");
    if (p->hostname_origin.kind != SBOX_ORIGIN_BUILTIN)
        return sbox_origin_errorf(err, &p->hostname_origin, "hostname",
                                  "a hostname of its own needs namespaces (isolation = "
                                  "landlock)");
    if (p->landlock == SBOX_LANDLOCK_OFF)
        return sbox_origin_errorf(err, &p->landlock_origin, "landlock",
                                  "isolation = landlock is Landlock: it cannot be off");
    return 0;
}

bool sbox_isolation_userns_works(void)
{
    int status;
    pid_t pid = fork();
    if (pid == 0)
        _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* What the child says when it fails before the command runs: sbox's status and the line. */
struct failure {
    int status;
    struct sbox_error err;
};

static _Noreturn void child_fail(int fd, int status, const struct sbox_error *err)
{
    struct failure f = {.status = status, .err = *err};
    (void)!write(fd, &f, sizeof f);
    sbox_coverage_dump();
    _exit(status);
}

struct child {
    const struct sbox_plan *p;
    char **envp;
    const struct sbox_notes *notes;
    const struct sbox_landlock_ruleset *rs;
    int abi;
    const struct sbox_seccomp *filter;
    const sigset_t *mask;
    int report; /* the failure pipe's write end, close-on-exec */
};

extern char **environ;

static _Noreturn void child_exec(const struct child *c)
{
    const struct sbox_plan *p = c->p;
    struct sbox_error err = {0};
    int e;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    sigprocmask(SIG_SETMASK, c->mask, NULL);
    if (chdir(p->chdir) < 0) {
        sbox_error(&err, errno, "working directory `%s`", p->chdir);
        child_fail(c->report, 125, &err);
    }
    if (sbox_limits_apply(p, 0, c->notes, &err) < 0)
        child_fail(c->report, 125, &err);
    /* Root keeps nothing; anyone else has nothing to drop, and no_new_privs keeps it so. */
    if (geteuid() == 0 && sbox_caps_drop_all(NULL, false, 0, &err) < 0)
        child_fail(c->report, 125, &err);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        sbox_error(&err, errno, "set no_new_privs");
        child_fail(c->report, 125, &err);
    }
    if (sbox_landlock_apply(c->rs, c->abi, &err) < 0)
        child_fail(c->report, 125, &err);
    {
        int keep[] = {c->report, sbox_coverage_fd()};
        sbox_close_inherited(keep, 2);
    }
    if (sbox_seccomp_load(c->filter, &err) < 0)
        child_fail(c->report, 125, &err);
    sbox_coverage_dump();
    environ = c->envp;
    execvpe(p->argv[0], p->argv, c->envp);
    e = errno;
    if (e == ENOENT) {
        sbox_error(&err, 0, "%s: command not found", p->argv[0]);
        child_fail(c->report, 127, &err);
    }
    sbox_error(&err, e, "%s: cannot run", p->argv[0]);
    child_fail(c->report, 126, &err);
}

/* envp with TMPDIR (replaced or added) naming dir. */
static char **with_tmpdir(char **envp, const char *dir)
{
    size_t n = 0;
    char **out;
    for (; envp && envp[n]; n++)
        ;
    out = sbox_xmalloc((n + 2) * sizeof *out);
    n = 0;
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], "TMPDIR=", 7) != 0)
            out[n++] = sbox_xstrdup(envp[i]);
    out[n++] = sbox_xasprintf("TMPDIR=%s", dir);
    out[n] = NULL;
    return out;
}

/* Until the child is gone: signals a process sent sbox go on to it (a terminal's ^C or ^Z
 * reached it already, in the same process group). */
static int wait_child(pid_t pid, const sigset_t *set)
{
    int status;
    for (;;) {
        siginfo_t si;
        if (sigwaitinfo(set, &si) < 0)
            continue;
        if (si.si_signo == SIGCHLD) {
            if (waitpid(pid, &status, WNOHANG) == pid)
                return status;
            continue;
        }
        if (si.si_code == SI_USER || si.si_code == SI_QUEUE || si.si_code == SI_TKILL)
            kill(pid, si.si_signo);
    }
}

static bool plan_has_tmp(const struct sbox_plan *p)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind == SBOX_MOUNT_TMPFS &&
            (strcmp(p->mounts[i].dst, "/tmp") == 0 || strcmp(p->mounts[i].dst, "/var/tmp") == 0))
            return true;
    return false;
}

int sbox_isolation_run(const struct sbox_plan *p, char **envp, const struct sbox_notes *notes,
                       int *ret_status, int *ret_signal, struct sbox_error *err)
{
    static const int relayed[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD};
    struct sbox_landlock_ruleset rs = {0};
    struct sbox_seccomp filter = {0};
    struct sbox_seccomp_policy policy;
    _cleanup_strv_ char **env = NULL;
    _cleanup_free_ char *tmp = NULL;
    sigset_t set, mask;
    struct failure f = {0};
    int pipefd[2], r, abi = sbox_landlock_abi(), status;
    pid_t pid;

    *ret_status = 125;
    *ret_signal = 0;
    if (abi == 0)
        return sbox_origin_errorf(err, &p->isolation_origin, "isolation",
                                  "isolation = landlock, but this kernel has no Landlock (it "
                                  "needs CONFIG_SECURITY_LANDLOCK=y and landlock in `lsm=`)");
    if (p->net == SBOX_NET_NONE && abi < 4)
        return sbox_origin_errorf(err, &p->net_origin, "net",
                                  "net = none without a network namespace needs Landlock's TCP "
                                  "rules (ABI 4; this kernel has %d): net = host, or namespaces",
                                  abi);
    /* Sources missing, or reached through a symlink a sandbox could have planted. */
    r = sbox_guard_check(p, err);
    if (r < 0)
        return r;
    sbox_plan_seccomp_policy(p, &policy);
    r = sbox_seccomp_compile(&filter, &policy, err);
    if (r < 0)
        return r;
    sbox_landlock_derive(p, true, &rs);
    /* /tmp cannot be private: a directory of this run's own stands for it, named by TMPDIR. */
    if (plan_has_tmp(p)) {
        tmp = sbox_xstrdup("/tmp/sbox-landlock.XXXXXX");
        if (!mkdtemp(tmp)) {
            r = sbox_error(err, errno, "make a private TMPDIR in /tmp");
            free(steal_ptr(&tmp));
            goto out;
        }
        sbox_landlock_grant(&rs, tmp, SBOX_LL_WRITE, "read-write (TMPDIR)");
        env = with_tmpdir(envp, tmp);
        envp = env;
    }
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        r = sbox_error(err, errno, "create a pipe");
        goto out;
    }
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof relayed / sizeof *relayed; i++)
        sigaddset(&set, relayed[i]);
    sigprocmask(SIG_BLOCK, &set, &mask);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        const struct child c = {.p = p,
                                .envp = envp,
                                .notes = notes,
                                .rs = &rs,
                                .abi = abi,
                                .filter = &filter,
                                .mask = &mask,
                                .report = pipefd[1]};
        close(pipefd[0]);
        child_exec(&c);
    }
    close(pipefd[1]);
    if (pid < 0) {
        r = sbox_error(err, errno, "fork the command");
        close(pipefd[0]);
        sigprocmask(SIG_SETMASK, &mask, NULL);
        goto out;
    }
    status = wait_child(pid, &set);
    sigprocmask(SIG_SETMASK, &mask, NULL);
    r = 0;
    if (read(pipefd[0], &f, sizeof f) == (ssize_t)sizeof f) {
        f.err.msg[sizeof f.err.msg - 1] = '\0';
        *ret_status = f.status;
        *err = f.err;
        r = -(err->err ? err->err : EINVAL);
    } else if (WIFSIGNALED(status)) {
        *ret_signal = WTERMSIG(status);
        *ret_status = 128 + WTERMSIG(status);
    } else {
        *ret_status = WEXITSTATUS(status);
    }
    close(pipefd[0]);
out:
    if (tmp)
        sbox_remove_tree(tmp);
    sbox_landlock_ruleset_free(&rs);
    sbox_seccomp_free(&filter);
    return r;
}
