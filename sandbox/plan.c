/* plan.c: plans made, finished (checks, derived mounts, sizes, working directory) and queried.
 * Must never make a system call: host facts come in through struct sbox_host. */
#include "plan.h"
#include "cleanup.h"
#include "isolation.h"
#include "registry.h"
#include "usernet.h"
#include "util.h"
#include "value.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

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
    case SBOX_ORIGIN_IMAGE:
        snprintf(buf, size, "image %s", o->file);
        break;
    }
}

int sbox_origin_error(struct sbox_error *err, const struct sbox_origin *o, const char *key)
{
    char where[512];
    sbox_origin_format(o, key, where, sizeof where);
    return sbox_error_prefix(err, "%s", where);
}

int sbox_origin_errorf(struct sbox_error *err, const struct sbox_origin *o, const char *key,
                       const char *fmt, ...)
{
    char where[512], msg[SBOX_ERROR_MAX];
    va_list ap;
    sbox_origin_format(o, key, where, sizeof where);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sbox_error(err, 0, "%s: %s", where, msg);
}

struct sbox_mount *sbox_plan_add_mount(struct sbox_plan *p, enum sbox_mount_kind kind,
                                       const char *key, const struct sbox_origin *o)
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

bool sbox_plan_holds_a_home(const struct sbox_plan *p, const char *path)
{
    return sbox_path_is_under(p->home, path) ||
           (p->home_real && sbox_path_is_under(p->home_real, path)) ||
           (p->home_passwd && sbox_path_is_under(p->home_passwd, path));
}

/* Directories whose contents are shared with other programs or users: binding one of them as the
 * working directory would hand the sandbox far more than a project. */
const char *sbox_plan_shared_dir(const struct sbox_plan *p, const char *path)
{
    static const char *const shared[] = {"/tmp",  "/var/tmp", "/dev/shm", "/run", "/run/user",
                                         "/home", "/var",     "/usr",     "/etc"};
    static const char *const virtual_trees[] = {"/proc", "/sys", "/dev"};
    char runtime[64];

    /* Home itself or an ancestor of it, such as "/"; the current directory is a physical path,
     * so a home reached through a symlink (/home -> /data/home) is compared resolved too. */
    if (sbox_plan_holds_a_home(p, path))
        return "your home or a directory holding it";
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
        if (strcmp(path, shared[i]) == 0)
            return "a shared system directory";
    for (size_t i = 0; i < sizeof virtual_trees / sizeof *virtual_trees; i++)
        if (sbox_path_is_under(path, virtual_trees[i]))
            return "a shared system directory";
    snprintf(runtime, sizeof runtime, "/run/user/%u", (unsigned)p->host_uid);
    return strcmp(path, runtime) == 0 ? "a shared system directory" : NULL;
}

/* A hidden directory of the home: the first name below it starts with a dot (~/.ssh,
 * ~/.gnupg, ~/.aws, ~/.config, ~/.local/share, ~/.npm). Keys, tokens and shell start-up files
 * live there, and the empty home exists to keep them out. */
static const char *dot_dir_of(const char *home, const char *path)
{
    const char *rel;
    if (!home || !sbox_path_is_under(path, home) || strcmp(path, home) == 0)
        return NULL;
    rel = path + (strcmp(home, "/") == 0 ? 1 : strlen(home) + 1);
    return rel[0] == '.' ? rel : NULL;
}

static bool scratch(const struct sbox_plan *p, const char *dst)
{
    return strcmp(dst, "/tmp") == 0 || strcmp(dst, "/var/tmp") == 0 ||
           sbox_path_is_under(p->home, dst) ||
           (p->home_real && sbox_path_is_under(p->home_real, dst)) ||
           (p->home_passwd && sbox_path_is_under(p->home_passwd, dst));
}

/* path lies at or below dst, or below dst spelt with the home's other paths: a physical path
 * is compared with a destination written as ${HOME}/... where HOME leads through a symlink. */
static bool under_alias(const struct sbox_plan *p, const char *path, const char *dst)
{
    const char *aliases[] = {p->home_real, p->home_passwd};
    if (sbox_path_is_under(path, dst))
        return true;
    if (!sbox_path_is_under(dst, p->home) || strcmp(p->home, "/") == 0)
        return false;
    for (size_t i = 0; i < 2; i++) {
        _cleanup_free_ char *alt = NULL;
        if (!aliases[i])
            continue;
        alt = sbox_xasprintf("%s%s", aliases[i], dst + strlen(p->home));
        if (sbox_path_is_under(path, alt))
            return true;
    }
    return false;
}

static const char *hidden(const struct sbox_plan *p, const char *path, bool mounts, char *buf,
                          size_t size);

const char *sbox_plan_exposes(const struct sbox_plan *p, const char *path, bool mounts, char *buf,
                              size_t size)
{
    static const char *const kernel[] = {"/proc", "/sys", "/dev"};
    char runtime[64];
    if (hidden(p, path, mounts, buf, size))
        return buf;
    if (sbox_plan_holds_a_home(p, path)) {
        snprintf(buf, size, "your home or a directory holding it");
        return buf;
    }
    snprintf(runtime, sizeof runtime, "/run/user/%u", (unsigned)p->host_uid);
    if (sbox_path_is_under(runtime, path)) {
        snprintf(buf, size, "a directory holding your runtime directory");
        return buf;
    }
    for (size_t i = 0; i < sizeof kernel / sizeof *kernel; i++)
        if (sbox_path_is_under(path, kernel[i])) {
            snprintf(buf, size, "the kernel's %s", kernel[i]);
            return buf;
        }
    return NULL;
}

const char *sbox_plan_hidden(const struct sbox_plan *p, const char *path, char *buf, size_t size)
{
    return hidden(p, path, true, buf, size);
}

