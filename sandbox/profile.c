/* profile.c: reads INI profiles into the plan through sbox_plan_set(), one line at a time, each
 * value tagged with its file and line. Must never read the current directory implicitly (an
 * untrusted checkout controls it) and never ignore a line it does not understand. */
#include "profile.h"
#include "cleanup.h"
#include "json-out.h"
#include "settings.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const sections[] = {"profile", "filesystem", "env",     "network", "limits",
                                       "process", "security",   "seccomp", NULL};

/* One file being read; chains to the file that included it. */
struct load {
    struct sbox_profiles *ps;
    struct sbox_plan *p;
    const char *file; /* the name origins and messages use */
    const char *real; /* resolved path, for cycle detection (NULL for built-in text) */
    const char *dir;  /* for include = and ${PROFILE_DIR} */
    bool builtin;
    const struct load *parent;
    int depth;
    const char *text; /* the reader's position */
    const char *end;
    unsigned line; /* the line inih is working on */
    bool at_line_start;
    bool failed;
    bool policy; /* a seccomp policy file: [seccomp] alone, with base = */
    bool saw_seccomp;
    struct sbox_error *err;
    char num[16]; /* ${UID} and ${GID}, copied out at once */
};

void sbox_profiles_init(struct sbox_profiles *ps, const struct sbox_host *host, const char *beside,
                        const char *datadir)
{
    const char *v = getenv("SBOX_PROFILE_PATH");
    memset(ps, 0, sizeof *ps);
    ps->host = host;
    if (v && *v) {
        _cleanup_free_ char *copy = sbox_xstrdup(v);
        char *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
            if (d[0] == '/') /* a relative entry would mean the current directory */
                sbox_strv_push(&ps->search, sbox_xstrdup(d));
    }
    v = getenv("XDG_CONFIG_HOME");
    if (v && v[0] == '/')
        sbox_strv_push(&ps->search, sbox_xasprintf("%s/sbox/profiles", v));
    else
        sbox_strv_push(&ps->search, sbox_xasprintf("%s/.config/sbox/profiles", host->home));
    sbox_strv_push(&ps->search, sbox_xstrdup("/etc/sbox/profiles"));
    if (beside)
        sbox_strv_push(&ps->search, sbox_xstrdup(beside));
    sbox_strv_push(&ps->search, sbox_xasprintf("%s/profiles", datadir));
}

void sbox_profiles_free(struct sbox_profiles *ps)
{
    sbox_strv_free(ps->search);
    sbox_strv_free(ps->files);
    memset(ps, 0, sizeof *ps);
}

/* --- ${VAR} expansion --- */

/* Expands ${HOME} ${PWD} ${PROJECT} ${USER} ${UID} ${GID} ${XDG_RUNTIME_DIR} ${PROFILE_DIR} and
 * "$$". lookup returns NULL for an undefined name. With escape_spec, ':' and '\' in substituted
 * text are escaped, for SRC:DST values. */
static int expand(const char *in, const char *(*lookup)(void *ctx, const char *name), void *ctx,
                  bool escape_spec, char **ret, struct sbox_error *err)
{
    size_t cap = strlen(in) + 1, o = 0;
    _cleanup_free_ char *out = sbox_xmalloc(cap);
    for (const char *s = in; *s;) {
        const char *add = s;
        size_t n = 1;
        if (*s == '$') {
            if (s[1] == '$') {
                n = 1;
                s += 2;
            } else if (s[1] == '{') {
                const char *close = strchr(s + 2, '}');
                _cleanup_free_ char *name = NULL;
                if (!close)
                    return sbox_error(err, 0, "`${` without a closing `}`");
                name = sbox_xstrndup(s + 2, (size_t)(close - s - 2));
                add = lookup(ctx, name);
                if (!add)
                    return sbox_error(
                        err, 0,
                        "`${%s}` is not defined (known: HOME, PWD, PROJECT, USER, UID, GID, "
                        "XDG_RUNTIME_DIR, PROFILE_DIR; `$$` is a literal `$`)",
                        name);
                s = close + 1;
                if (escape_spec) {
                    /* In SRC:DST values a ':' or '\' from a variable (a directory named
                     * `a:b`) must stay part of the path, not split or escape it. */
                    for (const char *c = add; *c; c++) {
                        if (o + 3 > cap) {
                            cap = (o + 3) * 2;
                            out = sbox_xrealloc(out, cap);
                        }
                        if (*c == ':' || *c == '\\')
                            out[o++] = '\\';
                        out[o++] = *c;
                    }
                    continue;
                }
                n = strlen(add);
            } else {
                return sbox_error(err, 0, "a `$` must start `${NAME}` or be doubled (`$$`)");
            }
        } else {
            s++;
        }
        if (o + n + 1 > cap) {
            cap = (o + n + 1) * 2;
            out = sbox_xrealloc(out, cap);
        }
        memcpy(out + o, add, n);
        o += n;
    }
    out[o] = '\0';
    *ret = steal_ptr(&out);
    return 0;
}

