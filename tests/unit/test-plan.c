/* Unit tests for plan.c: the embedded default, settings, ordering, environment, printing.
 * Host facts are made up here, so nothing depends on the machine running the tests. */
#include "cleanup.h"
#include "plan.h"
#include "profile.h"
#include "settings.h"
#include "tap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const struct sbox_origin cli = {.kind = SBOX_ORIGIN_CMDLINE};

static void fake_host(struct sbox_host *h, const char *cwd)
{
    memset(h, 0, sizeof *h);
    h->uid = 1000;
    h->gid = 1000;
    h->user = sbox_xstrdup("u");
    h->home = sbox_xstrdup("/home/u");
    h->cwd = cwd ? sbox_xstrdup(cwd) : NULL;
    h->shell = sbox_xstrdup("/bin/bash");
}

/* The plan sbox starts from without -p: the compiled-in default profile. */
static void default_plan(struct sbox_plan *p, const struct sbox_host *h)
{
    struct sbox_profiles ps;
    struct sbox_error err = {0};
    sbox_plan_init(p, h);
    sbox_profiles_init(&ps, h, NULL, "/nonexistent");
    if (sbox_profile_load_default(&ps, p, &err) < 0)
        printf("# default profile: %s\n", err.msg);
    sbox_profiles_free(&ps);
}

static const struct sbox_mount *find(const struct sbox_plan *p, enum sbox_mount_kind k,
                                     const char *dst, size_t *ret_index)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind == k && strcmp(p->mounts[i].dst, dst) == 0) {
            if (ret_index)
                *ret_index = i;
            return &p->mounts[i];
        }
    return NULL;
}

static char *printed(const struct sbox_plan *p);

static const char *env_get(char **env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
            return env[i] + n + 1;
    return NULL;
}