static const char *hidden(const struct sbox_plan *p, const char *path, bool mounts, char *buf,
                          size_t size)
{
    const char *homes[] = {p->home, p->home_real, p->home_passwd};
    char runtime[64];
    for (size_t i = 0; i < 3; i++) {
        const char *rel = dot_dir_of(homes[i], path);
        if (rel) {
            snprintf(buf, size, "a hidden directory of your home (~/%.*s)", (int)strcspn(rel, "/"),
                     rel);
            return buf;
        }
    }
    snprintf(runtime, sizeof runtime, "/run/user/%u", (unsigned)p->host_uid);
    if (sbox_path_is_under(path, runtime)) {
        snprintf(buf, size, "your runtime directory %s", runtime);
        return buf;
    }
    for (size_t i = 0; mounts && i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        char where[512];
        if ((m->kind != SBOX_MOUNT_HIDE && m->kind != SBOX_MOUNT_TMPFS) ||
            (m->kind == SBOX_MOUNT_TMPFS && scratch(p, m->dst)) || !under_alias(p, path, m->dst))
            continue;
        sbox_origin_format(&m->origin, m->key, where, sizeof where);
        snprintf(buf, size, "%s by `%s = %s` (%s)",
                 m->kind == SBOX_MOUNT_HIDE ? "hidden" : "emptied", m->key, m->dst, where);
        return buf;
    }
    return NULL;
}

/* What a build may write but should not land in the project unreviewed: files that run code
 * later, outside any sandbox, or point a tool that does at the build's choice: git's hooks,
 * its config and anything else of the repository (a .git file or symlink that points git
 * elsewhere included), filters and diff drivers chosen by .gitattributes; direnv's and dotenv's
 * files; npm's, yarn's and pnpm's settings and hooks; pre-commit's, mise's and asdf's
 * configurations; editors' and dev containers' settings and tasks; CI workflows and hook
 * managers. Without a leading / a pattern matches at any depth, as each of these tools reads
 * its file from a subdirectory too (a package of a monorepo, a folder opened alone). The hooks
 * directory the repository's own core.hooksPath names is denied where the changes are read
 * (changes.c), and whatever lies in a git directory of any name. sbox.ini(5) lists these
 * under capture-deny: keep the two the same. */
static const char *const capture_deny_default[] = {
    /* git: the repository, and the filters and drivers .gitattributes chooses */
    ".git/hooks/**",
    ".git/config",
    ".git",
    ".git/**",
    ".gitattributes",
    /* what a shell or a program loads into its environment */
    ".envrc",
    ".env*",
    /* package managers' settings and hooks */
    ".npmrc",
    ".yarnrc*",
    ".pnpmfile.cjs",
    ".pnpmfile.mjs",
    /* tool managers and pre-commit */
    ".pre-commit-config.yaml",
    ".mise.toml",
    ".mise.*.toml",
    "mise.toml",
    "mise.*.toml",
    ".tool-versions",
    /* editors and dev containers */
    ".vscode/**",
    ".idea/**",
    ".devcontainer/**",
    /* CI and hook managers */
    ".github/workflows/**",
    ".husky/**",
    ".githooks/**",
};

void sbox_plan_add_pattern(struct sbox_pattern **v, size_t *n, const char *glob,
                           const struct sbox_origin *o)
{
    *v = sbox_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = (struct sbox_pattern){.glob = sbox_xstrdup(glob), .origin = *o};
}

void sbox_plan_init(struct sbox_plan *p, const struct sbox_host *h)
{
    memset(p, 0, sizeof *p);
    p->host_uid = h->uid;
    p->host_gid = h->gid;
    p->uid = (uint32_t)h->uid;
    p->gid = (uint32_t)h->gid;
    p->uid_origin = p->gid_origin = builtin;
    p->user = sbox_xstrdup(h->user);
    p->home = sbox_xstrdup(h->home);
    p->home_real = h->home_real ? sbox_xstrdup(h->home_real) : NULL;
    p->home_passwd = h->home_passwd ? sbox_xstrdup(h->home_passwd) : NULL;
    p->cwd = h->cwd ? sbox_xstrdup(h->cwd) : NULL;
    p->pwd = h->pwd ? sbox_xstrdup(h->pwd) : NULL;
    p->project = h->project ? sbox_xstrdup(h->project) : NULL;
    p->project_marker = h->project_marker;
    p->shell = sbox_xstrdup(h->shell);
    p->tty = h->tty ? sbox_xstrdup(h->tty) : NULL;
    p->ttys = h->ttys;
    p->mem_total = h->mem_total;
    p->hostname = sbox_xstrdup("sbox");
    p->hostname_origin = builtin;
    p->chdir_origin = builtin;
    p->cwd_origin = builtin;
    p->userns_origin = p->rootfs_origin = p->image_origin = builtin;
    p->userns_keep_ms = 10 * 60 * 1000;
    p->userns_keep_text = sbox_xstrdup("10m");
    p->userns_keep_origin = builtin;
    p->overlay_origin = p->overlay_driver_origin = p->overlay_size_origin = builtin;
    p->seccomp_origin = p->seccomp_errno_origin = p->seccomp_action_origin = builtin;
    p->net_origin = p->host_loopback_origin = p->ipv6_origin = p->dns_origin = builtin;
    p->allow_private_origin = builtin;
    p->nested_origin = builtin;
    p->proxy_hosts_origin = builtin;
    p->landlock_origin = p->landlock_test_rw_origin = p->isolation_origin = builtin;
    for (int i = 0; i < SBOX_N_LIMITS; i++)
        p->limits[i].origin = builtin;
    /* No core dumps unless asked: a dump of a build can hold its secrets. */
    p->limits[SBOX_LIMIT_CORE].set = true;
    p->limits[SBOX_LIMIT_CORE].text = sbox_xstrdup("0");
    p->limits_strict_origin = builtin;
    p->terminal_origin = p->exit_code_only_origin = p->capture_on_origin = builtin;
    p->timeout_origin = p->git_identity_origin = p->jobserver_origin = builtin;
    p->entrypoint_origin = builtin;
    for (size_t i = 0; i < sizeof capture_deny_default / sizeof *capture_deny_default; i++)
        sbox_plan_add_pattern(&p->capture_deny, &p->n_capture_deny, capture_deny_default[i],
                              &builtin);
    p->capture_deny_builtin = true;
    p->capture_store = h->state_home ? sbox_xasprintf("%s/sbox/captures", h->state_home)
                                     : sbox_xasprintf("%s/.local/state/sbox/captures",
                                                      strcmp(h->home, "/") ? h->home : "");
    p->cache_home = h->cache_home
                        ? sbox_xstrdup(h->cache_home)
                        : sbox_xasprintf("%s/.cache", strcmp(h->home, "/") ? h->home : "");
    /* The stores other runs of this user may use: this one, and the default place in the
     * home as HOME says and as the passwd entry says. */
    sbox_strv_push(&p->capture_stores, sbox_xstrdup(p->capture_store));
    {
        const char *homes[] = {h->home, h->home_real, h->home_passwd};
        for (size_t i = 0; i < 3; i++) {
            char *st;
            bool seen = false;
            if (!homes[i] || strcmp(homes[i], "/") == 0)
                continue;
            st = sbox_xasprintf("%s/.local/state/sbox/captures", homes[i]);
            for (size_t j = 0; p->capture_stores[j] && !seen; j++)
                seen = strcmp(p->capture_stores[j], st) == 0;
            if (seen)
                free(st);
            else
                sbox_strv_push(&p->capture_stores, st);
        }
    }
    /* allow-host's registry cache (registry.c) is guarded as the stores are: a sandbox that
     * could write it could add a host to the next run's @npm. */
    {
        size_t n = sbox_strv_len(p->capture_stores);
        for (size_t i = 0; i < n && i < 4; i++) {
            _cleanup_free_ char *state = sbox_xstrndup(
                p->capture_stores[i], strlen(p->capture_stores[i]) - strlen("/sbox/captures"));
            sbox_strv_push(&p->capture_stores, sbox_registry_cache_dir(state));
        }
    }
}

