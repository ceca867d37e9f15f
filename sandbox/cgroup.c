/* cgroup.c: resource limits. A cgroup v2 of the sandbox's own below one the caller may manage,
 * with memory.max, memory.swap.max, pids.max and cpu.max written; rlimits otherwise. */
#include "cgroup.h"
#include "cleanup.h"
#include "files.h"
#include "idmap.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EMPTY_WAIT_MS 5000

static const char *const controller_names[] = {"memory", "pids", "cpu"};
#define N_CONTROLLERS (sizeof controller_names / sizeof *controller_names)

/* This is the second sbox, run in a scope systemd made for it (sbox_cgroup_scope_run). */
static bool in_scope;

unsigned sbox_cgroup_needs(const struct sbox_plan *p)
{
    unsigned needs = 0;
    if (p->limits[SBOX_LIMIT_MEMORY].set || p->limits[SBOX_LIMIT_MEMORY_SWAP].set)
        needs |= SBOX_CG_MEMORY;
    if (p->limits[SBOX_LIMIT_PIDS].set)
        needs |= SBOX_CG_PIDS;
    if (p->limits[SBOX_LIMIT_CPUS].set)
        needs |= SBOX_CG_CPU;
    return needs;
}

char *sbox_cgroup_mount(const char *mountinfo)
{
    const char *line = mountinfo;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        _cleanup_free_ char *copy = sbox_xstrndup(line, len);
        const char *dash = strstr(copy, " - ");
        char point[4096];
        /* id parent major:minor root mount-point options ... - fstype source options */
        if (dash && strncmp(dash + 3, "cgroup2 ", 8) == 0 &&
            sscanf(copy, "%*s %*s %*s %*s %4095s", point) == 1)
            return sbox_xstrdup(point);
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

char *sbox_cgroup_self(const char *proc_cgroup)
{
    const char *line = proc_cgroup;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (strncmp(line, "0::/", 4) == 0)
            return sbox_xstrndup(line + 3, len - 3);
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

static char *read_small(const char *dir, const char *name)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    return sbox_read_text(path);
}

/* The controllers named in a cgroup.controllers or cgroup.subtree_control file, as a mask. */
static unsigned controllers_in(const char *dir, const char *file)
{
    _cleanup_free_ char *text = read_small(dir, file);
    unsigned mask = 0;
    if (!text)
        return 0;
    for (char *w = strtok(text, " \n"); w; w = strtok(NULL, " \n"))
        for (size_t i = 0; i < N_CONTROLLERS; i++)
            if (strcmp(w, controller_names[i]) == 0)
                mask |= 1u << i;
    return mask;
}

static bool may_write(const char *dir, const char *file)
{
    _cleanup_free_ char *path = file ? sbox_xasprintf("%s/%s", dir, file) : sbox_xstrdup(dir);
    return access(path, W_OK) == 0;
}

/* Whether me is the only process in dir. */
static bool alone_in(const char *dir, pid_t me)
{
    _cleanup_free_ char *procs = read_small(dir, "cgroup.procs");
    char *end;
    long pid;
    if (!procs)
        return false;
    pid = strtol(procs, &end, 10);
    return pid == (long)me && (*end == '\0' || (*end == '\n' && end[1] == '\0'));
}

static void names(unsigned mask, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < N_CONTROLLERS; i++)
        if (mask & (1u << i))
            snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? ", " : "",
                     controller_names[i]);
}

/* A cgroup that can have domain controllers below it: not part of a threaded subtree. */
static bool domain(const char *dir)
{
    _cleanup_free_ char *type = read_small(dir, "cgroup.type");
    return !type || strncmp(type, "domain\n", 7) == 0 || strcmp(type, "domain") == 0;
}

