/* Unit tests for profile.c: parsing, variables, includes, bad input (one message naming
 * FILE:LINE), and the --dry-run round trip. Files are written under a temporary directory. */
#include "cleanup.h"
#include "plan.h"
#include "profile.h"
#include "tap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[] = "/tmp/sbox-profile-test.XXXXXX";

static void fake_host(struct sbox_host *h)
{
    memset(h, 0, sizeof *h);
    h->uid = 1000;
    h->gid = 1001;
    h->user = sbox_xstrdup("u");
    h->home = sbox_xstrdup("/home/u");
    h->cwd = sbox_xstrdup("/work/p");
    h->shell = sbox_xstrdup("/bin/sh");
}

static void write_file(const char *name, const char *text)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Loads text as file NAME into a fresh plan; returns the status, err holds the message. */
static int load(const char *text, struct sbox_plan *p, struct sbox_error *err)
{
    struct sbox_host h;
    struct sbox_profiles ps;
    int r;
    fake_host(&h);
    sbox_plan_init(p, &h);
    sbox_profiles_init(&ps, &h, NULL, "/nonexistent");
    r = sbox_profile_load_text(&ps, p, "t.ini", text, strlen(text), err);
    if (r == 0)
        r = sbox_plan_finish(p, err);
    sbox_profiles_free(&ps);
    sbox_host_free(&h);
    return r;
}

static void bad(const char *text, const char *want, const char *what)
{
    struct sbox_plan p;
    struct sbox_error err = {0};
    int r = load(text, &p, &err);
    ok(r < 0 && strstr(err.msg, want) != NULL, "%s: %s", what, err.msg);
    if (!(r < 0 && strstr(err.msg, want)))
        printf("#   want: %s\n", want);
    sbox_plan_free(&p);
}

static char *print_plan(const struct sbox_plan *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sbox_plan_print(p, f);
    fclose(f);
    return buf;
}

/* The printout without its origin comments (at the end of a line, or on a line of their own):
 * what must survive a round trip. */
static char *strip_origins(const char *s)
{
    char *out = sbox_xmalloc(strlen(s) + 1), *o = out;
    while (*s) {
        const char *nl = strchrnul(s, '\n');
        const char *c = strstr(s, "  ; ");
        size_t n = (size_t)(nl - s);
        if (c && c < nl)
            n = (size_t)(c - s);
        if (!strncmp(s, "; from ", 7) || !strncmp(s, "; built-in", 10)) {
            s = *nl ? nl + 1 : nl;
            continue;
        }
        memcpy(o, s, n);
        o += n;
        if (*nl)
            *o++ = '\n';
        s = *nl ? nl + 1 : nl;
    }
    *o = '\0';
    return out;
}

