/* util.c: string vectors and lexical paths.
 * Must never make a system call other than allocation: everything here is unit-tested as pure. */
#include "util.h"
#include "cleanup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *sbox_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *sbox_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

char *sbox_xstrdup(const char *s)
{
    char *r = strdup(s);
    if (!r)
        abort();
    return r;
}

char *sbox_xstrndup(const char *s, size_t n)
{
    char *r = strndup(s, n);
    if (!r)
        abort();
    return r;
}

char *sbox_xasprintf(const char *fmt, ...)
{
    char *r;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&r, fmt, ap) < 0)
        abort();
    va_end(ap);
    return r;
}

size_t sbox_strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void sbox_strv_push(char ***v, char *s)
{
    size_t n = sbox_strv_len(*v);
    *v = sbox_xrealloc(*v, (n + 2) * sizeof **v);
    (*v)[n] = s;
    (*v)[n + 1] = NULL;
}

char **sbox_strv_copy(char *const *v)
{
    size_t n = sbox_strv_len(v);
    char **r = sbox_xmalloc((n + 1) * sizeof *r);
    for (size_t i = 0; i < n; i++)
        r[i] = sbox_xstrdup(v[i]);
    r[n] = NULL;
    return r;
}

void sbox_strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

bool sbox_strv_contains(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

char *sbox_path_normalize(const char *path)
{
    size_t len;
    char *out;
    size_t o = 0;

    if (!path || path[0] != '/')
        return NULL;
    len = strlen(path);
    out = sbox_xmalloc(len + 2);
    out[0] = '/';
    o = 1;
    for (const char *p = path; *p;) {
        const char *end;
        size_t n;
        while (*p == '/')
            p++;
        if (!*p)
            break;
        end = strchrnul(p, '/');
        n = (size_t)(end - p);
        if (n == 1 && p[0] == '.') {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 1 && out[o - 1] != '/')
                o--;
            if (o > 1)
                o--; /* drop the separator too */
        } else {
            if (o > 1)
                out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p = end;
    }
    out[o] = '\0';
    return out;
}

char *sbox_path_resolve(const char *base, const char *rel)
{
    _cleanup_free_ char *joined = NULL;
    if (rel[0] == '/')
        return sbox_path_normalize(rel);
    if (!base)
        return NULL;
    joined = sbox_xasprintf("%s/%s", base, rel);
    return sbox_path_normalize(joined);
}

bool sbox_path_is_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (strcmp(dir, "/") == 0)
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

size_t sbox_path_depth(const char *path)
{
    size_t d = 0;
    for (const char *p = path; *p; p++)
        if (*p == '/' && p[1] != '\0')
            d++;
    return d;
}

size_t sbox_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    _cleanup_free_ size_t *row = sbox_xmalloc((lb + 1) * sizeof *row);
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

char *sbox_path_resolve_to_be(const char *path, char *(*resolve)(const char *path))
{
    _cleanup_free_ char *near = sbox_xstrdup(path);
    char *real;
    while (!(real = resolve(near[0] ? near : "/"))) {
        char *slash = strrchr(near, '/');
        if (!slash)
            return NULL;
        *slash = '\0';
    }
    {
        char *whole = sbox_xasprintf("%s%s", strcmp(real, "/") ? real : "", path + strlen(near));
        free(real);
        return whole;
    }
}
