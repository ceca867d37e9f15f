/* registry.c: allow-host's @npm and @pip become the hosts of the registry the host's tool is
 * configured to use, asked of the tool (in `/`) or taken from sbox's cache of its last answer.
 * Never reads the project's configuration or asks a program the sandbox could have written; a
 * lookup that fails allows nothing. */
#include "registry.h"
#include "cleanup.h"
#include "files.h"
#include "plan.h"
#include "sha256.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* An answer (the tool's output, a cache file) longer than this is no answer. */
#define ANSWER_MAX (64 * 1024)
#define MAX_FILES 16
#define MAX_HOSTS 16

/* What a lookup found: hosts with where each came from, the files the answer depends on, or
 * why there is nothing. */
struct answer {
    struct sbox_proxy_rule hosts[MAX_HOSTS];
    size_t n_hosts;
    char *files[MAX_FILES];
    size_t n_files;
    char *none; /* why nothing, or NULL */
};

static void answer_free(struct answer *a)
{
    for (size_t i = 0; i < a->n_hosts; i++)
        sbox_proxy_rule_free(&a->hosts[i]);
    for (size_t i = 0; i < a->n_files; i++)
        free(a->files[i]);
    free(a->none);
    memset(a, 0, sizeof *a);
}

static void add_file(struct answer *a, const char *path)
{
    for (size_t i = 0; i < a->n_files; i++)
        if (strcmp(a->files[i], path) == 0)
            return;
    if (a->n_files < MAX_FILES && path[0] == '/')
        a->files[a->n_files++] = sbox_xstrdup(path);
}

/* A host, taken unless the answer has it already (or is full). */
static void add_host(struct answer *a, struct sbox_proxy_rule *r)
{
    char x[300], y[300];
    bool seen = a->n_hosts == MAX_HOSTS;
    sbox_proxy_rule_format(r, y, sizeof y);
    for (size_t i = 0; i < a->n_hosts && !seen; i++) {
        sbox_proxy_rule_format(&a->hosts[i], x, sizeof x);
        seen = strcmp(x, y) == 0;
    }
    if (seen)
        sbox_proxy_rule_free(r);
    else
        a->hosts[a->n_hosts++] = *r;
}

/* The URL's host, with where it came from; a URL that names none is left out. */
static void add_url(struct answer *a, const char *url, const char *source)
{
    struct sbox_proxy_rule r;
    if (sbox_proxy_url_rule(url, &r) < 0)
        return;
    r.source = sbox_xstrdup(source);
    add_host(a, &r);
}

static const char *env_get(char **environ, const char *name)
{
    size_t n = strlen(name);
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* The variables the tool's answer depends on: the key holds them (hashed: npm_config__authToken
 * is one). */
static bool relevant(enum sbox_registry r, const char *var)
{
    static const char *const npm[] = {"npm_config_", "PREFIX=", "HOME=", NULL};
    static const char *const pip[] = {
        "PIP_",         "HOME=",          "XDG_CONFIG_HOME=", "XDG_CONFIG_DIRS=",
        "VIRTUAL_ENV=", "PYENV_VERSION=", "PYENV_ROOT=",      NULL};
    for (const char *const *p = r == SBOX_REGISTRY_NPM ? npm : pip; *p; p++)
        if (strncasecmp(var, *p, strlen(*p)) == 0)
            return true;
    return false;
}

/* Whether path lies where the sandbox can write (the current directory, a writable bind of the
 * plan): the directory, or NULL. A program or a file there may have been written by an earlier
 * run's payload. */
static const char *writable(const struct sbox_plan *p, const struct sbox_host *h, const char *path)
{
    char real[PATH_MAX];
    const char *r = realpath(path, real) ? real : path;
    if (h->cwd && strcmp(h->cwd, "/") != 0 &&
        (sbox_path_is_under(path, h->cwd) || sbox_path_is_under(r, h->cwd)))
        return h->cwd;
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind == SBOX_MOUNT_BIND && p->mounts[i].src &&
            (sbox_path_is_under(path, p->mounts[i].src) || sbox_path_is_under(r, p->mounts[i].src)))
            return p->mounts[i].src;
    return NULL;
}