int main(void)
{
    struct sbox_plan p;
    struct sbox_error err = {0};

    if (!mkdtemp(tmp))
        return 1;

    ok(load("[filesystem]\nbind = ${HOME}/x:/y\ntmpfs = ${PWD}/t\n[env]\nsetenv = "
            "A=$${HOME}-${UID}:${GID}-${USER}\n",
            &p, &err) == 0,
       "variables expand (%s)", err.msg);
    ok(p.n_mounts == 2 && !strcmp(p.mounts[0].src, "/home/u/x") &&
           !strcmp(p.mounts[1].dst, "/work/p/t"),
       "${HOME} and ${PWD} in paths");
    ok(p.n_env_ops == 1 && !strcmp(p.env_ops[0].value, "${HOME}-1000:1001-u"),
       "$$ is a literal $, ${UID} ${GID} ${USER} expand");
    ok(p.mounts[0].origin.kind == SBOX_ORIGIN_FILE && p.mounts[0].origin.line == 2,
       "values remember their line");
    sbox_plan_free(&p);

    ok(load("[filesystem]\nbind = /a\nbind = /b\nbind =\nbind = /c\n[network]\nhostname = "
            "one\nhostname = two\n",
            &p, &err) == 0 &&
           p.n_mounts == 1 && !strcmp(p.mounts[0].src, "/c") && !strcmp(p.hostname, "two"),
       "a list appends, an empty value resets it, a later scalar wins");
    sbox_plan_free(&p);

    ok(load("; comment\n# comment\n\n[profile]\ndescription = x\n[filesystem]\nmirror = /usr ; "
            "why\n",
            &p, &err) == 0 &&
           p.n_mounts == 1 && !strcmp(p.mounts[0].dst, "/usr"),
       "comments, blank lines and inline comments");
    sbox_plan_free(&p);

    bad("[filesystem\nbind = /a\n", "t.ini:1: unterminated section header", "unterminated section");
    bad("bind = /a\n", "t.ini:1: `bind` is outside a section", "key outside a section");
    bad("[filesystm]\n", "t.ini:1: unknown section [filesystm] (did you mean [filesystem]?)",
        "unknown section with a hint");
    bad("[weird]\n", "t.ini:1: unknown section [weird]", "unknown section");
    bad("[filesystem]\nro-bnd = /a\n",
        "t.ini:2: unknown key `ro-bnd` in [filesystem] (did you mean `ro-bind`?)",
        "unknown key with a hint");
    bad("[env]\nbind = /a\n", "t.ini:2: `bind` belongs in [filesystem], not [env]",
        "key in the wrong section");
    bad("[filesystem]\ntmpfs = /t:size=12bogus\n", "t.ini:2: `12bogus` is not a size", "bad size");
    bad("[filesystem]\ntmpfs = /t:size=18446744073709551616\n",
        "t.ini:2: size `18446744073709551616` is too large", "size 2^64");
    bad("[filesystem]\ntmpfs = /t:mode=9999\n", "t.ini:2: `9999` is not an octal mode",
        "mode 9999");
    bad("[security]\nuid = -1\n", "t.ini:2: `-1` is not a whole number", "negative number");
    bad("[filesystem]\nbind = relative/path\n",
        "t.ini:2: source `relative/path` must be an absolute path", "relative path");
    bad("[filesystem]\nhide = \n[filesystem]\nchdir =\n", "t.ini:4: needs a value", "empty scalar");
    bad("[filesystem]\nbind = :/x\n", "t.ini:2: empty source path", "empty path");
    bad("[filesystem]\ntmpfs = :size=1M\n", "t.ini:2: destination `` must be an absolute path",
        "empty tmpfs path");
    bad("[filesystem]\nbind = ${NOPE}/x\n", "t.ini:2: `${NOPE}` is not defined",
        "undefined variable");
    bad("[filesystem]\nbind = $HOME/x\n", "t.ini:2: a `$` must start `${NAME}`", "bare $");
    bad("[filesystem]\nbind = ${HOME\n", "t.ini:2: `${` without a closing `}`", "unclosed ${");
    bad("[filesystem]\nbind = /a\xff\xfe\n", "t.ini:2: invalid UTF-8: bind = /a\\xff\\xfe",
        "invalid UTF-8 is escaped");
    bad("[filesystem]\njust some words\n", "t.ini:2: expected `KEY = VALUE`", "line without =");
    bad("[limits]\npids = 0\n", "t.ini:2: `pids = 0` would let nothing run",
        "pids = 0 refused");
    bad("[limits]\nmemory = 12bogus\n", "t.ini:2: `12bogus` is not a size", "bad memory size");
    bad("[limits]\ncpus = 0\n", "t.ini:2: a CPU count must be more than 0", "cpus = 0 refused");
    bad("[limits]\nmemory = 512\n", "t.ini:2: `memory = 512` is below 1M", "memory in bytes");
    bad("[limits]\nlimits-strict = maybe\n", "t.ini:2: ", "limits-strict takes yes or no");
    {
        struct sbox_plan lp;
        struct sbox_error lerr = {0};
        int r = load("[filesystem]\nbind = /tmp\n[limits]\nmemory = 512M\ncpus = 1.5\n"
                     "pids = 64\ncore = unlimited\nlimits-strict = yes\n",
                     &lp, &lerr);
        ok(r == 0 && lp.limits[SBOX_LIMIT_MEMORY].value == 512ULL << 20 &&
               lp.limits[SBOX_LIMIT_CPUS].value == 1500 && lp.limits[SBOX_LIMIT_PIDS].value == 64 &&
               !lp.limits[SBOX_LIMIT_CORE].set && lp.limits_strict,
           "[limits] read: memory, cpus, pids, core = unlimited, limits-strict %s", lerr.msg);
        sbox_plan_free(&lp);
        r = load("[filesystem]\nbind = /tmp\n", &lp, &lerr);
        ok(r == 0 && lp.limits[SBOX_LIMIT_CORE].set && lp.limits[SBOX_LIMIT_CORE].value == 0 &&
               !lp.limits[SBOX_LIMIT_MEMORY].set,
           "by default: core = 0 and nothing else");
        sbox_plan_free(&lp);
    }
    bad("[network]\nnet = host\npublish = 8080:80\n",
        "t.ini:3: `publish` needs net = slirp or pasta (the network is the host's)",
        "publish without user-mode networking");
    {
        struct sbox_plan pasta;
        struct sbox_error perr = {0};
        int r = load("[filesystem]\nbind = /tmp\n[network]\nnet = pasta\npublish = 8080:80/udp\n"
                     "host-loopback = yes\n",
                     &pasta, &perr);
        ok(r == 0 && pasta.net == SBOX_NET_PASTA && pasta.n_publish == 1 &&
               pasta.publish[0].spec.udp && pasta.host_loopback,
           "net = pasta takes publish and host-loopback %s", perr.msg);
        sbox_plan_free(&pasta);
    }
    bad("[network]\npublish = 8080:99999\n", "t.ini:2: `8080:99999`: a port is 1 to 65535",
        "bad publish");
    bad("[security]\ncap-add = CAP_BOGUS\n", "t.ini:2: `CAP_BOGUS` is not a known capability",
        "bad capability");
    bad("[seccomp]\ndeny = mount notasyscall\n",
        "t.ini:2: `notasyscall` is not a known system call", "bad syscall");
    bad("[seccomp]\nerrno = 99999\n", "t.ini:2: `99999` is not an errno", "errno 99999");
    bad("[profile]\nfoo = 1\n", "t.ini:2: unknown key `foo` in [profile]", "unknown [profile] key");
    bad("[profile]\ndescription = x\n   include = /nonexistent\n",
        "t.ini:3: a line may not start with white space",
        "an indented line is not silently joined to the previous key");
    bad("[network]\nhostname: colon\n", "t.ini:2: expected `KEY = VALUE` (`:` does not separate)",
        "`:` as a separator");
    bad("\xef\xbb\xbf[bogus]\n", "t.ini:1: unknown section [bogus]",
        "a byte-order mark does not hide the first line");
    ok(load("\xef\xbb\xbf[filesystem]\nmirror = /usr\n[profile]\ndescription = costs $5\n", &p,
            &err) == 0,
       "a byte-order mark is skipped, a description is free text (%s)", err.msg);
    sbox_plan_free(&p);
    {
        char text[SBOX_PROFILE_MAX_LINE + 64];
        int n = snprintf(text, sizeof text, "[filesystem]\ntmpfs = /t\n[env]\nsetenv = A=");
        memset(text + n, 'x', SBOX_PROFILE_MAX_LINE);
        strcpy(text + n + SBOX_PROFILE_MAX_LINE, "\n");
        bad(text, "t.ini:4: line is longer than", "an over-long line is an error, not truncated");
        text[n + 600] = '\0';
        bad(text, "t.ini:4: line is longer than", "a line longer than inih's buffer is an error");
        text[n + 150] = '\0';
        ok(load(text, &p, &err) == 0 && strlen(p.env_ops[0].value) == 150,
           "a 160-byte line is read whole (%s)", err.msg);
        sbox_plan_free(&p);
    }
    {
        /* A ':' or '\\' in ${PWD} stays part of the path. */
        struct sbox_host h;
        struct sbox_profiles ps;
        const char text[] = "[filesystem]\nro-bind = ${PWD}/sub\nbind = ${PWD}:/dst\n";
        fake_host(&h);
        free(h.cwd);
        h.cwd = sbox_xstrdup("/x/a:/etc\\b");
        sbox_plan_init(&p, &h);
        sbox_profiles_init(&ps, &h, NULL, "/nonexistent");
        ok(sbox_profile_load_text(&ps, &p, "t.ini", text, sizeof text - 1, &err) == 0 &&
               p.n_mounts == 2 && !strcmp(p.mounts[0].src, "/x/a:/etc\\b/sub") &&
               !strcmp(p.mounts[0].dst, "/x/a:/etc\\b/sub") &&
               !strcmp(p.mounts[1].src, "/x/a:/etc\\b") && !strcmp(p.mounts[1].dst, "/dst"),
           "':' and '\\' from a variable do not split or escape a path (%s)", err.msg);
        sbox_plan_free(&p);
        sbox_profiles_free(&ps);
        sbox_host_free(&h);
    }
    {
        struct sbox_host h;
        struct sbox_profiles ps;
        const char text[] = "[filesystem]\nbind = /a\0/b\n";
        fake_host(&h);
        sbox_plan_init(&p, &h);
        sbox_profiles_init(&ps, &h, NULL, "/nonexistent");
        ok(sbox_profile_load_text(&ps, &p, "t.ini", text, sizeof text - 1, &err) < 0 &&
               strstr(err.msg, "t.ini:2: contains a NUL byte"),
           "a NUL byte is an error (%s)", err.msg);
        sbox_plan_free(&p);

        /* Includes: relative to the including file, cycles shown, depth limited. */
        write_file("base.ini", "[network]\nhostname = base\n[filesystem]\ntmpfs = /from-base\n");
        write_file("top.ini", "[profile]\ninclude = base\n[network]\nhostname = top\n");
        write_file("a.ini", "[profile]\ninclude = b.ini\n");
        write_file("b.ini", "[profile]\ninclude = a\n");
        write_file("missing.ini", "[profile]\ninclude = nowhere\n");
        write_file("def.ini", "[profile]\ninclude = default\n[network]\nhostname = d\n");
        for (int i = 0; i <= SBOX_PROFILE_MAX_DEPTH + 1; i++) {
            char name[32], body[64];
            snprintf(name, sizeof name, "deep%d.ini", i);
            snprintf(body, sizeof body, "[profile]\ninclude = deep%d\n", i + 1);
            write_file(name, body);
        }
        {
            _cleanup_free_ char *top = sbox_xasprintf("%s/top.ini", tmp);
            ok(sbox_profile_load(&ps, &p, top, &err) == 0 && !strcmp(p.hostname, "top") &&
                   p.n_mounts == 1 && !strcmp(p.mounts[0].dst, "/from-base"),
               "include resolves next to the including file, the includer's later values win");
            ok(p.mounts[0].origin.kind == SBOX_ORIGIN_FILE &&
                   strstr(p.mounts[0].origin.file, "base.ini") && p.mounts[0].origin.line == 4,
               "an included value remembers its own file and line");
            sbox_plan_free(&p);
        }
        {
            _cleanup_free_ char *a = sbox_xasprintf("%s/a.ini", tmp);
            sbox_plan_init(&p, &h);
            ok(sbox_profile_load(&ps, &p, a, &err) < 0 && strstr(err.msg, "include cycle:") &&
                   strstr(err.msg, "a.ini -> ") && strstr(err.msg, "b.ini -> "),
               "an include cycle is an error that shows the chain (%s)", err.msg);
            sbox_plan_free(&p);
        }
        {
            _cleanup_free_ char *d = sbox_xasprintf("%s/deep0.ini", tmp);
            sbox_plan_init(&p, &h);
            ok(sbox_profile_load(&ps, &p, d, &err) < 0 && strstr(err.msg, "nested deeper than 16"),
               "includes deeper than 16 are an error (%s)", err.msg);
            sbox_plan_free(&p);
        }
        {
            _cleanup_free_ char *m = sbox_xasprintf("%s/missing.ini", tmp);
            sbox_plan_init(&p, &h);
            ok(sbox_profile_load(&ps, &p, m, &err) < 0 &&
                   strstr(err.msg, "missing.ini:2: include") &&
                   strstr(err.msg, "`nowhere` not found"),
               "a missing include names the line (%s)", err.msg);
            sbox_plan_free(&p);
        }
        {
            _cleanup_free_ char *d = sbox_xasprintf("%s/def.ini", tmp);
            sbox_plan_init(&p, &h);
            ok(sbox_profile_load(&ps, &p, d, &err) == 0 && !strcmp(p.hostname, "d") &&
                   p.n_mounts > 5,
               "include = default finds the built-in default (%s)", err.msg);
            sbox_plan_free(&p);
        }
        sbox_plan_init(&p, &h);
        ok(sbox_profile_load(&ps, &p, tmp, &err) < 0 && strstr(err.msg, "is a directory"),
           "a directory given as a profile is an error (%s)", err.msg);
        sbox_plan_free(&p);
        sbox_plan_init(&p, &h);
        ok(sbox_profile_load(&ps, &p, "no-such-profile", &err) < 0 &&
               strstr(err.msg, "not found (available: default; searched: ") &&
               strstr(err.msg, "/nonexistent/profiles"),
           "an unknown profile name says where it looked (%s)", err.msg);
        sbox_plan_free(&p);

        /* Round trip: the printed default plan, loaded back, prints the same. */
        {
            struct sbox_plan q;
            _cleanup_free_ char *first = NULL, *second = NULL, *a = NULL, *b = NULL;
            sbox_plan_init(&p, &h);
            sbox_profile_load_default(&ps, &p, &err);
            sbox_plan_set(&p, NULL, "setenv", "DOLLAR=$x:y",
                          &(struct sbox_origin){.kind = SBOX_ORIGIN_CMDLINE}, &err);
            sbox_plan_set(&p, NULL, "bind", "/a\\:b:/c d",
                          &(struct sbox_origin){.kind = SBOX_ORIGIN_CMDLINE}, &err);
            {
                /* A value whose line would not fit beside its comment: the comment moves up. */
                char v[200] = "LONG=";
                memset(v + 5, 'x', 180);
                v[185] = '\0';
                sbox_plan_set(&p, NULL, "setenv", v,
                              &(struct sbox_origin){.kind = SBOX_ORIGIN_CMDLINE}, &err);
            }
            sbox_plan_finish(&p, &err);
            first = print_plan(&p);
            ok(strstr(first, "; from command line\nsetenv = LONG=xxx") != NULL,
               "a line too long for its comment gets the comment on the line before");
            sbox_plan_init(&q, &h);
            ok(sbox_profile_load_text(&ps, &q, "dry-run.ini", first, strlen(first), &err) == 0 &&
                   sbox_plan_finish(&q, &err) == 0,
               "the printed plan loads as a profile (%s)", err.msg);
            second = print_plan(&q);
            a = strip_origins(first);
            b = strip_origins(second);
            is_str(b, a, "and gives the same plan");
            sbox_plan_free(&q);
            sbox_plan_free(&p);
        }
        sbox_profiles_free(&ps);
        sbox_host_free(&h);
    }
    {
        _cleanup_free_ char *cmd = sbox_xasprintf("rm -rf '%s'", tmp);
        (void)!system(cmd);
    }
    return tap_done();
}