static void test_default(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    const struct sbox_mount *m;
    size_t ihome = 0, icwd = 0;

    fake_host(&h, "/home/u/proj");
    default_plan(&p, &h);
    ok(sbox_plan_finish(&p, &err) == 0, "default plan finishes");
    ok(find(&p, SBOX_MOUNT_MIRROR, "/usr", NULL) != NULL, "/usr is mirrored (read-only)");
    ok(find(&p, SBOX_MOUNT_MIRROR, "/bin", NULL) != NULL, "/bin is mirrored (a symlink stays one)");
    m = find(&p, SBOX_MOUNT_TMPFS, "/home/u", &ihome);
    ok(m && m->mode == 0700, "home is a private tmpfs");
    m = find(&p, SBOX_MOUNT_BIND, "/home/u/proj", &icwd);
    ok(m && strcmp(m->src, "/home/u/proj") == 0, "the current directory is bound read-write");
    ok(ihome < icwd, "home's tmpfs is mounted before the directory inside it");
    ok(find(&p, SBOX_MOUNT_TMPFS, "/tmp", NULL) && find(&p, SBOX_MOUNT_TMPFS, "/run", NULL),
       "private /tmp and /run");
    ok(find(&p, SBOX_MOUNT_PROC, "/proc", NULL) && find(&p, SBOX_MOUNT_DEV, "/dev", NULL),
       "fresh /proc and /dev");
    is_str(p.chdir, "/home/u/proj", "runs in the current directory");
    is_str(p.hostname, "sbox", "hostname is sbox");
    ok(p.uid == 1000 && p.gid == 1000, "identity inside is the caller's");
    is_str(p.argv[0], "/bin/bash", "no command runs the caller's shell");
    ok(p.notes == NULL, "no remark for an ordinary directory");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

static void test_cwd_shared(const char *cwd)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    fake_host(&h, cwd);
    default_plan(&p, &h);
    ok(sbox_plan_finish(&p, &err) == 0, "plan from %s finishes", cwd);
    ok(find(&p, SBOX_MOUNT_BIND, cwd, NULL) == NULL, "%s is not bound", cwd);
    ok(p.notes && p.notes[0] && strstr(p.notes[0], cwd), "a one-line remark names %s", cwd);
    is_str(p.chdir, "/home/u", "runs in the empty home instead of %s", cwd);
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* The home reached through a symlink: the physical path of the home must not be bound either. */
static void test_cwd_physical_home(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    fake_host(&h, "/data/home/u");
    h.home_real = sbox_xstrdup("/data/home/u");
    default_plan(&p, &h);
    sbox_plan_finish(&p, &err);
    ok(find(&p, SBOX_MOUNT_BIND, "/data/home/u", NULL) == NULL,
       "the home's physical path is not bound when it is the current directory");
    ok(p.notes && strstr(p.notes[0], "your home"), "and the remark says it is the home");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

static void test_settings(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    const struct sbox_mount *m;
    size_t i_tmp = 0, i_bind = 0, i_hide = 0;

    fake_host(&h, "/work/p");
    default_plan(&p, &h);
    /* Given in the "wrong" order: the bind inside /data comes before the tmpfs that holds it. */
    ok(sbox_plan_set(&p, NULL, "bind", "src:/data/x", &cli, &err) == 0, "relative source accepted");
    ok(sbox_plan_set(&p, NULL, "tmpfs", "/data:size=1M,mode=1777,noexec", &cli, &err) == 0,
       "tmpfs with options");
    ok(sbox_plan_set(&p, NULL, "hide", "/etc/shadow", &cli, &err) == 0, "hide accepted");
    ok(sbox_plan_set(&p, NULL, "ro-bind-try", "/nonexistent", &cli, &err) == 0, "try accepted");
    ok(sbox_plan_finish(&p, &err) == 0, "finishes");
    m = find(&p, SBOX_MOUNT_BIND, "/data/x", &i_bind);
    ok(m && strcmp(m->src, "/work/p/src") == 0, "relative source resolved from the caller's dir");
    m = find(&p, SBOX_MOUNT_TMPFS, "/data", &i_tmp);
    ok(m && m->has_size && m->size == 1 << 20 && m->mode == 01777 && m->noexec,
       "tmpfs options parsed");
    ok(i_tmp < i_bind, "parents are mounted before children whatever the order given");
    find(&p, SBOX_MOUNT_HIDE, "/etc/shadow", &i_hide);
    ok(i_hide == p.n_mounts - 1, "hides come last");
    m = find(&p, SBOX_MOUNT_RO_BIND, "/nonexistent", NULL);
    ok(m && m->try_missing, "ro-bind-try marks the mount as optional");
    sbox_plan_free(&p);

    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "mirror", "", &cli, &err) == 0, "empty value resets a list");
    ok(find(&p, SBOX_MOUNT_MIRROR, "/usr", NULL) == NULL, "the built-in mirrors are gone");
    ok(sbox_plan_set(&p, NULL, "hostname", "", &cli, &err) < 0 &&
           strstr(err.msg, "--hostname") == err.msg,
       "an empty scalar is an error naming the flag (%s)", err.msg);
    ok(sbox_plan_set(&p, NULL, "bind", "/a:rel", &cli, &err) < 0 && strstr(err.msg, "--bind"),
       "relative destination rejected (%s)", err.msg);
    ok(sbox_plan_set(&p, NULL, "tmpfs", "/x:size=12bogus", &cli, &err) < 0 &&
           strstr(err.msg, "12bogus"),
       "bad tmpfs size rejected (%s)", err.msg);
    ok(sbox_plan_set(&p, NULL, "tmpfs", "/x:color=red", &cli, &err) < 0, "unknown tmpfs option");
    ok(sbox_plan_set(&p, NULL, "uid", "4294967295", &cli, &err) < 0, "uid -1 cannot be mapped");
    ok(sbox_plan_set(&p, NULL, "uid", "0", &cli, &err) == 0 && p.uid == 0, "uid 0 accepted");
    ok(sbox_plan_set(&p, NULL, "setenv", "1X=y", &cli, &err) < 0, "bad variable name rejected");
    ok(sbox_plan_set(&p, NULL, "bogus", "x", &cli, &err) < 0, "unknown setting rejected");
    {
        struct sbox_origin f = {.kind = SBOX_ORIGIN_FILE, .file = "p.ini", .line = 7};
        ok(sbox_plan_set(&p, "filesystem", "bind", "rel", &f, &err) < 0 &&
               strncmp(err.msg, "p.ini:7: ", 9) == 0,
           "a profile's relative path is an error naming file:line (%s)", err.msg);
    }
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* The rows carry what their parsers need: every list can be reset, by itself alone. */
static void test_table(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    bool resets = true;
    for (size_t i = 0; i < sbox_n_settings; i++)
        resets &= (sbox_settings[i].type == SBOX_SETTING_LIST) == (sbox_settings[i].reset != NULL);
    ok(resets, "every list row, and no other, has a reset");
    for (int l = 0; l < SBOX_N_LIMITS; l++) {
        const struct sbox_setting *s = sbox_setting_find("limits", sbox_limit_key(l));
        ok(s && s->limit == (enum sbox_limit)l, "limit %s is its row's", sbox_limit_key(l));
    }

    fake_host(&h, "/work/p");
    sbox_plan_init(&p, &h);
    ok(sbox_plan_set(&p, NULL, "setenv", "A=1", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "unsetenv", "B", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "setenv", "", &cli, &err) == 0,
       "setenv, unsetenv, setenv reset");
    ok(p.n_env_ops == 1 && p.env_ops[0].op == SBOX_ENV_UNSET, "the unsetenv stays");
    ok(sbox_plan_set(&p, NULL, "deny", "ptrace", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "allow", "mount", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "allow", "", &cli, &err) == 0,
       "deny, allow, allow reset");
    ok(p.n_syscall_rules == 1 && !p.syscall_rules[0].allow, "the deny stays");
    ok(sbox_plan_set(&p, NULL, "proc", "/proc", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "dev", "/dev", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "bind-try", "/x", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "proc", "", &cli, &err) == 0,
       "proc, dev, bind-try, proc reset");
    ok(p.n_mounts == 2 && p.mounts[0].kind == SBOX_MOUNT_DEV &&
           p.mounts[1].kind == SBOX_MOUNT_BIND && p.mounts[1].try_missing,
       "the dev and the bind-try stay, as their rows say");
    ok(sbox_plan_set(&p, NULL, "cap-add", "NET_RAW", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "keep-env", "X*", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "cap-add", "", &cli, &err) == 0,
       "cap-add, keep-env, cap-add reset");
    ok(p.n_caps == 0 && p.n_keep_env == 1, "the keep-env stays");
    ok(sbox_plan_set(&p, NULL, "ipv6", "yes", &cli, &err) == 0 && p.ipv6 && !p.host_loopback &&
           p.ipv6_origin.kind == SBOX_ORIGIN_CMDLINE,
       "ipv6 sets ipv6 alone");
    ok(sbox_plan_set(&p, NULL, "gid", "7", &cli, &err) == 0 && p.gid == 7 && p.uid == 1000 &&
           p.gid_origin.kind == SBOX_ORIGIN_CMDLINE,
       "gid sets gid alone");
    ok(sbox_plan_set(&p, NULL, "userns", "driver", &cli, &err) < 0 &&
           strcmp(err.msg, "--userns: `driver` is not one of auto, single, subuid") == 0,
       "userns names its own words (%s)", err.msg);
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

static void test_environ(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    char *host_env[] = {"TZ=first",
                        "TZ=second",
                        "PATH=/usr/bin",
                        "HOME=/home/u",
                        "LC_ALL=C",
                        "SSH_AUTH_SOCK=/run/a",
                        "AWS_SECRET_ACCESS_KEY=x",
                        "DISPLAY=:0",
                        "DBUS_SESSION_BUS_ADDRESS=y",
                        "NODE_ENV=test",
                        "GITHUB_TOKEN=t",
                        "TERM=xterm",
                        NULL};
    _cleanup_strv_ char **env = NULL;

    fake_host(&h, "/work/p");
    default_plan(&p, &h);
    sbox_plan_finish(&p, &err);
    env = sbox_plan_environ(&p, host_env);
    is_str(env_get(env, "PATH"), "/usr/bin", "PATH passes");
    is_str(env_get(env, "LC_ALL"), "C", "LC_* passes");
    is_str(env_get(env, "TZ"), "first", "a name defined twice: the first wins, as getenv sees it");
    ok(!env_get(env, "SSH_AUTH_SOCK") && !env_get(env, "AWS_SECRET_ACCESS_KEY") &&
           !env_get(env, "DISPLAY") && !env_get(env, "DBUS_SESSION_BUS_ADDRESS") &&
           !env_get(env, "GITHUB_TOKEN") && !env_get(env, "NODE_ENV"),
       "secrets, sockets and the rest are dropped");
    sbox_strv_free(env);
    sbox_plan_free(&p);

    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "keep-env", "NODE_*", &cli, &err);
    sbox_plan_set(&p, NULL, "setenv", "A=1", &cli, &err);
    sbox_plan_set(&p, NULL, "unsetenv", "TERM", &cli, &err);
    sbox_plan_set(&p, NULL, "setenv", "A=2", &cli, &err);
    sbox_plan_finish(&p, &err);
    env = sbox_plan_environ(&p, host_env);
    is_str(env_get(env, "NODE_ENV"), "test", "keep-env pattern passes a variable");
    is_str(env_get(env, "A"), "2", "a later setenv wins");
    ok(!env_get(env, "TERM"), "unsetenv removes an allowed variable");
    sbox_strv_free(env);
    sbox_plan_free(&p);

    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "clearenv", "true", &cli, &err);
    sbox_plan_set(&p, NULL, "keep-env", "TERM", &cli, &err);
    sbox_plan_finish(&p, &err);
    env = sbox_plan_environ(&p, host_env);
    ok(!env_get(env, "PATH") && env_get(env, "TERM"),
       "clearenv drops the allowlist but keeps explicit keep-env");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* path-prepend: in front of PATH in the order given, after setenv, once each; refused when
 * relative or holding `:`; printed as it reads back; reset by an empty value. */
static void test_path_prepend(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    char *host_env[] = {"PATH=/usr/bin:/home/u/.cargo/bin::/bin", "HOME=/home/u", NULL};
    char *no_path[] = {"HOME=/home/u", NULL};
    _cleanup_strv_ char **env = NULL;
    _cleanup_free_ char *out = NULL;

    fake_host(&h, "/work/p");
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "path-prepend", "/home/u/.cargo/bin", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "path-prepend", "/home/u/go/bin/", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "path-prepend", "/home/u/.cargo/bin", &cli, &err) == 0,
       "path-prepend takes absolute directories");
    sbox_plan_finish(&p, &err);
    env = sbox_plan_environ(&p, host_env);
    is_str(env_get(env, "PATH"), "/home/u/.cargo/bin:/home/u/go/bin:/usr/bin:/bin",
           "in the order given, each once, the old PATH after them (its empty entry dropped)");
    sbox_strv_free(env);
    env = sbox_plan_environ(&p, no_path);
    is_str(env_get(env, "PATH"),
           "/home/u/.cargo/bin:/home/u/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
           "/sbin:/bin",
           "without a PATH, the system's directories follow");
    out = printed(&p);
    ok(strstr(out, "path-prepend = /home/u/go/bin  ; from command line\n") != NULL,
       "printed as path-prepend, normalised");
    sbox_strv_free(env);
    env = NULL;
    sbox_plan_free(&p);

    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "path-prepend", "/opt/x/bin", &cli, &err);
    sbox_plan_set(&p, NULL, "setenv", "PATH=/usr/bin", &cli, &err);
    sbox_plan_set(&p, NULL, "unsetenv", "TERM", &cli, &err);
    sbox_plan_finish(&p, &err);
    env = sbox_plan_environ(&p, host_env);
    is_str(env_get(env, "PATH"), "/opt/x/bin:/usr/bin", "applied after a later setenv of PATH");
    sbox_strv_free(env);
    sbox_plan_set(&p, NULL, "path-prepend", "", &cli, &err);
    ok(p.n_env_ops == 2, "an empty path-prepend resets path-prepend only");
    env = sbox_plan_environ(&p, host_env);
    is_str(env_get(env, "PATH"), "/usr/bin", "and PATH is setenv's again");
    sbox_plan_free(&p);

    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "path-prepend", "bin", &cli, &err) < 0 &&
           strstr(err.msg, "--path-prepend: `bin` must be an absolute path") != NULL,
       "a relative directory is refused, naming the flag");
    ok(sbox_plan_set(&p, NULL, "path-prepend", "/a:/b", &cli, &err) < 0 &&
           strstr(err.msg, "cannot hold `:`") != NULL,
       "a directory holding `:` is refused");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* Which variables look like credentials: by name, by value, and the harmless ones. */
