/* settings.c: the settings vocabulary (sbox_settings[]), one row per flag and profile key, and
 * the parser of each. Must never make a system call: a parser checks a value and writes it. */
#include "settings.h"
#include "cleanup.h"
#include "image-store.h"
#include "plan.h"
#include "util.h"
#include "value.h"

#include <stdlib.h>
#include <string.h>

static void add_keep_env(struct sbox_plan *p, const char *glob, const struct sbox_origin *o)
{
    p->keep_env = sbox_xrealloc(p->keep_env, (p->n_keep_env + 1) * sizeof *p->keep_env);
    p->keep_env[p->n_keep_env].glob = sbox_xstrdup(glob);
    p->keep_env[p->n_keep_env].origin = *o;
    p->n_keep_env++;
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
    m = sbox_plan_add_mount(p, s->mount.kind, s->key, o);
    m->try_missing = s->mount.try_missing;
    m->src = steal_ptr(&src);
    m->dst = steal_ptr(&dst);
    return 0;
}

/* Every mount the row's key made so far, built-in ones too. */
static void reset_mounts(struct sbox_plan *p, const struct sbox_setting *s)
{
    sbox_plan_drop_mounts(p, s->key, -1);
}

/* cache = NAME:DST: CACHE_HOME/sbox/NAME, sbox's own (made private when missing, by
 * sbox_cache_prepare), read-write at DST. Never the host's own cache: what a build leaves there
 * is read by sandboxes only, where the host's npm or pip would run it outside. NAME is one
 * plain component, so every cache lies directly in CACHE_HOME/sbox. */