static char *find_self(const char *mount, const char *self, unsigned needs, pid_t me, bool *alone)
{
    _cleanup_free_ char *dir = sbox_xasprintf("%s%s", mount, strcmp(self, "/") == 0 ? "" : self);
    if (strcmp(self, "/") != 0 && may_write(dir, NULL) && may_write(dir, "cgroup.procs") &&
        may_write(dir, "cgroup.subtree_control") && domain(dir) &&
        (controllers_in(dir, "cgroup.controllers") & needs) == needs && alone_in(dir, me)) {
        *alone = true;
        return steal_ptr(&dir);
    }
    return NULL;
}

char *sbox_cgroup_find(const char *mount, const char *self, unsigned needs, pid_t me,
                       bool prefer_self, bool *alone, char *why, size_t why_size)
{
    _cleanup_free_ char *dir = NULL;
    char missing[64];
    unsigned have;
    *alone = false;
    if (!mount || !self) {
        snprintf(why, why_size, "no cgroup v2 hierarchy");
        return NULL;
    }
    have = controllers_in(mount, "cgroup.controllers");
    if ((have & needs) != needs) {
        names(needs & ~have, missing, sizeof missing);
        snprintf(why, why_size, "the cgroup v2 hierarchy has no %s controller%s", missing,
                 strchr(missing, ',') ? "s" : "");
        return NULL;
    }
    /* In the scope sbox asked systemd for, that scope is the one to use. */
    if (prefer_self && (dir = find_self(mount, self, needs, me, alone)))
        return steal_ptr(&dir);
    dir = sbox_xasprintf("%s%s", mount, strcmp(self, "/") == 0 ? "" : self);
    /* A delegated subtree: an ancestor the caller may write, with the controllers handed down
     * to its children (systemd's user@UID.service, or a subtree an administrator delegated). */
    while (strlen(dir) > strlen(mount)) {
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < strlen(mount))
            break;
        *slash = '\0';
        if (may_write(dir, NULL) && may_write(dir, "cgroup.procs") && domain(dir) &&
            (controllers_in(dir, "cgroup.subtree_control") & needs) == needs)
            return sbox_xstrdup(dir);
    }
    /* A cgroup of sbox's alone that the caller may write (a systemd scope made with
     * Delegate=yes): usable once sbox moves out of it into a leaf. */
    free(dir);
    dir = find_self(mount, self, needs, me, alone);
    if (dir)
        return steal_ptr(&dir);
    snprintf(why, why_size, "no cgroup v2 subtree is delegated to you");
    return NULL;
}

char *sbox_cgroup_find_best(const char *mount, const char *self, unsigned needs, pid_t me,
                            bool prefer_self, unsigned *covered, bool *alone, char *why,
                            size_t why_size)
{
    char *found = sbox_cgroup_find(mount, self, needs, me, prefer_self, alone, why, why_size);
    char missing[64];
    *covered = found ? needs : 0;
    /* Part of them, rather than none: a subtree may hand down memory and pids, not cpu. */
    for (unsigned size = 2; !found && size >= 1; size--)
        for (unsigned mask = needs; mask && !found; mask = (mask - 1) & needs) {
            char ignored[256];
            if ((unsigned)__builtin_popcount(mask) != size || mask == needs)
                continue;
            found = sbox_cgroup_find(mount, self, mask, me, prefer_self, alone, ignored,
                                     sizeof ignored);
            if (found) {
                *covered = mask;
                names(needs & ~mask, missing, sizeof missing);
                snprintf(why, why_size, "the cgroup sbox may make hands down no %s controller",
                         missing);
            }
        }
    return found;
}

/* sbox_cgroup_find_best for this process, from /proc/self/mountinfo and /proc/self/cgroup (its own
 * cgroup first when it is the second sbox, in its scope). */