static void test_env_credential(void)
{
    static const char *const secret[][2] = {
        {"npm_config_//registry.example.invalid/:_authToken", "x"},
        {"npm_config__auth", "dTpw"},
        {"npm_config__authtoken", "x"},
        {"npm_config_key", "x"},
        {"npm_config__password", "x"},
        {"NODE_AUTH_TOKEN", "x"},
        {"GITHUB_TOKEN", "x"},
        {"AWS_SECRET_ACCESS_KEY", "x"},
        {"TWINE_PASSWORD", "x"},
        {"MY_APIKEY", "x"},
        {"service_apiKey", "x"},
        {"HTTP_COOKIE", "x"},
        {"SSH_PRIVATE", "x"},
        {"DEPLOY_CREDENTIALS", "x"},
        {"GPG_PASSPHRASE", "x"},
        {"OAUTH_CLIENT", "x"},
        {"PIP_INDEX_URL", "https://user:secret@pypi.example.invalid/simple"},
        {"PIP_EXTRA_INDEX_URL", "https://TOKEN123@pypi.example.invalid/simple"},
        {"PIP_FIND_LINKS", "https://files.example.invalid/a git+ssh://u:p@git.example.invalid/x"},
        {"SOME_VALUE",
         "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----"},
        {"npm_config_registry_pat", "ghp_0123456789abcdefghijABCDEFGHIJ012345"},
        {"PYPI_UPLOAD", "pypi-AgEIcHlwaS5vcmcCJDAwMDAwMDAw"},
        {"ACCESS_ID", "AKIA0123456789ABCDEF"},
    };
    static const char *const harmless[][2] = {
        {"npm_config_cache", "/home/u/.npm"},
        {"npm_config_registry", "https://registry.example.invalid/"},
        {"npm_config_@scope:registry", "https://registry.example.invalid/@scope/"},
        {"NODE_OPTIONS", "--max-old-space-size=4096"},
        {"NODE_EXTRA_CA_CERTS", "/etc/ssl/certs/ca.pem"},
        {"PIP_NO_CACHE_DIR", "1"},
        {"PIP_INDEX_URL", "https://pypi.example.invalid/simple"},
        {"PIP_KEYRING_PROVIDER", "subprocess"},
        {"PYTHONPATH", "/src"},
        {"LC_ALL", "C.UTF-8"},
        {"GIT_AUTHOR_NAME", "A U Thor"},
        {"XKB_KEYBOARD", "us"},
        {"MONKEY", "x"},
        {"NOTE", "npm_ is where npm's tokens start"},
        {"EMAIL_URL", "mailto:someone@example.invalid"},
    };
    for (size_t i = 0; i < sizeof secret / sizeof *secret; i++)
        ok(sbox_env_credential(secret[i][0], secret[i][1]) != NULL, "%s looks like a credential",
           secret[i][0]);
    for (size_t i = 0; i < sizeof harmless / sizeof *harmless; i++)
        ok(sbox_env_credential(harmless[i][0], harmless[i][1]) == NULL, "%s=%s is harmless",
           harmless[i][0], harmless[i][1]);
}

static char *join_lines(char **lines)
{
    char *all = sbox_xstrdup("");
    for (size_t i = 0; lines && lines[i]; i++) {
        char *more = sbox_xasprintf("%s%s\n", all, lines[i]);
        free(all);
        all = more;
    }
    return all;
}

/* keep-env patterns never pass a credential; a keep-env naming it exactly, or a setenv, does. */
static void test_env_withheld(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    char *host_env[] = {"npm_config_//registry.example.invalid/:_authToken=s3cr3t-a",
                        "npm_config__auth=s3cr3t-b",
                        "npm_config_key=s3cr3t-c",
                        "npm_config_cache=/home/u/.npm",
                        "NODE_OPTIONS=--x",
                        "PIP_INDEX_URL=https://user:s3cr3t-d@pypi.example.invalid/simple",
                        "PIP_FIND_LINKS=https://user:s3cr3t-e@files.example.invalid/",
                        "PIP_NO_CACHE_DIR=1",
                        "LC_ALL=C",
                        "LC_TOKEN=s3cr3t-f",
                        NULL};
    _cleanup_strv_ char **env = NULL, **lines = NULL;
    _cleanup_free_ char *all = NULL;

    fake_host(&h, "/work/p");
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "keep-env", "npm_config_*", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "keep-env", "NODE_*", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "keep-env", "PIP_*", &cli, &err) == 0,
       "patterns accepted");
    sbox_plan_finish(&p, &err);
    env = sbox_plan_environ(&p, host_env);
    ok(!env_get(env, "npm_config_//registry.example.invalid/:_authToken") &&
           !env_get(env, "npm_config__auth") && !env_get(env, "npm_config_key"),
       "npm's credentials do not pass a pattern (by name)");
    ok(!env_get(env, "PIP_INDEX_URL") && !env_get(env, "PIP_FIND_LINKS"),
       "URLs with a password do not pass a pattern (by value)");
    ok(!env_get(env, "LC_TOKEN"), "nor does a credential the default allowlist's LC_* matches");
    is_str(env_get(env, "npm_config_cache"), "/home/u/.npm", "npm_config_cache passes");
    is_str(env_get(env, "NODE_OPTIONS"), "--x", "NODE_OPTIONS passes");
    is_str(env_get(env, "PIP_NO_CACHE_DIR"), "1", "PIP_NO_CACHE_DIR passes");
    is_str(env_get(env, "LC_ALL"), "C", "LC_ALL passes");
    lines = sbox_plan_env_withheld(&p, host_env);
    ok(sbox_strv_len(lines) == 6, "one line per withheld variable (%zu)", sbox_strv_len(lines));
    all = join_lines(lines);
    ok(all && strstr(all, "npm_config_key not passed: its name") &&
           strstr(all, "keep-env npm_config_* matched it") &&
           strstr(all, "--keep-env npm_config_key)"),
       "a line names the variable, the pattern and how to pass it");
    ok(all && strstr(all, "PIP_FIND_LINKS not passed: its value holds a URL"),
       "and says when it is the value");
    ok(all && !strstr(all, "s3cr3t"), "never a value");
    sbox_plan_free(&p);

    /* Named exactly, by the user: passes. */
    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "keep-env", "npm_config_*", &cli, &err);
    sbox_plan_set(&p, NULL, "keep-env", "PIP_*", &cli, &err);
    ok(sbox_plan_set(&p, NULL, "keep-env", "npm_config_key", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "keep-env", "npm_config_//registry.example.invalid/:_authToken",
                         &cli, &err) == 0,
       "keep-env takes npm's names with `/`, `.` and `:` (%s)", err.msg);
    ok(sbox_plan_set(&p, NULL, "keep-env", "A=B", &cli, &err) < 0, "but no `=`");
    sbox_plan_set(&p, NULL, "setenv", "PIP_INDEX_URL=https://u:p@pypi.example.invalid/", &cli,
                  &err);
    sbox_plan_finish(&p, &err);
    sbox_strv_free(env);
    env = sbox_plan_environ(&p, host_env);
    is_str(env_get(env, "npm_config_key"), "s3cr3t-c", "an exact keep-env passes a credential");
    is_str(env_get(env, "npm_config_//registry.example.invalid/:_authToken"), "s3cr3t-a",
           "npm's registry token too, named exactly");
    ok(!env_get(env, "npm_config__auth"), "the pattern still withholds the others");
    is_str(env_get(env, "PIP_INDEX_URL"), "https://u:p@pypi.example.invalid/",
           "a setenv sets a credential-looking value");
    sbox_strv_free(lines);
    lines = sbox_plan_env_withheld(&p, host_env);
    free(all);
    all = join_lines(lines);
    ok(all && !strstr(all, "npm_config_key") && !strstr(all, "PIP_INDEX_URL") &&
           strstr(all, "npm_config__auth"),
       "withheld lines leave out what is named or set");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