static const char *lookup_var(void *ctx, const char *name)
{
    struct load *L = ctx;
    const struct sbox_host *h = L->ps->host;
    if (!strcmp(name, "HOME"))
        return L->p->home;
    if (!strcmp(name, "PWD"))
        return L->p->cwd;
    if (!strcmp(name, "PROJECT")) /* the project's top holding PWD, else PWD */
        return L->p->project ? L->p->project : L->p->cwd;
    if (!strcmp(name, "USER"))
        return h->user;
    if (!strcmp(name, "UID") || !strcmp(name, "GID")) {
        snprintf(L->num, sizeof L->num, "%u", name[0] == 'U' ? (unsigned)h->uid : (unsigned)h->gid);
        return L->num;
    }
    if (!strcmp(name, "XDG_RUNTIME_DIR")) {
        const char *v = getenv("XDG_RUNTIME_DIR");
        return v && v[0] == '/' ? v : NULL;
    }
    if (!strcmp(name, "PROFILE_DIR"))
        return L->dir;
    return NULL;
}

/* --- finding files --- */

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* dir/name, then dir/name.ini. */
static char *try_in(const char *dir, const char *name)
{
    char *c = dir ? sbox_xasprintf("%s/%s", dir, name) : sbox_xstrdup(name);
    char *ini;
    if (exists(c))
        return c;
    ini = sbox_xasprintf("%s.ini", c);
    free(c);
    if (exists(ini))
        return ini;
    free(ini);
    return NULL;
}

