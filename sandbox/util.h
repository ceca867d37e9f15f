/* util.h: small helpers with no policy and no system calls but allocation:
 * string vectors, lexical path handling, edit distance. Never touches the file system. */
#ifndef SBOX_UTIL_H
#define SBOX_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Allocation failure in a command-line tool has no useful recovery: these abort. */
void *sbox_xmalloc(size_t n);
void *sbox_xrealloc(void *p, size_t n);
char *sbox_xstrdup(const char *s);
char *sbox_xstrndup(const char *s, size_t n);
char *sbox_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated string vectors. */
size_t sbox_strv_len(char *const *v);
void sbox_strv_push(char ***v, char *s); /* takes ownership of s */
char **sbox_strv_copy(char *const *v);
void sbox_strv_free(char **v);
bool sbox_strv_contains(char *const *v, const char *s); /* s is one of v's strings */

/* Lexical normalisation of an absolute path: collapses "//" and ".", resolves ".." without
 * looking at the file system (".." at the root stays at the root), drops a trailing "/".
 * Returns NULL for a relative or empty path. */
char *sbox_path_normalize(const char *path);

/* Joins base and rel (rel may be absolute, then base is ignored) and normalises. */
char *sbox_path_resolve(const char *base, const char *rel);

/* True when path equals dir or lies below it (both normalised, absolute). */
bool sbox_path_is_under(const char *path, const char *dir);

/* path as resolve (realpath, say) gives it, or, when it does not exist yet, its nearest
 * existing parent resolved and the rest of path added; NULL when nothing of it resolves. */
char *sbox_path_resolve_to_be(const char *path, char *(*resolve)(const char *path));

/* Number of components of a normalised absolute path ("/" is 0). */
size_t sbox_path_depth(const char *path);

/* Levenshtein distance, for "did you mean" hints. */
size_t sbox_edit_distance(const char *a, const char *b);

#endif
