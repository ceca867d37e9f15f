/* Unit tests for capture.c's pure parts (deny patterns, where a symlink leads) and for the
 * plan's capture settings. */
#include "capture.h"
#include "cleanup.h"
#include "plan.h"
#include "tap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const struct sbox_origin cli = {.kind = SBOX_ORIGIN_CMDLINE};

static void matches(const char *pattern, const char *rel, bool want)
{
    ok(sbox_capture_match(pattern, rel) == want, "`%s` %s `%s`", pattern,
       want ? "matches" : "does not match", rel);
}

static void inside(const char *rel, const char *target, bool want)
{
    ok(sbox_capture_link_inside(rel, target) == want, "a link at %s to %s %s", rel, target,
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
    ok(sbox_plan_set(&p, NULL, "capture-deny", "a//b", &cli, &err) < 0, "an empty component is refused");
    ok(sbox_plan_set(&p, NULL, "capture-deny", "x**", &cli, &err) < 0, "`x**` is refused");
    ok(sbox_plan_set(&p, NULL, "capture-deny", "", &cli, &err) == 0 && p.n_capture_deny == 0 &&
           !p.capture_deny_builtin,
       "an empty value resets the list, built-in patterns too");
    sbox_plan_set_command(&p, NULL);
    ok(sbox_plan_finish(&p, &err) == 0, "the plan finishes: %s", err.msg);
    for (size_t i = 0; i < p.n_mounts; i++)
        ok(p.mounts[i].kind != SBOX_MOUNT_BIND, "no bind of the current directory beside its capture");
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
    test_plan();
    return tap_done();
}
