/* json-out.h: JSON written for programs (the --json listings, --json-status-fd's events), one
 * document on one line, from hostile strings too: whatever bytes a name holds, it parses. */
#ifndef SBOX_JSON_OUT_H
#define SBOX_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SBOX_JW_DEPTH 16

/* A document being written to f: which objects and arrays are open, and whether each already
 * holds a member (a comma goes before the next). */
struct sbox_jw {
    FILE *f;
    unsigned depth;
    bool more[SBOX_JW_DEPTH];
    char close[SBOX_JW_DEPTH];
};

void sbox_jw_begin(struct sbox_jw *j, FILE *f);
/* key is the member's name inside an object, NULL inside an array or at the top. */
void sbox_jw_object(struct sbox_jw *j, const char *key);
void sbox_jw_array(struct sbox_jw *j, const char *key);
/* Closes the innermost object or array; the last one closed ends the line. */
void sbox_jw_end(struct sbox_jw *j);
/* s NULL writes null. */
void sbox_jw_str(struct sbox_jw *j, const char *key, const char *s);
void sbox_jw_int(struct sbox_jw *j, const char *key, int64_t v);
void sbox_jw_bool(struct sbox_jw *j, const char *key, bool v);
void sbox_jw_null(struct sbox_jw *j, const char *key);

/* s as a JSON string, quotes included: `"` and `\` escaped, control bytes (C0, DEL) as \u00XX,
 * U+2028 and U+2029 as \u escapes (JavaScript reads them as line ends), and each byte that is
 * not part of valid UTF-8 as U+FFFD, so that the output is valid UTF-8 whatever s holds. */
void sbox_jw_quote(FILE *f, const char *s);

#endif