static bool is_default_name(const char *name)
{
    return !strcmp(name, "default") || !strcmp(name, "default.ini");
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names -p finds, each once, sorted; "default" always (it is built in). */
static char **profile_names(const struct sbox_profiles *ps)
{
    char **names = NULL;
    bool have_default = false;
    for (size_t i = 0; ps->search[i]; i++) {
        DIR *d = opendir(ps->search[i]);
        if (!d)
            continue;
        for (struct dirent *e; (e = readdir(d));) {
            size_t n = strlen(e->d_name);
            char *name;
            if (n <= 4 || strcmp(e->d_name + n - 4, ".ini") != 0)
                continue;
            name = sbox_xstrndup(e->d_name, n - 4);
            if (sbox_strv_contains(names, name))
                free(name);
            else
                sbox_strv_push(&names, name);
            have_default |= n == 11 && !strcmp(e->d_name, "default.ini");
        }
        closedir(d);
    }
    if (!have_default)
        sbox_strv_push(&names, sbox_xstrdup("default"));
    qsort(names, sbox_strv_len(names), sizeof *names, by_name);
    return names;
}

/* -p NAME found nowhere: what there is, where sbox looked, and, when the current directory
 * holds that file, why it was not taken: a project must not choose the profile that confines
 * it (a clone's node.ini could bind the home), so it is read only when named as a path. */
static int not_found(const struct sbox_profiles *ps, const char *name, bool include,
                     struct sbox_error *err)
{
    _cleanup_strv_ char **names = profile_names(ps);
    _cleanup_free_ char *here = include ? NULL : try_in(NULL, name);
    char list[1024] = "", dirs[2048] = "", shown[256];
    for (size_t i = 0; names[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
    for (size_t i = 0; ps->search[i]; i++)
        snprintf(dirs + strlen(dirs), sizeof dirs - strlen(dirs), "%s%s", i ? ", " : "",
                 ps->search[i]);
    sbox_escape(shown, sizeof shown, name);
    if (here) {
        char h[300];
        sbox_escape(h, sizeof h, here);
        return sbox_error(err, 0,
                          "profile `%s` not found (available: %s); ./%s is in the current "
                          "directory, which is never searched (a project must not choose its own "
                          "profile): name it as a path, -p ./%s",
                          shown, list, h, h);
    }
    return sbox_error(err, 0, "profile `%s` not found (available: %s; searched: %s)", shown, list,
                      dirs);
}

/* A path for name: with a slash, as given (relative to from_dir for includes); without, from_dir
 * first (includes only), then the search path. NULL with *ret_builtin for the built-in default. */
static int find(struct sbox_profiles *ps, const char *name, const char *from_dir, char **ret,
                bool *ret_builtin, struct sbox_error *err)
{
    char *path = NULL;
    *ret_builtin = false;
    if (name[0] == '\0')
        return sbox_error(err, 0, "empty profile name");
    if (strchr(name, '/')) {
        path = try_in(name[0] == '/' ? NULL : from_dir, name);
    } else {
        if (from_dir)
            path = try_in(from_dir, name);
        for (size_t i = 0; !path && ps->search[i]; i++)
            path = try_in(ps->search[i], name);
        if (!path && is_default_name(name)) {
            *ret_builtin = true;
            *ret = NULL;
            return 0;
        }
    }
    if (!path) {
        if (strchr(name, '/'))
            return sbox_error(err, ENOENT, "profile `%s`", name);
        return not_found(ps, name, from_dir != NULL, err);
    }
    *ret = path;
    return 0;
}

static int read_file(const char *path, char **ret, size_t *ret_len, struct sbox_error *err)
{
    /* O_NONBLOCK: a FIFO given as a profile must not hang sbox. */
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    _cleanup_free_ char *buf = NULL;
    struct stat st;
    size_t len = 0;
    if (fd < 0)
        return sbox_error(err, errno, "%s", path);
    if (fstat(fd, &st) < 0)
        return sbox_error(err, errno, "%s", path);
    if (S_ISDIR(st.st_mode))
        return sbox_error(err, 0, "%s: is a directory, not a profile", path);
    if (!S_ISREG(st.st_mode))
        return sbox_error(err, 0, "%s: is not a regular file", path);
    if (st.st_size > SBOX_PROFILE_MAX_SIZE)
        return sbox_error(err, 0, "%s: larger than %d bytes", path, SBOX_PROFILE_MAX_SIZE);
    buf = sbox_xmalloc((size_t)st.st_size + 1);
    for (;;) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);
        if (n < 0)
            return sbox_error(err, errno, "%s", path);
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > (size_t)st.st_size) /* grew while read */
            return sbox_error(err, 0, "%s: changed while being read", path);
    }
    buf[len] = '\0';
    *ret = steal_ptr(&buf);
    *ret_len = len;
    return 0;
}

/* --- parsing --- */

static int fail_at(struct load *L, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct load *L, unsigned line, const char *fmt, ...)
{
    char msg[SBOX_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sbox_error(L->err, 0, "%s", msg);
    L->failed = true;
    return sbox_error_prefix(L->err, "%s:%u", L->file, line);
}

static const char *nearest(const char *word, const char *const *words)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; words[i]; i++) {
        size_t d = sbox_edit_distance(word, words[i]);
        if (d < best_d) {
            best_d = d;
            best = words[i];
        }
    }
    return best;
}

/* Checks every line before inih sees it: inih would pass NUL bytes, invalid UTF-8 and unknown
 * sections without a word, and has no message for an unterminated section. */