static void test_print(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    fake_host(&h, "/work/p");
    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "bind", "/a\\:b:/c", &cli, &err);
    sbox_plan_finish(&p, &err);
    sbox_plan_print(&p, f);
    fclose(f);
    ok(strstr(buf, "mirror = /usr  ; built-in\n") != NULL, "built-in values are marked");
    ok(strstr(buf, "bind = /a\\:b:/c  ; from command line\n") != NULL,
       "command-line values are marked and ':' is escaped");
    ok(strstr(buf, "[security]\nuid = 1000") != NULL, "identity printed");
    free(buf);
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

static char *printed(const struct sbox_plan *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sbox_plan_print(p, f);
    fclose(f);
    return buf;
}

static bool has_note(const struct sbox_plan *p, const char *text)
{
    for (size_t i = 0; p->notes && p->notes[i]; i++)
        if (strstr(p->notes[i], text))
            return true;
    return false;
}

/* Every tmpfs gets a size: a quarter of the machine's memory, or the memory limit when that is
 * smaller; a size written above the limit is lowered to it (an error under limits-strict). */
static void test_tmpfs_sizes(void)
{
    const uint64_t M = 1 << 20, G = 1 << 30;
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    const struct sbox_mount *m;
    _cleanup_free_ char *out = NULL;

    fake_host(&h, "/work/p");
    h.mem_total = 8 * G + 3 * M + 5; /* a quarter in whole megabytes: 2G */
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "tmpfs", "/small:size=1M", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "tmpfs", "/big:size=16G", &cli, &err) == 0 &&
           sbox_plan_finish(&p, &err) == 0,
       "a plan with sized tmpfs finishes");
    ok(p.tmpfs_size == 2 * G, "the default is a quarter of the machine's memory, in megabytes");
    m = find(&p, SBOX_MOUNT_TMPFS, "/home/u", NULL);
    ok(m && m->eff_size == 2 * G, "the home tmpfs gets it");
    m = find(&p, SBOX_MOUNT_TMPFS, "/tmp", NULL);
    ok(m && m->eff_size == 2 * G && find(&p, SBOX_MOUNT_TMPFS, "/run", NULL)->eff_size == 2 * G,
       "so do /tmp and /run");
    m = find(&p, SBOX_MOUNT_TMPFS, "/small", NULL);
    ok(m && m->eff_size == M, "a written size is kept");
    m = find(&p, SBOX_MOUNT_TMPFS, "/big", NULL);
    ok(m && m->eff_size == 16 * G && !p.notes, "without a memory limit, even above the default");
    out = printed(&p);
    ok(strstr(out, "tmpfs = /tmp:mode=1777  ; built-in\n"
                   ";   size 2G (the default: a quarter of the machine's memory)\n") != NULL,
       "--dry-run shows the default size and why");
    ok(strstr(out, "tmpfs = /small:mode=0755,size=1048576  ; from command line\n"
                   ";   size 1M (as written)\n") != NULL,
       "... and a written one");
    ok(strstr(out, "dev = /dev  ; built-in\n"
                   ";   a 1M tmpfs, read-only; its shm: size 2G (the default: a quarter of "
                   "the machine's memory)\n") != NULL,
       "... and /dev's and its shm's");
    sbox_plan_free(&p);

    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "memory", "64M", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "tmpfs", "/small:size=1M", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "tmpfs", "/big:size=1G", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "overlay", "tmpfs", &cli, &err) == 0 &&
           sbox_plan_finish(&p, &err) == 0,
       "with memory = 64M the plan finishes");
    ok(p.tmpfs_size == 64 * M && find(&p, SBOX_MOUNT_TMPFS, "/home/u", NULL)->eff_size == 64 * M,
       "the default is the memory limit when that is smaller");
    ok(p.overlay_eff_size == 64 * M, "so is the overlay's upper tmpfs");
    ok(find(&p, SBOX_MOUNT_TMPFS, "/small", NULL)->eff_size == M, "a smaller written size is kept");
    m = find(&p, SBOX_MOUNT_TMPFS, "/big", NULL);
    ok(m->eff_size == 64 * M && m->size == G, "a larger one is lowered to the limit");
    ok(has_note(&p, "tmpfs `/big`: size 1G lowered to memory = 64M"), "... with a note");
    free(out);
    out = printed(&p);
    ok(strstr(out, "tmpfs = /big:mode=0755,size=1073741824  ; from command line\n"
                   ";   size 64M (size 1G lowered to memory = 64M)\n") != NULL,
       "--dry-run shows the lowered size, the written one kept for the profile");
    ok(strstr(out, ";   size 64M (the default: memory = 64M)\n") != NULL,
       "... and the default as the limit");
    ok(strstr(out, "overlay = tmpfs  ; from command line\n"
                   ";   the upper layer's tmpfs: size 64M (the default: memory = 64M)\n") != NULL,
       "... and the overlay's");
    sbox_plan_free(&p);

    default_plan(&p, &h);
    {
        const struct sbox_origin file = {.kind = SBOX_ORIGIN_FILE, .file = "p.ini", .line = 4};
        ok(sbox_plan_set(&p, NULL, "memory", "64M", &cli, &err) == 0 &&
               sbox_plan_set(&p, NULL, "limits-strict", "true", &cli, &err) == 0 &&
               sbox_plan_set(&p, "filesystem", "tmpfs", "/big:size=65M", &file, &err) == 0,
           "limits-strict with a tmpfs above memory: set");
        ok(sbox_plan_finish(&p, &err) < 0 &&
               strcmp(err.msg, "p.ini:4: tmpfs `/big`: size 65M is more than memory = 64M (with "
                               "limits-strict, no tmpfs may be larger)") == 0,
           "... and refused at finish, naming the line: %s", err.msg);
    }
    sbox_plan_free(&p);

    ok(sbox_tmpfs_inodes(64 * M) == 16384 && sbox_tmpfs_inodes(M) == 1024 &&
           sbox_tmpfs_inodes(0) == 0,
       "a tmpfs holds one file per 4K of its size, at least 1024");

    /* overlay-size: the upper layer's tmpfs, bounded the same way; only with overlay = tmpfs. */
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "overlay", "tmpfs", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "overlay-size", "512M", &cli, &err) == 0 &&
           sbox_plan_finish(&p, &err) == 0 && p.overlay_eff_size == 512 * M,
       "overlay-size sizes the overlay's tmpfs");
    free(out);
    out = printed(&p);
    ok(strstr(out, "overlay = tmpfs  ; from command line\noverlay-size = 512M  ; from command "
                   "line\n;   the upper layer's tmpfs: size 512M (as written)\n") != NULL,
       "... which --dry-run shows");
    sbox_plan_free(&p);
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "overlay", "tmpfs", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "memory", "100M", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "overlay-size", "4G", &cli, &err) == 0 &&
           sbox_plan_finish(&p, &err) == 0 && p.overlay_eff_size == 100 * M &&
           has_note(&p, "overlay = tmpfs: size 4G lowered to memory = 100M"),
       "overlay-size above memory is lowered to it, with a note");
    sbox_plan_free(&p);
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "overlay-size", "0", &cli, &err) < 0 &&
           strstr(err.msg, "--overlay-size: the overlay's size must be more than 0"),
       "overlay-size 0 is refused: %s", err.msg);
    ok(sbox_plan_set(&p, NULL, "overlay-size", "lots", &cli, &err) < 0, "so is a non-size");
    {
        const struct sbox_origin file = {.kind = SBOX_ORIGIN_FILE, .file = "p.ini", .line = 9};
        ok(sbox_plan_set(&p, "filesystem", "overlay-size", "1G", &file, &err) == 0 &&
               sbox_plan_finish(&p, &err) < 0 &&
               strcmp(err.msg, "p.ini:9: `overlay-size` needs overlay = tmpfs (the overlay is "
                               "none)") == 0,
           "overlay-size without overlay = tmpfs is an error naming the line: %s", err.msg);
    }
    sbox_plan_free(&p);
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "overlay", "tmpfs", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "overlay-size", "1G", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "overlay-size", "default", &cli, &err) == 0 &&
           sbox_plan_finish(&p, &err) == 0 && p.overlay_eff_size == 2 * G,
       "overlay-size = default takes a size back");
    sbox_plan_free(&p);

    /* The machine's memory unknown: the kernel's default, unless a memory limit sizes it. */
    h.mem_total = 0;
    default_plan(&p, &h);
    ok(sbox_plan_finish(&p, &err) == 0 && p.tmpfs_size == 0 &&
           find(&p, SBOX_MOUNT_TMPFS, "/tmp", NULL)->eff_size == 0,
       "memory unknown and no limit: the kernel's default");
    free(out);
    out = printed(&p);
    ok(strstr(out, ";   size the kernel's default, half the machine's memory") != NULL,
       "... which --dry-run says");
    sbox_plan_free(&p);
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "memory", "1G", &cli, &err) == 0 &&
           sbox_plan_finish(&p, &err) == 0 && p.tmpfs_size == G,
       "memory unknown, memory = 1G: the limit");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* An image: the host's mirrors go, /proc /dev /tmp come, root inside, /bin/sh. */
