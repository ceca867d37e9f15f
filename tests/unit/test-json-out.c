/* Unit tests for json-out.c: what it writes is read back by json.c's strict reader (which refuses
 * invalid UTF-8, NUL and bad escapes) as the string given, with invalid bytes as U+FFFD. */
#include "cleanup.h"
#include "json-out.h"
#include "json.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* s written as a member, the document read back: the member's text, or NULL when it does not
 * parse; *ret_raw, what was written. */
static char *round_trip(const char *s, char **ret_raw)
{
    char *buf = NULL, *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct sbox_jw j;
    struct sbox_json *v = NULL;
    struct sbox_error err = {0};
    sbox_jw_begin(&j, f);
    sbox_jw_object(&j, NULL);
    sbox_jw_str(&j, s, s); /* the key too */
    sbox_jw_end(&j);
    fclose(f);
    if (sbox_json_parse(buf, len, &v, &err) == 0 && v->child && v->child->key &&
        !strcmp(v->child->key, sbox_json_string(v->child)))
        out = strdup(sbox_json_string(v->child));
    sbox_json_free(v);
    *ret_raw = buf;
    return out;
}

static void same(const char *s, const char *want, const char *what)
{
    _cleanup_free_ char *raw = NULL;
    _cleanup_free_ char *got = round_trip(s, &raw);
    is_str(got, want, "%s reads back", what);
    ok(raw && !strchr(raw, '\x1b') && !strchr(raw, '\x7f') && strchr(raw, '\n') &&
           strchr(raw, '\n')[1] == '\0',
       "%s: one line, no raw control byte", what);
}

int main(void)
{
    same("plain", "plain", "plain text");
    same("a \"quoted\" \\ back", "a \"quoted\" \\ back", "quotes and backslashes");
    same("line\nbreak\ttab\r", "line\nbreak\ttab\r", "newline, tab, carriage return");
    same("\x1b]0;title\x07\x7f", "\x1b]0;title\x07\x7f", "escape sequences and DEL");
    same("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x8e\x89", "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x8e\x89",
         "valid UTF-8 of 2, 3 and 4 bytes");
    same("a\xff"
         "b",
         "a\xef\xbf\xbd"
         "b",
         "a byte that is no UTF-8 becomes U+FFFD");
    same("\xe2\x80", "\xef\xbf\xbd\xef\xbf\xbd", "a cut sequence: each byte U+FFFD");
    same("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "an overlong form is refused");
    same("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "a surrogate is refused");
    same("\xe2\x80\xa8\xe2\x80\xa9", "\xe2\x80\xa8\xe2\x80\xa9", "U+2028 and U+2029");
    {
        _cleanup_free_ char *raw = NULL;
        _cleanup_free_ char *got = round_trip("\xe2\x80\xa8", &raw);
        ok(raw && strstr(raw, "\\u2028"), "U+2028 is written as an escape");
    }
    {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        struct sbox_jw j;
        struct sbox_json *v = NULL;
        struct sbox_error err = {0};
        int64_t n = 0;
        sbox_jw_begin(&j, f);
        sbox_jw_object(&j, NULL);
        sbox_jw_int(&j, "n", -42);
        sbox_jw_bool(&j, "t", true);
        sbox_jw_null(&j, "z");
        sbox_jw_str(&j, "s", NULL);
        sbox_jw_array(&j, "a");
        sbox_jw_int(&j, NULL, 1);
        sbox_jw_object(&j, NULL);
        sbox_jw_end(&j);
        sbox_jw_array(&j, NULL);
        sbox_jw_end(&j);
        sbox_jw_end(&j);
        sbox_jw_end(&j);
        fclose(f);
        is_str(buf, "{\"n\":-42,\"t\":true,\"z\":null,\"s\":null,\"a\":[1,{},[]]}\n",
               "members, arrays, nesting and commas");
        ok(sbox_json_parse(buf, len, &v, &err) == 0 && sbox_json_int(sbox_json_get(v, "n"), &n) &&
               n == -42 && sbox_json_get(v, "a")->n == 3,
           "the document parses (%s)", err.msg);
        sbox_json_free(v);
        free(buf);
    }
    return tap_done();
}