static int apply_cache(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                       const struct sbox_origin *o, struct sbox_error *err)
{
    _cleanup_free_ char *name = NULL, *dst = NULL;
    struct sbox_mount *m;
    int r = sbox_value_split(value, &name, &dst, err);
    if (r < 0)
        return r;
    if (!name[0] || name[0] == '.' ||
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
            strlen(name))
        return sbox_error(err, 0,
                          "cache name `%s`: letters, digits, `.`, `_` and `-`, not starting with "
                          "`.` (e.g. npm:${HOME}/.npm)",
                          name);
    if (!dst || dst[0] != '/')
        return sbox_error(err, 0, "`%s`: NAME:DST with DST an absolute path (e.g. %s:/cache)",
                          value, name);
    m = sbox_plan_add_mount(p, SBOX_MOUNT_BIND, s->key, o);
    m->src = sbox_xasprintf("%s/sbox/%s", strcmp(p->cache_home, "/") ? p->cache_home : "", name);
    m->dst = sbox_path_normalize(dst);
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
    slot = sbox_plan_add_mount(p, SBOX_MOUNT_TMPFS, s->key, o);
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
    sbox_plan_add_mount(p, SBOX_MOUNT_HIDE, s->key, o)->dst = sbox_path_normalize(value);
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

/* path-prepend = DIR: an absolute directory, as PATH can hold it. A relative one would be
 * looked up from wherever the command stands (the project, which the sandbox writes). */
static int apply_path_prepend(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                              const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    if (value[0] != '/')
        return sbox_error(err, 0, "`%s` must be an absolute path inside the sandbox", value);
    if (strchr(value, ':'))
        return sbox_error(err, 0, "`%s`: a directory on PATH cannot hold `:`", value);
    add_env_op(p, SBOX_ENV_PATH_PREPEND, sbox_xstrdup("PATH"), sbox_path_normalize(value), o);
    return 0;
}

/* The setenv (or unsetenv, or path-prepend) operations so far; the other kinds stay. */
static void reset_env_ops(struct sbox_plan *p, const struct sbox_setting *s)
{
    size_t o = 0;
    for (size_t i = 0; i < p->n_env_ops; i++) {
        if (p->env_ops[i].op == s->env_op) {
            free(p->env_ops[i].name);
            free(p->env_ops[i].value);
        } else {
            p->env_ops[o++] = p->env_ops[i];
        }
    }
    p->n_env_ops = o;
}

static int apply_keep_env(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                          const struct sbox_origin *o, struct sbox_error *err)
{
    size_t n = strlen(value);
    (void)s;
    /* Beyond C names: npm reads variables such as npm_config_//host:8080/path/:_authToken,
     * which can only pass named exactly. */
    if (strspn(value,
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_*?[]!-./:@") != n)
        return sbox_error(err, 0, "`%s` is not a variable name or pattern", value);
    add_keep_env(p, value, o);
    return 0;
}

static void reset_keep_env(struct sbox_plan *p, const struct sbox_setting *s)
{
    (void)s;
    for (size_t i = 0; i < p->n_keep_env; i++)
        free(p->keep_env[i].glob);
    p->n_keep_env = 0;
}

/* clearenv forgets every keep-env so far, the default allowlist included: only keep-env given
 * after it, and setenv, reach the payload. */
static int apply_clearenv(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                          const struct sbox_origin *o, struct sbox_error *err)
{
    bool on;
    int r = sbox_value_bool(value, &on, err);
    (void)o;
    if (r >= 0 && on)
        reset_keep_env(p, s);
    return r;
}

static int apply_mirror(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                        const struct sbox_origin *o, struct sbox_error *err)
{
    struct sbox_mount *m;
    if (value[0] != '/')
        return sbox_error(err, 0, "`%s` must be an absolute path", value);
    m = sbox_plan_add_mount(p, SBOX_MOUNT_MIRROR, s->key, o);
    m->dst = sbox_path_normalize(value);
    m->src = sbox_xstrdup(m->dst);
    return 0;
}

static int apply_capture(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                         const struct sbox_origin *o, struct sbox_error *err)
{
    _cleanup_free_ char *path = NULL;
    struct sbox_mount *m;
    int r = setting_path(p, value, o, "capture", &path, err);
    if (r < 0)
        return r;
    if (strcmp(path, "/") == 0)
        return sbox_error(err, 0, "capture `/`: name a project directory, not the root");
    m = sbox_plan_add_mount(p, SBOX_MOUNT_CAPTURE, s->key, o);
    m->dst = sbox_xstrdup(path);
    m->src = steal_ptr(&path);
    return 0;
}

static int apply_capture_deny(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                              const struct sbox_origin *o, struct sbox_error *err)
{
    const char *c = value[0] == '/' ? value + 1 : value;
    (void)s;
    /* Relative to the captured directory, component by component: "." and ".." would name
     * nothing there, and "**" stands for whole components only. */
    for (;;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return sbox_error(err, 0,
                              "pattern `%s`: components may not be empty, `.` or `..` (a path "
                              "inside the captured directory, e.g. .git/hooks/**)",
                              value);
        if (memmem(c, n, "**", 2) && n != 2)
            return sbox_error(err, 0, "pattern `%s`: `**` must be a whole component", value);
        if (!c[n])
            break;
        c += n + 1;
    }
    sbox_plan_add_pattern(&p->capture_deny, &p->n_capture_deny, value, o);
    return 0;
}

static void reset_capture_deny(struct sbox_plan *p, const struct sbox_setting *s)
{
    (void)s;
    for (size_t i = 0; i < p->n_capture_deny; i++)
        free(p->capture_deny[i].glob);
    p->n_capture_deny = 0;
    p->capture_deny_builtin = false;
}

/* proc = DST[:host-ro] (host-ro alone: /proc). A proc at a DST an earlier one has replaces it, so
 * a profile can turn the default's fresh /proc into the outer one. */
static int apply_proc(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                      const struct sbox_origin *o, struct sbox_error *err)
{
    const char *colon = strrchr(value, ':');
    bool host = strcmp(value, "host-ro") == 0 || (colon && strcmp(colon + 1, "host-ro") == 0);
    _cleanup_free_ char *dst = NULL;
    struct sbox_mount *m = NULL;
    if (colon && !host)
        return sbox_error(err, 0, "`%s` is not DST, DST:host-ro or host-ro", value);
    dst = strcmp(value, "host-ro") == 0 ? sbox_xstrdup("/proc")
          : host                        ? sbox_xstrndup(value, (size_t)(colon - value))
                                        : sbox_xstrdup(value);
    if (dst[0] != '/')
        return sbox_error(err, 0, "`%s` must be an absolute path inside the sandbox", dst);
    for (size_t i = 0; i < p->n_mounts && !m; i++) {
        _cleanup_free_ char *norm = sbox_path_normalize(dst);
        if (p->mounts[i].kind == SBOX_MOUNT_PROC && strcmp(p->mounts[i].dst, norm) == 0) {
            m = &p->mounts[i];
            m->origin = *o;
        }
    }
    if (!m) {
        m = sbox_plan_add_mount(p, s->mount.kind, s->key, o);
        m->dst = sbox_path_normalize(dst);
    }
    m->host_proc = host;
    return 0;
}

static int apply_special(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                         const struct sbox_origin *o, struct sbox_error *err)
{
    if (value[0] != '/')
        return sbox_error(err, 0, "`%s` must be an absolute path inside the sandbox", value);
    sbox_plan_add_mount(p, s->mount.kind, s->key, o)->dst = sbox_path_normalize(value);
    return 0;
}

static int apply_cwd(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                     const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    if (strcmp(value, "bind") == 0 || strcmp(value, "here") == 0)
        p->cwd_mode = SBOX_CWD_BIND;
    else if (strcmp(value, "ro-bind") == 0 || strcmp(value, "ro-here") == 0)
        p->cwd_mode = SBOX_CWD_RO_BIND;
    else if (strcmp(value, "none") == 0)
        p->cwd_mode = SBOX_CWD_NONE;
    else
        return sbox_error(err, 0, "`%s` is not one of bind, ro-bind, here, ro-here, none", value);
    p->cwd_here = strstr(value, "here") != NULL;
    p->cwd_origin = *o;
    return 0;
}

/* One of a fixed set of words. */
static int one_of(const char *value, const char *const *words, struct sbox_error *err)
{
    char list[256] = "";
    for (size_t i = 0; words[i]; i++) {
        if (strcmp(value, words[i]) == 0)
            return (int)i;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", words[i]);
    }
    return sbox_error(err, 0, "`%s` is not one of %s", value, list);
}

static const char *const limit_keys[SBOX_N_LIMITS] = {
    "memory", "memory-swap", "cpus", "pids", "nofile", "fsize", "cpu-time", "core",
};

const char *sbox_limit_key(enum sbox_limit l)
{
    return limit_keys[l];
}

/* [limits] memory = SIZE, cpus = N, pids = N, ...; `unlimited` takes back a limit an included
 * profile set (core's default 0 too). */
static int apply_limit(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                       const struct sbox_origin *o, struct sbox_error *err)
{
    const enum sbox_limit l = s->limit;
    uint64_t n = 0;
    int r;
    if (strcmp(value, "unlimited") == 0) {
        free(p->limits[l].text);
        p->limits[l] = (struct sbox_limit_value){.origin = *o};
        return 0;
    }
    switch (l) {
    case SBOX_LIMIT_MEMORY:
    case SBOX_LIMIT_MEMORY_SWAP:
    case SBOX_LIMIT_FSIZE:
    case SBOX_LIMIT_CORE:
        r = sbox_value_size(value, &n, err);
        break;
    case SBOX_LIMIT_CPUS:
        r = sbox_value_cpus(value, &n, err);
        /* cpu.max's quota is at least 1 ms in each 100 ms. */
        if (r == 0 && n < 10)
            return sbox_error(err, 0, "`cpus = %s`: the least is 0.01", value);
        break;
    case SBOX_LIMIT_PIDS:
        /* The kernel's most (PID_MAX_LIMIT). */
        r = sbox_value_uint(value, 4194304, &n, err);
        break;
    default:
        r = sbox_value_uint(value, UINT32_MAX, &n, err);
        break;
    }
    if (r < 0)
        return r;
    if (n == 0 && (l == SBOX_LIMIT_MEMORY || l == SBOX_LIMIT_PIDS || l == SBOX_LIMIT_NOFILE ||
                   l == SBOX_LIMIT_CPU_TIME))
        return sbox_error(err, 0, "`%s = 0` would let nothing run (`unlimited` for no limit)",
                          s->key);
    if (l == SBOX_LIMIT_MEMORY && n < (1u << 20))
        return sbox_error(err, 0, "`memory = %s` is below 1M: nothing would start", value);
    free(p->limits[l].text);
    p->limits[l] = (struct sbox_limit_value){
        .set = true, .value = n, .text = sbox_xstrdup(value), .origin = *o};
    return 0;
}

static int apply_limits_strict(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                               const struct sbox_origin *o, struct sbox_error *err)
{
    /* A flag: `--limits-strict` comes as "true", the key as yes or no. */
    int r = sbox_value_bool(value, &p->limits_strict, err);
    (void)s;
    if (r == 0)
        p->limits_strict_origin = *o;
    return r;
}

/* rootfs = DIR | none */
static int apply_rootfs(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                        const struct sbox_origin *o, struct sbox_error *err)
{
    char *dir = NULL;
    (void)s;
    if (strcmp(value, "none") != 0) {
        int r = setting_path(p, value, o, "image root", &dir, err);
        if (r < 0)
            return r;
    }
    free(p->rootfs);
    p->rootfs = dir;
    p->rootfs_origin = *o;
    return 0;
}

/* image = NAME | none: a stored image, opened by main once every setting is in. */
static int apply_image(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                       const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    if (strcmp(value, "none") != 0 && !sbox_images_name_valid(value))
        return sbox_error(err, 0, "`%s` is not an image name (sbox image ls lists them)", value);
    free(p->image);
    p->image = strcmp(value, "none") != 0 ? sbox_xstrdup(value) : NULL;
    p->image_origin = *o;
    return 0;
}

/* overlay = none | tmpfs | DIR */
static int apply_overlay(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                         const struct sbox_origin *o, struct sbox_error *err)
{
    char *dir = NULL;
    enum sbox_overlay_kind kind = SBOX_OVERLAY_DIR;
    (void)s;
    if (strcmp(value, "none") == 0) {
        kind = SBOX_OVERLAY_NONE;
    } else if (strcmp(value, "tmpfs") == 0) {
        kind = SBOX_OVERLAY_TMPFS;
    } else {
        int r = setting_path(p, value, o, "overlay directory", &dir, err);
        if (r < 0)
            return r;
    }
    free(p->overlay_dir);
    p->overlay_dir = dir;
    p->overlay = kind;
    p->overlay_origin = *o;
    return 0;
}

/* overlay-size = SIZE | default: the tmpfs that takes overlay = tmpfs's writes. */
static int apply_overlay_size(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                              const struct sbox_origin *o, struct sbox_error *err)
{
    uint64_t size = 0;
    (void)s;
    if (strcmp(value, "default") != 0) {
        int r = sbox_value_size(value, &size, err);
        if (r < 0)
            return r;
        if (size == 0)
            return sbox_error(err, 0,
                              "the overlay's size must be more than 0 (`default` for "
                              "the default)");
    }
    p->overlay_size = size;
    p->overlay_size_origin = *o;
    return 0;
}

/* overlay-driver = auto | native | fuse */
static int apply_overlay_driver(struct sbox_plan *p, const struct sbox_setting *s,
                                const char *value, const struct sbox_origin *o,
                                struct sbox_error *err)
{
    static const char *const drivers[] = {"auto", "native", "fuse", NULL};
    int r = one_of(value, drivers, err);
    (void)s;
    if (r < 0)
        return r;
    p->overlay_driver = (enum sbox_overlay_driver)r;
    p->overlay_driver_origin = *o;
    return 0;
}

/* capture-on = last | ID | new */
static int apply_capture_on(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                            const struct sbox_origin *o, struct sbox_error *err)
{
    size_t n = strlen(value);
    (void)s;
    if (strcmp(value, "last") != 0 && strcmp(value, "new") != 0 &&
        (n == 0 || n > 32 || strspn(value, "0123456789abcdef") != n))
        return sbox_error(err, 0, "`%s` is not last, new or a capture id (sbox captures)", value);
    free(p->capture_on);
    p->capture_on = strcmp(value, "new") == 0 ? NULL : sbox_xstrdup(value);
    p->capture_on_origin = *o;
    return 0;
}

/* terminal = relay | raw | plain | none */
static int apply_terminal(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                          const struct sbox_origin *o, struct sbox_error *err)
{
    static const char *const modes[] = {"relay", "raw", "plain", "none", NULL};
    int r = one_of(value, modes, err);
    (void)s;
    if (r < 0)
        return r;
    p->terminal = (enum sbox_terminal)r;
    p->terminal_origin = *o;
    return 0;
}

/* no-tty: terminal = none, as a flag. */
static int apply_no_tty(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                        const struct sbox_origin *o, struct sbox_error *err)
{
    bool on;
    int r = sbox_value_bool(value, &on, err);
    (void)s;
    if (r < 0)
        return r;
    p->terminal = on ? SBOX_TERMINAL_NONE : SBOX_TERMINAL_RELAY;
    p->terminal_origin = *o;
    return 0;
}

/* pass-fd = N: a descriptor above 2 (0-2 are the payload's anyway) */
static int apply_pass_fd(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                         const struct sbox_origin *o, struct sbox_error *err)
{
    uint64_t fd;
    int r = sbox_value_uint(value, 1 << 20, &fd, err);
    (void)s;
    if (r < 0)
        return r;
    if (fd < 3)
        return sbox_error(err, 0, "descriptor %llu is the command's own already (0-2 always pass)",
                          (unsigned long long)fd);
    sbox_plan_pass_fd(p, (int)fd, o);
    return 0;
}

static void reset_pass_fd(struct sbox_plan *p, const struct sbox_setting *s)
{
    (void)s;
    p->n_pass_fds = 0;
}

static int apply_jobserver(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                           const struct sbox_origin *o, struct sbox_error *err)
{
    int r = sbox_value_bool(value, &p->jobserver, err);
    (void)s;
    if (r == 0)
        p->jobserver_origin = *o;
    return r;
}

static int apply_git_identity(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                              const struct sbox_origin *o, struct sbox_error *err)
{
    int r = sbox_value_bool(value, &p->git_identity, err);
    (void)s;
    if (r == 0)
        p->git_identity_origin = *o;
    return r;
}

static int apply_exit_code_only(struct sbox_plan *p, const struct sbox_setting *s,
                                const char *value, const struct sbox_origin *o,
                                struct sbox_error *err)
{
    int r = sbox_value_bool(value, &p->exit_code_only, err);
    (void)s;
    if (r == 0)
        p->exit_code_only_origin = *o;
    return r;
}

/* A DURATION setting's milliseconds, and its text as said back ("90" as "90s": a bare number is
 * seconds). */
static int set_duration(const char *value, uint64_t *ret_ms, char **text, struct sbox_error *err)
{
    uint64_t ms;
    int r = sbox_value_duration(value, &ms, err);
    if (r < 0)
        return r;
    *ret_ms = ms;
    free(*text);
    *text = value[strspn(value, "0123456789")] ? sbox_xstrdup(value) : sbox_xasprintf("%ss", value);
    return 0;
}

/* timeout = DURATION | none */
static int apply_timeout(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                         const struct sbox_origin *o, struct sbox_error *err)
{
    int r = set_duration(value, &p->timeout_ms, &p->timeout_text, err);
    (void)s;
    if (r == 0)
        p->timeout_origin = *o;
    return r;
}

/* userns-keep = DURATION | none */
static int apply_userns_keep(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                             const struct sbox_origin *o, struct sbox_error *err)
{
    int r = set_duration(value, &p->userns_keep_ms, &p->userns_keep_text, err);
    (void)s;
    if (r == 0)
        p->userns_keep_origin = *o;
    return r;
}

/* entrypoint = CMD: one word in place of an image's Entrypoint, as Docker's --entrypoint (its
 * arguments are the command's); empty: none. finish refuses it without an image. */
static int apply_entrypoint(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                            const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    (void)err;
    free(p->entrypoint);
    p->entrypoint = value[0] ? sbox_xstrdup(value) : NULL;
    p->entrypoint_set = true;
    p->entrypoint_origin = *o;
    return 0;
}

/* userns = auto | single | subuid */
static int apply_userns(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                        const struct sbox_origin *o, struct sbox_error *err)
{
    static const char *const userns[] = {"auto", "single", "subuid", NULL};
    int r = one_of(value, userns, err);
    (void)s;
    if (r < 0)
        return r;
    p->userns = (enum sbox_userns)r;
    p->userns_origin = *o;
    return 0;
}

/* landlock = auto | required | off */
static int apply_landlock(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                          const struct sbox_origin *o, struct sbox_error *err)
{
    static const char *const modes[] = {"auto", "required", "off", NULL};
    int r = one_of(value, modes, err);
    (void)s;
    if (r < 0)
        return r;
    p->landlock = (enum sbox_landlock_mode)r;
    p->landlock_origin = *o;
    return 0;
}

/* landlock-test-rw = DST, for tests: finish checks that DST is a read-only bind's. */
static int apply_landlock_test_rw(struct sbox_plan *p, const struct sbox_setting *s,
                                  const char *value, const struct sbox_origin *o,
                                  struct sbox_error *err)
{
    (void)s;
    if (value[0] != '/')
        return sbox_error(err, 0, "destination `%s` must be an absolute path", value);
    free(p->landlock_test_rw);
    p->landlock_test_rw = sbox_path_normalize(value);
    p->landlock_test_rw_origin = *o;
    return 0;
}

/* isolation = namespaces | landlock | auto */
static int apply_isolation(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                           const struct sbox_origin *o, struct sbox_error *err)
{
    static const char *const modes[] = {"namespaces", "landlock", "auto", NULL};
    int r = one_of(value, modes, err);
    (void)s;
    if (r < 0)
        return r;
    p->isolation = (enum sbox_isolation)r;
    p->isolation_origin = *o;
    return 0;
}

/* seccomp = default | strict | none | PATH (a policy file, read by profile.c later) */
static int apply_seccomp(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                         const struct sbox_origin *o, struct sbox_error *err)
{
    char *file = NULL;
    int r = -1;
    (void)s;
    for (size_t i = 0; sbox_seccomp_base_names[i]; i++)
        if (strcmp(value, sbox_seccomp_base_names[i]) == 0)
            r = (int)i;
    if (r < 0) {
        /* A file is a path with a slash, so a mistyped name is not looked for as a file. */
        if (!strchr(value, '/'))
            return sbox_error(err, 0,
                              "`%s` is not one of default, strict, none, or a policy file's "
                              "path (./FILE on the command line)",
                              value);
        r = setting_path(p, value, o, "policy file", &file, err);
        if (r < 0)
            return r;
        r = SBOX_SECCOMP_DEFAULT;
    }
    free(p->seccomp_file);
    p->seccomp_file = file;
    p->seccomp = (enum sbox_seccomp_base)r;
    p->seccomp_origin = *o;
    return 0;
}

static void add_syscall_rule(struct sbox_plan *p, const char *name, bool allow, bool from_file,
                             const struct sbox_origin *o)
{
    size_t at = from_file ? p->n_file_rules : p->n_syscall_rules;
    size_t n = p->n_syscall_rules + 1;
    p->syscall_rules = sbox_xrealloc(p->syscall_rules, n * sizeof *p->syscall_rules);
    p->syscall_origins = sbox_xrealloc(p->syscall_origins, n * sizeof *p->syscall_origins);
    memmove(p->syscall_rules + at + 1, p->syscall_rules + at,
            (p->n_syscall_rules - at) * sizeof *p->syscall_rules);
    memmove(p->syscall_origins + at + 1, p->syscall_origins + at,
            (p->n_syscall_rules - at) * sizeof *p->syscall_origins);
    p->syscall_rules[at] = (struct sbox_seccomp_rule){.name = sbox_xstrdup(name), .allow = allow};
    p->syscall_origins[at] = *o;
    p->n_syscall_rules = n;
    if (from_file)
        p->n_file_rules++;
}

/* Calls one value names, separated by spaces or commas, each checked before any is added. */
static int syscall_rules(struct sbox_plan *p, bool allow, const char *value, bool from_file,
                         const struct sbox_origin *o, struct sbox_error *err)
{
    _cleanup_free_ char *copy = sbox_xstrdup(value);
    char *save = NULL;
    int r = sbox_value_names(value, sbox_value_is_syscall, "system call", err);
    if (r < 0)
        return r;
    for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save))
        add_syscall_rule(p, w, allow, from_file, o);
    return 0;
}

static int apply_syscalls(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                          const struct sbox_origin *o, struct sbox_error *err)
{
    return syscall_rules(p, s->allow, value, false, o, err);
}

/* The profiles' rules of the row's kind; a policy file's are read later, kept apart. */
static void reset_syscalls(struct sbox_plan *p, const struct sbox_setting *s)
{
    size_t o = p->n_file_rules;
    for (size_t i = p->n_file_rules; i < p->n_syscall_rules; i++) {
        if (p->syscall_rules[i].allow == s->allow) {
            free(p->syscall_rules[i].name);
        } else {
            p->syscall_origins[o] = p->syscall_origins[i];
            p->syscall_rules[o++] = p->syscall_rules[i];
        }
    }
    p->n_syscall_rules = o;
}

static int apply_seccomp_errno(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                               const struct sbox_origin *o, struct sbox_error *err)
{
    int e;
    int r = sbox_value_errno(value, &e, err);
    (void)s;
    if (r < 0)
        return r;
    p->seccomp_errno = e;
    p->seccomp_errno_origin = *o;
    return 0;
}

static int apply_seccomp_action(struct sbox_plan *p, const struct sbox_setting *s,
                                const char *value, const struct sbox_origin *o,
                                struct sbox_error *err)
{
    int r = one_of(value, sbox_seccomp_action_names, err);
    (void)s;
    if (r < 0)
        return r;
    p->seccomp_action = (enum sbox_seccomp_action)r;
    p->seccomp_action_set = true;
    p->seccomp_action_origin = *o;
    return 0;
}

int sbox_plan_set_policy(struct sbox_plan *p, const char *key, const char *value,
                         const struct sbox_origin *o, struct sbox_error *err)
{
    int r;
    if (strcmp(key, "base") == 0) {
        r = one_of(value, sbox_seccomp_base_names, err);
        if (r >= 0)
            p->file_base = (enum sbox_seccomp_base)r;
    } else if (strcmp(key, "deny") == 0 || strcmp(key, "allow") == 0) {
        r = syscall_rules(p, strcmp(key, "allow") == 0, value, true, o, err);
    } else if (strcmp(key, "errno") == 0) {
        r = sbox_value_errno(value, &p->file_errno, err);
    } else if (strcmp(key, "action") == 0) {
        r = one_of(value, sbox_seccomp_action_names, err);
        if (r >= 0) {
            p->file_action = (enum sbox_seccomp_action)r;
            p->file_action_set = true;
        }
    } else {
        return sbox_error(err, 0,
                          "unknown key `%s` in a policy file (known: base, deny, allow, errno, "
                          "action)",
                          key);
    }
    return r < 0 ? r : 0;
}

/* cap-add = CAP... */
static int apply_caps(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                      const struct sbox_origin *o, struct sbox_error *err)
{
    _cleanup_free_ char *copy = sbox_xstrdup(value);
    char *save = NULL;
    int r = sbox_value_names(value, sbox_value_is_capability, "capability", err);
    (void)s;
    if (r < 0)
        return r;
    for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
        int c = 0;
        sbox_value_capability(w, &c);
        p->caps = sbox_xrealloc(p->caps, (p->n_caps + 1) * sizeof *p->caps);
        p->caps[p->n_caps++] = (struct sbox_cap){.cap = c, .origin = *o};
    }
    return 0;
}

