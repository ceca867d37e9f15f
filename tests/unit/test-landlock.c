/* Unit tests for landlock.c's pure half: the ruleset made-up plans give, each ABI's rights, the
 * description, and the settings that go with it. Nothing here calls the kernel. */
#include "cleanup.h"
#include "isolation.h"
#include "landlock.h"
#include "plan.h"
#include "profile.h"
#include "tap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const struct sbox_origin cli = {.kind = SBOX_ORIGIN_CMDLINE};

static void fake_host(struct sbox_host *h)
{
    memset(h, 0, sizeof *h);
    h->uid = 1000;
    h->gid = 1000;
    h->user = sbox_xstrdup("u");
    h->home = sbox_xstrdup("/home/u");
    h->cwd = sbox_xstrdup("/home/u/proj");
    h->shell = sbox_xstrdup("/bin/bash");
}

/* The default profile, then settings (key, value pairs, NULL-ended), finished: 0 or the
 * error's message in err. */
static int make_plan(struct sbox_plan *p, const struct sbox_host *h, const char *const *kv,
                     struct sbox_error *err)
{
    struct sbox_profiles ps;
    int r;
    sbox_plan_init(p, h);
    sbox_profiles_init(&ps, h, NULL, "/nonexistent");
    r = sbox_profile_load_default(&ps, p, err);
    sbox_profiles_free(&ps);
    for (size_t i = 0; r == 0 && kv && kv[i]; i += 2)
        r = sbox_plan_set(p, NULL, kv[i], kv[i + 1], &cli, err);
    if (r == 0)
        r = sbox_plan_finish(p, err);
    return r;
}

/* The rights the ruleset gives path's own rule, or -1 when it has none. */
static long long rule(const struct sbox_landlock_ruleset *rs, const char *path)
{
    for (size_t i = 0; i < rs->n_rules; i++)
        if (strcmp(rs->rules[i].path, path) == 0)
            return (long long)rs->rules[i].access;
    return -1;
}

static void test_abi(void)
{
    ok(sbox_landlock_fs_rights(0) == 0, "no Landlock: no rights");
    ok(sbox_landlock_fs_rights(1) == 0x1fff, "ABI 1: the thirteen first rights");
    ok(!(sbox_landlock_fs_rights(1) & SBOX_LL_REFER), "ABI 1: REFER never asked for");
    ok(sbox_landlock_fs_rights(2) == (0x1fff | SBOX_LL_REFER), "ABI 2: REFER");
    ok(sbox_landlock_fs_rights(3) & SBOX_LL_TRUNCATE, "ABI 3: TRUNCATE");
    ok(!(sbox_landlock_fs_rights(4) & SBOX_LL_IOCTL_DEV), "ABI 4: no IOCTL_DEV yet");
    ok(sbox_landlock_fs_rights(5) & SBOX_LL_IOCTL_DEV, "ABI 5: IOCTL_DEV");
    ok(sbox_landlock_fs_rights(7) == sbox_landlock_fs_rights(5), "ABI 7: no new file right");
    ok(sbox_landlock_net_rights(3) == 0, "ABI 3: no TCP rules");
    ok(sbox_landlock_net_rights(4) == (SBOX_LL_NET_BIND_TCP | SBOX_LL_NET_CONNECT_TCP),
       "ABI 4: TCP bind and connect");
    ok(sbox_landlock_scopes(5) == 0, "ABI 5: no scopes");
    ok(sbox_landlock_scopes(6) == (SBOX_LL_SCOPE_ABSTRACT_UNIX | SBOX_LL_SCOPE_SIGNAL),
       "ABI 6: abstract sockets and signals scoped");
    ok((SBOX_LL_WRITE & ~sbox_landlock_fs_rights(7)) == 0, "read-write asks for no unknown right");
}

