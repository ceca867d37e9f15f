/* plan-print.c: the plan as a profile (--dry-run, -v, `sbox profile show`), each value with
 * where it came from. Must never write to the plan, nor a line a profile could not read back. */
#include "cleanup.h"
#include "landlock.h"
#include "plan.h"
#include "util.h"
#include "value.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a profile line can hold: valid UTF-8 without control characters, no ";" after white
 * space (a comment to inih), no white space at either end (inih trims it). */
static bool printable(const char *s)
{
    size_t n = strlen(s);
    if (!sbox_utf8_valid(s))
        return false;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f ||
            (*c == ';' && c > s && (c[-1] == ' ' || c[-1] == '\t')))
            return false;
    return n == 0 || (s[0] != ' ' && s[0] != '\t' && s[n - 1] != ' ' && s[n - 1] != '\t');
}

/* "$" doubled (profiles expand ${VAR}); in split values ":" and "\" escaped. */
static void print_value(FILE *f, const char *s, bool spec)
{
    for (; *s; s++) {
        if (*s == '$')
            fputc('$', f);
        else if (spec && (*s == ':' || *s == '\\'))
            fputc('\\', f);
        fputc(*s, f);
    }
}

/* A comment line of found text (a path, a tool's words): escaped, and cut to what the INI
 * parser's line buffer holds, so that no part of it is read back as a line of its own. */
