/* Unit tests for changes.c's pure parts (deny patterns, where a symlink leads) and for the
 * plan's capture settings. */
#include "changes.h"
#include "cleanup.h"
#include "plan.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static const struct sbox_origin cli = {.kind = SBOX_ORIGIN_CMDLINE};

static void matches(const char *pattern, const char *rel, bool want)
{
    ok(sbox_changes_match(pattern, rel) == want, "`%s` %s `%s`", pattern,
       want ? "matches" : "does not match", rel);
}

static void inside(const char *rel, const char *target, bool want)
{
    ok(sbox_changes_link_inside(rel, target) == want, "a link at %s to %s %s", rel, target,
       want ? "stays inside" : "leads out");
}

static void test_patterns(void)
{
    matches(".git/hooks/**", ".git/hooks/pre-commit", true);
    matches(".git/hooks/**", ".git/hooks", true); /* the directory itself: a symlink in its place */
    matches(".git/hooks/**", ".git/hooks/sub/x", true);
    matches(".git/hooks/**", "vendor/lib/.git/hooks/post-checkout", true);
    matches(".git/hooks/**", ".git/hooksx/pre-commit", false);
    matches(".git/hooks/**", ".git/config", false);
    matches(".git/config", ".git/config", true);
    matches(".git/config", "sub/.git/config", true);
    matches(".git/config", ".git/config.bak", false);
    matches(".git/config", ".git", false);
    matches(".envrc", ".envrc", true);
    matches(".envrc", "app/.envrc", true);
    matches(".envrc", ".envrc.sample", false);
    matches("/.envrc", "app/.envrc", false);
    matches("/.envrc", ".envrc", true);
    matches(".git/modules/**/hooks/**", ".git/modules/lib/hooks/pre-commit", true);
    matches(".git/modules/**/hooks/**", ".git/modules/a/b/hooks/x", true);
    matches(".git/modules/**/config", ".git/modules/lib/config", true);
    matches(".github/workflows/**", ".github/workflows/ci.yml", true);
    matches(".github/workflows/**", ".github/dependabot.yml", false);
    matches("*.pem", "keys/server.pem", true);
    matches("*.pem", "server.pem.txt", false);
    matches("dist/*.js", "dist/a.js", true);
    matches("dist/*.js", "dist/sub/a.js", false);
    matches("**", "anything/at/all", true);
}

static void test_links(void)
{
    inside("a", "b", true);
    inside("a", "./b", true);
    inside("dir/a", "../b", true);
    inside("a", "../b", false);
    inside("dir/a", "../../escape", false);
    inside("a", "../../escape", false);
    inside("a", "/home/u/.ssh", false);
    inside("dir/a", "sub/../../b", true);
    inside("dir/a", "sub/../../../b", false);
    inside("a", "", false);
    inside("d1/d2/a", "../../x", true);
}


static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    chmod(path, mode);
}

/* "A rel" lines of the walk, one per change, with denied and refused marks. */
static char *listed(const struct sbox_changes *c)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    for (size_t i = 0; i < c->n; i++)
        fprintf(f, "%c %s%s%s;", "AMD"[c->v[i].kind], c->v[i].rel, c->v[i].denied ? " denied" : "",
                c->v[i].refused ? " refused" : "");
    fclose(f);
    return out;
}