static void image_facts_free(struct sbox_image_facts *f)
{
    free(f->store);
    sbox_strv_free(f->layers);
    free(f->digest);
    sbox_strv_free(f->env);
    sbox_strv_free(f->entrypoint);
    sbox_strv_free(f->cmd);
    free(f->workdir);
    free(f->user);
    sbox_strv_free(f->ports);
    free(f->passwd);
    memset(f, 0, sizeof *f);
}

void sbox_plan_set_image(struct sbox_plan *p, struct sbox_image_facts *facts)
{
    image_facts_free(&p->image_facts);
    p->image_facts = *facts;
    memset(facts, 0, sizeof *facts);
}

void sbox_plan_free(struct sbox_plan *p)
{
    for (int i = 0; i < SBOX_N_LIMITS; i++)
        free(p->limits[i].text);
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
    for (size_t i = 0; i < p->n_capture_deny; i++)
        free(p->capture_deny[i].glob);
    free(p->capture_deny);
    free(p->capture_store);
    free(p->image_store);
    free(p->cache_home);
    sbox_strv_free(p->capture_stores);
    free(p->hostname);
    free(p->rootfs);
    free(p->image);
    image_facts_free(&p->image_facts);
    free(p->overlay_dir);
    free(p->seccomp_file);
    for (size_t i = 0; i < p->n_syscall_rules; i++)
        free(p->syscall_rules[i].name);
    free(p->syscall_rules);
    for (size_t i = 0; i < p->n_policy_rules; i++)
        free(p->policy_rules[i].name);
    free(p->policy_rules);
    free(p->syscall_origins);
    free(p->caps);
    free(p->publish);
    free(p->dns);
    for (size_t i = 0; i < p->n_allow_hosts; i++)
        sbox_proxy_rule_free(&p->allow_hosts[i]);
    free(p->allow_hosts);
    free(p->allow_host_origins);
    free(p->proxy_hosts);
    free(p->landlock_test_rw);
    free(p->chdir);
    free(p->entrypoint);
    sbox_strv_free(p->argv);
    free(p->user);
    free(p->home);
    free(p->home_real);
    free(p->home_passwd);
    free(p->cwd);
    free(p->pwd);
    free(p->project);
    free(p->timeout_text);
    free(p->userns_keep_text);
    free(p->git_name);
    free(p->pass_fds);
    free(p->pass_fd_origins);
    free(p->git_email);
    sbox_strv_free(p->profiles_applied);
    free(p->shell);
    free(p->tty);
    free(p->capture_on);
    sbox_strv_free(p->notes);
    memset(p, 0, sizeof *p);
}

void sbox_plan_seccomp_policy(const struct sbox_plan *p, struct sbox_seccomp_policy *pol)
{
    *pol = (struct sbox_seccomp_policy){
        .base = p->seccomp_file ? p->file_base : p->seccomp,
        .rules = p->policy_rules ? p->policy_rules : p->syscall_rules,
        .n_rules = p->policy_rules ? p->n_policy_rules : p->n_syscall_rules,
        .errnum = p->seccomp_errno ? p->seccomp_errno : p->file_errno,
        .action = p->seccomp_action_set ? p->seccomp_action
                  : p->file_action_set  ? p->file_action
                                        : SBOX_SECCOMP_ERRNO,
    };
}

uint64_t sbox_plan_caps(const struct sbox_plan *p)
{
    uint64_t mask = 0;
    for (size_t i = 0; i < p->n_caps; i++)
        mask |= 1ULL << p->caps[i].cap;
    return mask;
}

void sbox_plan_drop_mounts(struct sbox_plan *p, const char *key, int kind)
{
    size_t o = 0;
    for (size_t i = 0; i < p->n_mounts; i++) {
        if ((key && strcmp(p->mounts[i].key, key) == 0) || (int)p->mounts[i].kind == kind) {
            free(p->mounts[i].src);
            free(p->mounts[i].dst);
        } else {
            p->mounts[o++] = p->mounts[i];
        }
    }
    p->n_mounts = o;
}

