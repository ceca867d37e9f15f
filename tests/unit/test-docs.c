/* The settings table is the one source of the flags, the profile keys and --help: this test
 * fails when a setting is missing from man/sbox.1 (as a flag) or man/sbox.ini.5 (as a key). */
#include "cleanup.h"
#include "plan.h"
#include "settings.h"
#include "tap.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;
    FILE *m;
    int c;
    if (!f)
        return NULL;
    m = open_memstream(&buf, &len);
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(m);
    fclose(f);
    return buf;
}

/* "ro-bind" as roff writes it: "ro\-bind". */
static char *roff(const char *prefix, const char *key)
{
    size_t n = strlen(prefix) + 2 * strlen(key) + 1;
    char *out = sbox_xmalloc(n), *o = out;
    o = stpcpy(o, prefix);
    for (const char *k = key; *k; k++) {
        if (*k == '-')
            *o++ = '\\';
        *o++ = *k;
    }
    *o = '\0';
    return out;
}

int main(void)
{
    _cleanup_free_ char *page1 = slurp(SRCDIR "/man/sbox.1");
    _cleanup_free_ char *page5 = slurp(SRCDIR "/man/sbox.ini.5");
    ok(page1 && page5, "both man pages are readable");
    if (!page1 || !page5)
        return tap_done();
    for (size_t i = 0; i < sbox_n_settings; i++) {
        const struct sbox_setting *s = &sbox_settings[i];
        _cleanup_free_ char *flag = roff("\\-\\-", s->key);
        _cleanup_free_ char *key = sbox_xasprintf(" %s ", s->key);
        _cleanup_free_ char *section = sbox_xasprintf(".SS [%s]", s->section);
        const char *sec = strstr(page5, section), *next;
        const char *at;
        ok(strstr(page1, flag) != NULL, "sbox(1) documents --%s", s->key);
        /* The key must appear inside its own section of sbox.ini(5). */
        next = sec ? strstr(sec + 1, ".SS ") : NULL;
        if (!next && sec)
            next = strstr(sec, ".SH ");
        at = sec ? strstr(sec, key) : NULL;
        ok(sec && at && (!next || at < next), "sbox.ini(5) documents %s under [%s]", s->key,
           s->section);
    }
    return tap_done();
}