static char *locate(unsigned needs, unsigned *covered, bool *alone, char *why, size_t why_size)
{
    _cleanup_free_ char *mountinfo = sbox_read_text("/proc/self/mountinfo");
    _cleanup_free_ char *self_text = sbox_read_text("/proc/self/cgroup");
    _cleanup_free_ char *mount = mountinfo ? sbox_cgroup_mount(mountinfo) : NULL;
    _cleanup_free_ char *self = self_text ? sbox_cgroup_self(self_text) : NULL;
    return sbox_cgroup_find_best(mount, self, needs, getpid(), in_scope, covered, alone, why,
                                 why_size);
}

bool sbox_cgroup_user_manager(void)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    _cleanup_free_ char *sock =
        run && run[0] == '/' ? sbox_xasprintf("%s/systemd/private", run) : NULL;
    struct stat st;
    return sock && lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == getuid();
}

void sbox_cgroup_scope_confirm(void)
{
    const char *fd_text = getenv("SBOX_IN_SCOPE");
    char *end;
    long fd;
    if (!fd_text)
        return;
    in_scope = true;
    fd = strtol(fd_text, &end, 10);
    if (*end == '\0' && fd > 2 && fd < 1024 && fcntl((int)fd, F_GETFD) >= 0) {
        (void)!write((int)fd, "s", 1);
        close((int)fd);
    }
    unsetenv("SBOX_IN_SCOPE");
}

bool sbox_cgroup_in_scope(void)
{
    return in_scope;
}

/* The hierarchy has every controller needed: otherwise no scope can help. */
static bool hierarchy_has(unsigned needs)
{
    _cleanup_free_ char *mountinfo = sbox_read_text("/proc/self/mountinfo");
    _cleanup_free_ char *mount = mountinfo ? sbox_cgroup_mount(mountinfo) : NULL;
    return mount && (controllers_in(mount, "cgroup.controllers") & needs) == needs;
}

/* Whether sbox_cgroup_scope_run should try. */
static bool scope_possible(unsigned needs)
{
    _cleanup_free_ char *program = NULL;
    if (!needs || sbox_cgroup_in_scope() || !sbox_cgroup_user_manager() || !hierarchy_has(needs))
        return false;
    program = sbox_find_program("systemd-run");
    return program != NULL;
}

bool sbox_cgroup_scope_run(const struct sbox_plan *p, char **argv, int *ret_status, int *ret_signal)
{
    const unsigned needs = sbox_cgroup_needs(p);
    _cleanup_free_ char *parent = NULL, *program = NULL;
    char why[256];
    bool alone;
    unsigned covered;
    if (!scope_possible(needs))
        return false;
    parent = locate(needs, &covered, &alone, why, sizeof why);
    program = sbox_find_program("systemd-run");
    if (parent || !program)
        return false;
    return sbox_cgroup_run_in_scope(program, argv, ret_status, ret_signal);
}