static void test_walk(void)
{
    char base[] = "/tmp/sbox-test-capture.XXXXXX", up[600], re[600], cmd[700];
    char *const deny[] = {".git/hooks/**", NULL};
    struct sbox_changes c;
    int u, r;
    bool whiteouts;
    if (!mkdtemp(base)) {
        ok(0, "a temporary directory");
        return;
    }
    snprintf(up, sizeof up, "%s/upper", base);
    snprintf(re, sizeof re, "%s/real", base);
    mkdir(up, 0755);
    mkdir(re, 0755);
    put(re, "a.txt", "one\n", 0644);
    put(re, "c.txt", "gone\n", 0644);
    put(re, "same.txt", "same\n", 0644);
    put(re, "mode.txt", "m\n", 0644);
    mkdir(strcat(strcpy(cmd, re), "/d"), 0755);
    put(re, "d/keep", "k\n", 0644);
    put(re, "d/gone", "g\n", 0644);
    mkdir(strcat(strcpy(cmd, re), "/.git"), 0755);
    mkdir(strcat(strcpy(cmd, re), "/.git/hooks"), 0755);
    put(up, "a.txt", "two\n", 0644);
    put(up, "new.txt", "new\n", 0644);
    put(up, "same.txt", "same\n", 0644);
    put(up, "mode.txt", "m\n", 0755);
    mkdir(strcat(strcpy(cmd, up), "/d"), 0755);
    put(up, "d/keep", "k\n", 0644);
    mkdir(strcat(strcpy(cmd, up), "/.git"), 0755);
    mkdir(strcat(strcpy(cmd, up), "/.git/hooks"), 0755);
    put(up, ".git/hooks/pre-commit", "#!/bin/sh\n", 0755);
    put(up, ".wh.x", "", 0644);
    snprintf(cmd, sizeof cmd, "%s/link", up);
    ok(symlink("/etc/passwd", cmd) == 0, "a symlink out in the upper layer");
    snprintf(cmd, sizeof cmd, "%s/d", up);
    /* The kernel's opaque mark, and its whiteout (a 0/0 character device: root or Linux 5.8's
     * unprivileged whiteouts can make one). */
    ok(setxattr(cmd, "user.overlay.opaque", "y", 1, 0) == 0 || errno == ENOTSUP,
       "mark d opaque");
    snprintf(cmd, sizeof cmd, "%s/c.txt", up);
    whiteouts = mknod(cmd, S_IFCHR | 0000, makedev(0, 0)) == 0;
    u = open(up, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    r = open(re, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    sbox_changes_walk(&c, u, r, false, deny);
    {
        _cleanup_free_ char *got = listed(&c);
        const char *want = whiteouts ? "A .git/hooks/pre-commit denied;A .wh.x;M a.txt;D c.txt;"
                                       "D d/gone;A link refused;M mode.txt;A new.txt;"
                                     : "A .git/hooks/pre-commit denied;A .wh.x;M a.txt;"
                                       "D d/gone;A link refused;M mode.txt;A new.txt;";
        is_str(got, want, "the walk lists each change once, in order%s",
               whiteouts ? "" : " (no whiteout could be made here)");
    }
    ok(c.error == 0, "... and could read everything");
    sbox_changes_free(&c);
    sbox_changes_walk(&c, u, r, true, NULL);
    {
        _cleanup_free_ char *got = listed(&c);
        ok(got && strstr(got, "A .wh.x") == NULL, "with fuse-overlayfs's layer .wh.x is a whiteout");
    }
    sbox_changes_free(&c);
    close(u);
    close(r);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    ok(system(cmd) == 0, "clean up");
}

/* Whether a built-in capture-deny pattern denies rel. */
static const char *default_denial(const struct sbox_plan *p, const char *rel)
{
    for (size_t i = 0; i < p->n_capture_deny; i++)
        if (sbox_changes_match(p->capture_deny[i].glob, rel))
            return p->capture_deny[i].glob;
    return NULL;
}

/* The built-in deny list: what each tool reads, at any depth; each pattern in sbox.ini(5),
 * the one place that lists them. */
static void test_default_deny(void)
{
    static const char *const denied[] = {
        ".npmrc", "packages/web/.npmrc", ".yarnrc", ".yarnrc.yml", "app/.yarnrc.yml",
        ".pnpmfile.cjs", ".pre-commit-config.yaml", ".mise.toml", "sub/.mise.local.toml",
        "mise.toml", ".tool-versions", "svc/.tool-versions", ".idea/workspace.xml",
        ".devcontainer/devcontainer.json", ".vscode/extensions.json", "sub/.vscode/tasks.json",
        ".env", ".env.local", "api/.env.production", ".envrc", ".gitattributes",
        "vendor/x/.gitattributes", ".git/hooks/pre-commit", ".github/workflows/ci.yml",
        ".husky/pre-commit", NULL};
    static const char *const landing[] = {
        "src/env.c", ".venv/bin/python", "environment.yml", "npmrc", "idea/notes", "README.md",
        "src/.envoy/x", NULL};
    struct sbox_host h = {.uid = 1000, .gid = 1000};
    struct sbox_plan p;
    const char *srcdir = getenv("srcdir");
    _cleanup_free_ char *page = NULL;
    h.user = sbox_xstrdup("u");
    h.home = sbox_xstrdup("/home/u");
    h.shell = sbox_xstrdup("/bin/sh");
    sbox_plan_init(&p, &h);
    for (size_t i = 0; denied[i]; i++)
        ok(default_denial(&p, denied[i]) != NULL, "%s is denied by default", denied[i]);
    for (size_t i = 0; landing[i]; i++)
        ok(default_denial(&p, landing[i]) == NULL, "%s is not", landing[i]);
    if (srcdir) {
        _cleanup_free_ char *path = sbox_xasprintf("%s/man/sbox.ini.5", srcdir);
        FILE *f = fopen(path, "r");
        size_t n = 0;
        FILE *m = open_memstream(&page, &n);
        int c;
        while (f && (c = fgetc(f)) != EOF)
            fputc(c, m);
        fclose(m);
        if (f)
            fclose(f);
    }
    for (size_t i = 0; page && i < p.n_capture_deny; i++) {
        /* As roff writes it: "-" as "\-". */
        _cleanup_free_ char *roff = sbox_xmalloc(2 * strlen(p.capture_deny[i].glob) + 8);
        char *o = stpcpy(roff, "\\fB");
        for (const char *g = p.capture_deny[i].glob; *g; g++) {
            if (*g == '-')
                *o++ = '\\';
            *o++ = *g;
        }
        strcpy(o, "\\fR");
        ok(strstr(page, roff) != NULL, "sbox.ini(5) lists the built-in pattern %s",
           p.capture_deny[i].glob);
    }
    if (!page)
        ok(1, "# SKIP srcdir is not set: the man page is not checked");
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

/* The walk of an empty capture over a directory whose .git/config is text: the first pattern
 * it implies, or "(none)". */
static char *hooks_pattern(const char *base, const char *config)
{
    char path[600];
    struct sbox_changes c;
    char *out;
    int u, r;
    snprintf(path, sizeof path, "%s/real/.git/config", base);
    unlink(path);
    if (config) {
        FILE *f = fopen(path, "w");
        fputs(config, f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/upper", base);
    u = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    snprintf(path, sizeof path, "%s/real", base);
    r = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    sbox_changes_walk(&c, u, r, false, NULL);
    out = sbox_xstrdup(c.implied && c.implied[0] ? c.implied[0] : "(none)");
    sbox_changes_free(&c);
    close(u);
    close(r);
    return out;
}

static void hooks_is(const char *base, const char *config, const char *want, const char *what)
{
    _cleanup_free_ char *got = hooks_pattern(base, config);
    is_str(got, want, "core.hooksPath: %s", what);
}

/* The repository's own core.hooksPath, read as git reads it. */
static void test_hooks_path(void)
{
    char base[PATH_MAX], tmp[] = "/tmp/sbox-test-hooks.XXXXXX", path[PATH_MAX + 64];
    struct sbox_changes c;
    const char *home = getenv("HOME");
    _cleanup_free_ char *saved_home = home ? sbox_xstrdup(home) : NULL;
    int u, r;
    if (!mkdtemp(tmp) || !realpath(tmp, base)) {
        ok(0, "a temporary directory");
        return;
    }
    snprintf(path, sizeof path, "%s/upper", base);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/real", base);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/real/.git", base);
    mkdir(path, 0755);
    hooks_is(base, NULL, "(none)", "no config, no pattern");
    hooks_is(base, "[core]\n\thooksPath = tools/hooks\n", "/tools/hooks/**", "a relative path");
    hooks_is(base, "[CORE]\n\tHooksPATH = \"tools/my hooks\" ; a comment\n",
             "/tools/my hooks/**", "section and key in any case, quotes, a comment");
    hooks_is(base, "[core \"x\"]\n\thooksPath = nope\n[core]\n\thooksPath = a\n\thooksPath = b\n",
             "/b/**", "a subsection is not [core]; the last one wins");
    hooks_is(base, "[core] hooksPath = same-line # c\n", "/same-line/**",
             "a key on the header's line");
    hooks_is(base, "[core]\r\n\thooksPath = \"./x/../hk\"\r\n", "/hk/**", "CRLF, a path to tidy");
    hooks_is(base, "[core]\n\thooksPath = h\\\nooks\n", "/hooks/**", "a continued line");
    hooks_is(base, "[core.x]\n\thooksPath = dotted\n", "(none)", "[core.x] is not [core]");
    hooks_is(base, "[include]\n\tpath = other\n", "(none)", "includes are not followed");
    hooks_is(base, "[core]\n\thooksPath = ../up\n", "(none)", "a path out of the directory");
    hooks_is(base, "[core]\n\thooksPath = /etc/hooks\n", "(none)", "an absolute path elsewhere");
    hooks_is(base, "[core]\n\thooksPath = [h]*\n", "/\\[h\\]\\*/**", "glob characters escaped");
    hooks_is(base, "[core]\n\thooksPath = .\n", "/applypatch-msg",
             "the directory itself: the hooks' names");
    hooks_is(base, "[core]\n\tbare\n\thooksPath = \"open\n", "(none)",
             "what git would refuse ends the reading");
    {
        char cfg[PATH_MAX + 64];
        snprintf(cfg, sizeof cfg, "[core]\n\thooksPath = %s/real/abs-hooks\n", base);
        hooks_is(base, cfg, "/abs-hooks/**", "an absolute path inside");
        setenv("HOME", base, 1);
        hooks_is(base, "[core]\n\thooksPath = ~/real/home-hooks\n", "/home-hooks/**",
                 "~/ is the home");
        if (saved_home)
            setenv("HOME", saved_home, 1);
        else
            unsetenv("HOME");
    }
    ok(sbox_changes_match("/\\[h\\]\\*/**", "[h]*/pre-commit") &&
           !sbox_changes_match("/\\[h\\]\\*/**", "h/pre-commit"),
       "... which match that name only");
    /* Where git finds it: through the directory's symlinks too. */
    snprintf(path, sizeof path, "%s/real/tools", base);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/real/tools/real-hooks", base);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/real/hk", base);
    ok(symlink("tools/real-hooks", path) == 0, "a symlink to the hooks directory");
    snprintf(path, sizeof path, "%s/upper/tools", base);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/upper/tools/real-hooks", base);
    mkdir(path, 0755);
    put(path, "pre-push", "#!/bin/sh\n", 0755);
    snprintf(path, sizeof path, "%s/upper/tools", base);
    put(path, "other", "x\n", 0644);
    free(hooks_pattern(base, "[core]\n\thooksPath = hk\n"));
    snprintf(path, sizeof path, "%s/upper", base);
    u = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    snprintf(path, sizeof path, "%s/real", base);
    r = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    sbox_changes_walk(&c, u, r, false, NULL);
    {
        _cleanup_free_ char *got = listed(&c);
        is_str(got, "A tools/other;A tools/real-hooks/pre-push denied;",
               "a hook written where the hooks path's symlink leads is denied");
        for (size_t i = 0; i < c.n; i++)
            if (c.v[i].denied)
                is_str(c.v[i].denied, "/tools/real-hooks/** (core.hooksPath)",
                       "... saying why");
    }
    sbox_changes_free(&c);
    close(u);
    close(r);
    /* A fifo as the config: no hang (alarm ends one as a failure). */
    snprintf(path, sizeof path, "%s/real/.git/config", base);
    unlink(path);
    ok(mkfifo(path, 0600) == 0, "a fifo as .git/config");
    alarm(20);
    {
        _cleanup_free_ char *got = NULL;
        snprintf(path, sizeof path, "%s/upper", base);
        u = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        snprintf(path, sizeof path, "%s/real", base);
        r = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        sbox_changes_walk(&c, u, r, false, NULL);
        ok(c.implied == NULL, "... is not read, and does not hang");
        sbox_changes_free(&c);
        close(u);
        close(r);
    }
    alarm(0);
    snprintf(path, sizeof path, "rm -rf '%s'", base);
    ok(system(path) == 0, "clean up");
}

/* A virtualenv's links: a chain that ends in the system's directories lands, others do not. */
static void test_venv_links(void)
{
    char base[] = "/tmp/sbox-test-venv.XXXXXX", path[600];
    static const struct {
        const char *rel, *target;
    } links[] = {
        {"venv/bin/python", "python3"},      {"venv/bin/python3", "/usr/bin/python3"},
        {"venv/bin/py", "python"},           {"venv/lib64", "lib"},
        {"venv/bin/evil", "evil2"},          {"venv/bin/evil2", "/etc/passwd"},
        {"venv/bin/sys", "/usr/lib"},        {"venv/bin/climb", "sys/../../etc"},
        {"venv/bin/down", "sys/python3/os.py"},
    };
    struct sbox_changes c;
    int u, r;
    if (!mkdtemp(base)) {
        ok(0, "a temporary directory");
        return;
    }
    snprintf(path, sizeof path, "%s/real", base);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/upper", base);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/upper/venv", base);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/upper/venv/bin", base);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/upper/venv/lib", base);
    mkdir(path, 0755);
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        snprintf(path, sizeof path, "%s/upper/%s", base, links[i].rel);
        if (symlink(links[i].target, path) < 0)
            ok(0, "symlink %s", links[i].rel);
    }
    snprintf(path, sizeof path, "%s/upper", base);
    u = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    snprintf(path, sizeof path, "%s/real", base);
    r = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    sbox_changes_walk(&c, u, r, false, NULL);
    {
        _cleanup_free_ char *got = listed(&c);
        is_str(got,
               "A venv;A venv/bin;A venv/bin/climb refused;A venv/bin/down;A venv/bin/evil "
               "refused;A venv/bin/evil2 refused;A venv/bin/py;A venv/bin/python;"
               "A venv/bin/python3;A venv/bin/sys;A venv/lib;A venv/lib64;",
               "links through others to /usr land; through them to /etc or up out of /usr not");
    }
    for (size_t i = 0; i < c.n; i++)
        if (!strcmp(c.v[i].rel, "venv/bin/evil"))
            is_str(c.v[i].refused, "a symlink leading out of the directory through other symlinks",
                   "... saying why");
    ok(sbox_changes_link_lands_inside(&c, 7, u, r), "apply's view agrees (bin/python)");
    sbox_changes_free(&c);
    close(u);
    close(r);
    snprintf(path, sizeof path, "rm -rf '%s'", base);
    ok(system(path) == 0, "clean up");
}