static int prescan(struct load *L, const char *text, size_t len)
{
    unsigned line = 1;
    for (const char *s = text, *end = text + len; s < end; line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        _cleanup_free_ char *l = NULL;
        char shown[128];
        char *t;
        if (memchr(s, '\0', n))
            return fail_at(L, line, "contains a NUL byte");
        if (n > SBOX_PROFILE_MAX_LINE)
            return fail_at(L, line, "line is longer than %d bytes", SBOX_PROFILE_MAX_LINE);
        l = sbox_xstrndup(s, n);
        sbox_escape(shown, sizeof shown, l);
        if (!sbox_utf8_valid(l))
            return fail_at(L, line, "invalid UTF-8: %s", shown);
        t = l + strspn(l, " \t");
        if (line == 1 && strncmp(t, "\xef\xbb\xbf", 3) == 0)
            t += 3; /* a UTF-8 byte-order mark, which inih skips too */
        if (*t && *t != ';' && *t != '#' && *t != '\r' && t != l && line > 1)
            return fail_at(L, line,
                           "a line may not start with white space (inih would join it to the "
                           "previous key): %s",
                           shown);
        if (*t && *t != '[' && *t != ';' && *t != '#' && *t != '\r') {
            size_t k = strcspn(t, "=:");
            if (t[k] == ':')
                return fail_at(L, line, "expected `KEY = VALUE` (`:` does not separate): %s",
                               shown);
        }
        if (*t == '[') {
            char *close = strchr(t, ']');
            char *rest;
            _cleanup_free_ char *name = NULL;
            if (!close)
                return fail_at(L, line, "unterminated section header: %s", shown);
            rest = close + 1 + strspn(close + 1, " \t\r");
            if (*rest && *rest != ';' && *rest != '#')
                return fail_at(L, line, "text after the section header: %s", shown);
            name = sbox_xstrndup(t + 1, (size_t)(close - t - 1));
            if (L->policy && strcmp(name, "seccomp") != 0)
                return fail_at(L, line, "a policy file holds a [seccomp] section only, not [%s]",
                               name);
            L->saw_seccomp |= strcmp(name, "seccomp") == 0;
            {
                bool known = false;
                for (size_t i = 0; sections[i]; i++)
                    known |= strcmp(name, sections[i]) == 0;
                if (!known) {
                    const char *hint = nearest(name, sections);
                    if (hint)
                        return fail_at(L, line, "unknown section [%s] (did you mean [%s]?)", name,
                                       hint);
                    return fail_at(L, line,
                                   "unknown section [%s] (known: profile, filesystem, env, "
                                   "network, limits, process, security, seccomp)",
                                   name);
                }
            }
        }
        s = nl ? nl + 1 : end;
    }
    return 0;
}

/* inih reads through this, one line (or a piece of a long one) at a time, so the handler knows
 * the line it is called for. */
static char *reader(char *str, int num, void *stream)
{
    struct load *L = stream;
    size_t n = 0;
    if (L->failed || L->text >= L->end || num < 2)
        return NULL;
    if (L->at_line_start) {
        /* inih's line buffer has a size fixed when the library was built (200 bytes on some
         * distributions): a longer line would be cut silently, so it is an error here. */
        const char *nl = memchr(L->text, '\n', (size_t)(L->end - L->text));
        size_t len = nl ? (size_t)(nl - L->text) : (size_t)(L->end - L->text);
        L->line++;
        if (len > (size_t)num - 2) {
            fail_at(L, L->line, "line is longer than %d bytes, the INI parser's limit", num - 2);
            return NULL;
        }
    }
    while (L->text < L->end && n < (size_t)num - 1) {
        char c = *L->text++;
        str[n++] = c;
        if (c == '\n')
            break;
    }
    str[n] = '\0';
    L->at_line_start = n > 0 && str[n - 1] == '\n';
    return str;
}

static int load_text(struct load *L, const char *text, size_t len);

/* Keeps a file's name, resolved path and directory for as long as the plan's origins need them,
 * and points L at them. Takes ownership of path. */
static void remember(struct load *L, char *path, const char *real)
{
    char ***files = &L->ps->files;
    char *dir = sbox_xstrdup(real);
    *strrchr(dir, '/') = '\0';
    sbox_strv_push(files, path);
    L->file = (*files)[sbox_strv_len(*files) - 1];
    sbox_strv_push(files, sbox_xstrdup(real));
    L->real = (*files)[sbox_strv_len(*files) - 1];
    if (!dir[0]) {
        free(dir);
        dir = sbox_xstrdup("/");
    }
    sbox_strv_push(files, dir);
    L->dir = (*files)[sbox_strv_len(*files) - 1];
}

/* Stacking: each profile applies once, where it first comes (`-p build -p node` both include
 * default: the second include is skipped, so node's settings go over build's and default's are
 * not laid again over both). Marks it applied; false when it was already. */
static bool first_time(struct sbox_plan *p, bool builtin, const char *real)
{
    if (builtin) {
        if (p->profiles_default)
            return false;
        p->profiles_default = true;
        return true;
    }
    if (sbox_strv_contains(p->profiles_applied, real))
        return false;
    sbox_strv_push(&p->profiles_applied, sbox_xstrdup(real));
    return true;
}