static void test_image(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    size_t mirrors = 0;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    fake_host(&h, "/work/p");
    sbox_plan_init(&p, &h);
    ok(sbox_plan_set(&p, NULL, "mirror", "/usr", &cli, &err) == 0, "mirror set");
    ok(sbox_plan_set(&p, NULL, "rootfs", "img", &cli, &err) == 0, "a relative rootfs on the "
                                                                  "command line");
    ok(sbox_plan_set(&p, NULL, "overlay", "tmpfs", &cli, &err) == 0, "overlay = tmpfs");
    ok(sbox_plan_finish(&p, &err) == 0, "an image plan finishes: %s", err.msg);
    is_str(p.rootfs, "/work/p/img", "rootfs is made absolute from the current directory");
    for (size_t i = 0; i < p.n_mounts; i++)
        mirrors += p.mounts[i].kind == SBOX_MOUNT_MIRROR;
    ok(mirrors == 0, "mirrors are skipped with an image");
    ok(find(&p, SBOX_MOUNT_PROC, "/proc", NULL) && find(&p, SBOX_MOUNT_DEV, "/dev", NULL) &&
           find(&p, SBOX_MOUNT_TMPFS, "/tmp", NULL),
       "/proc, /dev and /tmp are provided");
    ok(p.uid == 0 && p.gid == 0, "root inside by default");
    is_str(p.argv[0], "/bin/sh", "the image's shell by default, not the caller's");
    ok(p.overlay == SBOX_OVERLAY_TMPFS, "overlay kind");
    f = open_memstream(&buf, &len);
    sbox_plan_print(&p, f);
    fclose(f);
    ok(strstr(buf, "rootfs = /work/p/img  ; from command line\n") != NULL, "rootfs printed");
    ok(strstr(buf, "overlay = tmpfs  ; from command line\n") != NULL, "overlay printed");
    ok(strstr(buf, "userns = auto  ; built-in\n") != NULL, "userns printed");
    free(buf);
    sbox_plan_free(&p);

    sbox_plan_init(&p, &h);
    ok(sbox_plan_set(&p, NULL, "uid", "1000", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "rootfs", "/img", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "tmpfs", "/tmp:mode=0700", &cli, &err) == 0 &&
           sbox_plan_finish(&p, &err) == 0,
       "an image with a uid and a /tmp of its own");
    ok(p.uid == 1000 && p.gid == 0, "a given uid is kept; the gid still defaults to 0");
    {
        size_t tmps = 0;
        for (size_t i = 0; i < p.n_mounts; i++)
            tmps += strcmp(p.mounts[i].dst, "/tmp") == 0;
        ok(tmps == 1, "the profile's /tmp is not doubled");
    }
    sbox_plan_free(&p);

    sbox_plan_init(&p, &h);
    ok(sbox_plan_set(&p, NULL, "uid", "0", &cli, &err) == 0 &&
           sbox_plan_set(&p, NULL, "tmpfs", "/x", &cli, &err) == 0 &&
           sbox_plan_finish(&p, &err) == 0,
       "uid 0 on the host's root");
    ok(p.gid == 0, "uid 0 makes the group 0 too");
    sbox_plan_free(&p);

    sbox_plan_init(&p, &h);
    ok(sbox_plan_set(&p, NULL, "overlay", "/data/env", &cli, &err) == 0 &&
           p.overlay == SBOX_OVERLAY_DIR && strcmp(p.overlay_dir, "/data/env") == 0,
       "overlay = DIR");
    ok(sbox_plan_set(&p, NULL, "overlay", "none", &cli, &err) == 0 &&
           p.overlay == SBOX_OVERLAY_NONE && !p.overlay_dir,
       "overlay = none resets it");
    ok(sbox_plan_set(&p, "filesystem", "overlay-driver", "fast", &cli, &err) < 0 &&
           strstr(err.msg, "`fast` is not one of auto, native, fuse"),
       "a bad driver is named: %s", err.msg);
    ok(sbox_plan_set(&p, "security", "userns", "subuid", &cli, &err) == 0 &&
           p.userns == SBOX_USERNS_SUBUID,
       "userns = subuid");
    {
        const struct sbox_origin file = {.kind = SBOX_ORIGIN_FILE, .file = "p.ini", .line = 3};
        ok(sbox_plan_set(&p, "filesystem", "rootfs", "img", &file, &err) < 0 &&
               strstr(err.msg, "p.ini:3: image root `img` must be an absolute path"),
           "a relative rootfs in a profile is an error: %s", err.msg);
    }
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* A stored image's plan: the facts main would read from the store, then the settings. */
static void image_plan(struct sbox_plan *p, const struct sbox_host *h, const char *passwd)
{
    struct sbox_image_facts f = {0};
    struct sbox_error err = {0};
    sbox_plan_init(p, h);
    if (sbox_plan_set(p, NULL, "image", "app", &cli, &err) < 0)
        printf("# image: %s\n", err.msg);
    f.store = sbox_xstrdup("/store");
    sbox_strv_push(&f.layers, sbox_xstrdup("layers/0"));
    sbox_strv_push(&f.entrypoint, sbox_xstrdup("/bin/ep"));
    sbox_strv_push(&f.cmd, sbox_xstrdup("/bin/cmd"));
    f.passwd = passwd ? sbox_xstrdup(passwd) : NULL;
    sbox_plan_set_image(p, &f);
}

/* A uid given without a gid on an image: its group in the image's passwd, else 0. */
static void test_image_gid(void)
{
    static const char passwd[] = "root:x:0:0::/root:/bin/sh\nsvc:x:2000:3000::/:/bin/sh\n"
                                 "bad:x:2001:\n";
    static const struct {
        const char *uid, *gid, *passwd;
        uint32_t want;
        bool from_image;
    } cases[] = {
        {"2000", NULL, passwd, 3000, true}, {"2001", NULL, passwd, 0, false},
        {"4242", NULL, passwd, 0, false},   {"2000", "7", passwd, 7, false},
        {"2000", NULL, NULL, 0, false},     {"0", NULL, passwd, 0, true},
    };
    struct sbox_host h;
    fake_host(&h, "/work/p");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct sbox_plan p;
        struct sbox_error err = {0};
        _cleanup_free_ char *out = NULL;
        image_plan(&p, &h, cases[i].passwd);
        ok(sbox_plan_set(&p, NULL, "uid", cases[i].uid, &cli, &err) == 0 &&
               (!cases[i].gid || sbox_plan_set(&p, NULL, "gid", cases[i].gid, &cli, &err) == 0) &&
               sbox_plan_finish(&p, &err) == 0,
           "image, uid %s, gid %s, %s: finishes: %s", cases[i].uid,
           cases[i].gid ? cases[i].gid : "unset", cases[i].passwd ? "a passwd" : "no passwd",
           err.msg);
        ok(p.gid == cases[i].want &&
               (p.gid_origin.kind == SBOX_ORIGIN_IMAGE) == cases[i].from_image,
           "... gid %u, %s", cases[i].want, cases[i].from_image ? "from the image" : "not");
        out = printed(&p);
        if (cases[i].from_image) {
            _cleanup_free_ char *line =
                sbox_xasprintf("gid = %u  ; from image app\n", cases[i].want);
            ok(strstr(out, line) != NULL, "... and --dry-run says so");
        }
        sbox_plan_free(&p);
    }
    sbox_host_free(&h);
}

