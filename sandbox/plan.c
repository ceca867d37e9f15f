/* plan.c: the settings vocabulary, the embedded default, validation and the printed plan.
 * Must never make a system call: host facts come in through struct sbox_host. */
#include "plan.h"
#include "cleanup.h"
#include "util.h"
#include "value.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* Variables the payload sees by default; everything else (tokens, agent sockets, DISPLAY,
 * DBUS_*, ...) is dropped unless keep-env names it. */
static const char *const env_allowlist[] = {
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "LC_*", "TZ",
};

static const struct sbox_origin builtin = {.kind = SBOX_ORIGIN_BUILTIN};

void sbox_origin_format(const struct sbox_origin *o, const char *key, char *buf, size_t size)
{
    switch (o->kind) {
    case SBOX_ORIGIN_BUILTIN:
        snprintf(buf, size, "built-in");
        break;
    case SBOX_ORIGIN_CMDLINE:
        snprintf(buf, size, "--%s", key);
        break;
    case SBOX_ORIGIN_FILE:
        snprintf(buf, size, "%s:%u", o->file, o->line);
        break;
    }
}

static struct sbox_mount *add_mount(struct sbox_plan *p, enum sbox_mount_kind kind, const char *key,
                                    const struct sbox_origin *o)
{
    struct sbox_mount *m;
    p->mounts = sbox_xrealloc(p->mounts, (p->n_mounts + 1) * sizeof *p->mounts);
    m = &p->mounts[p->n_mounts++];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->key = key;
    m->origin = *o;
    m->mode = 0755;
    return m;
}

static void add_keep_env(struct sbox_plan *p, const char *glob, const struct sbox_origin *o)
{
    p->keep_env = sbox_xrealloc(p->keep_env, (p->n_keep_env + 1) * sizeof *p->keep_env);
    p->keep_env[p->n_keep_env].glob = sbox_xstrdup(glob);
    p->keep_env[p->n_keep_env].origin = *o;
    p->n_keep_env++;
}

/* Directories whose contents are shared with other programs or users: binding one of them as the
 * working directory would hand the sandbox far more than a project. */
