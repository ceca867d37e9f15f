/* gitconfig.c: one key of a git config file's text, read as git's own parser reads it.
 * Pure: never opens a file, never follows an include (the caller decides which file is read). */
#include "gitconfig.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A git config file's text as git's own parser reads it (config.c): a character at a time,
 * "\r\n" as "\n", the end as a last "\n". */
struct config_text {
    const char *p, *end;
    bool eof;
};

static int config_char(struct config_text *t)
{
    int c;
    if (t->p >= t->end) {
        t->eof = true;
        return '\n';
    }
    c = (unsigned char)*t->p++;
    if (c == '\r' && t->p < t->end && *t->p == '\n')
        c = (unsigned char)*t->p++;
    return c;
}

static bool config_key_char(int c)
{
    return isalnum(c) || c == '-';
}

/* A section header after its "[": whether it is [section] itself (any case, no subsection);
 * -1 when git would refuse it. */
static int config_section(struct config_text *t, const char *section)
{
    char name[64];
    size_t n = 0;
    for (;;) {
        int c = config_char(t);
        if (t->eof)
            return -1;
        if (c == ']')
            break;
        if (isspace(c)) {
            /* [section "subsection"]: not [core], but read as git reads it. */
            do {
                if (c == '\n')
                    return -1;
                c = config_char(t);
            } while (isspace(c));
            if (c != '"')
                return -1;
            while ((c = config_char(t)) != '"') {
                if (c == '\n')
                    return -1;
                if (c == '\\' && config_char(t) == '\n')
                    return -1;
            }
            return config_char(t) == ']' ? 0 : -1;
        }
        if (!config_key_char(c) && c != '.')
            return -1;
        if (n < sizeof name - 1)
            name[n++] = (char)tolower(c);
    }
    name[n] = '\0';
    return strcasecmp(name, section) == 0;
}

/* A value after its "=": quotes, the escapes git knows, a comment outside quotes, spaces
 * trimmed at both ends but kept inside. NULL when git would refuse it. */
static char *config_value(struct config_text *t)
{
    char *out = NULL;
    size_t n = 0, trim = 0;
    bool quote = false, comment = false;
    FILE *f = open_memstream(&out, &n);
    for (;;) {
        int c = config_char(t);
        if (c == '\n') {
            fclose(f);
            if (quote) {
                free(out);
                return NULL;
            }
            if (trim)
                out[trim] = '\0';
            return out;
        }
        if (comment)
            continue;
        if (isspace(c) && !quote) {
            fflush(f);
            if (!trim)
                trim = n;
            if (n)
                fputc(c, f);
            continue;
        }
        if (!quote && (c == ';' || c == '#')) {
            comment = true;
            continue;
        }
        trim = 0;
        if (c == '\\') {
            c = config_char(t);
            if (c == '\n')
                continue; /* a line continued */
            if (c == 't')
                c = '\t';
            else if (c == 'b')
                c = '\b';
            else if (c == 'n')
                c = '\n';
            else if (c != '\\' && c != '"') {
                fclose(f);
                free(out);
                return NULL;
            }
            fputc(c, f);
            continue;
        }
        if (c == '"') {
            quote = !quote;
            continue;
        }
        fputc(c, f);
    }
}

char *sbox_gitconfig_get(const char *text, size_t len, const char *section, const char *key_want)
{
    struct config_text t = {.p = text, .end = text + len};
    char *found = NULL;
    bool in_section = false, comment = false;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        t.p += 3; /* git skips a UTF-8 byte order mark */
    for (;;) {
        char key[32];
        size_t n = 0;
        int c = config_char(&t);
        char *value;
        if (c == '\n') {
            if (t.eof)
                return found;
            comment = false;
            continue;
        }
        if (comment || isspace(c))
            continue;
        if (c == '#' || c == ';') {
            comment = true;
            continue;
        }
        if (c == '[') {
            int r = config_section(&t, section);
            if (r < 0)
                return found;
            in_section = r;
            continue;
        }
        if (!isalpha(c))
            return found;
        do {
            if (n < sizeof key - 1)
                key[n++] = (char)tolower(c);
        } while (config_key_char(c = config_char(&t)));
        key[n] = '\0';
        while (c == ' ' || c == '\t')
            c = config_char(&t);
        if (c == '\n') {
            if (t.eof)
                return found;
            continue; /* a boolean: no value */
        }
        if (c != '=' || !(value = config_value(&t)))
            return found;
        if (in_section && strcasecmp(key, key_want) == 0) {
            free(found);
            found = value;
        } else {
            free(value);
        }
        if (t.eof)
            return found;
    }
}