static int include(struct load *L, const char *name)
{
    _cleanup_free_ char *path = NULL, *text = NULL;
    char real[PATH_MAX];
    char chain[SBOX_ERROR_MAX] = "";
    struct load child;
    size_t len;
    bool builtin;
    int r;

    if (L->ps->no_files && !is_default_name(name))
        return fail_at(L, L->line, "include `%s`: files are off", name);
    r = find(L->ps, name, L->dir, &path, &builtin, L->err);
    if (r < 0) {
        L->failed = true;
        return sbox_error_prefix(L->err, "%s:%u: include", L->file, L->line);
    }
    if (L->depth + 1 > SBOX_PROFILE_MAX_DEPTH)
        return fail_at(L, L->line, "includes nested deeper than %d", SBOX_PROFILE_MAX_DEPTH);
    if (!builtin && !realpath(path, real))
        return fail_at(L, L->line, "include `%s`: %s", path, strerror(errno));
    for (const struct load *a = L; a; a = a->parent) {
        bool same = builtin ? a->builtin : (a->real && strcmp(a->real, real) == 0);
        if (!same)
            continue;
        /* The chain, outermost first: a.ini -> b.ini -> a.ini. */
        {
            const struct load *stack[SBOX_PROFILE_MAX_DEPTH + 2];
            int n = 0;
            for (const struct load *b = L; b && n < SBOX_PROFILE_MAX_DEPTH + 1; b = b->parent)
                stack[n++] = b;
            for (int i = n - 1; i >= 0; i--)
                snprintf(chain + strlen(chain), sizeof chain - strlen(chain), "%s -> ",
                         stack[i]->file);
            snprintf(chain + strlen(chain), sizeof chain - strlen(chain), "%s",
                     builtin ? "built-in default" : path);
        }
        return fail_at(L, L->line, "include cycle: %s", chain);
    }
    if (!first_time(L->p, builtin, real))
        return 0;
    child = *L;
    child.parent = L;
    child.depth = L->depth + 1;
    child.line = 0;
    child.at_line_start = true;
    child.builtin = builtin;
    if (builtin) {
        child.file = "built-in";
        child.real = NULL;
        return load_text(&child, sbox_default_profile, strlen(sbox_default_profile));
    }
    r = read_file(path, &text, &len, L->err);
    if (r < 0) {
        L->failed = true;
        return sbox_error_prefix(L->err, "%s:%u: include", L->file, L->line);
    }
    remember(&child, steal_ptr(&path), real);
    return load_text(&child, text, len);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    struct load *L = user;
    const struct sbox_setting *s;
    struct sbox_origin o = {.kind = L->builtin ? SBOX_ORIGIN_BUILTIN : SBOX_ORIGIN_FILE,
                            .file = L->file,
                            .line = L->line};
    _cleanup_free_ char *expanded = NULL;
    char shown[256];

    if (L->failed)
        return 0;
    sbox_escape(shown, sizeof shown, name);
    if (section[0] == '\0') {
        fail_at(L, L->line, "`%s` is outside a section (start with one, such as [filesystem])",
                shown);
        return 0;
    }
    if (name[0] == '\0') {
        fail_at(L, L->line, "a line with `=` but no key");
        return 0;
    }
    if (L->policy && strcmp(section, "seccomp") != 0) {
        fail_at(L, L->line, "a policy file holds a [seccomp] section only, not [%s]", section);
        return 0;
    }
    if (!strcmp(section, "profile") && !strcmp(name, "description"))
        return 1; /* free text: not expanded, so "costs $5" is fine */
    s = sbox_setting_find(section, name);
    if (expand(value, lookup_var, L, s && s->split, &expanded, L->err) < 0) {
        L->failed = true;
        sbox_error_prefix(L->err, "%s:%u", L->file, L->line);
        return 0;
    }
    if (L->policy) {
        if (sbox_plan_set_policy(L->p, name, expanded, &o, L->err) < 0) {
            L->failed = true;
            sbox_error_prefix(L->err, "%s:%u", L->file, L->line);
            return 0;
        }
        return 1;
    }
    if (!strcmp(section, "profile")) {
        if (!strcmp(name, "include")) {
            if (expanded[0] == '\0') {
                fail_at(L, L->line, "include needs a profile name");
                return 0;
            }
            if (include(L, expanded) < 0) {
                L->failed = true;
                return 0;
            }
            return 1;
        }
        fail_at(L, L->line, "unknown key `%s` in [profile] (known: include, description)", shown);
        return 0;
    }
    s = sbox_setting_find(section, name);
    if (!s) {
        const struct sbox_setting *elsewhere = sbox_setting_find(NULL, name);
        const char *keys[128];
        size_t n = 0;
        const char *hint;
        if (elsewhere) {
            fail_at(L, L->line, "`%s` belongs in [%s], not [%s]", shown, elsewhere->section,
                    section);
            return 0;
        }
        for (size_t i = 0; i < sbox_n_settings && n < 127; i++)
            if (!strcmp(sbox_settings[i].section, section))
                keys[n++] = sbox_settings[i].key;
        keys[n] = NULL;
        hint = nearest(name, keys);
        if (hint)
            fail_at(L, L->line, "unknown key `%s` in [%s] (did you mean `%s`?)", shown, section,
                    hint);
        else
            fail_at(L, L->line, "unknown key `%s` in [%s]", shown, section);
        return 0;
    }
    if (sbox_plan_set(L->p, section, name, expanded, &o, L->err) < 0) {
        L->failed = true;
        return 0;
    }
    return 1;
}