static bool cwd_is_shared(const char *cwd, const char *home, const char *home_real, uid_t uid)
{
    static const char *const shared[] = {"/tmp",  "/var/tmp", "/dev/shm", "/run", "/run/user",
                                         "/home", "/var",     "/usr",     "/etc"};
    static const char *const virtual_trees[] = {"/proc", "/sys", "/dev"};
    char runtime[64];

    /* Home itself or an ancestor of it, such as "/"; the current directory is a physical path,
     * so a home reached through a symlink (/home -> /data/home) is compared resolved too. */
    if (sbox_path_is_under(home, cwd) || (home_real && sbox_path_is_under(home_real, cwd)))
        return true;
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
        if (strcmp(cwd, shared[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof virtual_trees / sizeof *virtual_trees; i++)
        if (sbox_path_is_under(cwd, virtual_trees[i]))
            return true;
    snprintf(runtime, sizeof runtime, "/run/user/%u", (unsigned)uid);
    return strcmp(cwd, runtime) == 0;
}

void sbox_plan_init(struct sbox_plan *p, const struct sbox_host *h)
{
    struct sbox_mount *m;

    memset(p, 0, sizeof *p);
    p->host_uid = h->uid;
    p->host_gid = h->gid;
    p->uid = (uint32_t)h->uid;
    p->gid = (uint32_t)h->gid;
    p->uid_origin = p->gid_origin = builtin;
    p->home = sbox_xstrdup(h->home);
    p->cwd = h->cwd ? sbox_xstrdup(h->cwd) : NULL;
    p->shell = sbox_xstrdup(h->shell);
    p->tty = h->tty ? sbox_xstrdup(h->tty) : NULL;
    p->hostname = sbox_xstrdup("sbox");
    p->hostname_origin = builtin;
    p->chdir_origin = builtin;

    for (size_t i = 0; i < h->n_sysdirs; i++) {
        const struct sbox_host_dir *d = &h->sysdirs[i];
        if (d->link_target) {
            m = add_mount(p, SBOX_MOUNT_SYMLINK, "symlink", &builtin);
            m->src = sbox_xstrdup(d->link_target);
        } else {
            m = add_mount(p, SBOX_MOUNT_RO_BIND, "ro-bind", &builtin);
            m->src = sbox_xstrdup(d->path);
        }
        m->dst = sbox_xstrdup(d->path);
    }
    m = add_mount(p, SBOX_MOUNT_PROC, "proc", &builtin);
    m->dst = sbox_xstrdup("/proc");
    m = add_mount(p, SBOX_MOUNT_DEV, "dev", &builtin);
    m->dst = sbox_xstrdup("/dev");
    m = add_mount(p, SBOX_MOUNT_TMPFS, "tmpfs", &builtin);
    m->dst = sbox_xstrdup("/tmp");
    m->mode = 01777;
    m = add_mount(p, SBOX_MOUNT_TMPFS, "tmpfs", &builtin);
    m->dst = sbox_xstrdup("/run");
    m = add_mount(p, SBOX_MOUNT_TMPFS, "tmpfs", &builtin);
    m->dst = sbox_xstrdup(h->home);
    m->mode = 0700;

    if (!h->cwd) {
        sbox_strv_push(&p->notes, sbox_xstrdup("the current directory no longer exists; "
                                               "running in the empty home"));
    } else if (cwd_is_shared(h->cwd, h->home, h->home_real, h->uid)) {
        sbox_strv_push(
            &p->notes,
            sbox_xasprintf("not binding the current directory %s (it is %s); running "
                           "in the empty home",
                           h->cwd,
                           sbox_path_is_under(h->home, h->cwd) ||
                                   (h->home_real && sbox_path_is_under(h->home_real, h->cwd))
                               ? "your home or contains it"
                               : "a shared system directory"));
    } else {
        m = add_mount(p, SBOX_MOUNT_BIND, "bind", &builtin);
        m->src = sbox_xstrdup(h->cwd);
        m->dst = sbox_xstrdup(h->cwd);
    }

    for (size_t i = 0; i < sizeof env_allowlist / sizeof *env_allowlist; i++)
        add_keep_env(p, env_allowlist[i], &builtin);
}

void sbox_plan_free(struct sbox_plan *p)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        free(p->mounts[i].src);
        free(p->mounts[i].dst);
    }
    free(p->mounts);
    for (size_t i = 0; i < p->n_env_ops; i++) {
        free(p->env_ops[i].name);
        free(p->env_ops[i].value);
    }
    free(p->env_ops);
    for (size_t i = 0; i < p->n_keep_env; i++)
        free(p->keep_env[i].glob);
    free(p->keep_env);
    free(p->hostname);
    free(p->chdir);
    sbox_strv_free(p->argv);
    free(p->home);
    free(p->cwd);
    free(p->shell);
    free(p->tty);
    sbox_strv_free(p->notes);
    memset(p, 0, sizeof *p);
}

/* An absolute path for a setting: relative paths are taken from the caller's directory only on
 * the command line, where the user typed them; a profile must say what it means. */
static int setting_path(const struct sbox_plan *p, const char *value, const struct sbox_origin *o,
                        const char *what, char **ret, struct sbox_error *err)
{
    char *r;
    if (value[0] == '\0')
        return sbox_error(err, 0, "empty %s path", what);
    if (value[0] != '/' && o->kind != SBOX_ORIGIN_CMDLINE)
        return sbox_error(err, 0, "%s `%s` must be an absolute path", what, value);
    if (value[0] != '/' && !p->cwd)
        return sbox_error(err, 0, "%s `%s` is relative and the current directory is gone", what,
                          value);
    r = sbox_path_resolve(p->cwd, value);
    if (!r)
        return sbox_error(err, 0, "%s `%s` is not a valid path", what, value);
    *ret = r;
    return 0;
}

static int apply_bind(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                      const struct sbox_origin *o, struct sbox_error *err)
{
    _cleanup_free_ char *left = NULL, *right = NULL, *src = NULL, *dst = NULL;
    struct sbox_mount *m;
    int r = sbox_value_split(value, &left, &right, err);
    if (r < 0)
        return r;
    r = setting_path(p, left, o, "source", &src, err);
    if (r < 0)
        return r;
    if (right) {
        if (right[0] != '/')
            return sbox_error(err, 0, "destination `%s` must be an absolute path", right);
        dst = sbox_path_normalize(right);
    } else {
        dst = sbox_xstrdup(src);
    }
    m = add_mount(p, strstr(s->key, "ro-") == s->key ? SBOX_MOUNT_RO_BIND : SBOX_MOUNT_BIND, s->key,
                  o);
    m->try_missing = strstr(s->key, "-try") != NULL;
    m->src = steal_ptr(&src);
    m->dst = steal_ptr(&dst);
    return 0;
}