bool sbox_cgroup_run_in_scope(const char *program, char **argv, int *ret_status, int *ret_signal)
{
    _cleanup_free_ char *marker = NULL;
    char self[4096];
    size_t argc = 0, n = 0;
    ssize_t len;
    char **args, c;
    int ready[2], status;
    sigset_t set, old;
    pid_t pid;

    len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return false;
    self[len] = '\0';
    if (strstr(self, " (deleted)") || pipe2(ready, O_CLOEXEC) < 0)
        return false;
    while (argv[argc])
        argc++;
    args = sbox_xmalloc((argc + 12) * sizeof *args);
    args[n++] = (char *)"systemd-run";
    args[n++] = (char *)"--user";
    args[n++] = (char *)"--scope";
    args[n++] = (char *)"--quiet";
    args[n++] = (char *)"--collect";
    args[n++] = (char *)"--property=Delegate=yes";
    args[n++] = (char *)"--";
    args[n++] = self;
    for (size_t i = 1; i < argc; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    marker = sbox_xasprintf("%d", ready[1]);

    /* Signals for sbox are for the second sbox: taken in order here, never by default. */
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigprocmask(SIG_BLOCK, &set, &old);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        /* The second sbox dies with this one, even by SIGKILL (and its sandbox with it). */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        sigprocmask(SIG_SETMASK, &old, NULL);
        fcntl(ready[1], F_SETFD, 0);
        setenv("SBOX_IN_SCOPE", marker, 1);
        execv(program, args);
        _exit(127);
    }
    free(args);
    close(ready[1]);
    while ((len = read(ready[0], &c, 1)) < 0 && errno == EINTR)
        ;
    close(ready[0]);
    if (pid < 0 || len != 1) {
        /* systemd-run could not make the scope (it said why): on without one. */
        if (pid > 0)
            waitpid(pid, NULL, 0);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return false;
    }
    for (;;) {
        siginfo_t si;
        if (sigwaitinfo(&set, &si) < 0)
            continue;
        if (si.si_signo != SIGCHLD) {
            kill(pid, si.si_signo);
            continue;
        }
        if (waitpid(pid, &status, WNOHANG | WUNTRACED) != pid)
            continue;
        if (WIFSTOPPED(status)) {
            /* The second sbox stopped for the terminal's sake: so does this one, for the
             * shell's; both go on together. */
            raise(SIGSTOP);
            kill(pid, SIGCONT);
            continue;
        }
        break;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    *ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    *ret_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return true;
}

/* A cgroup's files are the kernel's, made with its directory: opened, never created. */
static int write_kernel_file(const char *path, const char *text)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    size_t n = strlen(text);
    ssize_t w;
    if (fd < 0 || (w = write(fd, text, n)) < 0)
        return -errno;
    return w == (ssize_t)n ? 0 : -EIO;
}

static int write_file(const char *dir, const char *name, const char *text,
                      int (*write_at)(const char *path, const char *text), struct sbox_error *err)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    int r = write_at(path, text);
    if (r < 0)
        return sbox_error(err, -r, "write `%s` to %s", text, path);
    return 0;
}

/* Cgroups of sboxes that were killed (SIGKILL) and could not remove theirs: removed by the next
 * one, once that process is gone (rmdir removes only empty ones). */