void sbox_plan_pass_fd(struct sbox_plan *p, int fd, const struct sbox_origin *o)
{
    for (size_t i = 0; i < p->n_pass_fds; i++)
        if (p->pass_fds[i] == fd)
            return;
    p->pass_fds = sbox_xrealloc(p->pass_fds, (p->n_pass_fds + 1) * sizeof *p->pass_fds);
    p->pass_fd_origins =
        sbox_xrealloc(p->pass_fd_origins, (p->n_pass_fds + 1) * sizeof *p->pass_fd_origins);
    p->pass_fds[p->n_pass_fds] = fd;
    p->pass_fd_origins[p->n_pass_fds++] = *o;
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

/* Shows the caller's directory as cwd = asks, unless that would hand over a shared tree, and
 * never a directory the plan keeps from the sandbox: a payload of an earlier run can replace a
 * project directory with a symlink to ~/.ssh, which the user's shell then follows. */
/* The directory cwd = bind shows: the project's top (sbox_host_project) when the command starts
 * below it, so `cd webapp/test && sbox -- npm test` finds webapp's package.json; the current
 * directory itself when there is none, or when the top could not be shown. */
static const char *cwd_top(struct sbox_plan *p)
{
    const char *why;
    char because[512];
    if (p->cwd_here || !p->project || !p->cwd || strcmp(p->project, p->cwd) == 0 ||
        !sbox_path_is_under(p->cwd, p->project))
        return p->cwd;
    why = sbox_plan_shared_dir(p, p->project);
    if (!why)
        why = sbox_plan_hidden(p, p->project, because, sizeof because);
    if (why) {
        if (p->verbose)
            sbox_strv_push(&p->notes,
                           sbox_xasprintf("the project's top %s (it holds %s) is %s: showing the "
                                          "current directory alone",
                                          p->project, p->project_marker, why));
        return p->cwd;
    }
    if (p->verbose)
        sbox_strv_push(&p->notes, sbox_xasprintf("showing the project's top %s (it holds %s), "
                                                 "starting in %s; cwd = here shows the current "
                                                 "directory alone",
                                                 p->project, p->project_marker, p->cwd));
    return p->project;
}

static int add_cwd(struct sbox_plan *p, struct sbox_error *err)
{
    struct sbox_mount *m;
    const char *why, *top;
    char because[512], via[4200] = "";
    if (p->cwd_mode == SBOX_CWD_NONE)
        return 0;
    if (!p->cwd) {
        sbox_strv_push(&p->notes, sbox_xstrdup("the current directory no longer exists; "
                                               "running in the empty home"));
        return 0;
    }
    if (p->pwd)
        snprintf(via, sizeof via, " (your shell's $PWD `%s` leads there through a symlink)",
                 p->pwd);
    /* A captured directory is shown through its overlay: binding the real one over it would
     * let the sandbox write where the capture promises it cannot. A hidden directory that the
     * profiles bind by name at its own place is theirs to show, as they say. */
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *c = &p->mounts[i];
        if (c->kind == SBOX_MOUNT_CAPTURE && sbox_path_is_under(p->cwd, c->dst))
            return 0;
        if ((c->kind == SBOX_MOUNT_BIND || c->kind == SBOX_MOUNT_RO_BIND) &&
            c->origin.kind != SBOX_ORIGIN_BUILTIN && strcmp(c->src, c->dst) == 0 &&
            sbox_path_is_under(p->cwd, c->dst) &&
            sbox_plan_hidden(p, c->dst, because, sizeof because))
            return 0;
    }
    if ((why = sbox_plan_shared_dir(p, p->cwd))) {
        sbox_strv_push(&p->notes, sbox_xasprintf("not binding the current directory %s (it is "
                                                 "%s); running in the empty home",
                                                 p->cwd, why));
        return 0;
    }
    why = sbox_plan_hidden(p, p->cwd, because, sizeof because);
    if (why) {
        char where[512];
        sbox_origin_format(&p->cwd_origin, "cwd", where, sizeof where);
        return sbox_error(err, 0,
                          "%s: the current directory `%s` is %s, which the sandbox must not "
                          "see%s; cd elsewhere, use --cwd none, or --bind it by name",
                          p->cwd_origin.kind == SBOX_ORIGIN_BUILTIN ? "cwd" : where, p->cwd, why,
                          via);
    }
    if (via[0])
        sbox_strv_push(&p->notes, sbox_xasprintf("the current directory is %s%s", p->cwd, via));
    top = cwd_top(p);
    m = sbox_plan_add_mount(p, p->cwd_mode == SBOX_CWD_BIND ? SBOX_MOUNT_BIND : SBOX_MOUNT_RO_BIND,
                            "cwd", &p->cwd_origin);
    m->src = sbox_xstrdup(top);
    m->dst = sbox_xstrdup(top);
    return 0;
}

static bool has_mount_at(const struct sbox_plan *p, const char *dst)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind != SBOX_MOUNT_HIDE && strcmp(p->mounts[i].dst, dst) == 0)
            return true;
    return false;
}

/* A stored image's config, where the plan leaves the choice open (as Docker reads it): User
 * when no uid (gid) is set, a given uid's group in its passwd when no gid is, WorkingDir when
 * no chdir is, and the command: Entrypoint (or entrypoint's word, or none), then the command
 * given, or else Cmd; the image's /bin/sh when it names neither. Its Env goes first in the
 * environment (plan-env.c). */
static void apply_image_config(struct sbox_plan *p)
{
    const struct sbox_image_facts *f = &p->image_facts;
    const struct sbox_origin from = {.kind = SBOX_ORIGIN_IMAGE, .file = p->image};
    char *const given[] = {p->entrypoint, NULL};
    char *const *entry = !p->entrypoint_set ? f->entrypoint : p->entrypoint ? given : NULL;
    char **argv = NULL;
    uint32_t gid;
    if (p->uid_origin.kind == SBOX_ORIGIN_BUILTIN && f->uid_set) {
        p->uid = f->uid;
        p->uid_origin = from;
    }
    if (p->gid_origin.kind == SBOX_ORIGIN_BUILTIN && f->gid_set &&
        p->uid_origin.kind == SBOX_ORIGIN_IMAGE) {
        p->gid = f->gid;
        p->gid_origin = from;
    }
    /* A uid given alone: its primary group in the image's passwd, else 0, as Docker's --user N.
     * The image's own User names another user, so its group is not this one's. */
    if (p->gid_origin.kind == SBOX_ORIGIN_BUILTIN && p->uid_origin.kind != SBOX_ORIGIN_BUILTIN &&
        p->uid_origin.kind != SBOX_ORIGIN_IMAGE && f->passwd &&
        sbox_passwd_gid(f->passwd, p->uid, &gid)) {
        p->gid = gid;
        p->gid_origin = from;
    }
    if (!p->chdir && f->workdir && f->workdir[0] == '/') {
        p->chdir = sbox_path_resolve("/", f->workdir + 1);
        p->chdir_origin = from;
    }
    for (size_t i = 0; entry && entry[i]; i++)
        sbox_strv_push(&argv, sbox_xstrdup(entry[i]));
    for (size_t i = 0; !p->argv_default && p->argv && p->argv[i]; i++)
        sbox_strv_push(&argv, sbox_xstrdup(p->argv[i]));
    /* Cmd was written as the image's Entrypoint's arguments: an entrypoint set in its place
     * runs alone, as Docker drops Cmd then; with none, Cmd is the command. */
    for (size_t i = 0; p->argv_default && !p->entrypoint && f->cmd && f->cmd[i]; i++)
        sbox_strv_push(&argv, sbox_xstrdup(f->cmd[i]));
    if (!argv)
        sbox_strv_push(&argv, sbox_xstrdup("/bin/sh"));
    sbox_strv_free(p->argv);
    p->argv = argv;
}

