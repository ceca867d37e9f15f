/* plan-env.c: the payload's environment from the plan (keep-env, setenv, unsetenv) and what
 * looks like a credential. Must never pass a credential that a pattern, not a name, matched. */
#include "cleanup.h"
#include "plan.h"
#include "util.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* Words a credential's name is made of, compared case-insensitively: anywhere in the name
 * (NPM_TOKEN, npm_config_//host/:_authToken, TWINE_PASSWORD, AWS_SECRET_ACCESS_KEY). */
static const char *const secret_parts[] = {
    "TOKEN", "SECRET", "PASSW", "PASSPHRASE", "CREDENTIAL", "COOKIE", "PRIVATE", "APIKEY",
};

/* Formats whose first characters say what the value is: GitHub's, GitLab's, npm's, PyPI's,
 * Slack's tokens and AWS's access key ids. */
static const char *const token_prefixes[] = {
    "ghp_",   "gho_", "ghu_",  "ghs_",  "ghr_",  "github_pat_",
    "glpat-", "npm_", "pypi-", "xoxb-", "xoxp-", "AKIA",
};

/* The word of name that starts at or holds position at: words are split at any character
 * but a letter or digit, and where a lower-case letter meets an upper-case one (camelCase). */
static void word_at(const char *name, size_t at, size_t *ret_start, size_t *ret_len)
{
    size_t a = at, b = at;
    while (a > 0 && isalnum((unsigned char)name[a - 1]) &&
           !(islower((unsigned char)name[a - 1]) && isupper((unsigned char)name[a])))
        a--;
    while (isalnum((unsigned char)name[b]) &&
           !(b > a && islower((unsigned char)name[b - 1]) && isupper((unsigned char)name[b])))
        b++;
    *ret_start = a;
    *ret_len = b - a;
}

static bool word_is(const char *name, size_t start, size_t len, const char *word)
{
    return len == strlen(word) && strncasecmp(name + start, word, len) == 0;
}

/* A URL with user information somewhere in value: "://", then before the next `/`, `?`, `#`,
 * white space or the end, an `@` (https://user:secret@host/, https://TOKEN@host/). */
static bool has_userinfo_url(const char *value)
{
    for (const char *s = strstr(value, "://"); s; s = strstr(s + 3, "://")) {
        size_t n = strcspn(s + 3, "/?# \t\n");
        if (memchr(s + 3, '@', n))
            return true;
    }
    return false;
}

const char *sbox_env_credential(const char *name, const char *value)
{
    for (size_t i = 0; i < sizeof secret_parts / sizeof *secret_parts; i++)
        if (strcasestr(name, secret_parts[i]))
            return "its name looks like a credential's";
    /* AUTH anywhere (_auth, NODE_AUTH_TOKEN, OAUTH_...), but not in the word AUTHOR(S):
     * GIT_AUTHOR_NAME is no secret. */
    for (const char *s = strcasestr(name, "AUTH"); s; s = strcasestr(s + 1, "AUTH")) {
        size_t start, len;
        word_at(name, (size_t)(s - name), &start, &len);
        if (!word_is(name, start, len, "AUTHOR") && !word_is(name, start, len, "AUTHORS"))
            return "its name looks like a credential's";
    }
    /* KEY as a whole word (npm_config_key, API_KEY, apiKey), not KEYBOARD or KEYRING. */
    for (const char *s = strcasestr(name, "KEY"); s; s = strcasestr(s + 1, "KEY")) {
        size_t start, len;
        word_at(name, (size_t)(s - name), &start, &len);
        if (word_is(name, start, len, "KEY"))
            return "its name looks like a credential's";
    }
    if (has_userinfo_url(value))
        return "its value holds a URL with a user name or password";
    if (strstr(value, "-----BEGIN") && strstr(value, "PRIVATE KEY"))
        return "its value holds a private key";
    for (size_t i = 0; i < sizeof token_prefixes / sizeof *token_prefixes; i++) {
        size_t n = strlen(token_prefixes[i]), rest;
        if (strncmp(value, token_prefixes[i], n) != 0)
            continue;
        rest =
            strspn(value + n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
        if (rest >= 16 && value[n + rest] == '\0')
            return "its value has the form of a known token";
    }
    return NULL;
}

/* A keep-env entry without glob characters names one variable: what the user asked for by
 * name passes as it is. */
static bool glob_is_exact(const char *glob)
{
    return strpbrk(glob, "*?[\\") == NULL;
}

enum env_keep { ENV_DROPPED, ENV_BY_PATTERN, ENV_BY_NAME };

/* How name passes, and through which pattern (*ret_glob) when only a pattern matches. */
static enum env_keep env_kept(const struct sbox_plan *p, const char *name, const char **ret_glob)
{
    enum env_keep k = ENV_DROPPED;
    for (size_t i = 0; i < p->n_keep_env; i++) {
        if (fnmatch(p->keep_env[i].glob, name, 0) != 0)
            continue;
        if (glob_is_exact(p->keep_env[i].glob))
            return ENV_BY_NAME;
        if (k == ENV_DROPPED && ret_glob)
            *ret_glob = p->keep_env[i].glob;
        k = ENV_BY_PATTERN;
    }
    return k;
}

static bool env_has(char **env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
            return true;
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

/* NAME=VALUE in place of any NAME before. */
static void env_set(char ***env, const char *name, const char *value)
{
    env_remove(*env, name);
    sbox_strv_push(env, sbox_xasprintf("%s=%s", name, value));
}

/* An image's own PATH: the caller's names the host's directories (~/.local/bin, /snap/bin) and
 * may lack /bin on a merged-/usr host. */
#define SBOX_IMAGE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The variables of host_env that pass. A pattern never passes one that looks like a
 * credential (sbox_env_credential): those go to *withheld (when not NULL), one line each
 * saying which and why, unless a setenv or unsetenv names them anyway. */
static char **kept_environ(const struct sbox_plan *p, char *const *host_env, char ***withheld)
{
    char **env = NULL;
    sbox_strv_push(&env, NULL);
    env[0] = NULL;
    for (size_t i = 0; host_env && host_env[i]; i++) {
        const char *eq = strchr(host_env[i], '=');
        _cleanup_free_ char *name = NULL;
        const char *glob = NULL, *why;
        enum env_keep k;
        bool named = false;
        if (!eq || eq == host_env[i])
            continue;
        name = sbox_xstrndup(host_env[i], (size_t)(eq - host_env[i]));
        /* A name defined twice: the first definition wins, as getenv() sees it. */
        if (env_has(env, name))
            continue;
        k = env_kept(p, name, &glob);
        if (k == ENV_BY_PATTERN && (why = sbox_env_credential(name, eq + 1))) {
            for (size_t j = 0; j < p->n_env_ops && !named; j++)
                named = strcmp(p->env_ops[j].name, name) == 0;
            if (withheld && !named)
                sbox_strv_push(withheld,
                               sbox_xasprintf("%s not passed: %s (keep-env %s matched it; "
                                              "name it to pass it: --keep-env %s)",
                                              name, why, glob, name));
            continue;
        }
        if (k != ENV_DROPPED)
            sbox_strv_push(&env, sbox_plan_image_root(p) && strcmp(name, "PATH") == 0
                                     ? sbox_xstrdup("PATH=" SBOX_IMAGE_PATH)
                                     : sbox_xstrdup(host_env[i]));
    }
    return env;
}

/* A stored image's Env first, then what keep-env passes on top of it (an image's own PATH
 * stays: the caller's names the host's directories). */
static char **image_environ(const struct sbox_plan *p, char **kept)
{
    char **env = NULL, *const *img = p->image_facts.env;
    bool img_path = false;
    sbox_strv_push(&env, NULL);
    env[0] = NULL;
    for (size_t i = 0; img && img[i]; i++) {
        _cleanup_free_ char *name = sbox_xstrndup(img[i], strcspn(img[i], "="));
        if (!name[0] || !strchr(img[i], '='))
            continue;
        env_remove(env, name); /* a name given twice: the last, as Docker takes it */
        sbox_strv_push(&env, sbox_xstrdup(img[i]));
        img_path |= strcmp(name, "PATH") == 0;
    }
    for (size_t i = 0; kept && kept[i]; i++) {
        _cleanup_free_ char *name = sbox_xstrndup(kept[i], strcspn(kept[i], "="));
        if (img_path && strcmp(name, "PATH") == 0)
            continue;
        env_remove(env, name);
        sbox_strv_push(&env, sbox_xstrdup(kept[i]));
    }
    sbox_strv_free(kept);
    return env;
}

char **sbox_plan_env_withheld(const struct sbox_plan *p, char *const *host_env)
{
    char **lines = NULL;
    sbox_strv_free(kept_environ(p, host_env, &lines));
    return lines;
}

#define STR_(n) #n
#define STR(n) STR_(n)
#define HTTP_PROXY_URL "http://" SBOX_PROXY_ADDR ":" STR(SBOX_PROXY_HTTP_PORT)
#define SOCKS_PROXY_URL "socks5h://" SBOX_PROXY_ADDR ":" STR(SBOX_PROXY_SOCKS_PORT)

/* Both cases: curl reads http_proxy only in lower case, other tools the upper case first.
 * socks5h: the name goes to the proxy, as nothing inside can resolve it. npm reads its own. */
const char *const sbox_proxy_environ[][2] = {
    {"HTTP_PROXY", HTTP_PROXY_URL},
    {"http_proxy", HTTP_PROXY_URL},
    {"HTTPS_PROXY", HTTP_PROXY_URL},
    {"https_proxy", HTTP_PROXY_URL},
    {"ALL_PROXY", SOCKS_PROXY_URL},
    {"all_proxy", SOCKS_PROXY_URL},
    {"NO_PROXY", "localhost,127.0.0.1,::1"},
    {"no_proxy", "localhost,127.0.0.1,::1"},
    {"npm_config_proxy", HTTP_PROXY_URL},
    {"npm_config_https_proxy", HTTP_PROXY_URL},
    {NULL, NULL},
};

/* Whether the colon-separated list holds dir as one of its entries. */
static bool path_has(const char *list, const char *dir, size_t n)
{
    for (const char *at = list; *at;) {
        size_t k = strcspn(at, ":");
        if (k == n && strncmp(at, dir, n) == 0)
            return true;
        at += k + (at[k] == ':');
    }
    return false;
}

/* PATH with path-prepend's directories in front, in the order given, each once: one that was
 * on PATH already moves to the front rather than being searched twice. Without a PATH, the
 * system's directories follow them (execvp's own default is only /bin:/usr/bin). The old
 * PATH's empty entries, which mean the current directory, are not kept in a PATH sbox
 * writes. */
static char **prepend_path(const struct sbox_plan *p, char **env)
{
    _cleanup_free_ char *front = sbox_xstrdup(""), *rest = NULL;
    char *path, *save = NULL;
    const char *old = NULL;
    for (size_t i = 0; i < p->n_env_ops; i++) {
        const char *dir = p->env_ops[i].value;
        char *next;
        if (p->env_ops[i].op != SBOX_ENV_PATH_PREPEND || path_has(front, dir, strlen(dir)))
            continue;
        next = sbox_xasprintf("%s%s%s", front, front[0] ? ":" : "", dir);
        free(front);
        front = next;
    }
    if (!front[0])
        return env;
    for (size_t i = 0; env[i]; i++)
        if (strncmp(env[i], "PATH=", 5) == 0)
            old = env[i] + 5;
    rest = sbox_xstrdup(old ? old : SBOX_IMAGE_PATH);
    path = sbox_xasprintf("PATH=%s", front);
    for (char *e = strtok_r(rest, ":", &save); e; e = strtok_r(NULL, ":", &save)) {
        char *next;
        if (path_has(front, e, strlen(e)))
            continue;
        next = sbox_xasprintf("%s:%s", path, e);
        free(path);
        path = next;
    }
    env_remove(env, "PATH");
    sbox_strv_push(&env, path);
    return env;
}

char **sbox_plan_environ(const struct sbox_plan *p, char *const *host_env)
{
    char **env = kept_environ(p, host_env, NULL);
    if (p->image)
        env = image_environ(p, env);
    /* The identity git would use outside, as variables git reads before its config: the
     * config itself (credential helpers, url rewrites holding tokens) never comes in. */
    if (p->git_identity && p->git_name) {
        env_set(&env, "GIT_AUTHOR_NAME", p->git_name);
        env_set(&env, "GIT_COMMITTER_NAME", p->git_name);
    }
    if (p->git_identity && p->git_email) {
        env_set(&env, "GIT_AUTHOR_EMAIL", p->git_email);
        env_set(&env, "GIT_COMMITTER_EMAIL", p->git_email);
    }
    for (size_t i = 0; p->n_allow_hosts && sbox_proxy_environ[i][0]; i++)
        env_set(&env, sbox_proxy_environ[i][0], sbox_proxy_environ[i][1]);
    for (size_t i = 0; i < p->n_env_ops; i++) {
        if (p->env_ops[i].op == SBOX_ENV_SET)
            env_set(&env, p->env_ops[i].name, p->env_ops[i].value);
        else if (p->env_ops[i].op == SBOX_ENV_UNSET)
            env_remove(env, p->env_ops[i].name);
    }
    return prepend_path(p, env);
}

int sbox_makeflags_jobserver(const char *makeflags, int *ret_r, int *ret_w, char **ret_fifo)
{
    static const char *const opts[] = {"--jobserver-auth=", "--jobserver-fds="};
    const char *found = NULL;
    size_t found_len = 0;
    *ret_r = *ret_w = -1;
    *ret_fifo = NULL;
    for (const char *w = makeflags; w && *w;) {
        size_t n;
        w += strspn(w, " \t");
        n = strcspn(w, " \t");
        for (size_t i = 0; i < 2; i++)
            if (n > strlen(opts[i]) && strncmp(w, opts[i], strlen(opts[i])) == 0) {
                found = w + strlen(opts[i]);
                found_len = n - strlen(opts[i]);
            }
        if (n == 2 && strncmp(w, "--", 2) == 0)
            break; /* variables follow */
        w += n;
    }
    if (!found)
        return 0;
    if (found_len > 5 && strncmp(found, "fifo:", 5) == 0) {
        *ret_fifo = sbox_xstrndup(found + 5, found_len - 5);
        return 1;
    }
    {
        char num[32];
        char *end;
        long r, w;
        if (found_len >= sizeof num)
            return 0;
        memcpy(num, found, found_len);
        num[found_len] = '\0';
        r = strtol(num, &end, 10);
        if (end == num || *end != ',')
            return 0;
        w = strtol(end + 1, &end, 10);
        if (*end || r < 0 || w < 0 || r > 1 << 20 || w > 1 << 20)
            return 0;
        *ret_r = (int)r;
        *ret_w = (int)w;
    }
    return 1;
}