static int load_text(struct load *L, const char *text, size_t len)
{
    int r = prescan(L, text, len);
    if (r < 0)
        return r;
    L->text = text;
    L->end = text + len;
    L->line = 0;
    L->at_line_start = true;
    r = ini_parse_stream(reader, L, handler, L);
    if (L->failed)
        return -(L->err->err ? L->err->err : EINVAL);
    if (r > 0) {
        /* inih's own complaint: a line that is neither a section, a comment nor KEY = VALUE. */
        return fail_at(L, (unsigned)r, "expected `KEY = VALUE`, a [section] or a comment");
    }
    if (r < 0)
        return fail_at(L, 0, "cannot be parsed");
    return 0;
}

int sbox_profile_load_text(struct sbox_profiles *ps, struct sbox_plan *p, const char *file,
                           const char *text, size_t len, struct sbox_error *err)
{
    struct load L = {.ps = ps, .p = p, .file = file, .dir = "/", .err = err};
    return load_text(&L, text, len);
}

int sbox_profile_load_default(struct sbox_profiles *ps, struct sbox_plan *p, struct sbox_error *err)
{
    struct load L = {.ps = ps, .p = p, .file = "built-in", .dir = "/", .builtin = true, .err = err};
    if (!first_time(p, true, NULL))
        return 0;
    return load_text(&L, sbox_default_profile, strlen(sbox_default_profile));
}

int sbox_profile_load(struct sbox_profiles *ps, struct sbox_plan *p, const char *name,
                      struct sbox_error *err)
{
    _cleanup_free_ char *path = NULL, *text = NULL;
    char real[PATH_MAX];
    struct load L = {.ps = ps, .p = p, .err = err};
    bool builtin;
    size_t len;
    int r = find(ps, name, NULL, &path, &builtin, err);
    if (r < 0)
        return sbox_error_prefix(err, "-p");
    if (builtin)
        return sbox_profile_load_default(ps, p, err);
    r = read_file(path, &text, &len, err);
    if (r < 0)
        return r;
    if (!realpath(path, real))
        return sbox_error(err, errno, "%s", path);
    if (!first_time(p, false, real))
        return 0;
    remember(&L, steal_ptr(&path), real);
    return load_text(&L, text, len);
}

int sbox_profile_load_policy(struct sbox_profiles *ps, struct sbox_plan *p, struct sbox_error *err)
{
    _cleanup_free_ char *text = NULL;
    char real[PATH_MAX];
    struct load L = {.ps = ps, .p = p, .policy = true, .err = err};
    size_t len;
    if (!p->seccomp_file)
        return 0;
    if (ps->no_files)
        return sbox_origin_errorf(err, &p->seccomp_origin, "seccomp", "policy files are off");
    if (read_file(p->seccomp_file, &text, &len, err) < 0) {
        sbox_error_prefix(err, "seccomp policy");
        return sbox_origin_error(err, &p->seccomp_origin, "seccomp");
    }
    if (!realpath(p->seccomp_file, real)) {
        sbox_error(err, errno, "seccomp policy %s", p->seccomp_file);
        return sbox_origin_error(err, &p->seccomp_origin, "seccomp");
    }
    remember(&L, sbox_xstrdup(p->seccomp_file), real);
    if (load_text(&L, text, len) < 0)
        return -EINVAL;
    /* An empty file, or a profile given by mistake, is not a policy. */
    if (!L.saw_seccomp)
        return sbox_error(err, 0, "%s: no [seccomp] section: not a seccomp policy file", L.file);
    return 0;
}