/* The words of argv joined by spaces. */
static char *joined(char *const *argv)
{
    char *out = sbox_xstrdup("");
    for (size_t i = 0; argv && argv[i]; i++) {
        char *next = sbox_xasprintf("%s%s%s", out, i ? " " : "", argv[i]);
        free(out);
        out = next;
    }
    return out;
}

/* entrypoint: the image's Entrypoint replaced by one word, or cleared; Cmd with it as Docker. */
static void test_image_entrypoint(void)
{
    static const struct {
        const char *entrypoint; /* NULL: not set */
        const char *command;    /* NULL: none given */
        const char *argv, *line, *source;
    } cases[] = {
        {NULL, NULL, "/bin/ep /bin/cmd", NULL, "(from image app: its Entrypoint, then its Cmd)"},
        {NULL, "a", "/bin/ep a", NULL, "(from image app: its Entrypoint, then the command given)"},
        {"/bin/x", NULL, "/bin/x", "entrypoint = /bin/x  ; from command line\n",
         "(the entrypoint set)\n"},
        {"/bin/x", "a", "/bin/x a", "entrypoint = /bin/x  ; from command line\n",
         "(the entrypoint set, then the command given)"},
        {"", NULL, "/bin/cmd", "entrypoint =   ; from command line\n",
         "(from image app: its Cmd; its Entrypoint cleared)"},
        {"", "a", "a", "entrypoint =   ; from command line\n",
         "(from image app: the command given; its Entrypoint cleared)"},
    };
    struct sbox_host h;
    fake_host(&h, "/work/p");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct sbox_plan p;
        struct sbox_error err = {0};
        _cleanup_free_ char *out = NULL, *argv = NULL;
        char *const command[] = {(char *)cases[i].command, NULL};
        image_plan(&p, &h, NULL);
        if (cases[i].entrypoint)
            ok(sbox_plan_set(&p, NULL, "entrypoint", cases[i].entrypoint, &cli, &err) == 0,
               "entrypoint `%s` is taken", cases[i].entrypoint);
        sbox_plan_set_command(&p, cases[i].command ? command : NULL);
        ok(sbox_plan_finish(&p, &err) == 0, "... the plan finishes: %s", err.msg);
        argv = joined(p.argv);
        is_str(argv, cases[i].argv, "entrypoint %s, command %s: runs `%s`",
               cases[i].entrypoint ? cases[i].entrypoint : "unset",
               cases[i].command ? cases[i].command : "none", cases[i].argv);
        out = printed(&p);
        ok(!cases[i].line || strstr(out, cases[i].line), "... --dry-run prints %s",
           cases[i].line ? "the setting" : "no setting");
        ok(strstr(out, cases[i].source) != NULL, "... and says %s", cases[i].source);
        sbox_plan_free(&p);
    }
    {
        struct sbox_plan p;
        struct sbox_error err = {0};
        const struct sbox_origin file = {.kind = SBOX_ORIGIN_FILE, .file = "p.ini", .line = 7};
        sbox_plan_init(&p, &h);
        ok(sbox_plan_set(&p, "process", "entrypoint", "", &file, &err) == 0 &&
               sbox_plan_finish(&p, &err) < 0 &&
               !strncmp(err.msg, "p.ini:7: an entrypoint needs a stored image", 43),
           "entrypoint without an image: an error naming FILE:LINE: %s", err.msg);
        sbox_plan_free(&p);
        sbox_plan_init(&p, &h);
        ok(sbox_plan_set(&p, NULL, "rootfs", "/img", &cli, &err) == 0 &&
               sbox_plan_set(&p, NULL, "entrypoint", "/bin/x", &cli, &err) == 0 &&
               sbox_plan_finish(&p, &err) < 0 && !strncmp(err.msg, "--entrypoint: ", 14),
           "... and with rootfs, naming the flag: %s", err.msg);
        sbox_plan_free(&p);
        {
            char long_word[400];
            char *const command[] = {"sh", "-c", "echo a\n[security]\nuid = 7", long_word, NULL};
            _cleanup_free_ char *out = NULL;
            memset(long_word, 'x', sizeof long_word - 1);
            long_word[sizeof long_word - 1] = '\0';
            image_plan(&p, &h, NULL);
            sbox_plan_set_command(&p, command);
            ok(sbox_plan_finish(&p, &err) == 0, "a command with a newline and a long word");
            out = printed(&p);
            ok(!strstr(out, "\nuid = 7") && strstr(out, "; command: /bin/ep sh -c echo a\\x0a"),
               "... is printed escaped: no line of it reads back as a setting");
            ok(strstr(out, "xxx...\n;  (from image app: its Entrypoint, then the command given)\n"),
               "... cut to a profile line, its source on the next");
            sbox_plan_free(&p);
        }
        sbox_plan_init(&p, &h);
        ok(sbox_plan_set(&p, NULL, "timeout", "", &cli, &err) < 0 &&
               strstr(err.msg, "--timeout: needs a value"),
           "another scalar's empty value is still refused: %s", err.msg);
        sbox_plan_free(&p);
    }
    sbox_host_free(&h);
}

