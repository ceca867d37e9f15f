/* json.c: RFC 8259 JSON read into a tree, for image metadata that comes from anyone.
 * Pure: no system call, no global state; every limit (size, depth) checked before it is hit. */
#include "json.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    const char *s, *end, *line_start;
    size_t line;
    unsigned depth;
    struct sbox_error *err;
};

static int fail(struct parser *p, const char *what)
{
    return sbox_error(p->err, 0, "line %zu, column %zu: %s", p->line,
                      (size_t)(p->s - p->line_start) + 1, what);
}

static void skip_space(struct parser *p)
{
    while (p->s < p->end) {
        char c = *p->s;
        if (c == '\n') {
            p->line++;
            p->line_start = p->s + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
        p->s++;
    }
}

void sbox_json_free(struct sbox_json *v)
{
    while (v) {
        struct sbox_json *next = v->next;
        sbox_json_free(v->child); /* as deep as the parser allowed, no deeper */
        free(v->key);
        free(v->str);
        free(v);
        v = next;
    }
}

static int hex4(const char *s, unsigned *ret)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *ret = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A string at p->s (its opening quote), decoded into *ret: escapes resolved, UTF-8 checked as
 * a whole afterwards. The decoded form is never longer than the text. */
static int parse_string(struct parser *p, char **ret)
{
    const char *s = p->s + 1;
    char *out, *o;
    size_t cap = 0;
    for (const char *q = s; q < p->end && *q != '"'; q++, cap++)
        if (*q == '\\' && q + 1 < p->end)
            q++, cap++;
    out = o = sbox_xmalloc(cap + 1);
    for (;;) {
        unsigned char c;
        if (s >= p->end) {
            free(out);
            p->s = s;
            return fail(p, "unterminated string");
        }
        c = (unsigned char)*s;
        if (c == '"')
            break;
        if (c < 0x20) {
            free(out);
            p->s = s;
            return fail(p, "control character in a string");
        }
        if (c != '\\') {
            *o++ = (char)c;
            s++;
            continue;
        }
        if (s + 1 >= p->end) {
            free(out);
            p->s = s;
            return fail(p, "unterminated string");
        }
        switch (s[1]) {
        case '"':
        case '\\':
        case '/':
            *o++ = s[1];
            s += 2;
            continue;
        case 'b':
            *o++ = '\b';
            s += 2;
            continue;
        case 'f':
            *o++ = '\f';
            s += 2;
            continue;
        case 'n':
            *o++ = '\n';
            s += 2;
            continue;
        case 'r':
            *o++ = '\r';
            s += 2;
            continue;
        case 't':
            *o++ = '\t';
            s += 2;
            continue;
        case 'u': {
            unsigned cp, lo;
            if (p->end - s < 6 || hex4(s + 2, &cp) < 0) {
                free(out);
                p->s = s;
                return fail(p, "bad \\u escape");
            }
            s += 6;
            if (cp >= 0xd800 && cp < 0xdc00) {
                /* A high surrogate takes its low one with it: "\ud83d\ude00" is one character. */
                if (p->end - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) < 0 ||
                    lo < 0xdc00 || lo > 0xdfff) {
                    free(out);
                    p->s = s;
                    return fail(p, "unpaired surrogate in a \\u escape");
                }
                s += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                free(out);
                p->s = s;
                return fail(p, "unpaired surrogate in a \\u escape");
            }
            if (cp == 0) {
                /* Every string here becomes a C string (a path, a variable): a NUL inside
                 * would cut it where the reader and the writer disagree. */
                free(out);
                p->s = s;
                return fail(p, "\\u0000 in a string");
            }
            o += put_utf8(o, cp);
            continue;
        }
        default:
            free(out);
            p->s = s;
            return fail(p, "bad escape in a string");
        }
    }
    *o = '\0';
    if (!sbox_utf8_valid(out)) {
        free(out);
        return fail(p, "a string is not valid UTF-8");
    }
    p->s = s + 1;
    *ret = out;
    return 0;
}

static int parse_number(struct parser *p, char **ret)
{
    const char *s = p->s;
    if (s < p->end && *s == '-')
        s++;
    if (s >= p->end || *s < '0' || *s > '9')
        return fail(p, "bad number");
    if (*s == '0')
        s++;
    else
        while (s < p->end && *s >= '0' && *s <= '9')
            s++;
    if (s < p->end && *s == '.') {
        s++;
        if (s >= p->end || *s < '0' || *s > '9')
            return fail(p, "bad number");
        while (s < p->end && *s >= '0' && *s <= '9')
            s++;
    }
    if (s < p->end && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < p->end && (*s == '+' || *s == '-'))
            s++;
        if (s >= p->end || *s < '0' || *s > '9')
            return fail(p, "bad number");
        while (s < p->end && *s >= '0' && *s <= '9')
            s++;
    }
    *ret = sbox_xstrndup(p->s, (size_t)(s - p->s));
    p->s = s;
    return 0;
}