static void sweep(const char *parent)
{
    DIR *d = opendir(parent);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (sbox_name_of_gone_pid(e->d_name, "sbox-") && !strstr(e->d_name, "-supervisor"))
            (void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
    if (d)
        closedir(d);
}

int sbox_cgroup_create(const char *parent, bool alone, pid_t me, const struct sbox_plan *p,
                       unsigned covered, int (*write_at)(const char *path, const char *text),
                       struct sbox_cgroup *cg, struct sbox_error *err)
{
    const struct sbox_limit_value *l = p->limits;
    int (*const w)(const char *, const char *) = write_at ? write_at : write_kernel_file;
    char text[64], enable[64] = "";
    int r = 0;
    cg->path = NULL;
    cg->fd = -1;
    if (alone) {
        /* No process may stay in a cgroup that hands controllers to its children. */
        _cleanup_free_ char *leaf = sbox_xasprintf("%s/sbox-%d-supervisor", parent, (int)me);
        unsigned needs = covered;
        snprintf(text, sizeof text, "%d", (int)me);
        if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
            return sbox_error(err, errno, "create the cgroup %s", leaf);
        r = write_file(leaf, "cgroup.procs", text, w, err);
        for (size_t i = 0; i < N_CONTROLLERS; i++)
            if (needs & (1u << i))
                snprintf(enable + strlen(enable), sizeof enable - strlen(enable), "%s+%s",
                         enable[0] ? " " : "", controller_names[i]);
        if (r >= 0)
            r = write_file(parent, "cgroup.subtree_control", enable, w, err);
        if (r < 0)
            return r;
    }
    sweep(parent);
    for (unsigned n = 0; !cg->path; n++) {
        char *path = sbox_xasprintf("%s/sbox-%d-%u", parent, (int)me, n);
        if (mkdir(path, 0755) == 0) {
            cg->path = path;
            break;
        }
        free(path);
        if (errno != EEXIST || n > 1000)
            return sbox_error(err, errno, "create a cgroup in %s", parent);
    }
    cg->no_swap = false;
    if ((covered & SBOX_CG_MEMORY) && l[SBOX_LIMIT_MEMORY].set) {
        snprintf(text, sizeof text, "%llu", (unsigned long long)l[SBOX_LIMIT_MEMORY].value);
        r = write_file(cg->path, "memory.max", text, w, err);
        /* Out of memory ends the whole sandbox, not one process of it at random. */
        if (r >= 0)
            r = write_file(cg->path, "memory.oom.group", "1", w, err);
    }
    if (r >= 0 && (covered & SBOX_CG_MEMORY) && l[SBOX_LIMIT_MEMORY_SWAP].set) {
        struct sbox_error swap_err;
        snprintf(text, sizeof text, "%llu", (unsigned long long)l[SBOX_LIMIT_MEMORY_SWAP].value);
        /* No such file: the kernel does not account swap (swapaccount=0). */
        if (write_file(cg->path, "memory.swap.max", text, w, &swap_err) < 0) {
            if (swap_err.err != ENOENT)
                r = sbox_error(err, swap_err.err, "%s", swap_err.msg);
            cg->no_swap = true;
        }
    }
    if (r >= 0 && (covered & SBOX_CG_PIDS) && l[SBOX_LIMIT_PIDS].set) {
        snprintf(text, sizeof text, "%llu", (unsigned long long)l[SBOX_LIMIT_PIDS].value);
        r = write_file(cg->path, "pids.max", text, w, err);
    }
    if (r >= 0 && (covered & SBOX_CG_CPU) && l[SBOX_LIMIT_CPUS].set) {
        /* Thousandths of a CPU, as microseconds in each 100 ms period. */
        snprintf(text, sizeof text, "%llu 100000",
                 (unsigned long long)l[SBOX_LIMIT_CPUS].value * 100);
        r = write_file(cg->path, "cpu.max", text, w, err);
    }
    if (r >= 0) {
        cg->fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg->fd < 0)
            r = sbox_error(err, errno, "open the cgroup %s", cg->path);
    }
    if (r < 0)
        sbox_cgroup_remove(cg);
    return r;
}

bool sbox_cgroup_oom_killed(const struct sbox_cgroup *cg)
{
    _cleanup_free_ char *events = cg->path ? read_small(cg->path, "memory.events") : NULL;
    const char *at = events ? strstr(events, "oom_kill ") : NULL;
    return at && strtoull(at + 9, NULL, 10) > 0;
}

void sbox_cgroup_remove(struct sbox_cgroup *cg)
{
    sbox_closep(&cg->fd);
    if (!cg->path)
        return;
    if (rmdir(cg->path) < 0 && errno == EBUSY) {
        /* The last processes are still going: cgroup.events says when it empties. */
        _cleanup_free_ char *path = sbox_xasprintf("%s/cgroup.events", cg->path);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        for (int tries = 0; fd >= 0 && tries < 50; tries++) {
            struct pollfd pfd = {.fd = fd, .events = POLLPRI};
            char buf[256];
            ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
            if (n > 0) {
                buf[n] = '\0';
                if (strstr(buf, "populated 0"))
                    break;
            }
            if (poll(&pfd, 1, EMPTY_WAIT_MS / 50) < 0 && errno != EINTR)
                break;
        }
        rmdir(cg->path);
    }
    free(cg->path);
    cg->path = NULL;
}