/* An image brings its own system: the host's mirrored directories are not shown (nothing of the
 * host is, unless bound), sbox provides /proc, /dev and /tmp if the profiles do not, the payload
 * is root in the image unless uid/gid say otherwise, and the default command is the image's
 * /bin/sh rather than the caller's shell. */
static void adapt_to_image(struct sbox_plan *p)
{
    sbox_plan_drop_mounts(p, NULL, SBOX_MOUNT_MIRROR);
    if (!has_mount_at(p, "/proc"))
        sbox_plan_add_mount(p, SBOX_MOUNT_PROC, "proc", &builtin)->dst = sbox_xstrdup("/proc");
    if (!has_mount_at(p, "/dev"))
        sbox_plan_add_mount(p, SBOX_MOUNT_DEV, "dev", &builtin)->dst = sbox_xstrdup("/dev");
    if (!has_mount_at(p, "/tmp")) {
        struct sbox_mount *m = sbox_plan_add_mount(p, SBOX_MOUNT_TMPFS, "tmpfs", &builtin);
        m->dst = sbox_xstrdup("/tmp");
        m->mode = 01777;
    }
    if (p->uid_origin.kind == SBOX_ORIGIN_BUILTIN)
        p->uid = 0;
    if (p->gid_origin.kind == SBOX_ORIGIN_BUILTIN)
        p->gid = 0;
    if (p->image) {
        apply_image_config(p);
        return;
    }
    if (p->argv_default) {
        sbox_strv_free(p->argv);
        p->argv = NULL;
        sbox_strv_push(&p->argv, sbox_xstrdup("/bin/sh"));
    }
}

/* Hides go last so they cover whatever the other mounts put there; otherwise parents before
 * children, so a bind inside a tmpfs is not buried by it; equal depths keep the order given. */
void sbox_plan_sort_mounts(struct sbox_plan *p)
{
    struct sbox_mount *sorted = sbox_xmalloc((p->n_mounts + 1) * sizeof *sorted);
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
}

static bool any_address(const char *ip)
{
    return strcmp(ip, "0.0.0.0") == 0 || strcmp(ip, "::") == 0;
}

/* What user-mode networking cannot do, or could do only by opening the wall: said before
 * anything starts, in one line naming the setting. */
static int check_usernet(const struct sbox_plan *p, struct sbox_error *err)
{
    const char *net = p->net == SBOX_NET_SLIRP ? "slirp" : "pasta";
    for (size_t i = 0; i < p->n_publish; i++) {
        const struct sbox_publish_spec *a = &p->publish[i].spec;
        const struct sbox_origin *o = &p->publish[i].origin;
        const bool v6 = strchr(a->host_ip, ':') != NULL;
        /* sbox's own relay listens on any address of the host's; the helpers need more. */
        const bool relayed = sbox_publish_relayed(p, a);
        if (v6 && p->net == SBOX_NET_SLIRP && !relayed)
            return sbox_origin_errorf(err, o, "publish",
                                      "slirp4netns publishes UDP on IPv4 addresses only, not [%s] "
                                      "(net = pasta with ipv6 = yes does)",
                                      a->host_ip);
        if (v6 && !p->ipv6 && !relayed)
            return sbox_origin_errorf(err, o, "publish", "the IPv6 address [%s] needs ipv6 = yes",
                                      a->host_ip);
        for (size_t j = 0; j < i; j++) {
            const struct sbox_publish_spec *b = &p->publish[j].spec;
            if (a->udp == b->udp && a->host_port == b->host_port &&
                (strchr(b->host_ip, ':') != NULL) == v6 &&
                (strcmp(a->host_ip, b->host_ip) == 0 || any_address(a->host_ip) ||
                 any_address(b->host_ip)))
                return sbox_origin_errorf(err, o, "publish",
                                          "%s port %u on %s is already published",
                                          a->udp ? "udp" : "tcp", a->host_port, a->host_ip);
        }
    }
    /* The helper forwards whatever the sandbox sends it, to any address: the wall around the
     * host's loopback is the sandbox's routing table, which these capabilities let it change
     * (NET_ADMIN) or go around (NET_RAW, with packet sockets). */
    for (size_t i = 0; !p->host_loopback && i < p->n_caps; i++)
        if (p->caps[i].cap == CAP_NET_ADMIN || p->caps[i].cap == CAP_NET_RAW) {
            char name[64];
            sbox_value_capability_name(p->caps[i].cap, name, sizeof name);
            return sbox_origin_errorf(err, &p->caps[i].origin, "cap-add",
                                      "%s with net = %s would let the sandbox reach your "
                                      "loopback through the helper; to accept that, set "
                                      "host-loopback = yes",
                                      name, net);
        }
    return 0;
}

/* The size of a tmpfs the plan does not size: a quarter of the machine's memory (in whole
 * megabytes), or the memory limit when that is smaller. The kernel's default is half the
 * machine for each one, and a tmpfs's pages belong to no process: rlimits never see them, so
 * without a cgroup `memory = 64M` alone would not stop gigabytes written to the home. */
static uint64_t default_tmpfs_size(const struct sbox_plan *p)
{
    const struct sbox_limit_value *mem = &p->limits[SBOX_LIMIT_MEMORY];
    uint64_t size = (p->mem_total / 4) & ~(((uint64_t)1 << 20) - 1);
    if (mem->set && (size == 0 || mem->value < size))
        size = mem->value;
    return size;
}

/* A size written for a tmpfs, at most the memory limit: lowered to it with a note, or refused
 * under limits-strict (a tmpfs larger than the limit is memory the limit does not hold). */
