/* json.h: a small, strict JSON reader for the image files sbox takes from elsewhere (OCI
 * index.json, manifests, configs, docker-archive's manifest.json). Never makes a system call;
 * bounded in size and depth; refuses rather than guesses (duplicate keys, invalid UTF-8, NUL). */
#ifndef SBOX_JSON_H
#define SBOX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define SBOX_JSON_MAX_SIZE (4u << 20) /* an image's config is a few KiB; a manifest less */
#define SBOX_JSON_MAX_DEPTH 64

enum sbox_json_type {
    SBOX_JSON_NULL,
    SBOX_JSON_FALSE,
    SBOX_JSON_TRUE,
    SBOX_JSON_NUMBER,
    SBOX_JSON_STRING,
    SBOX_JSON_ARRAY,
    SBOX_JSON_OBJECT,
};

struct sbox_json {
    enum sbox_json_type type;
    char *key;                      /* the member's name, in an object; else NULL */
    char *str;                      /* a string, decoded; a number, as written */
    struct sbox_json *child, *next; /* an array's or object's first element; the next one */
    size_t n;                       /* elements of an array or object */
};

/* Parses the whole of text (len bytes: one value, white space around it) into *ret. On failure
 * err says where (line and column) and what was expected; nothing is allocated then. */
int sbox_json_parse(const char *text, size_t len, struct sbox_json **ret, struct sbox_error *err);
void sbox_json_free(struct sbox_json *v);
static inline void sbox_json_freep(struct sbox_json **v)
{
    sbox_json_free(*v);
}

/* obj's member key, or NULL when obj is no object (or NULL) or has no such member. */
const struct sbox_json *sbox_json_get(const struct sbox_json *obj, const char *key);
/* v's text when it is a string, else NULL. */
const char *sbox_json_string(const struct sbox_json *v);
/* v as an integer when it is a number written as one (no fraction or exponent) that fits. */
bool sbox_json_int(const struct sbox_json *v, int64_t *ret);
static inline bool sbox_json_is(const struct sbox_json *v, enum sbox_json_type t)
{
    return v && v->type == t;
}

#endif