static void reset_caps(struct sbox_plan *p, const struct sbox_setting *s)
{
    (void)s;
    p->n_caps = 0;
}

/* net = none | host | slirp | pasta (the last two: user-mode networking, see usernet.c) */
static int apply_net(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                     const struct sbox_origin *o, struct sbox_error *err)
{
    static const char *const nets[] = {"none", "host", "slirp", "pasta", NULL};
    int r = one_of(value, nets, err);
    (void)s;
    if (r < 0)
        return r;
    p->net = (enum sbox_net)r;
    p->net_origin = *o;
    return 0;
}

/* publish = [IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp] */
static int apply_publish(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                         const struct sbox_origin *o, struct sbox_error *err)
{
    struct sbox_publish_spec spec;
    int r = sbox_value_publish(value, &spec, err);
    (void)s;
    if (r < 0)
        return r;
    p->publish = sbox_xrealloc(p->publish, (p->n_publish + 1) * sizeof *p->publish);
    p->publish[p->n_publish++] = (struct sbox_publish){.spec = spec, .origin = *o};
    return 0;
}

static void reset_publish(struct sbox_plan *p, const struct sbox_setting *s)
{
    (void)s;
    p->n_publish = 0;
}

/* yes | no, into one of the plan's flags and its origin */
static int set_flag(const char *value, const struct sbox_origin *o, bool *ret,
                    struct sbox_origin *ret_origin, struct sbox_error *err)
{
    bool on;
    int r = sbox_value_bool(value, &on, err);
    if (r < 0)
        return r;
    *ret = on;
    *ret_origin = *o;
    return 0;
}