char *sbox_limits_fallback_note(const struct sbox_plan *p, unsigned covered, const char *why)
{
    const struct sbox_limit_value *l = p->limits;
    char approx[256] = "", none[64] = "";
    if (l[SBOX_LIMIT_MEMORY].set && !(covered & SBOX_CG_MEMORY))
        snprintf(approx, sizeof approx, "memory %s per process (RLIMIT_DATA)",
                 l[SBOX_LIMIT_MEMORY].text);
    if (l[SBOX_LIMIT_PIDS].set && !(covered & SBOX_CG_PIDS))
        snprintf(approx + strlen(approx), sizeof approx - strlen(approx),
                 "%spids %s for the sandbox's user (RLIMIT_NPROC%s)", approx[0] ? " and " : "",
                 l[SBOX_LIMIT_PIDS].text, p->host_uid == 0 ? ", which does not bind root" : "");
    if (l[SBOX_LIMIT_CPUS].set && !(covered & SBOX_CG_CPU))
        snprintf(none, sizeof none, "cpus");
    if (l[SBOX_LIMIT_MEMORY_SWAP].set && !(covered & SBOX_CG_MEMORY))
        snprintf(none + strlen(none), sizeof none - strlen(none), "%smemory-swap",
                 none[0] ? " and " : "");
    if (!approx[0] && !none[0])
        return NULL;
    return sbox_xasprintf("limits: %s, so %s%s%s%s%s%s (see sbox check)", why,
                          approx[0] ? "approximated: " : "", approx,
                          approx[0] && none[0] ? "; " : "", none,
                          !none[0]            ? ""
                          : strchr(none, ' ') ? " are"
                                              : " is",
                          none[0] ? " not enforced" : "");
}

/* soft and hard, never above the caller's hard limit (raising it needs privilege): lowered to
 * it, with a line saying so, or with limits-strict an error. */
static int set_limit(const struct sbox_plan *p, int resource, const char *name, uint64_t soft,
                     uint64_t hard, const struct sbox_notes *notes, struct sbox_error *err)
{
    struct rlimit rl = {.rlim_cur = (rlim_t)soft, .rlim_max = (rlim_t)hard};
    struct rlimit old;
    if (getrlimit(resource, &old) == 0 && old.rlim_max != RLIM_INFINITY &&
        rl.rlim_max > old.rlim_max) {
        if (p->limits_strict)
            return sbox_error(err, 0, "limits-strict: %s %llu is above your hard limit, %llu", name,
                              (unsigned long long)soft, (unsigned long long)old.rlim_max);
        if (soft > old.rlim_max)
            sbox_note(notes, "limits: %s %llu is above your hard limit: %llu instead", name,
                      (unsigned long long)soft, (unsigned long long)old.rlim_max);
        rl.rlim_max = old.rlim_max;
        if (rl.rlim_cur > rl.rlim_max)
            rl.rlim_cur = rl.rlim_max;
    }
    if (setrlimit(resource, &rl) < 0)
        return sbox_error(err, errno, "set the %s limit", name);
    return 0;
}

int sbox_limits_apply(const struct sbox_plan *p, unsigned covered, const struct sbox_notes *notes,
                      struct sbox_error *err)
{
    const struct sbox_limit_value *l = p->limits;
    int r = 0;
    if (l[SBOX_LIMIT_NOFILE].set)
        r = set_limit(p, RLIMIT_NOFILE, "nofile", l[SBOX_LIMIT_NOFILE].value,
                      l[SBOX_LIMIT_NOFILE].value, notes, err);
    if (r >= 0 && l[SBOX_LIMIT_FSIZE].set)
        r = set_limit(p, RLIMIT_FSIZE, "fsize", l[SBOX_LIMIT_FSIZE].value,
                      l[SBOX_LIMIT_FSIZE].value, notes, err);
    /* SIGXCPU at the limit, which a process may catch to save its work; SIGKILL a second later
     * (with both limits equal it would be SIGKILL at once). */
    if (r >= 0 && l[SBOX_LIMIT_CPU_TIME].set)
        r = set_limit(p, RLIMIT_CPU, "cpu-time", l[SBOX_LIMIT_CPU_TIME].value,
                      l[SBOX_LIMIT_CPU_TIME].value + 1, notes, err);
    if (r >= 0 && l[SBOX_LIMIT_CORE].set)
        r = set_limit(p, RLIMIT_CORE, "core", l[SBOX_LIMIT_CORE].value, l[SBOX_LIMIT_CORE].value,
                      notes, err);
    if (r >= 0 && !(covered & SBOX_CG_MEMORY) && l[SBOX_LIMIT_MEMORY].set)
        r = set_limit(p, RLIMIT_DATA, "memory", l[SBOX_LIMIT_MEMORY].value,
                      l[SBOX_LIMIT_MEMORY].value, notes, err);
    if (r >= 0 && !(covered & SBOX_CG_PIDS) && l[SBOX_LIMIT_PIDS].set)
        r = set_limit(p, RLIMIT_NPROC, "pids", l[SBOX_LIMIT_PIDS].value, l[SBOX_LIMIT_PIDS].value,
                      notes, err);
    return r;
}