static void test_plan(void)
{
    struct sbox_host h = {.uid = 1000, .gid = 1000};
    struct sbox_plan p;
    struct sbox_error err = {0};
    size_t builtin;
    h.user = sbox_xstrdup("u");
    h.home = sbox_xstrdup("/home/u");
    h.cwd = sbox_xstrdup("/home/u/proj");
    h.shell = sbox_xstrdup("/bin/sh");
    h.state_home = sbox_xstrdup("/home/u/.local/state");
    sbox_plan_init(&p, &h);
    is_str(p.capture_store, "/home/u/.local/state/sbox/captures", "the store is in STATE_HOME");
    builtin = p.n_capture_deny;
    ok(builtin >= 5, "capture-deny has built-in patterns (%zu)", builtin);
    ok(sbox_plan_set(&p, NULL, "capture", ".", &cli, &err) == 0, "capture = . on the command line");
    ok(p.n_mounts == 1 && p.mounts[0].kind == SBOX_MOUNT_CAPTURE &&
           strcmp(p.mounts[0].src, "/home/u/proj") == 0,
       "... is the current directory");
    ok(sbox_plan_captures(&p), "the plan captures");
    ok(sbox_plan_set(&p, NULL, "capture", "/", &cli, &err) < 0, "capture = / is refused: %s",
       err.msg);
    ok(sbox_plan_set(&p, NULL, "capture-deny", "secrets/**", &cli, &err) == 0,
       "a capture-deny pattern is added");
    ok(p.n_capture_deny == builtin + 1, "... after the built-in ones");
    ok(sbox_plan_set(&p, NULL, "capture-deny", "a/../b", &cli, &err) < 0, "`..` is refused");
    ok(sbox_plan_set(&p, NULL, "capture-deny", "a//b", &cli, &err) < 0,
       "an empty component is refused");
    ok(sbox_plan_set(&p, NULL, "capture-deny", "x**", &cli, &err) < 0, "`x**` is refused");
    ok(sbox_plan_set(&p, NULL, "capture-deny", "", &cli, &err) == 0 && p.n_capture_deny == 0 &&
           !p.capture_deny_builtin,
       "an empty value resets the list, built-in patterns too");
    sbox_plan_set_command(&p, NULL);
    ok(sbox_plan_finish(&p, &err) == 0, "the plan finishes: %s", err.msg);
    for (size_t i = 0; i < p.n_mounts; i++)
        ok(p.mounts[i].kind != SBOX_MOUNT_BIND,
           "no bind of the current directory beside its capture");
    is_str(p.chdir, "/home/u/proj", "the command starts in the captured current directory");
    sbox_plan_free(&p);

    sbox_plan_init(&p, &h);
    sbox_plan_set(&p, NULL, "capture", "/home/u/proj", &cli, &err);
    sbox_plan_set(&p, NULL, "capture", "/home/u/proj/sub", &cli, &err);
    ok(sbox_plan_finish(&p, &err) < 0 && strstr(err.msg, "inside the captured directory"),
       "nested captures are refused: %s", err.msg);
    sbox_plan_free(&p);
    sbox_host_free(&h);
}

int main(void)
{
    test_patterns();
    test_links();
    test_walk();
    test_default_deny();
    test_hooks_path();
    test_venv_links();
    test_plan();
    return tap_done();
}