static int apply_allow_private(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                               const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    return set_flag(value, o, &p->allow_private, &p->allow_private_origin, err);
}

static int apply_host_loopback(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                               const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    return set_flag(value, o, &p->host_loopback, &p->host_loopback_origin, err);
}

static int apply_nested(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                        const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    return set_flag(value, o, &p->nested, &p->nested_origin, err);
}

static int apply_ipv6(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                      const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    return set_flag(value, o, &p->ipv6, &p->ipv6_origin, err);
}

static int apply_dns(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                     const struct sbox_origin *o, struct sbox_error *err)
{
    int r = sbox_value_ip(value, err);
    (void)s;
    if (r < 0)
        return r;
    free(p->dns);
    p->dns = sbox_xstrdup(value);
    p->dns_origin = *o;
    return 0;
}

/* allow-host = PATTERN[:PORT], or @npm, @pip (proxy-parse.c reads it; registry.c finds what a
 * registry is once every setting is read) */
static int apply_allow_host(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                            const struct sbox_origin *o, struct sbox_error *err)
{
    struct sbox_proxy_rule rule;
    size_t n = p->n_allow_hosts + 1;
    int r = sbox_proxy_rule_parse(value, &rule, err);
    (void)s;
    if (r < 0)
        return r;
    p->allow_hosts = sbox_xrealloc(p->allow_hosts, n * sizeof *p->allow_hosts);
    p->allow_host_origins = sbox_xrealloc(p->allow_host_origins, n * sizeof *p->allow_host_origins);
    p->allow_hosts[p->n_allow_hosts] = rule;
    p->allow_host_origins[p->n_allow_hosts] = *o;
    p->n_allow_hosts = n;
    return 0;
}

