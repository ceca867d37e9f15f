/* Unit tests for cgroup.c against a temporary directory laid out like a cgroup v2 hierarchy:
 * the mount and the caller's cgroup are parsed from their /proc texts; the delegated subtree is
 * the nearest ancestor the caller may write with the controllers handed down (writability is
 * tried as an unprivileged uid in a child when the test runs as root); a scope of sbox's alone
 * is used once sbox moves into a leaf; the limit files get the right values; memory.events
 * tells an out-of-memory kill; without a cgroup the rlimits are set and one line says so. */
#include "cgroup.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[] = "/tmp/sbox-test-cgroup-XXXXXX";

static void put(const char *rel, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The fake tree is plain directories: a cgroup's files, which the kernel makes with it, are made
 * when written. */
static int fake_write(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));
    int e = errno;
    if (fd >= 0)
        close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -(e ? e : EIO);
}

static void dir(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    mkdir(path, 0755);
}

static char *get(const char *rel)
{
    static char buf[256];
    char path[512];
    FILE *f;
    size_t n;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    f = fopen(path, "r");
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void plan_with(struct sbox_plan *p, const char *memory, const char *pids, const char *cpus)
{
    memset(p, 0, sizeof *p);
    if (memory)
        p->limits[SBOX_LIMIT_MEMORY] = (struct sbox_limit_value){
            .set = true, .value = strtoull(memory, NULL, 10) << 20, .text = (char *)memory};
    if (pids)
        p->limits[SBOX_LIMIT_PIDS] =
            (struct sbox_limit_value){.set = true, .value = strtoull(pids, NULL, 10), .text = (char *)pids};
    if (cpus)
        p->limits[SBOX_LIMIT_CPUS] = (struct sbox_limit_value){.set = true, .value = 1500, .text = (char *)cpus};
}

/* find() as uid (in a child when we are root, so that permissions count): the parent found,
 * relative to root, or "-" and why. */
static bool prefer_self;

static void find_as(uid_t uid, unsigned needs, pid_t me, char *out, size_t size)
{
    int pipefd[2];
    pid_t pid;
    if (pipe(pipefd) < 0)
        return;
    pid = fork();
    if (pid == 0) {
        char why[256], text[600];
        bool alone = false;
        char *found;
        close(pipefd[0]);
        if (geteuid() == 0 && setresuid(uid, uid, uid) < 0)
            _exit(1);
        found = sbox_cgroup_find(root, "/user.slice/user@1000.service/app.slice/term.scope",
                                 needs, me, prefer_self, &alone, why, sizeof why);
        snprintf(text, sizeof text, "%s%s%s", found ? found + strlen(root) : "-",
                 alone ? " alone" : "", found ? "" : why);
        (void)!write(pipefd[1], text, strlen(text));
        _exit(0);
    }
    close(pipefd[1]);
    {
        ssize_t n = read(pipefd[0], out, size - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    close(pipefd[0]);
    waitpid(pid, NULL, 0);
}

/* Through a stand-in systemd-run: the second run of this program says it runs, and ends with
 * the status it was given. */
static void scope_tests(void)
{
    char fake[600], fail[600];
    char *argv[] = {(char *)"test-cgroup", (char *)"inner", (char *)"7", NULL};
    int status = -1, sig = 0;
    FILE *f;
    snprintf(fake, sizeof fake, "%s/systemd-run", root);
    snprintf(fail, sizeof fail, "%s/systemd-run-fails", root);
    f = fopen(fake, "w");
    fputs("#!/bin/sh\nwhile [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n", f);
    fclose(f);
    chmod(fake, 0755);
    f = fopen(fail, "w");
    fputs("#!/bin/sh\necho 'Failed to connect to bus' >&2\nexit 1\n", f);
    fclose(f);
    chmod(fail, 0755);
    fflush(stdout);
    ok(sbox_cgroup_run_in_scope(fake, argv, &status, &sig) && status == 7,
       "through systemd-run: the second run starts, says so, and its status is returned (%d)",
       status);
    argv[2] = (char *)"0";
    ok(sbox_cgroup_run_in_scope(fake, argv, &status, &sig) && status == 0,
       "... (the second run knows it is the second, and the marker is gone from its environment)");
    status = -1;
    ok(!sbox_cgroup_run_in_scope(fail, argv, &status, &sig) && status == -1,
       "systemd-run failing: not run there, and this run goes on");
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "inner") == 0) {
        /* The second run: confirms, checks what it should see, ends with the status asked. */
        sbox_cgroup_scope_confirm();
        if (!sbox_cgroup_in_scope() || getenv("SBOX_IN_SCOPE"))
            return 99;
        return atoi(argv[2]);
    }
    char got[600], why[256];
    const uid_t user = geteuid() == 0 ? 65534 : geteuid();
    const unsigned all = SBOX_CG_MEMORY | SBOX_CG_PIDS | SBOX_CG_CPU;
    struct sbox_plan p;
    bool alone;
    char *s;

    /* Parsing /proc texts. */
    s = sbox_cgroup_mount("24 1 0:22 / /proc rw - proc proc rw\n"
                          "30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n");
    is_str(s, "/sys/fs/cgroup/unified", "the cgroup2 mount from mountinfo");
    free(s);
    s = sbox_cgroup_mount("24 1 0:22 / /proc rw - proc proc rw\n");
    ok(s == NULL, "no cgroup2 mount: none");
    s = sbox_cgroup_self("4:memory:/x\n0::/user.slice/user@1000.service/app.slice/a.scope\n");
    is_str(s, "/user.slice/user@1000.service/app.slice/a.scope", "the caller's cgroup, 0:: line");
    free(s);
    ok(sbox_cgroup_self("4:memory:/x\n") == NULL, "no 0:: line: none");

    if (!mkdtemp(root))
        return 1;
    chmod(root, 0755);
    /* root: the hierarchy; user@1000.service: delegated (the user's, controllers handed down);
     * app.slice: the user's, none handed down; term.scope: where the caller is. */
    put("cgroup.controllers", "cpuset cpu io memory pids\n");
    put("cgroup.subtree_control", "cpu io memory pids\n");
    put("cgroup.procs", "");
    dir("user.slice");
    put("user.slice/cgroup.subtree_control", "cpu memory pids\n");
    put("user.slice/cgroup.procs", "");
    dir("user.slice/user@1000.service");
    put("user.slice/user@1000.service/cgroup.subtree_control", "cpu memory pids\n");
    put("user.slice/user@1000.service/cgroup.procs", "");
    dir("user.slice/user@1000.service/app.slice");
    put("user.slice/user@1000.service/app.slice/cgroup.subtree_control", "\n");
    put("user.slice/user@1000.service/app.slice/cgroup.procs", "");
    dir("user.slice/user@1000.service/app.slice/term.scope");
    put("user.slice/user@1000.service/app.slice/term.scope/cgroup.controllers", "\n");
    put("user.slice/user@1000.service/app.slice/term.scope/cgroup.subtree_control", "");
    put("user.slice/user@1000.service/app.slice/term.scope/cgroup.procs", "4242\n4343\n");
    {
        /* The user owns user@1000.service and below, as systemd delegates it. */
        const char *mine[] = {"user.slice/user@1000.service",
                              "user.slice/user@1000.service/cgroup.procs",
                              "user.slice/user@1000.service/cgroup.subtree_control",
                              "user.slice/user@1000.service/app.slice",
                              "user.slice/user@1000.service/app.slice/cgroup.procs",
                              "user.slice/user@1000.service/app.slice/cgroup.subtree_control",
                              "user.slice/user@1000.service/app.slice/term.scope",
                              "user.slice/user@1000.service/app.slice/term.scope/cgroup.procs",
                              "user.slice/user@1000.service/app.slice/term.scope/cgroup.controllers",
                              "user.slice/user@1000.service/app.slice/term.scope/cgroup.subtree_control"};
        for (size_t i = 0; i < sizeof mine / sizeof *mine; i++) {
            char path[512];
            snprintf(path, sizeof path, "%s/%s", root, mine[i]);
            if (chown(path, user, user) < 0 && geteuid() == 0)
                ok(0, "chown %s", path);
        }
    }

    find_as(user, all, 4242, got, sizeof got);
    is_str(got, "/user.slice/user@1000.service",
           "the nearest ancestor you may write, with the controllers handed down");
    put("user.slice/user@1000.service/cgroup.subtree_control", "memory pids\n");
    find_as(user, all, 4242, got, sizeof got);
    is_str(got, "-no cgroup v2 subtree is delegated to you",
           "without cpu handed down (and user.slice not yours): none, and why");
    find_as(user, SBOX_CG_MEMORY | SBOX_CG_PIDS, 4242, got, sizeof got);
    is_str(got, "/user.slice/user@1000.service", "... though memory and pids alone are there");
    put("cgroup.controllers", "cpuset io memory\n");
    find_as(user, all, 4242, got, sizeof got);
    is_str(got, "-the cgroup v2 hierarchy has no pids, cpu controllers",
           "a hierarchy without the controllers: says which");
    put("cgroup.controllers", "cpuset cpu io memory pids\n");

    /* A scope of sbox's alone (systemd-run --scope -p Delegate=yes). */
    put("user.slice/user@1000.service/cgroup.subtree_control", "\n");
    put("user.slice/user@1000.service/app.slice/term.scope/cgroup.controllers",
        "cpu memory pids\n");
    find_as(user, all, 4242, got, sizeof got);
    is_str(got, "-no cgroup v2 subtree is delegated to you",
           "a cgroup of yours shared with another process: not usable");
    put("user.slice/user@1000.service/app.slice/term.scope/cgroup.procs", "4242\n");
    find_as(user, all, 4242, got, sizeof got);
    is_str(got, "/user.slice/user@1000.service/app.slice/term.scope alone",
           "a cgroup of yours with sbox alone in it: usable, once sbox moves out");
    put("user.slice/user@1000.service/cgroup.subtree_control", "cpu memory pids\n");
    find_as(user, all, 4242, got, sizeof got);
    is_str(got, "/user.slice/user@1000.service",
           "... but a delegated ancestor comes first, outside a scope sbox asked for");
    prefer_self = true;
    find_as(user, all, 4242, got, sizeof got);
    is_str(got, "/user.slice/user@1000.service/app.slice/term.scope alone",
           "... and in one, the scope comes first");
    prefer_self = false;
    put("user.slice/user@1000.service/cgroup.type", "threaded\n");
    find_as(user, all, 4343, got, sizeof got);
    is_str(got, "-no cgroup v2 subtree is delegated to you", "a threaded subtree: not usable");
    put("user.slice/user@1000.service/cgroup.type", "domain\n");
    put("user.slice/user@1000.service/cgroup.subtree_control", "\n");

    /* Creating the sandbox's cgroup writes the limits. */
    {
        struct sbox_cgroup cg;
        struct sbox_error err = {0};
        char parent[512], rel[512];
        snprintf(parent, sizeof parent, "%s/user.slice/user@1000.service", root);
        plan_with(&p, "512", "64", "1.5");
        p.limits[SBOX_LIMIT_MEMORY_SWAP] =
            (struct sbox_limit_value){.set = true, .value = 0, .text = (char *)"0"};
        dir("user.slice/user@1000.service/sbox-999999999-0"); /* a killed sbox's, empty */
        ok(sbox_cgroup_create(parent, false, 777, &p, all, fake_write, &cg, &err) == 0, "create %s",
           err.msg);
        {
            char left[600];
            snprintf(left, sizeof left, "%s/user.slice/user@1000.service/sbox-999999999-0", root);
            ok(access(left, F_OK) < 0, "a cgroup left by a killed sbox is removed");
        }
        snprintf(rel, sizeof rel, "user.slice/user@1000.service/sbox-777-0/memory.max");
        is_str(get(rel), "536870912", "memory.max in bytes");
        snprintf(rel, sizeof rel, "user.slice/user@1000.service/sbox-777-0/memory.oom.group");
        is_str(get(rel), "1", "memory.oom.group: out of memory ends the whole sandbox");
        snprintf(rel, sizeof rel, "user.slice/user@1000.service/sbox-777-0/memory.swap.max");
        is_str(get(rel), "0", "memory.swap.max");
        snprintf(rel, sizeof rel, "user.slice/user@1000.service/sbox-777-0/pids.max");
        is_str(get(rel), "64", "pids.max");
        snprintf(rel, sizeof rel, "user.slice/user@1000.service/sbox-777-0/cpu.max");
        is_str(get(rel), "150000 100000", "cpu.max: 1.5 CPUs as quota and period");
        ok(cg.fd >= 0, "its directory is open, for CLONE_INTO_CGROUP");
        ok(!sbox_cgroup_oom_killed(&cg), "no memory.events: not killed");
        snprintf(rel, sizeof rel, "user.slice/user@1000.service/sbox-777-0/memory.events");
        put(rel, "low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n");
        ok(!sbox_cgroup_oom_killed(&cg), "oom_kill 0: not killed");
        put(rel, "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
        ok(sbox_cgroup_oom_killed(&cg), "oom_kill 1: killed for memory");
        sbox_cgroup_remove(&cg);
        ok(cg.path == NULL && cg.fd < 0, "removed: forgotten (the fake one keeps its files)");
        ok(sbox_cgroup_create(parent, false, 777, &p, all, fake_write, &cg, &err) == 0 &&
               strstr(cg.path, "/sbox-777-1") != NULL,
           "a second one gets a name of its own: %s", cg.path ? cg.path : err.msg);
        sbox_cgroup_remove(&cg);
    }
    {
        struct sbox_cgroup cg;
        struct sbox_error err = {0};
        char parent[512];
        snprintf(parent, sizeof parent, "%s/user.slice/user@1000.service/app.slice/term.scope",
                 root);
        plan_with(&p, NULL, "10", NULL);
        ok(sbox_cgroup_create(parent, true, 4242, &p, SBOX_CG_PIDS, fake_write, &cg, &err) == 0,
           "create, alone: %s", err.msg);
        is_str(get("user.slice/user@1000.service/app.slice/term.scope/sbox-4242-supervisor/"
                   "cgroup.procs"),
               "4242", "alone: sbox moves into a leaf of its own");
        is_str(get("user.slice/user@1000.service/app.slice/term.scope/cgroup.subtree_control"),
               "+pids", "... and hands down the controllers it needs");
        is_str(get("user.slice/user@1000.service/app.slice/term.scope/sbox-4242-0/pids.max"), "10",
               "... then its sandbox's cgroup gets the limit");
        sbox_cgroup_remove(&cg);
    }
    {
        struct sbox_cgroup cg;
        struct sbox_error err = {0};
        char parent[512];
        snprintf(parent, sizeof parent, "%s/nonexistent", root);
        plan_with(&p, "64", NULL, NULL);
        ok(sbox_cgroup_create(parent, false, 1, &p, SBOX_CG_MEMORY, fake_write, &cg, &err) < 0 &&
               cg.path == NULL && strstr(err.msg, "create a cgroup in") != NULL,
           "a parent that is gone: an error, nothing made: %s", err.msg);
    }

    scope_tests();

    /* Without a cgroup. */
    plan_with(&p, "64M", "64", "1.5");
    p.host_uid = 1000;
    s = sbox_limits_fallback_note(&p, 0, "the cgroup v2 hierarchy has no memory controller");
    is_str(s,
           "limits: the cgroup v2 hierarchy has no memory controller, so approximated: memory 64M "
           "per process (RLIMIT_DATA) and pids 64 for the sandbox's user (RLIMIT_NPROC); cpus is "
           "not enforced (see sbox check)",
           "the line without a cgroup names what is approximated and what is not enforced");
    free(s);
    memset(&p, 0, sizeof p);
    p.limits[SBOX_LIMIT_NOFILE] = (struct sbox_limit_value){.set = true, .value = 10};
    ok(sbox_limits_fallback_note(&p, 0, "x") == NULL, "exact limits only: no line");
    plan_with(&p, "64M", "64", "1.5");
    p.host_uid = 1000;
    s = sbox_limits_fallback_note(&p, SBOX_CG_MEMORY | SBOX_CG_PIDS, "no cpu handed down");
    is_str(s, "limits: no cpu handed down, so cpus is not enforced (see sbox check)",
           "a cgroup covering memory and pids: the line names only cpus");
    free(s);
    memset(&p, 0, sizeof p);
    ok(sbox_cgroup_needs(&p) == 0, "... and no cgroup needed");
    plan_with(&p, "64", "64", "1");
    ok(sbox_cgroup_needs(&p) == all, "memory, pids and cpus need their controllers");

    {
        int status;
        pid_t pid = fork();
        if (pid == 0) {
            struct sbox_error err = {0};
            struct rlimit data, nproc, nofile, core;
            memset(&p, 0, sizeof p);
            p.limits[SBOX_LIMIT_MEMORY] = (struct sbox_limit_value){.set = true, .value = 64 << 20};
            p.limits[SBOX_LIMIT_PIDS] = (struct sbox_limit_value){.set = true, .value = 100};
            p.limits[SBOX_LIMIT_NOFILE] = (struct sbox_limit_value){.set = true, .value = 33};
            p.limits[SBOX_LIMIT_CORE] = (struct sbox_limit_value){.set = true, .value = 0};
            if (sbox_limits_apply(&p, 0, NULL, &err) < 0)
                _exit(2);
            getrlimit(RLIMIT_DATA, &data);
            getrlimit(RLIMIT_NPROC, &nproc);
            getrlimit(RLIMIT_NOFILE, &nofile);
            getrlimit(RLIMIT_CORE, &core);
            _exit(data.rlim_max == 64 << 20 && nproc.rlim_cur == 100 && nofile.rlim_max == 33 &&
                          core.rlim_cur == 0
                      ? 0
                      : 3);
        }
        waitpid(pid, &status, 0);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "without a cgroup: RLIMIT_DATA, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_CORE set");
        pid = fork();
        if (pid == 0) {
            struct sbox_error err = {0};
            struct rlimit data, before;
            getrlimit(RLIMIT_DATA, &before);
            memset(&p, 0, sizeof p);
            p.limits[SBOX_LIMIT_MEMORY] = (struct sbox_limit_value){.set = true, .value = 64 << 20};
            if (sbox_limits_apply(&p, SBOX_CG_MEMORY, NULL, &err) < 0)
                _exit(2);
            getrlimit(RLIMIT_DATA, &data);
            _exit(data.rlim_max == before.rlim_max ? 0 : 3);
        }
        waitpid(pid, &status, 0);
        ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "with a cgroup: memory is the cgroup's, RLIMIT_DATA untouched");
    }

    (void)why;
    (void)alone;
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        (void)!system(cmd);
    }
    return tap_done();
}
