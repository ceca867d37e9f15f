/* text.c: hostile names and bytes written for a terminal or a message line, and the small words
 * of messages. Never lets through a byte that could forge a line or drive the terminal. */
#include "text.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
size_t sbox_text_utf8_len(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80             ? 1
                 : (s[0] & 0xe0) == 0xc0 ? 2
                 : (s[0] & 0xf0) == 0xe0 ? 3
                 : (s[0] & 0xf8) == 0xf0 ? 4
                                         : 0;
    unsigned cp;
    if (!len || len > n)
        return 0;
    cp = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Whether the code point in the valid sequence at s must not reach a terminal as it is: C0 and
 * C1 controls, DEL, and the characters that reorder or hide text (bidirectional overrides and
 * isolates, line and paragraph separators), which can make one name read as another. */
static bool hostile(const unsigned char *s, size_t len)
{
    if (len == 1)
        return s[0] < 0x20 || s[0] == 0x7f;
    if (len == 2) /* C1 controls; U+061C, the Arabic letter mark */
        return (s[0] == 0xc2 && s[1] < 0xa0) || (s[0] == 0xd8 && s[1] == 0x9c);
    if (len == 3 && s[0] == 0xe2 && s[1] == 0x80) /* zero widths, marks, separators, embeddings */
        return (s[2] >= 0x8b && s[2] <= 0x8f) || (s[2] >= 0xa8 && s[2] <= 0xae);
    if (len == 3 && s[0] == 0xe2 && s[1] == 0x81) /* word joiner, invisibles, isolates */
        return (s[2] >= 0xa0 && s[2] <= 0xa4) || (s[2] >= 0xa6 && s[2] <= 0xaf);
    if (len == 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) /* zero-width no-break */
        return true;
    if (len == 4 && s[0] == 0xf3 && s[1] == 0xa0 && (s[2] == 0x80 || s[2] == 0x81)) /* tags */
        return true;
    return false;
}

/* Writes n bytes of s with what could forge the output or drive the terminal as \xNN. */
void sbox_text_put(FILE *out, const char *s, size_t n, enum sbox_text_as as)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = sbox_text_utf8_len(u + i, n - i);
        bool keep =
            len && !(as == SBOX_AS_NAME && u[i] == '\\') &&
            (!hostile(u + i, len) || (as == SBOX_AS_LINE && (u[i] == '\t' || u[i] == '\n')));
        if (!keep) {
            fprintf(out, "\\x%02x", u[i]);
            i++;
            continue;
        }
        fwrite(u + i, 1, len, out);
        i += len;
    }
}

/* A name for the terminal (see sbox_text_put), in buf. */
const char *sbox_text_shown(const char *s, char *buf, size_t size)
{
    FILE *f = fmemopen(buf, size, "w");
    if (!f) {
        snprintf(buf, size, "?");
        return buf;
    }
    setvbuf(f, NULL, _IONBF, 0);
    sbox_text_put(f, s, strlen(s), SBOX_AS_NAME);
    fputc('\0', f);
    fclose(f);
    buf[size - 1] = '\0';
    return buf;
}

/* path with the home spelt ~. */
char *sbox_text_tilde(const char *path, const char *home)
{
    if (home && strcmp(home, "/") != 0 && sbox_path_is_under(path, home))
        return sbox_xasprintf("~%s", path + strlen(home));
    return sbox_xstrdup(path);
}

const char *sbox_text_plural(unsigned long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}