static int bound_size(struct sbox_plan *p, const char *what, uint64_t size,
                      const struct sbox_origin *o, const char *key, uint64_t *ret,
                      struct sbox_error *err)
{
    const struct sbox_limit_value *mem = &p->limits[SBOX_LIMIT_MEMORY];
    char given[32];
    if (!mem->set || size <= mem->value) {
        *ret = size;
        return 0;
    }
    sbox_value_size_format(size, given, sizeof given);
    if (p->limits_strict)
        return sbox_origin_errorf(err, o, key,
                                  "%s: size %s is more than memory = %s (with limits-strict, no "
                                  "tmpfs may be larger)",
                                  what, given, mem->text);
    sbox_strv_push(&p->notes,
                   sbox_xasprintf("%s: size %s lowered to memory = %s", what, given, mem->text));
    *ret = mem->value;
    return 0;
}

/* Gives every tmpfs of the plan its size (see default_tmpfs_size). */
static int size_tmpfs(struct sbox_plan *p, struct sbox_error *err)
{
    p->tmpfs_size = default_tmpfs_size(p);
    p->overlay_eff_size = 0;
    if (p->overlay_size && p->overlay != SBOX_OVERLAY_TMPFS)
        /* Said, never ignored: a kept overlay's writes go to its directory's file system. */
        return sbox_origin_errorf(err, &p->overlay_size_origin, "overlay-size",
                                  "`overlay-size` needs overlay = tmpfs (the overlay is %s)",
                                  p->overlay == SBOX_OVERLAY_NONE ? "none" : "a directory");
    if (p->overlay == SBOX_OVERLAY_TMPFS && !p->overlay_size)
        p->overlay_eff_size = p->tmpfs_size;
    else if (p->overlay == SBOX_OVERLAY_TMPFS) {
        int r = bound_size(p, "overlay = tmpfs", p->overlay_size, &p->overlay_size_origin,
                           "overlay-size", &p->overlay_eff_size, err);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < p->n_mounts; i++) {
        struct sbox_mount *m = &p->mounts[i];
        _cleanup_free_ char *what = NULL;
        int r;
        if (m->kind != SBOX_MOUNT_TMPFS)
            continue;
        if (!m->has_size) {
            m->eff_size = p->tmpfs_size;
            continue;
        }
        what = sbox_xasprintf("tmpfs `%s`", m->dst);
        r = bound_size(p, what, m->size, &m->origin, m->key, &m->eff_size, err);
        if (r < 0)
            return r;
    }
    return 0;
}

/* allow-host is a network of its own: the sandbox's loopback, and sbox's proxy as the only way
 * out. Another network beside it would be a way around the proxy; proxy-hosts means nothing
 * without it. */
static int check_proxy(const struct sbox_plan *p, struct sbox_error *err)
{
    static const char *const nets[] = {"none", "host", "slirp", "pasta"};
    char where[512];
    if (!p->n_allow_hosts && p->proxy_hosts)
        return sbox_origin_errorf(err, &p->proxy_hosts_origin, "proxy-hosts",
                                  "`proxy-hosts` needs allow-host (it names the proxy's hosts)");
    if (!p->n_allow_hosts || p->net == SBOX_NET_NONE)
        return 0;
    sbox_origin_format(&p->allow_host_origins[0], "allow-host", where, sizeof where);
    return sbox_origin_errorf(err, &p->net_origin, "net",
                              "net = %s and allow-host (%s) do not go together: with allow-host "
                              "the sandbox has loopback alone and reaches the named hosts "
                              "through sbox's proxy (leave net = none)",
                              nets[p->net], where);
}

/* landlock-test-rw weakens a mount on purpose: only where Landlock is sure to stand in for it,
 * and only on a read-only bind (what it turns writable). */
static int check_landlock_test(const struct sbox_plan *p, struct sbox_error *err)
{
    if (!p->landlock_test_rw)
        return 0;
    if (p->landlock != SBOX_LANDLOCK_REQUIRED || p->isolation != SBOX_ISOLATION_NAMESPACES)
        return sbox_origin_errorf(err, &p->landlock_test_rw_origin, "landlock-test-rw",
                                  "for tests only, and only with landlock = required and "
                                  "isolation = namespaces (it leaves a mount to Landlock alone)");
    for (size_t i = p->n_mounts; i-- > 0;)
        if (strcmp(p->mounts[i].dst, p->landlock_test_rw) == 0) {
            if (p->mounts[i].kind == SBOX_MOUNT_RO_BIND)
                return 0;
            break;
        }
    return sbox_origin_errorf(err, &p->landlock_test_rw_origin, "landlock-test-rw",
                              "`%s` is not the destination of a read-only bind",
                              p->landlock_test_rw);
}

/* Settings of user-mode networking mean nothing without it: said, never ignored. host-loopback
 * also lets allow-host's proxy reach names that resolve to the host's loopback. */
static int check_usernet_unused(const struct sbox_plan *p, struct sbox_error *err)
{
    const char *key = NULL;
    const struct sbox_origin *o = NULL;
    if (p->n_publish)
        key = "publish", o = &p->publish[0].origin;
    else if (p->host_loopback && !p->n_allow_hosts)
        key = "host-loopback", o = &p->host_loopback_origin;
    else if (p->allow_private && !p->n_allow_hosts)
        return sbox_origin_errorf(err, &p->allow_private_origin, "allow-private",
                                  "allow-private needs allow-host (the hosts it lets through)");
    else if (p->ipv6)
        key = "ipv6", o = &p->ipv6_origin;
    else if (p->dns)
        key = "dns", o = &p->dns_origin;
    if (key)
        return sbox_origin_errorf(err, o, key,
                                  "`%s` needs net = slirp or pasta%s (the network is %s)", key,
                                  o == &p->host_loopback_origin ? ", or allow-host" : "",
                                  p->n_allow_hosts          ? "allow-host's proxy"
                                  : p->net == SBOX_NET_HOST ? "the host's"
                                                            : "none");
    return 0;
}