static void reset_allow_hosts(struct sbox_plan *p, const struct sbox_setting *s)
{
    (void)s;
    for (size_t i = 0; i < p->n_allow_hosts; i++)
        sbox_proxy_rule_free(&p->allow_hosts[i]);
    p->n_allow_hosts = 0;
}

/* proxy-hosts = FILE, for tests: the proxy reads names from a hosts file of the test's own. */
static int apply_proxy_hosts(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                             const struct sbox_origin *o, struct sbox_error *err)
{
    char *path = NULL;
    int r = setting_path(p, value, o, "hosts file", &path, err);
    (void)s;
    if (r < 0)
        return r;
    free(p->proxy_hosts);
    p->proxy_hosts = path;
    p->proxy_hosts_origin = *o;
    return 0;
}

/* A user or group id inside, into the plan's uid or gid and its origin */
static int set_id(const char *value, const struct sbox_origin *o, uint32_t *ret,
                  struct sbox_origin *ret_origin, struct sbox_error *err)
{
    uint64_t v;
    /* (uint32_t)-1 is the kernel's "no id" and cannot be mapped. */
    int r = sbox_value_uint(value, UINT32_MAX - 1, &v, err);
    if (r < 0)
        return r;
    *ret = (uint32_t)v;
    *ret_origin = *o;
    return 0;
}