static void print_comment(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void print_comment(FILE *f, const char *fmt, ...)
{
    char raw[1024], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    sbox_escape(line, sizeof line, raw);
    if (strlen(line) > SBOX_PLAN_LINE_MAX) {
        size_t cut = SBOX_PLAN_LINE_MAX - 3;
        while (cut > 0 && ((unsigned char)line[cut] & 0xc0) == 0x80)
            cut--; /* not inside a character: the profile reader takes valid UTF-8 only */
        memcpy(line + cut, "...", 4);
    }
    fprintf(f, "%s\n", line);
}

static void format_origin(const struct sbox_origin *o, char *buf, size_t size)
{
    char file[512];
    switch (o->kind) {
    case SBOX_ORIGIN_BUILTIN:
        snprintf(buf, size, "; built-in");
        break;
    case SBOX_ORIGIN_CMDLINE:
        snprintf(buf, size, "; from command line");
        break;
    case SBOX_ORIGIN_FILE:
        sbox_escape(file, sizeof file, o->file); /* a newline in a file name must not end it */
        snprintf(buf, size, "; from %s:%u", file, o->line);
        break;
    case SBOX_ORIGIN_IMAGE:
        snprintf(buf, size, "; from image %s", o->file);
        break;
    }
}

/* key = value with its origin as a comment: on the same line when the whole fits in the INI
 * parser's line buffer, else on the line before. A value no line can hold becomes a comment. */
static void print_kv(FILE *f, const char *key, const char *a, const char *b, bool spec,
                     const struct sbox_origin *o)
{
    char origin[600];
    char *line = NULL;
    size_t len = 0;
    FILE *m;
    format_origin(o, origin, sizeof origin);
    if (!printable(a) || (b && !printable(b))) {
        fprintf(f,
                "; %s: this value cannot be written in a profile (a newline, a control "
                "character, invalid UTF-8, or `;` after a space)  %s\n",
                key, origin);
        return;
    }
    m = open_memstream(&line, &len);
    fprintf(m, "%s = ", key);
    print_value(m, a, spec);
    if (b) {
        fputc(spec ? ':' : '=', m);
        print_value(m, b, spec);
    }
    fclose(m);
    if (len + 2 + strlen(origin) <= SBOX_PLAN_LINE_MAX)
        fprintf(f, "%s  %s\n", line, origin);
    else if (len <= SBOX_PLAN_LINE_MAX)
        fprintf(f, "%s\n%s\n", origin, line);
    else
        fprintf(f, "; %s: this value is longer than a profile line may be  %s\n", key, origin);
    free(line);
}

/* What a tmpfs's size is and why, for --dry-run: "64M (the default: memory = 64M)". */
static void describe_size(const struct sbox_plan *p, bool written, uint64_t size, uint64_t eff,
                          char *buf, size_t n)
{
    const struct sbox_limit_value *mem = &p->limits[SBOX_LIMIT_MEMORY];
    char e[32], w[32];
    sbox_value_size_format(eff, e, sizeof e);
    sbox_value_size_format(size, w, sizeof w);
    if (eff == 0)
        snprintf(buf, n,
                 "the kernel's default, half the machine's memory (sbox could not "
                 "read how much there is)");
    else if (written && size == eff)
        snprintf(buf, n, "%s (as written)", e);
    else if (written)
        snprintf(buf, n, "%s (size %s lowered to memory = %s)", e, w, mem->text);
    else if (mem->set && eff == mem->value)
        snprintf(buf, n, "%s (the default: memory = %s)", e, mem->text);
    else
        snprintf(buf, n, "%s (the default: a quarter of the machine's memory)", e);
}

static void print_mount(const struct sbox_plan *p, FILE *f, const struct sbox_mount *m)
{
    char size[160], own[32];
    char opts[96];
    switch (m->kind) {
    case SBOX_MOUNT_BIND:
    case SBOX_MOUNT_RO_BIND:
        if (strcmp(m->key, "cwd") == 0)
            return; /* printed as the cwd setting it comes from */
        if (strcmp(m->key, "jobserver") == 0) {
            char fifo[4200];
            sbox_escape(fifo, sizeof fifo, m->dst);
            fprintf(f, "; jobserver: make's fifo %s bound read-write\n", fifo);
            return;
        }
        if (strcmp(m->key, "pin-own") == 0) {
            fprintf(f, "; pinned: %s (on the way to a store of sbox's)\n", m->dst);
            return;
        }
        if (strcmp(m->key, "cache") == 0) {
            print_kv(f, m->key, strrchr(m->src, '/') + 1, m->dst, true, &m->origin);
            break;
        }
        print_kv(f, m->key, m->src, strcmp(m->src, m->dst) ? m->dst : NULL, true, &m->origin);
        break;
    case SBOX_MOUNT_TMPFS: {
        int n = snprintf(opts, sizeof opts, "mode=%04o", (unsigned)m->mode);
        if (m->has_size)
            n += snprintf(opts + n, sizeof opts - (size_t)n, ",size=%llu",
                          (unsigned long long)m->size);
        if (m->noexec)
            snprintf(opts + n, sizeof opts - (size_t)n, ",noexec");
        print_kv(f, "tmpfs", m->dst, opts, true, &m->origin);
        describe_size(p, m->has_size, m->size, m->eff_size, size, sizeof size);
        fprintf(f, ";   size %s\n", size);
        break;
    }
    case SBOX_MOUNT_HIDE:
        if (strcmp(m->key, "hide-own") == 0) {
            /* derived again from rootfs and overlay when the plan is loaded */
            fprintf(f, "; hidden: %s (sbox's own: under a writable bind)\n", m->dst);
            return;
        }
        print_kv(f, m->key, m->dst, NULL, false, &m->origin);
        break;
    case SBOX_MOUNT_DEV:
        print_kv(f, m->key, m->dst, NULL, false, &m->origin);
        describe_size(p, false, 0, p->tmpfs_size, size, sizeof size);
        sbox_value_size_format(SBOX_TMPFS_OWN_SIZE, own, sizeof own);
        fprintf(f, ";   a %s tmpfs, read-only; its shm: size %s\n", own, size);
        break;
    case SBOX_MOUNT_PROC: {
        _cleanup_free_ char *v = sbox_xasprintf("%s%s", m->dst, m->host_proc ? ":host-ro" : "");
        print_kv(f, m->key, v, NULL, false, &m->origin);
        break;
    }
    case SBOX_MOUNT_MIRROR:
    case SBOX_MOUNT_CAPTURE:
        print_kv(f, m->key, m->dst, NULL, false, &m->origin);
        break;
    }
}

/* A list of words as a comment line (escaped: an image's config is anyone's text). */
static void print_words(FILE *f, const char *what, char *const *words)
{
    fprintf(f, ";   %s:", what);
    for (size_t i = 0; words && words[i]; i++) {
        char w[512];
        sbox_escape(w, sizeof w, words[i]);
        fprintf(f, " %s", w);
    }
    fputc('\n', f);
}

/* image = NAME, and what of its config the plan did not take as a setting of its own (uid,
 * gid and chdir show as settings "from image NAME"): loaded back, the image brings it again. */
static void print_image(FILE *f, const struct sbox_plan *p)
{
    const struct sbox_image_facts *im = &p->image_facts;
    char name[512];
    print_kv(f, "image", p->image, NULL, false, &p->image_origin);
    sbox_escape(name, sizeof name, p->image);
    if (!im->store)
        return;
    fprintf(f, ";   %zu layer%s, %s, from sbox's store\n", sbox_strv_len(im->layers),
            sbox_strv_len(im->layers) == 1 ? "" : "s", im->digest ? im->digest : "");
    if (im->env)
        print_words(f, "its Env (first in [env]; keep-env, setenv and unsetenv go on top)",
                    im->env);
    if (im->entrypoint)
        print_words(f,
                    p->entrypoint_set ? "its Entrypoint (not run: entrypoint is set)"
                                      : "its Entrypoint (before the command)",
                    im->entrypoint);
    if (im->cmd)
        print_words(f,
                    p->entrypoint ? "its Cmd (not run: it was the Entrypoint's, which entrypoint "
                                    "replaces)"
                                  : "its Cmd (the command when none is given)",
                    im->cmd);
    if (im->workdir && p->chdir_origin.kind != SBOX_ORIGIN_IMAGE)
        print_words(f, "its WorkingDir (chdir is set)", (char *const[]){im->workdir, NULL});
    if (im->user && p->uid_origin.kind != SBOX_ORIGIN_IMAGE)
        print_words(f, "its User (uid is set)", (char *const[]){im->user, NULL});
    for (size_t i = 0; im->ports && im->ports[i]; i++) {
        char port[64];
        sbox_escape(port, sizeof port, im->ports[i]);
        fprintf(f, ";   it exposes %s: to reach it, --net slirp --publish HOST_PORT:%.*s\n", port,
                (int)strcspn(port, "/"), port);
    }
}

/* The profiles' [seccomp] rules, then the effective policy as comments. */
static void print_seccomp(const struct sbox_plan *p, FILE *f)
{
    struct sbox_seccomp_policy pol;
    bool section = false;
    for (size_t i = p->n_file_rules; i < p->n_syscall_rules; i++) {
        if (!section)
            fputs("\n[seccomp]\n", f);
        section = true;
        print_kv(f, p->syscall_rules[i].allow ? "allow" : "deny", p->syscall_rules[i].name, NULL,
                 false, &p->syscall_origins[i]);
    }
    if (p->seccomp_errno) {
        const char *name = strerrorname_np(p->seccomp_errno);
        char num[16];
        snprintf(num, sizeof num, "%d", p->seccomp_errno);
        if (!section)
            fputs("\n[seccomp]\n", f);
        section = true;
        print_kv(f, "errno", name ? name : num, NULL, false, &p->seccomp_errno_origin);
    }
    if (p->seccomp_action_set) {
        if (!section)
            fputs("\n[seccomp]\n", f);
        print_kv(f, "action", sbox_seccomp_action_names[p->seccomp_action], NULL, false,
                 &p->seccomp_action_origin);
    }
    sbox_plan_seccomp_policy(p, &pol);
    sbox_seccomp_describe(&pol, f, 100);
}

/* isolation, landlock and the ruleset the plan gives (the kernel's ABI is launch's to say). */
static void print_landlock(const struct sbox_plan *p, FILE *f)
{
    static const char *const isolations[] = {"namespaces", "landlock", "auto"};
    struct sbox_landlock_ruleset rs;
    if (p->isolation != SBOX_ISOLATION_NAMESPACES ||
        p->isolation_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "isolation", isolations[p->isolation], NULL, false, &p->isolation_origin);
    print_kv(f, "landlock", sbox_landlock_mode_names[p->landlock], NULL, false,
             &p->landlock_origin);
    if (p->landlock_test_rw)
        print_kv(f, "landlock-test-rw", p->landlock_test_rw, NULL, false,
                 &p->landlock_test_rw_origin);
    if (p->landlock == SBOX_LANDLOCK_OFF)
        return;
    sbox_landlock_derive(p, p->isolation == SBOX_ISOLATION_LANDLOCK, &rs);
    sbox_landlock_describe(&rs, -1, f);
    sbox_landlock_ruleset_free(&rs);
}

/* [process]: the terminal and the exit status. */
static void print_process(FILE *f, const struct sbox_plan *p)
{
    static const char *const terminals[] = {"relay", "raw", "plain", "none"};
    fputs("\n[process]\n", f);
    print_kv(f, "terminal", terminals[p->terminal], NULL, false, &p->terminal_origin);
    if (p->pty)
        fprintf(f, ";   a pseudo-terminal of its own for descriptors%s%s%s%s\n",
                p->ttys & 1 ? " 0" : "", p->ttys & 2 ? " 1" : "", p->ttys & 4 ? " 2" : "",
                p->interactive ? " (interactive: it has the terminal from the start)"
                               : " (the terminal is read only once it asks for input)");
    else if (p->terminal != SBOX_TERMINAL_NONE && p->ttys)
        fputs(";   no pseudo-terminal: the plan has no /dev of sbox's own\n", f);
    for (size_t i = 0; i < p->n_pass_fds; i++) {
        char fd[16];
        snprintf(fd, sizeof fd, "%d", p->pass_fds[i]);
        if (p->pass_fd_origins[i].kind == SBOX_ORIGIN_BUILTIN)
            continue;
        print_kv(f, "pass-fd", fd, NULL, false, &p->pass_fd_origins[i]);
    }
    if (p->jobserver || p->jobserver_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "jobserver", p->jobserver ? "yes" : "no", NULL, false, &p->jobserver_origin);
    if (p->timeout_text)
        print_kv(f, "timeout", p->timeout_text, NULL, false, &p->timeout_origin);
    if (p->exit_code_only || p->exit_code_only_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "exit-code-only", p->exit_code_only ? "yes" : "no", NULL, false,
                 &p->exit_code_only_origin);
    /* Empty is written as such: read back, it clears the Entrypoint again. */
    if (p->entrypoint_set)
        print_kv(f, "entrypoint", p->entrypoint ? p->entrypoint : "", NULL, false,
                 &p->entrypoint_origin);
}

/* Where the command comes from, as "  (...)" or "" (a command given, no image in it): an image's
 * Entrypoint or the entrypoint set, then the command given or its Cmd. */
static void command_source(const struct sbox_plan *p, char *buf, size_t size)
{
    const struct sbox_image_facts *im = &p->image_facts;
    bool image_entry = !p->entrypoint_set && im->entrypoint && im->entrypoint[0];
    bool cmd = p->argv_default && !p->entrypoint && im->cmd && im->cmd[0];
    const char *entry = p->entrypoint ? "the entrypoint set"
                        : image_entry ? "its Entrypoint"
                                      : NULL;
    const char *rest = !p->argv_default ? "the command given" : cmd ? "its Cmd" : NULL;
    const char *cleared = p->entrypoint_set && !p->entrypoint && im->entrypoint && im->entrypoint[0]
                              ? "; its Entrypoint cleared"
                              : "";
    buf[0] = '\0';
    if (!p->image)
        snprintf(buf, size, "%s",
                 !p->argv_default          ? ""
                 : sbox_plan_image_root(p) ? "  (the image's shell)"
                                           : "  (your shell)");
    else if (!entry && !rest)
        snprintf(buf, size, "  (the image's shell%s)", cleared);
    else if (!entry && !cmd && !cleared[0])
        return; /* the command given, alone */
    else if (!image_entry && !cmd && !cleared[0])
        snprintf(buf, size, "  (%s%s%s)", entry ? entry : "", entry && rest ? ", then " : "",
                 rest ? rest : "");
    else
        snprintf(buf, size, "  (from image %s: %s%s%s%s)", p->image, entry ? entry : "",
                 entry && rest ? ", then " : "", rest ? rest : "", cleared);
}

/* The command as a comment: an image's Cmd and Entrypoint are anyone's text, and a newline in
 * a word must not start a line the plan, read back, would take as a setting. Where the source
 * would not fit on the line, it goes on a line of its own. */
static void print_command(FILE *f, const struct sbox_plan *p)
{
    _cleanup_free_ char *words = NULL;
    char source[300], escaped[1024];
    size_t len = 0;
    FILE *m = open_memstream(&words, &len);
    for (size_t i = 0; p->argv[i]; i++)
        fprintf(m, " %s", p->argv[i]);
    fclose(m);
    command_source(p, source, sizeof source);
    sbox_escape(escaped, sizeof escaped, words);
    fputc('\n', f);
    if (strlen("; command:") + strlen(escaped) + strlen(source) <= SBOX_PLAN_LINE_MAX) {
        print_comment(f, "; command:%s%s", words, source);
    } else {
        print_comment(f, "; command:%s", words);
        if (source[0])
            print_comment(f, ";%s", source);
    }
}

void sbox_plan_print(const struct sbox_plan *p, FILE *f)
{
    static const char *const cwd_modes[] = {"none", "bind", "ro-bind"};
    static const char *const here_modes[] = {"none", "here", "ro-here"};
    static const char *const drivers[] = {"auto", "native", "fuse"};
    static const char *const userns[] = {"auto", "single", "subuid"};
    static const char *const nets[] = {"none", "host", "slirp", "pasta"};
    char id[16];

    fputs("; the plan sbox would run, as a profile\n[filesystem]\n", f);
    for (size_t i = 0; i < p->n_mounts; i++)
        print_mount(p, f, &p->mounts[i]);
    print_kv(f, "cwd", (p->cwd_here ? here_modes : cwd_modes)[p->cwd_mode], NULL, false,
             &p->cwd_origin);
    for (size_t i = 0; i < p->n_mounts; i++)
        if (strcmp(p->mounts[i].key, "cwd") == 0 && p->cwd && strcmp(p->mounts[i].src, p->cwd)) {
            char top[4200];
            sbox_escape(top, sizeof top, p->mounts[i].src); /* a comment ends at a newline */
            fprintf(f, ";   shows the project's top %s (it holds %s)\n", top, p->project_marker);
        }
    if (p->chdir_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "chdir", p->chdir, NULL, false, &p->chdir_origin);
    else
        fprintf(f, "; chdir: %s (the default)\n", p->chdir);

    if (p->rootfs)
        print_kv(f, "rootfs", p->rootfs, NULL, false, &p->rootfs_origin);
    if (p->image)
        print_image(f, p);
    if (p->overlay != SBOX_OVERLAY_NONE)
        print_kv(f, "overlay", p->overlay == SBOX_OVERLAY_TMPFS ? "tmpfs" : p->overlay_dir, NULL,
                 false, &p->overlay_origin);
    if (p->overlay_size) {
        char size[32];
        sbox_value_size_format(p->overlay_size, size, sizeof size);
        print_kv(f, "overlay-size", size, NULL, false, &p->overlay_size_origin);
    } else if (p->overlay_size_origin.kind != SBOX_ORIGIN_BUILTIN) {
        print_kv(f, "overlay-size", "default", NULL, false, &p->overlay_size_origin);
    }
    if (p->overlay == SBOX_OVERLAY_TMPFS) {
        char size[160];
        describe_size(p, p->overlay_size != 0, p->overlay_size, p->overlay_eff_size, size,
                      sizeof size);
        fprintf(f, ";   the upper layer's tmpfs: size %s\n", size);
    }
    print_kv(f, "overlay-driver", drivers[p->overlay_driver], NULL, false,
             &p->overlay_driver_origin);
    /* The built-in patterns come back by themselves when the plan is loaded: shown as a
     * comment, unless the list was reset. */
    if (!p->capture_deny_builtin)
        fputs("capture-deny =  ; the built-in patterns reset\n", f);
    for (size_t i = 0; i < p->n_capture_deny; i++)
        if (p->capture_deny[i].origin.kind == SBOX_ORIGIN_BUILTIN)
            fprintf(f, "; capture-deny = %s  (built in)\n", p->capture_deny[i].glob);
        else
            print_kv(f, "capture-deny", p->capture_deny[i].glob, NULL, false,
                     &p->capture_deny[i].origin);
    if (p->capture_on || p->capture_on_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "capture-on", p->capture_on ? p->capture_on : "new", NULL, false,
                 &p->capture_on_origin);

    fputs("\n[env]\n", f);
    for (size_t i = 0; i < p->n_keep_env; i++)
        print_kv(f, "keep-env", p->keep_env[i].glob, NULL, false, &p->keep_env[i].origin);
    if (p->git_identity || p->git_identity_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "git-identity", p->git_identity ? "yes" : "no", NULL, false,
                 &p->git_identity_origin);
    if (p->git_identity) {
        char name[600], email[600];
        sbox_escape(name, sizeof name, p->git_name ? p->git_name : "(none)");
        sbox_escape(email, sizeof email, p->git_email ? p->git_email : "(none)");
        fprintf(f, ";   GIT_AUTHOR_* and GIT_COMMITTER_*: %s <%s>\n", name, email);
    }
    /* Set before setenv and unsetenv, which may change them. */
    for (size_t i = 0; p->n_allow_hosts && sbox_proxy_environ[i][0]; i++)
        fprintf(f, "; %s=%s  (set for allow-host's proxy)\n", sbox_proxy_environ[i][0],
                sbox_proxy_environ[i][1]);
    for (size_t i = 0; i < p->n_env_ops; i++) {
        const struct sbox_env_op *e = &p->env_ops[i];
        if (e->op == SBOX_ENV_SET)
            print_kv(f, "setenv", e->name, e->value, false, &e->origin);
        else if (e->op == SBOX_ENV_PATH_PREPEND)
            print_kv(f, "path-prepend", e->value, NULL, false, &e->origin);
        else
            print_kv(f, "unsetenv", e->name, NULL, false, &e->origin);
    }

    fputs("\n[network]\n", f);
    print_kv(f, "hostname", p->hostname, NULL, false, &p->hostname_origin);
    print_kv(f, "net", nets[p->net], NULL, false, &p->net_origin);
    for (size_t i = 0; i < p->n_allow_hosts; i++) {
        const struct sbox_proxy_rule *r = &p->allow_hosts[i];
        char rule[300];
        if (r->from)
            continue;
        sbox_proxy_rule_format(r, rule, sizeof rule);
        print_kv(f, "allow-host", rule, NULL, false, &p->allow_host_origins[i]);
        if (!r->registry)
            continue;
        /* What @npm became, as comments: read back, the profile asks again. */
        if (r->source)
            print_comment(f, ";   @%s: %s", sbox_registry_name(r->registry), r->source);
        for (size_t j = 0; j < p->n_allow_hosts && r->source; j++)
            if (p->allow_hosts[j].from == r->registry && strcmp(r->source, "as above") != 0) {
                sbox_proxy_rule_format(&p->allow_hosts[j], rule, sizeof rule);
                print_comment(f, ";   @%s is %s  (%s)", sbox_registry_name(r->registry), rule,
                              p->allow_hosts[j].source);
            }
    }
    if (p->n_allow_hosts)
        fprintf(f,
                ";   the only way out: sbox's proxy, on the sandbox's loopback at %s:%d (HTTP, "
                "HTTPS through CONNECT) and %s:%d (SOCKS5)\n",
                SBOX_PROXY_ADDR, SBOX_PROXY_HTTP_PORT, SBOX_PROXY_ADDR, SBOX_PROXY_SOCKS_PORT);
    if (p->proxy_hosts)
        print_kv(f, "proxy-hosts", p->proxy_hosts, NULL, false, &p->proxy_hosts_origin);
    for (size_t i = 0; i < p->n_publish; i++) {
        const struct sbox_publish_spec *ps = &p->publish[i].spec;
        char spec[96];
        snprintf(spec, sizeof spec, strchr(ps->host_ip, ':') ? "[%s]:%u:%u/%s" : "%s:%u:%u/%s",
                 ps->host_ip, ps->host_port, ps->port, ps->udp ? "udp" : "tcp");
        print_kv(f, "publish", spec, NULL, false, &p->publish[i].origin);
    }
    if (sbox_net_usermode(p->net) || p->n_allow_hosts ||
        p->host_loopback_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "host-loopback", p->host_loopback ? "yes" : "no", NULL, false,
                 &p->host_loopback_origin);
    if (p->n_allow_hosts || p->allow_private_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "allow-private", p->allow_private ? "yes" : "no", NULL, false,
                 &p->allow_private_origin);
    if (sbox_net_usermode(p->net) || p->ipv6_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "ipv6", p->ipv6 ? "yes" : "no", NULL, false, &p->ipv6_origin);
    if (p->dns)
        print_kv(f, "dns", p->dns, NULL, false, &p->dns_origin);

    fputs("\n[limits]\n", f);
    for (int l = 0; l < SBOX_N_LIMITS; l++)
        if (p->limits[l].set)
            print_kv(f, sbox_limit_key(l), p->limits[l].text, NULL, false, &p->limits[l].origin);
        else if (p->limits[l].origin.kind != SBOX_ORIGIN_BUILTIN)
            print_kv(f, sbox_limit_key(l), "unlimited", NULL, false, &p->limits[l].origin);
    if (p->limits_strict || p->limits_strict_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "limits-strict", p->limits_strict ? "yes" : "no", NULL, false,
                 &p->limits_strict_origin);

    print_process(f, p);

    fputs("\n[security]\n", f);
    snprintf(id, sizeof id, "%u", p->uid);
    print_kv(f, "uid", id, NULL, false, &p->uid_origin);
    snprintf(id, sizeof id, "%u", p->gid);
    print_kv(f, "gid", id, NULL, false, &p->gid_origin);
    print_kv(f, "userns", userns[p->userns], NULL, false, &p->userns_origin);
    print_kv(f, "userns-keep", p->userns_keep_text, NULL, false, &p->userns_keep_origin);
    print_landlock(p, f);
    for (size_t i = 0; i < p->n_caps; i++) {
        char name[64];
        sbox_value_capability_name(p->caps[i].cap, name, sizeof name);
        print_kv(f, "cap-add", name, NULL, false, &p->caps[i].origin);
    }
    print_kv(f, "seccomp", p->seccomp_file ? p->seccomp_file : sbox_seccomp_base_names[p->seccomp],
             NULL, false, &p->seccomp_origin);
    if (p->nested || p->nested_origin.kind != SBOX_ORIGIN_BUILTIN)
        print_kv(f, "nested", p->nested ? "yes" : "no", NULL, false, &p->nested_origin);
    print_seccomp(p, f);

    if (p->argv)
        print_command(f, p);
}