static int apply_tmpfs(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                       const struct sbox_origin *o, struct sbox_error *err)
{
    _cleanup_free_ char *left = NULL, *opts = NULL, *dst = NULL;
    struct sbox_mount m = {.mode = 0755};
    struct sbox_mount *slot;
    int r = sbox_value_split(value, &left, &opts, err);
    if (r < 0)
        return r;
    if (left[0] != '/')
        return sbox_error(err, 0, "destination `%s` must be an absolute path", left);
    dst = sbox_path_normalize(left);
    if (opts) {
        char *save = NULL;
        for (char *opt = strtok_r(opts, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
            if (strncmp(opt, "size=", 5) == 0) {
                r = sbox_value_size(opt + 5, &m.size, err);
                if (r < 0)
                    return r;
                if (m.size == 0)
                    return sbox_error(err, 0, "tmpfs size must be more than 0");
                m.has_size = true;
            } else if (strncmp(opt, "mode=", 5) == 0) {
                r = sbox_value_mode(opt + 5, &m.mode, err);
                if (r < 0)
                    return r;
            } else if (strcmp(opt, "noexec") == 0) {
                m.noexec = true;
            } else {
                return sbox_error(
                    err, 0, "unknown tmpfs option `%s` (known: size=SIZE, mode=OCTAL, noexec)",
                    opt);
            }
        }
    }
    slot = add_mount(p, SBOX_MOUNT_TMPFS, s->key, o);
    m.kind = slot->kind;
    m.key = slot->key;
    m.origin = slot->origin;
    m.dst = steal_ptr(&dst);
    *slot = m;
    return 0;
}

static int apply_hide(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                      const struct sbox_origin *o, struct sbox_error *err)
{
    if (value[0] != '/')
        return sbox_error(err, 0, "`%s` must be an absolute path inside the sandbox", value);
    add_mount(p, SBOX_MOUNT_HIDE, s->key, o)->dst = sbox_path_normalize(value);
    return 0;
}

static int apply_chdir(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                       const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    if (value[0] != '/')
        return sbox_error(err, 0, "`%s` must be an absolute path inside the sandbox", value);
    free(p->chdir);
    p->chdir = sbox_path_normalize(value);
    p->chdir_origin = *o;
    return 0;
}

static int apply_hostname(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                          const struct sbox_origin *o, struct sbox_error *err)
{
    int r = sbox_value_hostname(value, err);
    (void)s;
    if (r < 0)
        return r;
    free(p->hostname);
    p->hostname = sbox_xstrdup(value);
    p->hostname_origin = *o;
    return 0;
}

static void add_env_op(struct sbox_plan *p, enum sbox_env_op_kind op, char *name, char *value,
                       const struct sbox_origin *o)
{
    p->env_ops = sbox_xrealloc(p->env_ops, (p->n_env_ops + 1) * sizeof *p->env_ops);
    p->env_ops[p->n_env_ops++] =
        (struct sbox_env_op){.op = op, .name = name, .value = value, .origin = *o};
}

static int apply_setenv(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                        const struct sbox_origin *o, struct sbox_error *err)
{
    const char *eq = strchr(value, '=');
    _cleanup_free_ char *name = NULL;
    (void)s;
    if (!eq)
        return sbox_error(err, 0, "`%s` is not NAME=VALUE", value);
    name = sbox_xstrndup(value, (size_t)(eq - value));
    if (!sbox_value_env_name(name))
        return sbox_error(err, 0, "`%s` is not a valid variable name", name);
    add_env_op(p, SBOX_ENV_SET, steal_ptr(&name), sbox_xstrdup(eq + 1), o);
    return 0;
}

static int apply_unsetenv(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                          const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    if (!sbox_value_env_name(value))
        return sbox_error(err, 0, "`%s` is not a valid variable name", value);
    add_env_op(p, SBOX_ENV_UNSET, sbox_xstrdup(value), NULL, o);
    return 0;
}

static int apply_keep_env(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                          const struct sbox_origin *o, struct sbox_error *err)
{
    size_t n = strlen(value);
    (void)s;
    if (strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_*?[]!-") != n)
        return sbox_error(err, 0, "`%s` is not a variable name or pattern", value);
    add_keep_env(p, value, o);
    return 0;
}

static int apply_clearenv(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                          const struct sbox_origin *o, struct sbox_error *err)
{
    int r = sbox_value_bool(value, &p->clearenv, err);
    (void)s;
    if (r >= 0)
        p->clearenv_origin = *o;
    return r;
}

static int apply_id(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                    const struct sbox_origin *o, struct sbox_error *err)
{
    uint64_t v;
    /* (uint32_t)-1 is the kernel's "no id" and cannot be mapped. */
    int r = sbox_value_uint(value, UINT32_MAX - 1, &v, err);
    if (r < 0)
        return r;
    if (strcmp(s->key, "uid") == 0) {
        p->uid = (uint32_t)v;
        p->uid_origin = *o;
    } else {
        p->gid = (uint32_t)v;
        p->gid_origin = *o;
    }
    return 0;
}

const struct sbox_setting sbox_settings[] = {
    {"filesystem", "ro-bind", SBOX_SETTING_LIST, "SRC[:DST]",
     "bind SRC read-only (recursively) at DST", apply_bind},
    {"filesystem", "bind", SBOX_SETTING_LIST, "SRC[:DST]", "bind SRC read-write at DST",
     apply_bind},
    {"filesystem", "ro-bind-try", SBOX_SETTING_LIST, "SRC[:DST]",
     "like ro-bind, skipped when SRC is missing", apply_bind},
    {"filesystem", "bind-try", SBOX_SETTING_LIST, "SRC[:DST]",
     "like bind, skipped when SRC is missing", apply_bind},
    {"filesystem", "tmpfs", SBOX_SETTING_LIST, "DST[:OPTS]",
     "empty tmpfs at DST; OPTS: size=SIZE,mode=OCTAL,noexec", apply_tmpfs},
    {"filesystem", "hide", SBOX_SETTING_LIST, "PATH",
     "show PATH as an empty, unwritable directory or file", apply_hide},
    {"filesystem", "chdir", SBOX_SETTING_SCALAR, "DIR", "working directory inside", apply_chdir},
    {"env", "setenv", SBOX_SETTING_LIST, "NAME=VALUE", "set a variable", apply_setenv},
    {"env", "unsetenv", SBOX_SETTING_LIST, "NAME", "remove a variable", apply_unsetenv},
    {"env", "keep-env", SBOX_SETTING_LIST, "PATTERN", "pass host variables matching PATTERN (glob)",
     apply_keep_env},
    {"env", "clearenv", SBOX_SETTING_FLAG, NULL,
     "drop the default allowlist: pass only keep-env and setenv", apply_clearenv},
    {"network", "hostname", SBOX_SETTING_SCALAR, "NAME", "hostname inside (default: sbox)",
     apply_hostname},
    {"security", "uid", SBOX_SETTING_SCALAR, "N", "user id inside (default: yours)", apply_id},
    {"security", "gid", SBOX_SETTING_SCALAR, "N", "group id inside (default: yours)", apply_id},
};
const size_t sbox_n_settings = sizeof sbox_settings / sizeof *sbox_settings;

const struct sbox_setting *sbox_setting_find(const char *section, const char *key)
{
    for (size_t i = 0; i < sbox_n_settings; i++)
        if ((!section || strcmp(section, sbox_settings[i].section) == 0) &&
            strcmp(key, sbox_settings[i].key) == 0)
            return &sbox_settings[i];
    return NULL;
}

/* An empty value resets a list: everything the key added so far, the built-in entries too. */
static void reset_list(struct sbox_plan *p, const struct sbox_setting *s)
{
    size_t o = 0;
    if (s->apply == apply_keep_env) {
        for (size_t i = 0; i < p->n_keep_env; i++)
            free(p->keep_env[i].glob);
        p->n_keep_env = 0;
        return;
    }
    if (s->apply == apply_setenv || s->apply == apply_unsetenv) {
        enum sbox_env_op_kind k = s->apply == apply_setenv ? SBOX_ENV_SET : SBOX_ENV_UNSET;
        for (size_t i = 0; i < p->n_env_ops; i++) {
            if (p->env_ops[i].op == k) {
                free(p->env_ops[i].name);
                free(p->env_ops[i].value);
            } else {
                p->env_ops[o++] = p->env_ops[i];
            }
        }
        p->n_env_ops = o;
        return;
    }
    for (size_t i = 0; i < p->n_mounts; i++) {
        if (strcmp(p->mounts[i].key, s->key) == 0) {
            free(p->mounts[i].src);
            free(p->mounts[i].dst);
        } else {
            p->mounts[o++] = p->mounts[i];
        }
    }
    p->n_mounts = o;
}

int sbox_plan_set(struct sbox_plan *p, const char *section, const char *key, const char *value,
                  const struct sbox_origin *o, struct sbox_error *err)
{
    const struct sbox_setting *s = sbox_setting_find(section, key);
    char where[512];
    int r;

    if (!s)
        return sbox_error(err, 0, "unknown setting `%s`", key);
    sbox_origin_format(o, s->key, where, sizeof where);
    if (value[0] == '\0') {
        if (s->type == SBOX_SETTING_LIST) {
            reset_list(p, s);
            return 0;
        }
        sbox_error(err, 0, "needs a value");
        return sbox_error_prefix(err, "%s", where);
    }
    r = s->apply(p, s, value, o, err);
    if (r < 0)
        return sbox_error_prefix(err, "%s", where);
    return 0;
}

void sbox_plan_set_command(struct sbox_plan *p, char *const *argv)
{
    sbox_strv_free(p->argv);
    p->argv = NULL;
    p->argv_default = !argv || !argv[0];
    if (p->argv_default)
        sbox_strv_push(&p->argv, sbox_xstrdup(p->shell));
    else
        p->argv = sbox_strv_copy(argv);
}

int sbox_plan_finish(struct sbox_plan *p, struct sbox_error *err)
{
    /* Hides go last so they cover whatever the other mounts put there; otherwise parents before
     * children, so a bind inside a tmpfs is not buried by it; equal depths keep the order given. */
    struct sbox_mount *sorted = sbox_xmalloc(p->n_mounts * sizeof *sorted);
    size_t n = 0;
    for (int pass_hide = 0; pass_hide < 2; pass_hide++) {
        size_t max_depth = 0;
        for (size_t i = 0; i < p->n_mounts; i++) {
            size_t d = sbox_path_depth(p->mounts[i].dst);
            if (d > max_depth)
                max_depth = d;
        }
        for (size_t d = 0; d <= max_depth; d++)
            for (size_t i = 0; i < p->n_mounts; i++)
                if ((p->mounts[i].kind == SBOX_MOUNT_HIDE) == pass_hide &&
                    sbox_path_depth(p->mounts[i].dst) == d)
                    sorted[n++] = p->mounts[i];
    }
    free(p->mounts);
    p->mounts = sorted;

    if (!p->argv)
        sbox_plan_set_command(p, NULL);

    if (!p->chdir) {
        /* The caller's directory when the sandbox shows it at the same path, else home. */
        const struct sbox_mount *cover = NULL;
        for (size_t i = 0; p->cwd && i < p->n_mounts; i++)
            if (p->mounts[i].kind != SBOX_MOUNT_HIDE &&
                sbox_path_is_under(p->cwd, p->mounts[i].dst))
                cover = &p->mounts[i];
        if (cover && (cover->kind == SBOX_MOUNT_BIND || cover->kind == SBOX_MOUNT_RO_BIND) &&
            strcmp(cover->src, cover->dst) == 0)
            p->chdir = sbox_xstrdup(p->cwd);
        else
            p->chdir = sbox_xstrdup(p->home);
    }
    (void)err;
    return 0;
}

static bool env_kept(const struct sbox_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n_keep_env; i++) {
        if (p->clearenv && p->keep_env[i].origin.kind == SBOX_ORIGIN_BUILTIN)
            continue;
        if (fnmatch(p->keep_env[i].glob, name, 0) == 0)
            return true;
    }
    return false;
}

static void env_remove(char **env, const char *name)
{
    size_t n = strlen(name), o = 0;
    for (size_t i = 0; env && env[i]; i++) {
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
            free(env[i]);
        else
            env[o++] = env[i];
    }
    if (env)
        env[o] = NULL;
}

char **sbox_plan_environ(const struct sbox_plan *p, char *const *host_env)
{
    char **env = NULL;
    sbox_strv_push(&env, NULL);
    env[0] = NULL;
    for (size_t i = 0; host_env && host_env[i]; i++) {
        const char *eq = strchr(host_env[i], '=');
        _cleanup_free_ char *name = NULL;
        if (!eq || eq == host_env[i])
            continue;
        name = sbox_xstrndup(host_env[i], (size_t)(eq - host_env[i]));
        if (env_kept(p, name)) {
            env_remove(env, name); /* the first definition wins, as getenv() would see it */
            sbox_strv_push(&env, sbox_xstrdup(host_env[i]));
        }
    }
    for (size_t i = 0; i < p->n_env_ops; i++) {
        env_remove(env, p->env_ops[i].name);
        if (p->env_ops[i].op == SBOX_ENV_SET)
            sbox_strv_push(&env, sbox_xasprintf("%s=%s", p->env_ops[i].name, p->env_ops[i].value));
    }
    return env;
}

/* ":" and "\" in a path would be read as a separator or an escape. */
static void print_spec_path(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == ':' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void print_origin(FILE *f, const struct sbox_origin *o)
{
    switch (o->kind) {
    case SBOX_ORIGIN_BUILTIN:
        fputs("  ; built-in\n", f);
        break;
    case SBOX_ORIGIN_CMDLINE:
        fputs("  ; from command line\n", f);
        break;
    case SBOX_ORIGIN_FILE:
        fprintf(f, "  ; from %s:%u\n", o->file, o->line);
        break;
    }
}

static void print_mount(FILE *f, const struct sbox_mount *m)
{
    switch (m->kind) {
    case SBOX_MOUNT_BIND:
    case SBOX_MOUNT_RO_BIND:
        fprintf(f, "%s = ", m->key);
        print_spec_path(f, m->src);
        if (strcmp(m->src, m->dst) != 0) {
            fputc(':', f);
            print_spec_path(f, m->dst);
        }
        break;
    case SBOX_MOUNT_TMPFS:
        fprintf(f, "tmpfs = ");
        print_spec_path(f, m->dst);
        fprintf(f, ":mode=%04o", (unsigned)m->mode);
        if (m->has_size)
            fprintf(f, ",size=%llu", (unsigned long long)m->size);
        if (m->noexec)
            fputs(",noexec", f);
        break;
    case SBOX_MOUNT_HIDE:
        fprintf(f, "hide = %s", m->dst);
        break;
    case SBOX_MOUNT_PROC:
        fprintf(f, "; fresh proc at %s", m->dst);
        break;
    case SBOX_MOUNT_DEV:
        fprintf(f, "; minimal devices at %s", m->dst);
        break;
    case SBOX_MOUNT_SYMLINK:
        fprintf(f, "; symlink %s -> %s", m->dst, m->src);
        break;
    }
    print_origin(f, &m->origin);
}

void sbox_plan_print(const struct sbox_plan *p, FILE *f)
{
    fputs("; the plan sbox would run, as a profile\n[filesystem]\n", f);
    for (size_t i = 0; i < p->n_mounts; i++)
        print_mount(f, &p->mounts[i]);
    fprintf(f, "chdir = %s", p->chdir);
    print_origin(f, &p->chdir_origin);

    fputs("\n[env]\n", f);
    if (p->clearenv) {
        fputs("clearenv = true", f);
        print_origin(f, &p->clearenv_origin);
    }
    for (size_t i = 0; i < p->n_keep_env; i++) {
        if (p->clearenv && p->keep_env[i].origin.kind == SBOX_ORIGIN_BUILTIN)
            continue;
        fprintf(f, "keep-env = %s", p->keep_env[i].glob);
        print_origin(f, &p->keep_env[i].origin);
    }
    for (size_t i = 0; i < p->n_env_ops; i++) {
        const struct sbox_env_op *e = &p->env_ops[i];
        if (e->op == SBOX_ENV_SET)
            fprintf(f, "setenv = %s=%s", e->name, e->value);
        else
            fprintf(f, "unsetenv = %s", e->name);
        print_origin(f, &e->origin);
    }

    fprintf(f, "\n[network]\nhostname = %s", p->hostname);
    print_origin(f, &p->hostname_origin);

    fprintf(f, "\n[security]\nuid = %u", p->uid);
    print_origin(f, &p->uid_origin);
    fprintf(f, "gid = %u", p->gid);
    print_origin(f, &p->gid_origin);

    fputs("\n; command:", f);
    for (size_t i = 0; p->argv && p->argv[i]; i++)
        fprintf(f, " %s", p->argv[i]);
    fputs(p->argv_default ? "  (your shell)\n" : "\n", f);
}