/* The working directory is never one the plan keeps from the sandbox. */
static void test_cwd_hidden(const char *cwd, const char *pwd, const char *want)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    int r;
    fake_host(&h, cwd);
    h.home_real = sbox_xstrdup("/data/home/u");
    h.pwd = pwd ? sbox_xstrdup(pwd) : NULL;
    default_plan(&p, &h);
    r = sbox_plan_finish(&p, &err);
    if (want) {
        ok(r < 0 && strstr(err.msg, want), "cwd %s: refused, saying %s", cwd, want);
        if (!(r < 0 && strstr(err.msg, want)))
            printf("# got: %s\n", err.msg);
        ok(!pwd || strstr(err.msg, pwd), "... and naming $PWD when a symlink led there");
    } else {
        ok(r == 0 && find(&p, SBOX_MOUNT_BIND, cwd, NULL), "cwd %s: bound", cwd);
    }
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

static void test_hidden(void)
{
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    char buf[512];
    fake_host(&h, "/srv/p");
    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "hide", "/srv/p/vault", &cli, &err);
    sbox_plan_set(&p, NULL, "tmpfs", "/opt/empty", &cli, &err);
    ok(sbox_plan_hidden(&p, "/home/u/.ssh", buf, sizeof buf) != NULL, "~/.ssh is hidden");
    ok(sbox_plan_hidden(&p, "/home/u/.local/share/x", buf, sizeof buf) && strstr(buf, "~/.local"),
       "below ~/.local is hidden, named by its first component");
    ok(!sbox_plan_hidden(&p, "/home/u/proj/.git", buf, sizeof buf),
       "a dot directory inside a project is not");
    ok(!sbox_plan_hidden(&p, "/home/u", buf, sizeof buf), "the home itself is not (shared)");
    ok(sbox_plan_hidden(&p, "/run/user/1000/gnupg", buf, sizeof buf) != NULL,
       "the runtime directory is hidden");
    ok(sbox_plan_hidden(&p, "/srv/p/vault/x", buf, sizeof buf) && strstr(buf, "--hide"),
       "below a hide is hidden, naming it");
    ok(sbox_plan_hidden(&p, "/opt/empty/a", buf, sizeof buf) != NULL, "below a tmpfs is hidden");
    ok(!sbox_plan_hidden(&p, "/tmp/proj", buf, sizeof buf), "below /tmp is not");
    ok(!sbox_plan_hidden(&p, "/home/u/proj", buf, sizeof buf), "below the home tmpfs is not");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* cache = NAME:DST: sbox's own directory in CACHE_HOME/sbox, never a path the value names. */
static void test_cache(void)
{
    static const char *const bad[] = {"../x:/d",  "a/b:/d", ".npm:/d", ":/d",
                                      "n\\:m:/d", "npm",    "npm:rel"};
    const struct sbox_origin file = {.kind = SBOX_ORIGIN_FILE, .file = "n.ini", .line = 9};
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    const struct sbox_mount *m;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    fake_host(&h, "/work/p");
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, "filesystem", "cache", "npm:/home/u/.npm", &file, &err) == 0,
       "cache = npm:/home/u/.npm");
    ok(sbox_plan_finish(&p, &err) == 0, "finishes");
    m = find(&p, SBOX_MOUNT_BIND, "/home/u/.npm", NULL);
    ok(m && strcmp(m->key, "cache") == 0 && strcmp(m->src, "/home/u/.cache/sbox/npm") == 0,
       "a read-write bind of HOME/.cache/sbox/npm without XDG_CACHE_HOME (%s)",
       m ? m->src : "none");
    f = open_memstream(&buf, &len);
    sbox_plan_print(&p, f);
    fclose(f);
    ok(strstr(buf, "\ncache = npm:/home/u/.npm  ; from n.ini:9\n") != NULL,
       "--dry-run prints it as written");
    free(buf);
    sbox_plan_free(&p);

    free(h.home);
    h.home = sbox_xstrdup("/");
    h.cache_home = sbox_xstrdup("/var/cache/u");
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, NULL, "cache", "pip.v2:/c/pip", &cli, &err) == 0 &&
           (m = find(&p, SBOX_MOUNT_BIND, "/c/pip", NULL)) &&
           strcmp(m->src, "/var/cache/u/sbox/pip.v2") == 0,
       "in XDG_CACHE_HOME/sbox when set");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ok(sbox_plan_set(&p, "filesystem", "cache", bad[i], &file, &err) < 0 &&
               strncmp(err.msg, "n.ini:9: ", 9) == 0,
           "cache = %s is refused: %s", bad[i], err.msg);
    ok(sbox_plan_set(&p, NULL, "cache", "", &cli, &err) == 0 &&
           !find(&p, SBOX_MOUNT_BIND, "/c/pip", NULL),
       "an empty value resets the list");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* allow-host: its rules in the plan, the proxy's network alone, the payload's proxy variables,
 * and --dry-run. */