static int apply_uid(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                     const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    return set_id(value, o, &p->uid, &p->uid_origin, err);
}

static int apply_gid(struct sbox_plan *p, const struct sbox_setting *s, const char *value,
                     const struct sbox_origin *o, struct sbox_error *err)
{
    (void)s;
    return set_id(value, o, &p->gid, &p->gid_origin, err);
}

const struct sbox_setting sbox_settings[] = {
    {"filesystem", "ro-bind", SBOX_SETTING_LIST, "SRC[:DST]",
     "bind SRC read-only (recursively) at DST", apply_bind, .reset = reset_mounts, .split = true,
     .mount = {SBOX_MOUNT_RO_BIND, false}},
    {"filesystem", "bind", SBOX_SETTING_LIST, "SRC[:DST]", "bind SRC read-write at DST", apply_bind,
     .reset = reset_mounts, .split = true, .mount = {SBOX_MOUNT_BIND, false}},
    {"filesystem", "ro-bind-try", SBOX_SETTING_LIST, "SRC[:DST]",
     "like ro-bind, skipped when SRC is missing", apply_bind, .reset = reset_mounts, .split = true,
     .mount = {SBOX_MOUNT_RO_BIND, true}},
    {"filesystem", "bind-try", SBOX_SETTING_LIST, "SRC[:DST]",
     "like bind, skipped when SRC is missing", apply_bind, .reset = reset_mounts, .split = true,
     .mount = {SBOX_MOUNT_BIND, true}},
    {"filesystem", "cache", SBOX_SETTING_LIST, "NAME:DST",
     "sbox's private cache XDG_CACHE_HOME/sbox/NAME, read-write at DST", apply_cache,
     .reset = reset_mounts, .split = true},
    {"filesystem", "mirror", SBOX_SETTING_LIST, "PATH",
     "the host's PATH as it is, read-only (a symlink stays one)", apply_mirror,
     .reset = reset_mounts},
    {"filesystem", "tmpfs", SBOX_SETTING_LIST, "DST[:OPTS]",
     "empty tmpfs at DST; OPTS: size=SIZE,mode=OCTAL,noexec", apply_tmpfs, .reset = reset_mounts,
     .split = true},
    {"filesystem", "hide", SBOX_SETTING_LIST, "PATH",
     "show PATH as an empty, unwritable directory or file", apply_hide, .reset = reset_mounts},
    {"filesystem", "proc", SBOX_SETTING_LIST, "DST[:host-ro]",
     "a fresh proc at DST (host-ro: the outer one, read-only)", apply_proc, .reset = reset_mounts,
     .mount = {SBOX_MOUNT_PROC, false}},
    {"filesystem", "dev", SBOX_SETTING_LIST, "DST", "a minimal, read-only /dev at DST",
     apply_special, .reset = reset_mounts, .mount = {SBOX_MOUNT_DEV, false}},
    {"filesystem", "cwd", SBOX_SETTING_SCALAR, "MODE",
     "show the current directory's project (bind, ro-bind), the directory alone (here, ro-here), "
     "or none",
     apply_cwd},
    {"filesystem", "chdir", SBOX_SETTING_SCALAR, "DIR", "working directory inside", apply_chdir},
    {"filesystem", "rootfs", SBOX_SETTING_SCALAR, "DIR",
     "an image root instead of the host's system", apply_rootfs},
    {"filesystem", "image", SBOX_SETTING_SCALAR, "NAME",
     "a stored image (sbox image ls) instead of the host's system", apply_image},
    {"filesystem", "overlay", SBOX_SETTING_SCALAR, "tmpfs|DIR",
     "make the root writable: thrown away (tmpfs) or kept in DIR", apply_overlay},
    {"filesystem", "overlay-size", SBOX_SETTING_SCALAR, "SIZE",
     "the size of overlay = tmpfs's writes (default: as a tmpfs's)", apply_overlay_size},
    {"filesystem", "overlay-driver", SBOX_SETTING_SCALAR, "auto|native|fuse",
     "kernel overlayfs or fuse-overlayfs", apply_overlay_driver},
    {"filesystem", "capture", SBOX_SETTING_LIST, "DIR",
     "show DIR writable, keep the writes apart for sbox diff/apply", apply_capture,
     .reset = reset_mounts},
    {"filesystem", "capture-deny", SBOX_SETTING_LIST, "PATTERN",
     "paths in a capture sbox apply leaves out (glob, ** too)", apply_capture_deny,
     .reset = reset_capture_deny},
    {"filesystem", "capture-on", SBOX_SETTING_SCALAR, "last|ID|new",
     "go on writing a pending capture of the same directory", apply_capture_on},
    {"env", "setenv", SBOX_SETTING_LIST, "NAME=VALUE", "set a variable", apply_setenv,
     .reset = reset_env_ops, .env_op = SBOX_ENV_SET},
    {"env", "unsetenv", SBOX_SETTING_LIST, "NAME", "remove a variable", apply_unsetenv,
     .reset = reset_env_ops, .env_op = SBOX_ENV_UNSET},
    {"env", "path-prepend", SBOX_SETTING_LIST, "DIR",
     "put DIR in front of the command's PATH, after setenv (in the order given)",
     apply_path_prepend, .reset = reset_env_ops, .env_op = SBOX_ENV_PATH_PREPEND},
    {"env", "keep-env", SBOX_SETTING_LIST, "PATTERN",
     "pass host variables matching PATTERN (a glob passes no credential)", apply_keep_env,
     .reset = reset_keep_env},
    {"env", "clearenv", SBOX_SETTING_FLAG, NULL,
     "forget the keep-env patterns so far, the default allowlist included", apply_clearenv},
    {"env", "git-identity", SBOX_SETTING_FLAG, NULL,
     "GIT_AUTHOR_* and GIT_COMMITTER_* from your git user.name and user.email, nothing else of "
     "your git config",
     apply_git_identity},
    {"network", "hostname", SBOX_SETTING_SCALAR, "NAME", "hostname inside (default: sbox)",
     apply_hostname},
    {"network", "net", SBOX_SETTING_SCALAR, "none|host|slirp|pasta",
     "loopback only, the host's, or user-mode NAT", apply_net},
    {"network", "publish", SBOX_SETTING_LIST, "[IP:]PORT:PORT[/tcp|/udp]",
     "forward a host port in (on 127.0.0.1 unless IP)", apply_publish, .reset = reset_publish},
    {"network", "allow-host", SBOX_SETTING_LIST, "PATTERN[:PORT]",
     "reach only these hosts, through sbox's proxy (ports 80, 443); @npm, @pip: the registry "
     "the host's npm or pip uses",
     apply_allow_host, .reset = reset_allow_hosts},
    {"network", "allow-private", SBOX_SETTING_SCALAR, "yes|no",
     "let allow-host's names resolve to private addresses (no)", apply_allow_private},
    {"network", "host-loopback", SBOX_SETTING_SCALAR, "yes|no",
     "reach the host's loopback: via the gateway, or names on it (no)", apply_host_loopback},
    {"network", "ipv6", SBOX_SETTING_SCALAR, "yes|no",
     "IPv6 through the user-mode NAT (default: no)", apply_ipv6},
    {"network", "dns", SBOX_SETTING_SCALAR, "IP", "the resolver inside (default: the NAT's)",
     apply_dns},
    {"network", "proxy-hosts", SBOX_SETTING_SCALAR, "FILE",
     "for tests: allow-host's names from this hosts file, not DNS", apply_proxy_hosts},
    {"limits", "memory", SBOX_SETTING_SCALAR, "SIZE", "memory limit (a cgroup's, else per process)",
     apply_limit, .limit = SBOX_LIMIT_MEMORY},
    {"limits", "memory-swap", SBOX_SETTING_SCALAR, "SIZE", "swap limit (a cgroup's)", apply_limit,
     .limit = SBOX_LIMIT_MEMORY_SWAP},
    {"limits", "cpus", SBOX_SETTING_SCALAR, "N", "CPU limit, e.g. 1.5 (a cgroup's)", apply_limit,
     .limit = SBOX_LIMIT_CPUS},
    {"limits", "pids", SBOX_SETTING_SCALAR, "N", "process and thread limit", apply_limit,
     .limit = SBOX_LIMIT_PIDS},
    {"limits", "nofile", SBOX_SETTING_SCALAR, "N", "open file limit", apply_limit,
     .limit = SBOX_LIMIT_NOFILE},
    {"limits", "fsize", SBOX_SETTING_SCALAR, "SIZE", "largest file written", apply_limit,
     .limit = SBOX_LIMIT_FSIZE},
    {"limits", "cpu-time", SBOX_SETTING_SCALAR, "SECONDS", "CPU time per process", apply_limit,
     .limit = SBOX_LIMIT_CPU_TIME},
    {"limits", "core", SBOX_SETTING_SCALAR, "SIZE", "core dump size (default: 0)", apply_limit,
     .limit = SBOX_LIMIT_CORE},
    {"limits", "limits-strict", SBOX_SETTING_FLAG, NULL,
     "fail when a limit cannot be enforced exactly", apply_limits_strict},
    {"process", "terminal", SBOX_SETTING_SCALAR, "relay|raw|plain|none",
     "what the command's output may do to your terminal", apply_terminal},
    {"process", "no-tty", SBOX_SETTING_FLAG, NULL,
     "no pseudo-terminal of its own (terminal = none)", apply_no_tty},
    {"process", "exit-code-only", SBOX_SETTING_FLAG, NULL,
     "exit 128+N for a command killed by signal N", apply_exit_code_only},
    {"process", "pass-fd", SBOX_SETTING_LIST, "N",
     "give the command your descriptor N as it is (not a directory or a terminal)", apply_pass_fd,
     .reset = reset_pass_fd},
    {"process", "jobserver", SBOX_SETTING_FLAG, NULL,
     "let make inside join the jobserver MAKEFLAGS names (its descriptors or fifo)",
     apply_jobserver},
    {"process", "timeout", SBOX_SETTING_SCALAR, "DURATION",
     "kill the whole sandbox after DURATION (90s, 10m, 1h30m; none), exit 124", apply_timeout},
    {"process", "entrypoint", SBOX_SETTING_SCALAR, "CMD",
     "with an image: CMD in place of its Entrypoint ('' for none); its arguments go after --",
     apply_entrypoint, .empty_ok = true},
    {"security", "uid", SBOX_SETTING_SCALAR, "N",
     "user id inside (default: yours; 0 with rootfs, the User of an image or 0)", apply_uid},
    {"security", "gid", SBOX_SETTING_SCALAR, "N",
     "group id inside (default: yours; 0 with rootfs, the User of an image or 0)", apply_gid},
    {"security", "userns", SBOX_SETTING_SCALAR, "auto|single|subuid",
     "id mapping: your id alone, or with your subordinate ranges", apply_userns},
    {"security", "userns-keep", SBOX_SETTING_SCALAR, "DURATION",
     "keep the subuid namespace for later runs until DURATION unused (10m; none)",
     apply_userns_keep},
    {"security", "landlock", SBOX_SETTING_SCALAR, "auto|required|off",
     "a Landlock ruleset of the plan's paths as a second wall (auto: when the kernel has it)",
     apply_landlock},
    {"security", "landlock-test-rw", SBOX_SETTING_SCALAR, "DST",
     "for tests: mount the read-only bind at DST writable (needs landlock = required)",
     apply_landlock_test_rw},
    {"security", "isolation", SBOX_SETTING_SCALAR, "namespaces|landlock|auto",
     "namespaces, or Landlock alone where no user namespace can be made", apply_isolation},
    {"security", "cap-add", SBOX_SETTING_LIST, "CAP...",
     "keep these capabilities (in the sandbox's user namespace only)", apply_caps,
     .reset = reset_caps},
    {"security", "seccomp", SBOX_SETTING_SCALAR, "default|strict|none|FILE",
     "the system call filter's base policy, or a policy file", apply_seccomp},
    {"security", "nested", SBOX_SETTING_SCALAR, "yes|no",
     "let a sandbox run inside: its namespaces and mounts, nothing else (no)", apply_nested},
    {"seccomp", "deny", SBOX_SETTING_LIST, "SYSCALL...", "deny these calls, over the policy",
     apply_syscalls, .reset = reset_syscalls, .allow = false},
    {"seccomp", "allow", SBOX_SETTING_LIST, "SYSCALL...", "allow these calls, over the policy",
     apply_syscalls, .reset = reset_syscalls, .allow = true},
    {"seccomp", "errno", SBOX_SETTING_SCALAR, "ERRNO",
     "what denied calls fail with (default: EPERM)", apply_seccomp_errno},
    {"seccomp", "action", SBOX_SETTING_SCALAR, "errno|kill|log",
     "what a denied call does (default: errno)", apply_seccomp_action},
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

int sbox_plan_set(struct sbox_plan *p, const char *section, const char *key, const char *value,
                  const struct sbox_origin *o, struct sbox_error *err)
{
    const struct sbox_setting *s = sbox_setting_find(section, key);

    if (!s)
        return sbox_error(err, 0, "unknown setting `%s`", key);
    if (value[0] == '\0') {
        if (s->type == SBOX_SETTING_LIST) {
            s->reset(p, s);
            return 0;
        }
        if (!s->empty_ok)
            return sbox_origin_errorf(err, o, s->key, "needs a value");
    }
    if (s->apply(p, s, value, o, err) < 0)
        return sbox_origin_error(err, o, s->key);
    return 0;
}