/* The limits the cgroup cannot cover: one line saying what stands in (rlimits) and what is not
 * enforced, or with limits-strict the error. */
int sbox_limits_uncovered(const struct sbox_plan *p, unsigned covered, const char *why,
                          const struct sbox_notes *notes, struct sbox_error *err)
{
    _cleanup_free_ char *note = NULL;
    if (p->limits_strict) {
        static const struct {
            int limit;
            unsigned controller;
        } need[] = {{SBOX_LIMIT_MEMORY, SBOX_CG_MEMORY},
                    {SBOX_LIMIT_MEMORY_SWAP, SBOX_CG_MEMORY},
                    {SBOX_LIMIT_PIDS, SBOX_CG_PIDS},
                    {SBOX_LIMIT_CPUS, SBOX_CG_CPU}};
        char where[512], what[64] = "";
        for (size_t i = 0; i < sizeof need / sizeof *need; i++)
            if (p->limits[need[i].limit].set && !(covered & need[i].controller))
                snprintf(what + strlen(what), sizeof what - strlen(what), "%s%s",
                         what[0] ? ", " : "", sbox_limit_key(need[i].limit));
        if (!what[0])
            return 0;
        sbox_origin_format(&p->limits_strict_origin, "limits-strict", where, sizeof where);
        return sbox_error(err, 0, "%s: %s cannot be enforced exactly: %s (see sbox check)", where,
                          what, why);
    }
    note = sbox_limits_fallback_note(p, covered, why);
    if (note)
        sbox_note(notes, "%s", note);
    return 0;
}

/* The sandbox's cgroup, when its limits need one and the caller may make one, covering what it
 * can (*covered: which controllers); the rest as uncovered_limits says. */
int sbox_limits_setup(const struct sbox_plan *p, struct sbox_cgroup *cg, unsigned *covered,
                      const struct sbox_notes *notes, struct sbox_error *err)
{
    const unsigned needs = sbox_cgroup_needs(p);
    _cleanup_free_ char *parent = NULL;
    char why[256];
    bool alone = false;
    *covered = 0;
    if (!needs)
        return 0;
    parent = locate(needs, covered, &alone, why, sizeof why);
    if (parent) {
        struct sbox_error cerr = {0};
        if (sbox_cgroup_create(parent, alone, getpid(), p, *covered, NULL, cg, &cerr) < 0) {
            snprintf(why, sizeof why, "no cgroup could be made (%.200s)", cerr.msg);
            *covered = 0;
        } else if (cg->no_swap && p->limits[SBOX_LIMIT_MEMORY_SWAP].set) {
            if (p->limits_strict)
                return sbox_error(err, 0,
                                  "limits-strict: memory-swap cannot be enforced: this kernel "
                                  "does not account swap (swapaccount=0)");
            sbox_note(notes, "limits: memory-swap is not enforced: this kernel does not account "
                             "swap (swapaccount=0)");
        }
    }
    if (*covered == needs)
        return 0;
    return sbox_limits_uncovered(p, *covered, why, notes, err);
}