static void test_allow_host(void)
{
    const struct sbox_origin file = {.kind = SBOX_ORIGIN_FILE, .file = "n.ini", .line = 3};
    char *host_env[] = {"PATH=/usr/bin", "HTTP_PROXY=http://corp.example:8080",
                        "http_proxy=http://corp.example:8080", NULL};
    struct sbox_host h;
    struct sbox_plan p;
    struct sbox_error err = {0};
    _cleanup_strv_ char **env = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    fake_host(&h, "/work/p");
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, "network", "allow-host", "Example.org.", &file, &err) == 0 &&
           sbox_plan_set(&p, NULL, "allow-host", "*.example.net:8443", &cli, &err) == 0,
       "allow-host from a profile and a flag");
    ok(p.n_allow_hosts == 2 && strcmp(p.allow_hosts[0].name, "example.org") == 0 &&
           p.allow_hosts[1].wildcard && p.allow_hosts[1].port == 8443 &&
           p.allow_host_origins[0].kind == SBOX_ORIGIN_FILE,
       "... two rules, normalised, each with its origin");
    ok(sbox_plan_set(&p, NULL, "host-loopback", "yes", &cli, &err) == 0 &&
           sbox_plan_finish(&p, &err) == 0,
       "host-loopback goes with allow-host (%s)", err.msg);
    ok(p.net == SBOX_NET_NONE, "the network stays the sandbox's own");
    env = sbox_plan_environ(&p, host_env);
    is_str(env_get(env, "HTTP_PROXY"), "http://127.0.0.1:3128", "HTTP_PROXY is sbox's proxy");
    is_str(env_get(env, "http_proxy"), "http://127.0.0.1:3128", "... http_proxy too");
    is_str(env_get(env, "HTTPS_PROXY"), "http://127.0.0.1:3128", "HTTPS_PROXY");
    is_str(env_get(env, "https_proxy"), "http://127.0.0.1:3128", "https_proxy");
    is_str(env_get(env, "ALL_PROXY"), "socks5h://127.0.0.1:1080", "ALL_PROXY: SOCKS5, names");
    is_str(env_get(env, "all_proxy"), "socks5h://127.0.0.1:1080", "all_proxy");
    is_str(env_get(env, "NO_PROXY"), "localhost,127.0.0.1,::1", "NO_PROXY: the loopback");
    is_str(env_get(env, "no_proxy"), "localhost,127.0.0.1,::1", "no_proxy");
    is_str(env_get(env, "npm_config_proxy"), "http://127.0.0.1:3128", "npm_config_proxy");
    is_str(env_get(env, "npm_config_https_proxy"), "http://127.0.0.1:3128",
           "npm_config_https_proxy");
    sbox_strv_free(env);
    f = open_memstream(&buf, &len);
    sbox_plan_print(&p, f);
    fclose(f);
    ok(strstr(buf, "\nallow-host = example.org  ; from n.ini:3\n") &&
           strstr(buf, "\nallow-host = *.example.net:8443  ; from command line\n"),
       "--dry-run prints the rules as allow-host reads them");
    ok(strstr(buf, "\n; HTTP_PROXY=http://127.0.0.1:3128  (set for allow-host's proxy)\n") &&
           strstr(buf, "\n; ALL_PROXY=socks5h://127.0.0.1:1080  (set for allow-host's proxy)\n"),
       "... and the variables the payload gets");
    ok(strstr(buf, "the only way out: sbox's proxy") && strstr(buf, "\nhost-loopback = yes"),
       "... the proxy's addresses and host-loopback");
    free(buf);
    buf = NULL;
    sbox_plan_free(&p);

    /* A setenv says last; keep-env of the host's proxy is replaced; no allow-host, no proxy. */
    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "keep-env", "*_PROXY", &cli, &err);
    sbox_plan_set(&p, NULL, "allow-host", "example.org", &cli, &err);
    sbox_plan_set(&p, NULL, "setenv", "ALL_PROXY=none", &cli, &err);
    ok(sbox_plan_finish(&p, &err) == 0, "finishes");
    env = sbox_plan_environ(&p, host_env);
    is_str(env_get(env, "HTTP_PROXY"), "http://127.0.0.1:3128", "the host's proxy is not passed");
    is_str(env_get(env, "ALL_PROXY"), "none", "a setenv changes a proxy variable");
    sbox_strv_free(env);
    env = NULL;
    ok(sbox_plan_set(&p, NULL, "allow-host", "", &cli, &err) == 0 && p.n_allow_hosts == 0,
       "an empty value resets the list");
    env = sbox_plan_environ(&p, host_env);
    ok(!strcmp(env_get(env, "HTTP_PROXY"), "http://corp.example:8080") && !env_get(env, "NO_PROXY"),
       "no allow-host, no proxy of sbox's (keep-env passes the host's)");
    sbox_plan_free(&p);

    /* Errors: one line, naming where. */
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, "network", "allow-host", "*", &file, &err) < 0 &&
           strncmp(err.msg, "n.ini:3: `*` would let the sandbox reach every host", 51) == 0,
       "allow-host = * is refused, naming FILE:LINE (%s)", err.msg);
    ok(sbox_plan_set(&p, NULL, "allow-host", "example.org:99999", &cli, &err) < 0 &&
           strncmp(err.msg, "--allow-host: ", 14) == 0,
       "a bad port is refused, naming the flag (%s)", err.msg);
    sbox_plan_set(&p, "network", "allow-host", "example.org", &file, &err);
    sbox_plan_set(&p, NULL, "net", "host", &cli, &err);
    ok(sbox_plan_finish(&p, &err) < 0 &&
           strncmp(err.msg, "--net: net = host and allow-host (n.ini:3) do not go together", 61) ==
               0,
       "allow-host with net = host is refused (%s)", err.msg);
    sbox_plan_free(&p);
    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "net", "slirp", &file, &err);
    sbox_plan_set(&p, NULL, "allow-host", "example.org", &cli, &err);
    ok(sbox_plan_finish(&p, &err) < 0 && strstr(err.msg, "net = slirp and allow-host"),
       "... with net = slirp too (%s)", err.msg);
    sbox_plan_free(&p);
    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "allow-host", "example.org", &cli, &err);
    sbox_plan_set(&p, NULL, "publish", "8080:80", &cli, &err);
    ok(sbox_plan_finish(&p, &err) < 0 && strstr(err.msg, "`publish` needs net = slirp or pasta"),
       "publish is user-mode networking's (%s)", err.msg);
    sbox_plan_free(&p);
    default_plan(&p, &h);
    sbox_plan_set(&p, NULL, "host-loopback", "yes", &cli, &err);
    ok(sbox_plan_finish(&p, &err) < 0 &&
           strstr(err.msg, "`host-loopback` needs net = slirp or pasta, or allow-host"),
       "host-loopback alone is refused, naming allow-host (%s)", err.msg);
    sbox_plan_free(&p);
    default_plan(&p, &h);
    ok(sbox_plan_set(&p, "network", "proxy-hosts", "hosts", &file, &err) < 0,
       "proxy-hosts in a profile must be absolute");
    ok(sbox_plan_set(&p, NULL, "proxy-hosts", "hosts", &cli, &err) == 0 &&
           strcmp(p.proxy_hosts, "/work/p/hosts") == 0,
       "... on the command line it is the caller's");
    ok(sbox_plan_finish(&p, &err) < 0 && strstr(err.msg, "--proxy-hosts: `proxy-hosts` needs "
                                                         "allow-host"),
       "proxy-hosts without allow-host is refused (%s)", err.msg);
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* A pseudo-terminal of the payload's own whenever one of its descriptors 0-2 is the caller's
 * terminal; interactive when 0 and 1 both are; never with terminal = none or no /dev of sbox's. */
static void test_pty(void)
{
    static const struct {
        unsigned ttys;
        const char *terminal, *dev;
        bool pty, interactive;
    } cases[] = {
        {0, NULL, NULL, false, false},
        {3, NULL, NULL, true, true},
        {7, "plain", NULL, true, true},
        {1, NULL, NULL, true, false},
        {6, NULL, NULL, true, false},
        {4, "raw", NULL, true, false},
        {7, "none", NULL, false, false},
        {7, NULL, "", false, false},
        {7, NULL, "/sandbox-dev", false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct sbox_host h;
        struct sbox_plan p;
        struct sbox_error err = {0};
        bool set = true;
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        fake_host(&h, "/work/p");
        h.ttys = cases[i].ttys;
        default_plan(&p, &h);
        if (cases[i].terminal)
            set = sbox_plan_set(&p, NULL, "terminal", cases[i].terminal, &cli, &err) == 0;
        if (set && cases[i].dev) {
            set = sbox_plan_set(&p, NULL, "dev", "", &cli, &err) == 0;
            if (set && cases[i].dev[0])
                set = sbox_plan_set(&p, NULL, "dev", cases[i].dev, &cli, &err) == 0;
        }
        ok(set && sbox_plan_finish(&p, &err) == 0 && p.pty == cases[i].pty &&
               p.interactive == cases[i].interactive,
           "descriptors %u are terminals, terminal = %s, dev %s: %s%s", cases[i].ttys,
           cases[i].terminal ? cases[i].terminal : "(relay)",
           cases[i].dev ? (cases[i].dev[0] ? cases[i].dev : "none") : "/dev",
           cases[i].pty ? "a pseudo-terminal" : "none",
           cases[i].interactive ? ", interactive" : "");
        f = open_memstream(&buf, &len);
        sbox_plan_print(&p, f);
        fclose(f);
        ok(strstr(buf, "\n[process]\nterminal = ") != NULL &&
               (strstr(buf, "a pseudo-terminal of its own") != NULL) == cases[i].pty,
           "... and --dry-run says so");
        free(buf);
        sbox_plan_free(&p);
        free(h.user);
        free(h.home);
        free(h.cwd);
        free(h.shell);
    }
}

int main(void)
{
    test_hidden();
    test_cwd_hidden("/home/u/.ssh", "/home/u/proj/web", "hidden directory of your home (~/.ssh)");
    test_cwd_hidden("/data/home/u/.aws/x", NULL, "(~/.aws)");
    test_cwd_hidden("/home/u/proj", NULL, NULL);
    test_image();
    test_image_gid();
    test_image_entrypoint();
    test_default();
    test_cwd_shared("/home/u");
    test_cwd_shared("/home");
    test_cwd_shared("/");
    test_cwd_shared("/tmp");
    test_cwd_physical_home();
    test_settings();
    test_table();
    test_environ();
    test_path_prepend();
    test_env_credential();
    test_env_withheld();
    test_cache();
    test_allow_host();
    test_print();
    test_tmpfs_sizes();
    test_pty();
    return tap_done();
}