static int parse_value(struct parser *p, struct sbox_json **ret);

/* An array or object at p->s (its opening bracket); members are checked for duplicates, which
 * two readers of the same file could each take differently. */
static int parse_container(struct parser *p, struct sbox_json *v)
{
    const bool object = v->type == SBOX_JSON_OBJECT;
    const char close = object ? '}' : ']';
    struct sbox_json **tail = &v->child;
    if (++p->depth > SBOX_JSON_MAX_DEPTH)
        return fail(p, "nested too deeply");
    p->s++;
    skip_space(p);
    if (p->s < p->end && *p->s == close) {
        p->s++;
        p->depth--;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        struct sbox_json *item = NULL;
        int r;
        skip_space(p);
        if (object) {
            if (p->s >= p->end || *p->s != '"')
                return fail(p, "expected a member name");
            r = parse_string(p, &key);
            if (r < 0)
                return r;
            for (const struct sbox_json *m = v->child; m; m = m->next)
                if (strcmp(m->key, key) == 0) {
                    free(key);
                    return fail(p, "a member name appears twice");
                }
            skip_space(p);
            if (p->s >= p->end || *p->s != ':') {
                free(key);
                return fail(p, "expected ':'");
            }
            p->s++;
        }
        r = parse_value(p, &item);
        if (r < 0) {
            free(key);
            return r;
        }
        item->key = key;
        *tail = item;
        tail = &item->next;
        v->n++;
        skip_space(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == close) {
            p->s++;
            p->depth--;
            return 0;
        }
        return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool word(struct parser *p, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, w, n) != 0)
        return false;
    p->s += n;
    return true;
}

static int parse_value(struct parser *p, struct sbox_json **ret)
{
    struct sbox_json *v = sbox_xmalloc(sizeof *v);
    int r = 0;
    memset(v, 0, sizeof *v);
    skip_space(p);
    if (p->s >= p->end) {
        free(v);
        return fail(p, "expected a value");
    }
    switch (*p->s) {
    case '{':
        v->type = SBOX_JSON_OBJECT;
        r = parse_container(p, v);
        break;
    case '[':
        v->type = SBOX_JSON_ARRAY;
        r = parse_container(p, v);
        break;
    case '"':
        v->type = SBOX_JSON_STRING;
        r = parse_string(p, &v->str);
        break;
    case 't':
        v->type = SBOX_JSON_TRUE;
        r = word(p, "true") ? 0 : fail(p, "expected a value");
        break;
    case 'f':
        v->type = SBOX_JSON_FALSE;
        r = word(p, "false") ? 0 : fail(p, "expected a value");
        break;
    case 'n':
        v->type = SBOX_JSON_NULL;
        r = word(p, "null") ? 0 : fail(p, "expected a value");
        break;
    default:
        v->type = SBOX_JSON_NUMBER;
        r = parse_number(p, &v->str);
        break;
    }
    if (r < 0) {
        sbox_json_free(v);
        return r;
    }
    *ret = v;
    return 0;
}

int sbox_json_parse(const char *text, size_t len, struct sbox_json **ret, struct sbox_error *err)
{
    struct parser p = {.s = text, .end = text + len, .line_start = text, .line = 1, .err = err};
    struct sbox_json *v = NULL;
    int r;
    if (len > SBOX_JSON_MAX_SIZE)
        return sbox_error(err, 0, "larger than %u bytes", SBOX_JSON_MAX_SIZE);
    if (memchr(text, '\0', len))
        return sbox_error(err, 0, "holds a NUL byte");
    r = parse_value(&p, &v);
    if (r < 0)
        return r;
    skip_space(&p);
    if (p.s != p.end) {
        sbox_json_free(v);
        return fail(&p, "more after the value");
    }
    *ret = v;
    return 0;
}

const struct sbox_json *sbox_json_get(const struct sbox_json *obj, const char *key)
{
    if (!sbox_json_is(obj, SBOX_JSON_OBJECT))
        return NULL;
    for (const struct sbox_json *m = obj->child; m; m = m->next)
        if (strcmp(m->key, key) == 0)
            return m;
    return NULL;
}

const char *sbox_json_string(const struct sbox_json *v)
{
    return sbox_json_is(v, SBOX_JSON_STRING) ? v->str : NULL;
}

bool sbox_json_int(const struct sbox_json *v, int64_t *ret)
{
    const char *s;
    int64_t n = 0;
    bool neg;
    if (!sbox_json_is(v, SBOX_JSON_NUMBER))
        return false;
    s = v->str;
    neg = *s == '-';
    s += neg;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false; /* a fraction or an exponent */
        if (n > (INT64_MAX - (*s - '0')) / 10)
            return false;
        n = n * 10 + (*s - '0');
    }
    *ret = neg ? -n : n;
    return true;
}