/* The program name on PATH, skipping relative entries and those the sandbox can write. */
static char *find_program(const struct sbox_plan *p, const struct sbox_host *h, const char *name)
{
    const char *path = env_get(h->environ, "PATH");
    _cleanup_free_ char *copy = sbox_xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        _cleanup_free_ char *cand = NULL;
        struct stat st;
        if (dir[0] != '/')
            continue;
        cand = sbox_xasprintf("%s/%s", dir, name);
        if (stat(cand, &st) < 0 || !S_ISREG(st.st_mode) || access(cand, X_OK) < 0 ||
            writable(p, h, dir) || writable(p, h, cand))
            continue;
        return steal_ptr(&cand);
    }
    return NULL;
}

/* A file's identity, as the cache compares it: what it is and when it last changed (the
 * change time, which no one can set back, besides the modification time). */
static void identity(const char *path, char *buf, size_t size)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(buf, size, "-");
        return;
    }
    snprintf(buf, size, "%ju.%ju.%jd.%jd.%09ld.%jd.%09ld", (uintmax_t)st.st_dev,
             (uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
             st.st_mtim.tv_nsec, (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
}

/* The key of an answer: the tool (its path on PATH and what it is) and the variables it reads. */
static void make_key(enum sbox_registry r, const char *prog, char **environ, char hex[65])
{
    struct sbox_sha256 s;
    char id[128];
    sbox_sha256_init(&s);
    sbox_sha256_add(&s, "sbox-registry 1", 16);
    sbox_sha256_add(&s, sbox_registry_name(r), strlen(sbox_registry_name(r)) + 1);
    sbox_sha256_add(&s, prog, strlen(prog) + 1);
    identity(prog, id, sizeof id);
    sbox_sha256_add(&s, id, strlen(id) + 1);
    for (char **e = environ; e && *e; e++)
        if (relevant(r, *e))
            sbox_sha256_add(&s, *e, strlen(*e) + 1);
    sbox_sha256_hex(&s, hex);
}

/* --- asking the tool --------------------------------------------------------------------- */

/* pip's configuration files and what they name, and its default index and the host of its
 * files, as pip itself has them. -I: no PYTHON* variable, no user site, nothing from the
 * current directory. */
static const char pip_script[] =
    "import os, sys\n"
    "try:\n"
    "    import pip\n"
    "    from pip._internal.configuration import get_configuration_files\n"
    "    from pip._internal.models.index import PyPI\n"
    "except Exception:\n"
    "    print('none python3 has no pip module'); sys.exit(0)\n"
    "import configparser\n"
    "print('file', os.path.realpath(sys.executable))\n"
    "print('file', os.path.realpath(pip.__file__))\n"
    "files = []\n"
    "for kind, paths in get_configuration_files().items():\n"
    "    files += paths\n"
    "if os.environ.get('PIP_CONFIG_FILE'):\n"
    "    files.append(os.path.abspath(os.environ['PIP_CONFIG_FILE']))\n"
    "keys = ('index-url', 'extra-index-url', 'find-links')\n"
    "for f in files:\n"
    "    print('file', f)\n"
    "    p = configparser.RawConfigParser()\n"
    "    try:\n"
    "        p.read(f, encoding='utf-8')\n"
    "    except Exception:\n"
    "        continue\n"
    "    for sec in p.sections():\n"
    "        for k, v in p.items(sec):\n"
    "            if k.replace('_', '-') in keys:\n"
    "                for u in v.split():\n"
    "                    print('url', u + '\\t' + k.replace('_', '-') + ' in ' + f)\n"
    "for name in ('PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS'):\n"
    "    for u in os.environ.get(name, '').split():\n"
    "        print('url', u + '\\t' + name)\n"
    "print('url', PyPI.simple_url + '\\tpip\\'s default index')\n"
    "print('url', 'https://' + PyPI.file_storage_domain + '/\\tpip\\'s default index\\'s files')\n";

/* argv run in `/` (npm reads a project's .npmrc from its working directory, pip its site's
 * configuration), 0-2 on /dev/null but its output, within SBOX_REGISTRY_ASK_SECONDS: its
 * output, or NULL with *ret_why. */
static char *ask(char *const argv[], char **envp, const char **ret_why)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    _cleanup_close_ int rd = -1;
    int fds[2], status = 0;
    pid_t pid;
    char *out = sbox_xmalloc(ANSWER_MAX + 1);
    size_t len = 0;
    struct timespec start, now;
    bool timed_out = false;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        free(out);
        *ret_why = "no pipe";
        return NULL;
    }
    rd = fds[0];
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addchdir_np(&fa, "/");
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    status = posix_spawn(&pid, argv[0], &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    if (status != 0) {
        free(out);
        *ret_why = "it could not be run";
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct pollfd pf = {.fd = rd, .events = POLLIN};
        long left;
        ssize_t n;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left = SBOX_REGISTRY_ASK_SECONDS * 1000L - (now.tv_sec - start.tv_sec) * 1000L -
               (now.tv_nsec - start.tv_nsec) / 1000000L;
        if (left <= 0) {
            timed_out = true;
            break;
        }
        if (poll(&pf, 1, (int)left) < 0 && errno != EINTR)
            break;
        n = read(rd, out + len, ANSWER_MAX - len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0 || (len += (size_t)n) == ANSWER_MAX)
            break;
    }
    if (timed_out || len == ANSWER_MAX)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    out[len] = '\0';
    if (timed_out || len == ANSWER_MAX || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *ret_why = timed_out            ? "it did not answer within 10 s"
                   : len == ANSWER_MAX  ? "its answer is too long"
                   : !WIFEXITED(status) ? "it was killed"
                                        : "it failed";
        free(out);
        return NULL;
    }
    return out;
}

/* The environment for a tool: the caller's, and npm told not to look for a newer npm. */
static char **tool_environ(char **environ)
{
    char **envp = NULL;
    for (char **e = environ; e && *e; e++)
        if (strncasecmp(*e, "npm_config_update_notifier=", 27) != 0)
            sbox_strv_push(&envp, sbox_xstrdup(*e));
    sbox_strv_push(&envp, sbox_xstrdup("npm_config_update_notifier=false"));
    return envp;
}

/* The line of an answer (key=value, or key value) naming key: its value, or NULL. */
static char *line_value(const char *text, const char *key, char sep)
{
    size_t n = strlen(key);
    for (const char *l = text; l && *l;) {
        const char *eol = strchr(l, '\n');
        size_t len = eol ? (size_t)(eol - l) : strlen(l);
        if (len > n && strncmp(l, key, n) == 0 && l[n] == sep)
            return sbox_xstrndup(l + n + 1, len - n - 1);
        l = eol ? eol + 1 : NULL;
    }
    return NULL;
}

/* Where an npmrc file sets `registry` (1), and the scopes' registries (@scope:registry) it
 * names, into a. */
static bool scan_npmrc(struct answer *a, const char *path)
{
    _cleanup_free_ char *text = NULL;
    bool in_section = false, sets = false;
    _cleanup_close_ int fd = sbox_open_regular(AT_FDCWD, path, O_RDONLY, ANSWER_MAX, NULL);
    size_t len;
    if (fd < 0 || !(text = sbox_read_fd(fd, ANSWER_MAX, &len)))
        return false;
    for (const char *l = text; l && *l;) {
        const char *eol = strchr(l, '\n');
        char key[256], value[1024];
        if (sbox_npmrc_line(l, eol ? (size_t)(eol - l) : strlen(l), &in_section, key, sizeof key,
                            value, sizeof value) == 1) {
            size_t k = strlen(key);
            if (strcmp(key, "registry") == 0)
                sets = true;
            else if (key[0] == '@' && k > 9 && strcmp(key + k - 9, ":registry") == 0 &&
                     !strstr(value, "${")) {
                _cleanup_free_ char *src =
                    sbox_xasprintf("%.*s's registry, set in %s", (int)(k - 9), key, path);
                add_url(a, value, src);
            }
        }
        l = eol ? eol + 1 : NULL;
    }
    return sets;
}

/* npm: `npm config get registry` (and where its configuration files are); where the registry
 * is set (the environment, a file, or npm's default); the scopes' registries of those files. */
static void ask_npm(const char *prog, char **environ, struct answer *a)
{
    char *argv[] = {(char *)prog, "config", "get", "registry", "userconfig", "globalconfig", NULL};
    _cleanup_strv_ char **envp = tool_environ(environ);
    const char *why = NULL;
    _cleanup_free_ char *out = ask(argv, envp, &why);
    _cleanup_free_ char *registry = NULL, *user = NULL, *global = NULL, *builtin = NULL;
    _cleanup_free_ char *src = NULL, *s = NULL;
    struct answer scoped = {0};
    const char *files[4];
    char real[PATH_MAX], *slash;
    const char *where = NULL;

    if (!out) {
        a->none = sbox_xasprintf("`%s config get registry` gave no answer: %s", prog, why);
        return;
    }
    registry = line_value(out, "registry", '=');
    user = line_value(out, "userconfig", '=');
    global = line_value(out, "globalconfig", '=');
    /* npm's own npmrc, beside its bin directory */
    if (realpath(prog, real)) {
        for (int up = 0; up < 2 && (slash = strrchr(real, '/')); up++)
            *slash = '\0';
        builtin = sbox_xasprintf("%s/npmrc", real);
    }
    /* npm's order: the environment, the project's (here `/`), the user's, the global, npm's */
    files[0] = "/.npmrc", files[1] = user, files[2] = global, files[3] = builtin;
    for (char **e = environ; e && *e && !where; e++)
        if (strncasecmp(*e, "npm_config_registry=", 20) == 0)
            where = "from npm_config_registry";
    for (size_t i = 0; i < 4; i++) {
        if (!files[i])
            continue;
        add_file(a, files[i]);
        if (scan_npmrc(&scoped, files[i]) && !where)
            where = src = sbox_xasprintf("set in %s", files[i]);
    }
    if (registry)
        add_url(a, registry,
                s = sbox_xasprintf("npm's registry, %s", where ? where : "npm's default"));
    if (!a->n_hosts) {
        a->none = sbox_xstrdup("npm's registry is no http:// or https:// URL");
        answer_free(&scoped);
        return;
    }
    /* the registry first, then the scopes' */
    for (size_t i = 0; i < scoped.n_hosts; i++)
        add_host(a, &scoped.hosts[i]);
    scoped.n_hosts = 0;
    answer_free(&scoped);
}

/* pip: python3 -I and pip's own modules (pip_script). */
static void ask_pip(const char *prog, char **environ, struct answer *a)
{
    char *argv[] = {(char *)prog, "-I", "-c", (char *)pip_script, NULL};
    _cleanup_strv_ char **envp = tool_environ(environ);
    const char *why = NULL;
    _cleanup_free_ char *out = ask(argv, envp, &why);
    if (!out) {
        a->none = sbox_xasprintf("`%s -I` gave no answer about pip's configuration: %s", prog, why);
        return;
    }
    for (char *l = out, *eol; l && *l; l = eol ? eol + 1 : NULL) {
        char *tab;
        eol = strchr(l, '\n');
        if (eol)
            *eol = '\0';
        if (strncmp(l, "file ", 5) == 0) {
            add_file(a, l + 5);
        } else if (strncmp(l, "url ", 4) == 0 && (tab = strchr(l + 4, '\t'))) {
            *tab = '\0';
            add_url(a, l + 4, tab + 1);
        } else if (strncmp(l, "none ", 5) == 0 && !a->none) {
            a->none = sbox_xstrdup(l + 5);
        }
    }
    if (!a->n_hosts && !a->none)
        a->none = sbox_xstrdup("pip named no index");
}

/* --- the cache --------------------------------------------------------------------------- */

char *sbox_registry_cache_dir(const char *state_home)
{
    return sbox_xasprintf("%s/sbox/registry", state_home);
}

static char *cache_dir(const struct sbox_host *h)
{
    if (h->state_home)
        return sbox_registry_cache_dir(h->state_home);
    return sbox_xasprintf("%s/.local/state/sbox/registry", strcmp(h->home, "/") ? h->home : "");
}

/* The cached answer for key, while every file it depends on is as it was: 1 (a filled), or 0.
 * The file is read as hostile: the caller's own regular file, no symlink, not writable by
 * others, and every host in it a name or an address the rule parser takes. */
static int cache_read(const char *path, const char *key, uid_t uid, struct answer *a)
{
    struct stat st;
    size_t len;
    _cleanup_free_ char *text = NULL;
    _cleanup_close_ int fd = sbox_open_regular(AT_FDCWD, path, O_RDONLY, ANSWER_MAX, &st);
    char head[128];
    if (fd < 0 || st.st_uid != uid || (st.st_mode & 022) ||
        !(text = sbox_read_fd(fd, ANSWER_MAX, &len)) || strlen(text) != len)
        return 0;
    snprintf(head, sizeof head, "sbox-registry 1 %s\n", key);
    if (strncmp(text, head, strlen(head)) != 0)
        return 0;
    for (char *l = text + strlen(head), *eol; l && *l; l = eol ? eol + 1 : NULL) {
        char *tab, id[128];
        eol = strchr(l, '\n');
        if (eol)
            *eol = '\0';
        tab = strchr(l, '\t');
        if (strncmp(l, "none ", 5) == 0 && !a->none) {
            a->none = sbox_xstrdup(l + 5);
        } else if (strncmp(l, "file ", 5) == 0 && tab) {
            *tab = '\0';
            identity(tab + 1, id, sizeof id);
            if (strcmp(id, l + 5) != 0)
                goto stale;
            add_file(a, tab + 1);
        } else if (strncmp(l, "host ", 5) == 0 && tab && a->n_hosts < MAX_HOSTS) {
            struct sbox_error ignored;
            struct sbox_proxy_rule r;
            *tab = '\0';
            if (sbox_proxy_rule_parse(l + 5, &r, &ignored) < 0)
                goto stale;
            if (r.registry || r.wildcard) {
                sbox_proxy_rule_free(&r);
                goto stale;
            }
            r.source = sbox_xstrdup(tab + 1);
            a->hosts[a->n_hosts++] = r;
        } else {
            goto stale;
        }
    }
    if (a->n_hosts || a->none)
        return 1;
stale:
    answer_free(a);
    return 0;
}

static bool one_line(const char *s)
{
    return !strpbrk(s, "\n\t");
}

/* The answer kept for the next run (a temporary file renamed over the last): best effort, a
 * cache that cannot be written costs the next run the question again. */
static void cache_write(const char *dir, const char *name, const char *key, const struct answer *a)
{
    _cleanup_free_ char *text = sbox_xasprintf("sbox-registry 1 %s\n", key), *tmp = NULL;
    _cleanup_close_ int dfd = -1, fd = -1;
    struct stat st;
    size_t len;
    for (size_t i = 0; i < a->n_files; i++) {
        char id[128];
        char *more;
        if (!one_line(a->files[i]))
            return;
        identity(a->files[i], id, sizeof id);
        more = sbox_xasprintf("%sfile %s\t%s\n", text, id, a->files[i]);
        free(text);
        text = more;
    }
    for (size_t i = 0; i < a->n_hosts; i++) {
        char rule[300], *more;
        if (!one_line(a->hosts[i].source))
            return;
        sbox_proxy_rule_format(&a->hosts[i], rule, sizeof rule);
        more = sbox_xasprintf("%shost %s\t%s\n", text, rule, a->hosts[i].source);
        free(text);
        text = more;
    }
    if (a->none) {
        char *more;
        if (!one_line(a->none))
            return;
        more = sbox_xasprintf("%snone %s\n", text, a->none);
        free(text);
        text = more;
    }
    if (sbox_mkdir_parents(dir) < 0)
        return;
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0 || fstat(dfd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022))
        return;
    tmp = sbox_xasprintf(".%s.%d", name, (int)getpid());
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len || renameat(dfd, tmp, dfd, name) < 0)
        unlinkat(dfd, tmp, 0);
}

