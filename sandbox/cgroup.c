/* cgroup.c: resource limits. A cgroup v2 of the sandbox's own below one the caller may manage,
 * with memory.max, memory.swap.max, pids.max and cpu.max written; rlimits otherwise. */
#include "cgroup.h"
#include "cleanup.h"
#include "idmap.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMPTY_WAIT_MS 5000

static const char *const controller_names[] = {"memory", "pids", "cpu"};
#define N_CONTROLLERS (sizeof controller_names / sizeof *controller_names)

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
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    char buf[4096];
    ssize_t n;
    if (fd < 0)
        return NULL;
    n = read(fd, buf, sizeof buf - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return sbox_xstrdup(buf);
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

char *sbox_cgroup_find(const char *mount, const char *self, unsigned needs, pid_t me,
                       bool *alone, char *why, size_t why_size)
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
    dir = sbox_xasprintf("%s%s", mount, strcmp(self, "/") == 0 ? "" : self);
    /* A delegated subtree: an ancestor the caller may write, with the controllers handed down
     * to its children (systemd's user@UID.service, or a subtree an administrator delegated). */
    while (strlen(dir) > strlen(mount)) {
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < strlen(mount))
            break;
        *slash = '\0';
        if (may_write(dir, NULL) && may_write(dir, "cgroup.procs") &&
            (controllers_in(dir, "cgroup.subtree_control") & needs) == needs)
            return sbox_xstrdup(dir);
    }
    /* A cgroup of sbox's alone that the caller may write (a systemd scope made with
     * Delegate=yes): usable once sbox moves out of it into a leaf. */
    free(dir);
    dir = sbox_xasprintf("%s%s", mount, strcmp(self, "/") == 0 ? "" : self);
    if (strcmp(self, "/") != 0 && may_write(dir, NULL) && may_write(dir, "cgroup.procs") &&
        may_write(dir, "cgroup.subtree_control") &&
        (controllers_in(dir, "cgroup.controllers") & needs) == needs && alone_in(dir, me)) {
        *alone = true;
        return steal_ptr(&dir);
    }
    snprintf(why, why_size, "no cgroup v2 subtree is delegated to you");
    return NULL;
}

static char *read_all(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t len = 0, size = 8192;
    char *buf;
    if (fd < 0)
        return NULL;
    buf = sbox_xmalloc(size);
    for (;;) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == size - 1)
            buf = sbox_xrealloc(buf, size *= 2);
    }
    buf[len] = '\0';
    return buf;
}

char *sbox_cgroup_locate(unsigned needs, bool *alone, char *why, size_t why_size)
{
    _cleanup_free_ char *mountinfo = read_all("/proc/self/mountinfo");
    _cleanup_free_ char *self_text = read_all("/proc/self/cgroup");
    _cleanup_free_ char *mount = mountinfo ? sbox_cgroup_mount(mountinfo) : NULL;
    _cleanup_free_ char *self = self_text ? sbox_cgroup_self(self_text) : NULL;
    return sbox_cgroup_find(mount, self, needs, getpid(), alone, why, why_size);
}

/* A systemd user manager runs for the caller: its private socket is there. */
static bool user_manager(void)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    _cleanup_free_ char *sock = run && run[0] == '/' ? sbox_xasprintf("%s/systemd/private", run)
                                                     : NULL;
    struct stat st;
    return sock && lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == getuid();
}

void sbox_cgroup_scope_reexec(const struct sbox_plan *p, char **argv)
{
    const unsigned needs = sbox_cgroup_needs(p);
    _cleanup_free_ char *parent = NULL, *program = NULL;
    char self[4096], why[256];
    bool alone;
    size_t argc = 0, n = 0;
    ssize_t len;
    char **args;
    if (!needs || getenv("SBOX_IN_SCOPE") || !user_manager())
        return;
    parent = sbox_cgroup_locate(needs, &alone, why, sizeof why);
    if (parent)
        return;
    program = sbox_find_program("systemd-run");
    len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (!program || len <= 0)
        return;
    self[len] = '\0';
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
    /* The second run sees this, and never asks again. */
    setenv("SBOX_IN_SCOPE", "1", 1);
    fflush(NULL);
    execv(program, args);
    unsetenv("SBOX_IN_SCOPE");
    free(args);
}

static int write_file(const char *dir, const char *name, const char *text,
                      struct sbox_error *err)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, name);
    /* O_CREAT changes nothing in a cgroup (its files exist or cannot be made); it lets the
     * tests lay out a tree of their own. */
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    size_t n = strlen(text);
    if (fd < 0 || write(fd, text, n) != (ssize_t)n)
        return sbox_error(err, errno, "write `%s` to %s", text, path);
    return 0;
}