/* --- listing --- */

struct describe {
    char *description;
};

static int describe_handler(void *user, const char *section, const char *name, const char *value)
{
    struct describe *d = user;
    if (!strcmp(section, "profile") && !strcmp(name, "description") && !d->description)
        d->description = sbox_xstrdup(value);
    return 1;
}

/* One profile of the listing: the first file of its name on the search path, or the built-in
 * default; description NULL when it has none. */
struct listed {
    char *name, *description, *path; /* path NULL: built in */
};

static void listed_free(struct listed *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].description);
        free(v[i].path);
    }
    free(v);
}

/* Every profile on the search path, in its order (each directory's sorted by name), the first
 * of a name winning; the built-in default last unless a file named it. */
static struct listed *collect(struct sbox_profiles *ps, size_t *ret_n)
{
    struct listed *v = NULL;
    size_t n = 0;
    bool have_default = false;
    for (size_t i = 0; ps->search[i]; i++) {
        DIR *d = opendir(ps->search[i]);
        _cleanup_strv_ char **names = NULL;
        if (!d)
            continue;
        for (struct dirent *e; (e = readdir(d));) {
            size_t len = strlen(e->d_name);
            if (len > 4 && !strcmp(e->d_name + len - 4, ".ini"))
                sbox_strv_push(&names, sbox_xstrndup(e->d_name, len - 4));
        }
        closedir(d);
        if (names)
            qsort(names, sbox_strv_len(names), sizeof *names, by_name);
        for (size_t j = 0; names && names[j]; j++) {
            _cleanup_free_ char *text = NULL;
            struct describe desc = {0};
            struct sbox_error err;
            char *path;
            size_t len;
            bool dup = false;
            for (size_t k = 0; k < n; k++)
                dup |= !strcmp(v[k].name, names[j]);
            if (dup)
                continue; /* an earlier directory's profile of that name wins */
            have_default |= is_default_name(names[j]);
            path = sbox_xasprintf("%s/%s.ini", ps->search[i], names[j]);
            if (read_file(path, &text, &len, &err) == 0)
                ini_parse_string(text, describe_handler, &desc);
            v = sbox_xrealloc(v, (n + 1) * sizeof *v);
            v[n++] = (struct listed){sbox_xstrdup(names[j]), desc.description, path};
        }
    }
    if (!have_default) {
        struct describe desc = {0};
        ini_parse_string(sbox_default_profile, describe_handler, &desc);
        v = sbox_xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = (struct listed){sbox_xstrdup("default"), desc.description, NULL};
    }
    *ret_n = n;
    return v;
}

void sbox_profile_list(struct sbox_profiles *ps, FILE *out)
{
    size_t n;
    struct listed *v = collect(ps, &n);
    for (size_t i = 0; i < n; i++) {
        char shown[256];
        sbox_escape(shown, sizeof shown, v[i].description ? v[i].description : "");
        if (v[i].path)
            fprintf(out, "%-12s %s\n%-12s (%s)\n", v[i].name,
                    v[i].description ? shown : "(no description)", "", v[i].path);
        else
            fprintf(out, "%-12s %s\n%-12s (built in)\n", v[i].name, shown, "");
    }
    listed_free(v, n);
}

void sbox_profile_list_json(struct sbox_profiles *ps, FILE *out)
{
    size_t n;
    struct listed *v = collect(ps, &n);
    struct sbox_jw j;
    sbox_jw_begin(&j, out);
    sbox_jw_object(&j, NULL);
    sbox_jw_array(&j, "profiles");
    for (size_t i = 0; i < n; i++) {
        sbox_jw_object(&j, NULL);
        sbox_jw_str(&j, "name", v[i].name);
        sbox_jw_str(&j, "description", v[i].description);
        sbox_jw_str(&j, "path", v[i].path);
        sbox_jw_bool(&j, "builtin", !v[i].path);
        sbox_jw_end(&j);
    }
    sbox_jw_end(&j);
    sbox_jw_end(&j);
    listed_free(v, n);
}

char **sbox_profile_names(struct sbox_profiles *ps)
{
    size_t n;
    struct listed *v = collect(ps, &n);
    char **names = NULL;
    for (size_t i = 0; i < n; i++)
        sbox_strv_push(&names, sbox_xstrdup(v[i].name));
    listed_free(v, n);
    return names;
}