/* --- the plan ---------------------------------------------------------------------------- */

static void add_rule(struct sbox_plan *p, struct sbox_proxy_rule r, const struct sbox_origin *o)
{
    size_t n = p->n_allow_hosts + 1;
    p->allow_hosts = sbox_xrealloc(p->allow_hosts, n * sizeof *p->allow_hosts);
    p->allow_host_origins = sbox_xrealloc(p->allow_host_origins, n * sizeof *p->allow_host_origins);
    p->allow_hosts[n - 1] = r;
    p->allow_host_origins[n - 1] = *o;
    p->n_allow_hosts = n;
}

/* One registry: looked up (cache, else the tool), its hosts added after the plan's rules. */
static void resolve_one(struct sbox_plan *p, const struct sbox_host *h, size_t at, bool write_cache)
{
    enum sbox_registry kind = p->allow_hosts[at].registry;
    const char *tool = kind == SBOX_REGISTRY_NPM ? "npm" : "python3";
    const struct sbox_origin origin = p->allow_host_origins[at];
    _cleanup_free_ char *prog = find_program(p, h, tool), *dir = NULL, *path = NULL;
    char key[65], where[512];
    struct answer a = {0};
    bool cached = false;
    const char *bad = NULL, *wdir = NULL;

    sbox_origin_format(&origin, "allow-host", where, sizeof where);
    if (!prog) {
        p->allow_hosts[at].source = sbox_xasprintf("nothing: %s was not found", tool);
        sbox_strv_push(&p->notes,
                       sbox_xasprintf("%s: @%s allows nothing: %s was not found on PATH (outside "
                                      "what the sandbox can write), so %s's registry is not "
                                      "reachable",
                                      where, sbox_registry_name(kind), tool,
                                      sbox_registry_name(kind)));
        return;
    }
    make_key(kind, prog, h->environ, key);
    dir = cache_dir(h);
    path = sbox_xasprintf("%s/%s", dir, sbox_registry_name(kind));
    cached = cache_read(path, key, h->uid, &a) == 1;
    if (!cached) {
        if (kind == SBOX_REGISTRY_NPM)
            ask_npm(prog, h->environ, &a);
        else
            ask_pip(prog, h->environ, &a);
    }
    /* A configuration file the sandbox can write could name any host: such an answer is not
     * taken (nor kept), whatever it says. */
    for (size_t i = 0; i < a.n_files && !bad; i++) {
        struct stat st;
        if (stat(a.files[i], &st) == 0 && (wdir = writable(p, h, a.files[i])))
            bad = a.files[i];
    }
    if (bad) {
        p->allow_hosts[at].source = sbox_xasprintf("nothing: %s lies in %s", bad, wdir);
        sbox_strv_push(&p->notes,
                       sbox_xasprintf("%s: @%s allows nothing: %s's configuration `%s` lies in "
                                      "`%s`, which the sandbox can write",
                                      where, sbox_registry_name(kind), tool, bad, wdir));
        answer_free(&a);
        return;
    }
    if (!cached && write_cache && (a.n_hosts || a.none))
        cache_write(dir, sbox_registry_name(kind), key, &a);
    if (!a.n_hosts) {
        p->allow_hosts[at].source = sbox_xasprintf("nothing: %s", a.none ? a.none : "no answer");
        sbox_strv_push(&p->notes,
                       sbox_xasprintf("%s: @%s allows nothing: %s", where, sbox_registry_name(kind),
                                      a.none ? a.none : "no answer"));
        answer_free(&a);
        return;
    }
    p->allow_hosts[at].source =
        sbox_xasprintf("%s%s", prog, cached ? ", its answer cached" : ", asked");
    for (size_t i = 0; i < a.n_hosts; i++) {
        a.hosts[i].from = kind;
        add_rule(p, a.hosts[i], &origin);
    }
    a.n_hosts = 0;
    answer_free(&a);
}

void sbox_registry_resolve(struct sbox_plan *p, const struct sbox_host *h, bool write_cache)
{
    bool done[SBOX_N_REGISTRIES] = {false};
    size_t n = p->n_allow_hosts;
    for (size_t i = 0; i < n; i++) {
        enum sbox_registry r = p->allow_hosts[i].registry;
        if (!r || p->allow_hosts[i].source)
            continue;
        if (done[r]) {
            p->allow_hosts[i].source = sbox_xstrdup("as above");
            continue;
        }
        done[r] = true;
        resolve_one(p, h, i, write_cache);
    }
}