static void test_default(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    struct sbox_landlock_ruleset rs;
    fake_host(&h);
    ok(make_plan(&p, &h, NULL, &err) == 0, "default plan (%s)", err.msg);
    sbox_landlock_derive(&p, false, &rs);
    ok(rule(&rs, "/") == (long long)SBOX_LL_READ_DIR, "/: directories listed, nothing opened");
    ok(rule(&rs, "/usr") == (long long)SBOX_LL_READ, "mirror /usr: read-only");
    ok(rule(&rs, "/etc") == (long long)SBOX_LL_READ, "mirror /etc: read-only");
    ok(!(rule(&rs, "/usr") & SBOX_LL_WRITE_FILE), "mirror /usr: no write");
    ok(rule(&rs, "/home/u/proj") == (long long)SBOX_LL_WRITE, "cwd: read-write");
    ok(rule(&rs, "/home/u") == (long long)SBOX_LL_WRITE, "home tmpfs: read-write");
    ok(rule(&rs, "/tmp") == (long long)SBOX_LL_WRITE, "/tmp: read-write");
    ok(rule(&rs, "/dev") == (long long)SBOX_LL_DEVICES, "/dev: devices");
    ok(!(rule(&rs, "/dev") & SBOX_LL_MAKE_REG), "/dev: nothing made");
    ok(rule(&rs, "/dev/shm") == (long long)(SBOX_LL_WRITE & ~SBOX_LL_EXECUTE),
       "/dev/shm: read-write, no exec");
    ok(rule(&rs, "/proc") == (long long)(SBOX_LL_DEVICES & ~SBOX_LL_IOCTL_DEV), "/proc: proc");
    ok(rule(&rs, "/home/u/.ssh") == -1, "no rule for ~/.ssh");
    ok(!rs.deny_tcp, "namespaces, net = none: TCP not restricted (its own loopback)");
    {
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        sbox_landlock_describe(&rs, 7, f);
        fclose(f);
        ok(strstr(out, ";   landlock: /usr  read-only\n") != NULL, "described: /usr");
        ok(strstr(out, ";   landlock: /home/u/proj  read-write\n") != NULL, "described: cwd");
        ok(strstr(out, "TCP not restricted") != NULL, "described: TCP");
        ok(strstr(out, "ABI 7 here") != NULL, "described: the ABI");
        for (char *l = out; *l; l = strchr(l, '\n') + 1)
            if (*l != ';') {
                ok(0, "a line that is no comment: %s", l);
                break;
            }
        free(out);
    }
    sbox_landlock_ruleset_free(&rs);
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

static void test_mounts(void)
{
    static const char *const kv[] = {"ro-bind", "/data:/data",
                                     "bind",    "/data/out:/data/out",
                                     "tmpfs",   "/scratch:noexec",
                                     "hide",    "/data/out",
                                     "net",     "host",
                                     NULL};
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    struct sbox_landlock_ruleset rs;
    fake_host(&h);
    ok(make_plan(&p, &h, kv, &err) == 0, "plan with binds (%s)", err.msg);
    sbox_landlock_derive(&p, false, &rs);
    ok(rule(&rs, "/data") == (long long)SBOX_LL_READ, "ro-bind: read-only");
    ok(rule(&rs, "/data/out") == -1, "a hide takes its path's rule away");
    ok(rule(&rs, "/scratch") == (long long)(SBOX_LL_WRITE & ~SBOX_LL_EXECUTE),
       "noexec tmpfs: no EXECUTE");
    ok(!rs.deny_tcp && strstr(rs.tcp_why, "net = host"), "net = host: TCP not restricted");
    sbox_landlock_ruleset_free(&rs);
    sbox_plan_free(&p);

    {
        static const char *const img[] = {"rootfs", "/images/deb", NULL};
        static const char *const ovl[] = {"rootfs", "/images/deb", "overlay", "tmpfs", NULL};
        ok(make_plan(&p, &h, img, &err) == 0, "image plan (%s)", err.msg);
        sbox_landlock_derive(&p, false, &rs);
        ok(rule(&rs, "/") == (long long)SBOX_LL_READ, "read-only image: / read-only");
        sbox_landlock_ruleset_free(&rs);
        sbox_plan_free(&p);
        ok(make_plan(&p, &h, ovl, &err) == 0, "image plan with overlay (%s)", err.msg);
        sbox_landlock_derive(&p, false, &rs);
        ok(rule(&rs, "/") == (long long)SBOX_LL_WRITE, "image with overlay: / read-write");
        sbox_landlock_ruleset_free(&rs);
        sbox_plan_free(&p);
    }
    {
        static const char *const ovl[] = {"overlay", "tmpfs", NULL};
        ok(make_plan(&p, &h, ovl, &err) == 0, "host overlay plan (%s)", err.msg);
        sbox_landlock_derive(&p, false, &rs);
        ok(rule(&rs, "/usr") == (long long)SBOX_LL_WRITE, "overlay: mirrors read-write");
        ok(rule(&rs, "/") == (long long)SBOX_LL_READ_DIR, "overlay on the host's: / listed");
        sbox_landlock_ruleset_free(&rs);
        sbox_plan_free(&p);
    }
    sbox_host_free(&h);
}

static void test_host_root(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    struct sbox_landlock_ruleset rs;
    fake_host(&h);
    ok(make_plan(&p, &h, NULL, &err) == 0, "default plan (%s)", err.msg);
    sbox_landlock_derive(&p, true, &rs);
    ok(rule(&rs, "/home/u") == -1, "host's tree: the home tmpfs is no rule (denied)");
    ok(rule(&rs, "/tmp") == -1, "host's tree: /tmp is no rule");
    ok(rule(&rs, "/dev") == -1, "host's tree: not the whole of /dev");
    ok(rule(&rs, "/dev/null") == (long long)SBOX_LL_DEVICES, "host's tree: /dev/null");
    ok(rule(&rs, "/dev/pts") == (long long)SBOX_LL_DEVICES, "host's tree: /dev/pts");
    ok(rule(&rs, "/home/u/proj") == (long long)SBOX_LL_WRITE, "host's tree: cwd read-write");
    ok(rs.deny_tcp, "host's tree, net = none: no TCP");
    sbox_landlock_ruleset_free(&rs);
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

static void test_settings(void)
{
    static const char *const bad_mode[] = {"landlock", "maybe", NULL};
    static const char *const test_auto[] = {"ro-bind", "/data", "landlock-test-rw", "/data", NULL};
    static const char *const test_ok[] = {"ro-bind",          "/data", "landlock", "required",
                                          "landlock-test-rw", "/data", NULL};
    static const char *const test_rw[] = {
        "bind", "/data", "landlock", "required", "landlock-test-rw", "/data", NULL};
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    fake_host(&h);
    ok(make_plan(&p, &h, bad_mode, &err) < 0, "landlock = maybe refused");
    is_str(err.msg, "--landlock: `maybe` is not one of auto, required, off", "its message");
    sbox_plan_free(&p);
    ok(make_plan(&p, &h, test_auto, &err) < 0, "landlock-test-rw without required refused");
    ok(strstr(err.msg, "--landlock-test-rw: for tests only") == err.msg, "its message: %s",
       err.msg);
    sbox_plan_free(&p);
    ok(make_plan(&p, &h, test_ok, &err) == 0, "landlock-test-rw with required (%s)", err.msg);
    ok(p.landlock == SBOX_LANDLOCK_REQUIRED && strcmp(p.landlock_test_rw, "/data") == 0,
       "kept in the plan");
    sbox_plan_free(&p);
    ok(make_plan(&p, &h, test_rw, &err) < 0, "landlock-test-rw on a writable bind refused");
    ok(strstr(err.msg, "is not the destination of a read-only bind") != NULL, "its message: %s",
       err.msg);
    sbox_plan_free(&p);
    sbox_plan_init(&p, &h);
    ok(sbox_plan_set(&p, NULL, "isolation", "landlock", &cli, &err) == 0 &&
           p.isolation == SBOX_ISOLATION_LANDLOCK,
       "isolation = landlock parsed");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

static void test_isolation(void)
{
    static const char *const ok_kv[] = {"isolation", "landlock", NULL};
    static const char *const cases[][5] = {
        {"tmpfs", "/data", NULL, NULL, "--tmpfs: `/data`: not with isolation = landlock"},
        {"bind", "/src:/dst", NULL, NULL, "--bind: `/dst`: not with isolation = landlock"},
        {"ro-bind", "/data", "hide", "/data/secret", "--hide: `/data/secret`: not with"},
        {"capture", "/home/u/proj", NULL, NULL, "--capture: `/home/u/proj`: not with"},
        {"net", "pasta", NULL, NULL, "--net: net = pasta needs a network namespace"},
        {"cap-add", "net_raw", NULL, NULL, "--cap-add: no capability to keep"},
        {"landlock", "off", NULL, NULL, "--landlock: isolation = landlock is Landlock"},
    };
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    fake_host(&h);
    ok(make_plan(&p, &h, ok_kv, &err) == 0, "isolation = landlock takes the default (%s)", err.msg);
    sbox_plan_free(&p);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *kv[] = {"isolation", "landlock",  cases[i][0], cases[i][1],
                            cases[i][2], cases[i][3], NULL};
        ok(make_plan(&p, &h, kv, &err) < 0 && strstr(err.msg, cases[i][4]) == err.msg,
           "isolation = landlock refuses %s = %s%s%s: %s", cases[i][0], cases[i][1],
           cases[i][2] ? ", then " : "", cases[i][2] ? cases[i][2] : "", err.msg);
        sbox_plan_free(&p);
    }
    /* auto checks only when it falls back (main.c): the plan itself passes. */
    {
        const char *kv[] = {"isolation", "auto", "tmpfs", "/data", NULL};
        ok(make_plan(&p, &h, kv, &err) == 0, "isolation = auto: not checked before the fallback");
        ok(sbox_isolation_check(&p, &err) < 0, "... but the fallback's check refuses the tmpfs");
        sbox_plan_free(&p);
    }
    sbox_host_free(&h);
}

int main(void)
{
    test_isolation();
    test_abi();
    test_default();
    test_mounts();
    test_host_root();
    test_settings();
    return tap_done();
}