int sbox_cgroup_create(const char *parent, bool alone, pid_t me, const struct sbox_plan *p,
                       struct sbox_cgroup *cg, struct sbox_error *err)
{
    const struct sbox_limit_value *l = p->limits;
    char text[64], enable[64] = "";
    int r = 0;
    cg->path = NULL;
    cg->fd = -1;
    if (alone) {
        /* No process may stay in a cgroup that hands controllers to its children. */
        _cleanup_free_ char *leaf = sbox_xasprintf("%s/sbox-%d-supervisor", parent, (int)me);
        unsigned needs = sbox_cgroup_needs(p);
        snprintf(text, sizeof text, "%d", (int)me);
        if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
            return sbox_error(err, errno, "create the cgroup %s", leaf);
        r = write_file(leaf, "cgroup.procs", text, err);
        for (size_t i = 0; i < N_CONTROLLERS; i++)
            if (needs & (1u << i))
                snprintf(enable + strlen(enable), sizeof enable - strlen(enable), "%s+%s",
                         enable[0] ? " " : "", controller_names[i]);
        if (r >= 0)
            r = write_file(parent, "cgroup.subtree_control", enable, err);
        if (r < 0)
            return r;
    }
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
    if (l[SBOX_LIMIT_MEMORY].set) {
        snprintf(text, sizeof text, "%llu", (unsigned long long)l[SBOX_LIMIT_MEMORY].value);
        r = write_file(cg->path, "memory.max", text, err);
        /* Out of memory ends the whole sandbox, not one process of it at random. */
        if (r >= 0)
            r = write_file(cg->path, "memory.oom.group", "1", err);
    }
    if (r >= 0 && l[SBOX_LIMIT_MEMORY_SWAP].set) {
        snprintf(text, sizeof text, "%llu", (unsigned long long)l[SBOX_LIMIT_MEMORY_SWAP].value);
        r = write_file(cg->path, "memory.swap.max", text, err);
    }
    if (r >= 0 && l[SBOX_LIMIT_PIDS].set) {
        snprintf(text, sizeof text, "%llu", (unsigned long long)l[SBOX_LIMIT_PIDS].value);
        r = write_file(cg->path, "pids.max", text, err);
    }
    if (r >= 0 && l[SBOX_LIMIT_CPUS].set) {
        /* Thousandths of a CPU, as microseconds in each 100 ms period. */
        snprintf(text, sizeof text, "%llu 100000",
                 (unsigned long long)l[SBOX_LIMIT_CPUS].value * 100);
        r = write_file(cg->path, "cpu.max", text, err);
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

char *sbox_limits_fallback_note(const struct sbox_plan *p, const char *why)
{
    const struct sbox_limit_value *l = p->limits;
    char approx[256] = "", none[64] = "";
    if (l[SBOX_LIMIT_MEMORY].set)
        snprintf(approx, sizeof approx, "memory %s per process (RLIMIT_DATA)",
                 l[SBOX_LIMIT_MEMORY].text);
    if (l[SBOX_LIMIT_PIDS].set)
        snprintf(approx + strlen(approx), sizeof approx - strlen(approx),
                 "%spids %s for the sandbox's user (RLIMIT_NPROC%s)", approx[0] ? " and " : "",
                 l[SBOX_LIMIT_PIDS].text,
                 p->host_uid == 0 ? ", which does not bind root" : "");
    if (l[SBOX_LIMIT_CPUS].set)
        snprintf(none, sizeof none, "cpus");
    if (l[SBOX_LIMIT_MEMORY_SWAP].set)
        snprintf(none + strlen(none), sizeof none - strlen(none), "%smemory-swap",
                 none[0] ? " and " : "");
    if (!approx[0] && !none[0])
        return NULL;
    return sbox_xasprintf("limits: %s, so %s%s%s%s%s%s (see sbox check)", why,
                          approx[0] ? "approximated: " : "", approx,
                          approx[0] && none[0] ? "; " : "", none,
                          !none[0] ? "" : strchr(none, ' ') ? " are" : " is",
                          none[0] ? " not enforced" : "");
}

static int set_limit(int resource, const char *name, uint64_t value, struct sbox_error *err)
{
    struct rlimit rl = {.rlim_cur = (rlim_t)value, .rlim_max = (rlim_t)value};
    struct rlimit old;
    /* Never above what the caller has: raising a hard limit needs privilege. */
    if (getrlimit(resource, &old) == 0 && old.rlim_max != RLIM_INFINITY &&
        rl.rlim_max > old.rlim_max)
        rl.rlim_cur = rl.rlim_max = old.rlim_max;
    if (setrlimit(resource, &rl) < 0)
        return sbox_error(err, errno, "set the %s limit", name);
    return 0;
}

int sbox_limits_apply(const struct sbox_plan *p, bool with_cgroup, struct sbox_error *err)
{
    const struct sbox_limit_value *l = p->limits;
    int r = 0;
    if (l[SBOX_LIMIT_NOFILE].set)
        r = set_limit(RLIMIT_NOFILE, "nofile", l[SBOX_LIMIT_NOFILE].value, err);
    if (r >= 0 && l[SBOX_LIMIT_FSIZE].set)
        r = set_limit(RLIMIT_FSIZE, "fsize", l[SBOX_LIMIT_FSIZE].value, err);
    if (r >= 0 && l[SBOX_LIMIT_CPU_TIME].set) {
        /* SIGXCPU at the limit, which a process may catch to save its work; SIGKILL a second
         * later (with both limits equal it would be SIGKILL at once). */
        struct rlimit rl = {.rlim_cur = (rlim_t)l[SBOX_LIMIT_CPU_TIME].value,
                            .rlim_max = (rlim_t)l[SBOX_LIMIT_CPU_TIME].value + 1};
        if (setrlimit(RLIMIT_CPU, &rl) < 0)
            r = sbox_error(err, errno, "set the cpu-time limit");
    }
    if (r >= 0 && l[SBOX_LIMIT_CORE].set)
        r = set_limit(RLIMIT_CORE, "core", l[SBOX_LIMIT_CORE].value, err);
    if (r >= 0 && !with_cgroup && l[SBOX_LIMIT_MEMORY].set)
        r = set_limit(RLIMIT_DATA, "memory", l[SBOX_LIMIT_MEMORY].value, err);
    if (r >= 0 && !with_cgroup && l[SBOX_LIMIT_PIDS].set)
        r = set_limit(RLIMIT_NPROC, "pids", l[SBOX_LIMIT_PIDS].value, err);
    return r;
}