/* What the network will do that the settings do not say: a note each, once. */
static void note_network(struct sbox_plan *p)
{
    for (size_t i = 0; p->net == SBOX_NET_SLIRP && !p->host_loopback && i < p->n_publish; i++)
        if (p->publish[i].spec.udp && strncmp(p->publish[i].spec.host_ip, "127.", 4) == 0) {
            /* libslirp answers a UDP client on the host's loopback through the same path it
             * closes to the sandbox's own connections there. */
            sbox_strv_push(&p->notes,
                           sbox_xasprintf("publish %s:%u/udp: answers to clients on the host's "
                                          "loopback need host-loopback = yes (slirp4netns)",
                                          p->publish[i].spec.host_ip,
                                          p->publish[i].spec.host_port));
            break;
        }
    for (size_t i = 0; p->net == SBOX_NET_PASTA && i < p->n_publish; i++)
        if (p->publish[i].spec.udp && p->publish[i].spec.host_port != p->publish[i].spec.port) {
            /* Debian 12's pasta (2023-03) drops such datagrams from the host's loopback. */
            sbox_strv_push(&p->notes,
                           sbox_xasprintf("publish %s:%u:%u/udp: older pasta versions drop UDP "
                                          "sent to another port inside; if it stays silent, "
                                          "listen on %u inside and publish %u:%u/udp, or use "
                                          "net = slirp",
                                          p->publish[i].spec.host_ip, p->publish[i].spec.host_port,
                                          p->publish[i].spec.port, p->publish[i].spec.host_port,
                                          p->publish[i].spec.host_port,
                                          p->publish[i].spec.host_port));
            break;
        }
    if (p->net == SBOX_NET_HOST)
        sbox_strv_push(&p->notes,
                       sbox_xstrdup("net = host: the sandbox shares your network; services on "
                                    "your loopback and abstract UNIX sockets (X11, D-Bus, ...) are "
                                    "reachable from it"));
}

/* As for the current directory: a capture shows the tree to the sandbox, so a shared one (the
 * home with its keys, /tmp with others' sockets) is a mistake, most often `sbox -p build`
 * started in the wrong place; so are a hidden one and two captures of one tree. */
static int check_captures(const struct sbox_plan *p, struct sbox_error *err)
{
    if (p->capture_on && !sbox_plan_captures(p))
        return sbox_origin_errorf(err, &p->capture_on_origin, "capture-on",
                                  "capture-on = %s, but nothing is captured (capture = DIR)",
                                  p->capture_on);
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *a = &p->mounts[i];
        char because[512];
        const char *why;
        if (a->kind != SBOX_MOUNT_CAPTURE)
            continue;
        if ((why = sbox_plan_shared_dir(p, a->src)))
            return sbox_origin_errorf(err, &a->origin, a->key,
                                      "`%s` is %s: capture a project directory", a->src, why);
        if ((why = sbox_plan_hidden(p, a->src, because, sizeof because)))
            return sbox_origin_errorf(err, &a->origin, a->key,
                                      "`%s` is %s, which the sandbox must not see%s", a->src, why,
                                      p->pwd && strcmp(a->src, p->cwd) == 0
                                          ? " (the current directory, reached through a symlink)"
                                          : "");
        for (size_t j = 0; j < p->n_mounts; j++) {
            const struct sbox_mount *b = &p->mounts[j];
            if (j == i || b->kind != SBOX_MOUNT_CAPTURE || !sbox_path_is_under(a->src, b->src))
                continue;
            return sbox_origin_errorf(err, &a->origin, a->key,
                                      "`%s` is %s `%s`: capture one or the other", a->src,
                                      strcmp(a->src, b->src) == 0 ? "already captured as"
                                                                  : "inside the captured directory",
                                      b->src);
        }
    }
    return 0;
}

/* With ranges, a uid other than 0 inside is a subordinate id outside, which owns none of the
 * caller's files: a writable bind then cannot be written, which the user should hear first. */
static void note_subuid_binds(struct sbox_plan *p)
{
    if (p->userns != SBOX_USERNS_SUBUID || p->uid == 0)
        return;
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind == SBOX_MOUNT_BIND) {
            sbox_strv_push(&p->notes,
                           sbox_xasprintf("with userns = subuid, uid %u inside is one of your "
                                          "subordinate ids outside: it cannot write your "
                                          "files (use uid 0 for that)",
                                          p->uid));
            return;
        }
}

/* The working directory when no chdir is given: the caller's directory when the sandbox shows
 * it at the same path, else home. */
static char *default_chdir(const struct sbox_plan *p)
{
    const struct sbox_mount *cover = NULL;
    for (size_t i = 0; p->cwd && i < p->n_mounts; i++)
        if (p->mounts[i].kind != SBOX_MOUNT_HIDE && sbox_path_is_under(p->cwd, p->mounts[i].dst))
            cover = &p->mounts[i];
    if (cover &&
        (cover->kind == SBOX_MOUNT_BIND || cover->kind == SBOX_MOUNT_RO_BIND ||
         cover->kind == SBOX_MOUNT_CAPTURE) &&
        strcmp(cover->src, cover->dst) == 0)
        return sbox_xstrdup(p->cwd);
    return sbox_xstrdup(p->home);
}

/* A pseudo-terminal of the payload's own whenever one of its descriptors 0-2 would be the
 * caller's terminal: holding that terminal, a payload could read what the user types to the
 * shell once it is in the background (after setsid(), no job control stops it), or change its
 * line. It is made in the sandbox's /dev/pts, so a plan without the /dev sbox makes has none. */
/* proc = host-ro weakens the pid namespace's isolation as seen through /proc: said every run. */
static void note_host_proc(struct sbox_plan *p)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind == SBOX_MOUNT_PROC && p->mounts[i].host_proc)
            sbox_strv_push(&p->notes,
                           sbox_xasprintf("proc %s: the outer /proc, read-only (host-ro), not a "
                                          "fresh one: the command sees the processes outside "
                                          "the sandbox (their command lines, and what your uid "
                                          "may read of them), though it cannot signal them",
                                          p->mounts[i].dst));
}

/* nested = yes and Landlock exclude each other: a process under a Landlock ruleset may not
 * mount, pivot_root or unshare a mount namespace's tree into shape, which is all a sandbox
 * inside does. auto gives way (said under -v); required is a contradiction, said. */
static int check_nested_landlock(struct sbox_plan *p, struct sbox_error *err)
{
    char where[512];
    if (!p->nested || p->landlock == SBOX_LANDLOCK_OFF)
        return 0;
    sbox_origin_format(&p->nested_origin, "nested", where, sizeof where);
    if (p->landlock == SBOX_LANDLOCK_REQUIRED)
        return sbox_origin_errorf(err, &p->landlock_origin, "landlock",
                                  "landlock = required cannot go with nested = yes (%s): under "
                                  "Landlock a sandbox inside could not make its mounts",
                                  where);
    p->landlock = SBOX_LANDLOCK_OFF;
    if (p->verbose)
        sbox_strv_push(&p->notes, sbox_xasprintf("no Landlock: nested = yes (%s) needs the mounts "
                                                 "Landlock forbids",
                                                 where));
    return 0;
}

/* nested = yes: its allows come first, so a profile's deny of one of them still wins. */
static void nested_rules(struct sbox_plan *p)
{
    size_t n = 0;
    if (!p->nested)
        return;
    while (sbox_seccomp_nested_allowed[n])
        n++;
    p->policy_rules = sbox_xmalloc((n + p->n_syscall_rules) * sizeof *p->policy_rules);
    for (size_t i = 0; i < n; i++)
        p->policy_rules[i] = (struct sbox_seccomp_rule){
            .name = sbox_xstrdup(sbox_seccomp_nested_allowed[i]), .allow = true};
    for (size_t i = 0; i < p->n_syscall_rules; i++)
        p->policy_rules[n + i] = (struct sbox_seccomp_rule){
            .name = sbox_xstrdup(p->syscall_rules[i].name), .allow = p->syscall_rules[i].allow};
    p->n_policy_rules = n + p->n_syscall_rules;
}

static void decide_pty(struct sbox_plan *p)
{
    bool dev = false;
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind == SBOX_MOUNT_DEV && strcmp(p->mounts[i].dst, "/dev") == 0)
            dev = true;
    p->pty = p->terminal != SBOX_TERMINAL_NONE && p->ttys != 0 && dev;
    p->interactive = p->pty && (p->ttys & 3) == 3;
}

/* Stacked profiles: a later mount at the same destination replaces an earlier one (`-p build
 * -p node`: build's 2G /tmp is not laid over by another /tmp). Hides stay, wherever they come
 * (they are applied last and keep a path from the sandbox whatever else is there), and so do
 * captures, which their own checks hold to one per directory. */
static void replace_same_destination(struct sbox_plan *p)
{
    size_t o = 0;
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        bool replaced = false;
        for (size_t j = i + 1; !replaced && j < p->n_mounts; j++) {
            const struct sbox_mount *later = &p->mounts[j];
            replaced = m->kind != SBOX_MOUNT_HIDE && m->kind != SBOX_MOUNT_CAPTURE &&
                       later->kind != SBOX_MOUNT_HIDE && later->kind != SBOX_MOUNT_CAPTURE &&
                       strcmp(m->dst, later->dst) == 0;
        }
        if (replaced) {
            free(p->mounts[i].src);
            free(p->mounts[i].dst);
        } else {
            p->mounts[o++] = p->mounts[i];
        }
    }
    p->n_mounts = o;
}

int sbox_plan_finish(struct sbox_plan *p, struct sbox_error *err)
{
    int r = check_proxy(p, err);
    if (r == 0)
        r = sbox_net_usermode(p->net) ? check_usernet(p, err) : check_usernet_unused(p, err);
    if (r < 0)
        return r;
    note_network(p);
    /* Root inside means group root too, unless a gid is given. */
    if (p->uid == 0 && p->gid_origin.kind == SBOX_ORIGIN_BUILTIN)
        p->gid = 0;
    if (!p->argv)
        sbox_plan_set_command(p, NULL);
    replace_same_destination(p);
    if (p->rootfs && p->image) {
        char where[512];
        sbox_origin_format(&p->rootfs_origin, "rootfs", where, sizeof where);
        return sbox_origin_errorf(err, &p->image_origin, "image",
                                  "the root is an image or a directory, not both: rootfs is set "
                                  "too (%s); drop one",
                                  where);
    }
    if (p->entrypoint_set && !p->image)
        return sbox_origin_errorf(err, &p->entrypoint_origin, "entrypoint",
                                  "an entrypoint needs a stored image (image = NAME), whose "
                                  "Entrypoint it replaces: give the command after -- instead");
    if (sbox_plan_image_root(p))
        adapt_to_image(p);
    r = add_cwd(p, err);
    if (r == 0)
        r = check_captures(p, err);
    if (r == 0)
        r = size_tmpfs(p, err);
    if (r == 0)
        r = check_landlock_test(p, err);
    if (r == 0 && p->isolation == SBOX_ISOLATION_LANDLOCK)
        r = sbox_isolation_check(p, err);
    if (r < 0)
        return r;
    note_subuid_binds(p);
    if (p->n_mounts == 0)
        return sbox_error(err, 0,
                          "the plan shows nothing at all (no mounts): profiles replace "
                          "the default, so most start with `include = default`");
    sbox_plan_sort_mounts(p);
    if (!p->chdir)
        p->chdir = default_chdir(p);
    decide_pty(p);
    if (check_nested_landlock(p, err) < 0)
        return -1;
    nested_rules(p);
    note_host_proc(p);
    return 0;
}

bool sbox_passwd_gid(const char *text, uint32_t uid, uint32_t *gid)
{
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        char buf[1024], *field[4] = {NULL};
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len < sizeof buf) {
            int n = 0;
            memcpy(buf, line, len);
            buf[len] = '\0';
            /* name:password:uid:gid:... (strsep: empty fields count) */
            for (char *f = buf; n < 4 && (field[n] = strsep(&f, ":")); n++)
                ;
            if (n == 4 && field[2][0] && field[3][0]) {
                uint64_t u, g;
                struct sbox_error ignored;
                if (sbox_value_uint(field[2], UINT32_MAX - 1, &u, &ignored) == 0 && u == uid &&
                    sbox_value_uint(field[3], UINT32_MAX - 1, &g, &ignored) == 0) {
                    *gid = (uint32_t)g;
                    return true;
                }
            }
        }
        line = end ? end + 1 : NULL;
    }
    return false;
}

bool sbox_plan_captures(const struct sbox_plan *p)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind == SBOX_MOUNT_CAPTURE)
            return true;
    return false;
}
