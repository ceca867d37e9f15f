/* Unit tests for json.c: valid documents read as written, invalid ones refused with where and
 * why, and the limits (size, depth) held. */
#include "cleanup.h"
#include "json.h"
#include "tap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static struct sbox_json *parse(const char *text, struct sbox_error *err)
{
    struct sbox_json *v = NULL;
    memset(err, 0, sizeof *err);
    if (sbox_json_parse(text, strlen(text), &v, err) < 0)
        return NULL;
    return v;
}

static void refused(const char *text, const char *want)
{
    struct sbox_error err;
    struct sbox_json *v = parse(text, &err);
    ok(!v && strstr(err.msg, want), "refused: %.24s (%s)", text, err.msg);
    sbox_json_free(v);
}

int main(void)
{
    struct sbox_error err;
    struct sbox_json *v;
    int64_t n;

    v = parse(" {\"a\": [1, -2, 3.5e2, true, false, null, \"x\"], \"b\": {\"c\": \"d\"},"
              " \"e\": \"\\u00e9\\ud83d\\ude00\\n\\\"/\"} ",
              &err);
    ok(v && v->type == SBOX_JSON_OBJECT && v->n == 3, "an object with three members (%s)", err.msg);
    {
        const struct sbox_json *a = sbox_json_get(v, "a");
        ok(sbox_json_is(a, SBOX_JSON_ARRAY) && a->n == 7, "an array of seven");
        ok(sbox_json_int(a->child, &n) && n == 1, "1 is an integer");
        ok(sbox_json_int(a->child->next, &n) && n == -2, "-2 is an integer");
        ok(!sbox_json_int(a->child->next->next, &n), "3.5e2 is no integer");
        is_str(a->child->next->next->str, "3.5e2", "a number keeps its text");
        ok(a->child->next->next->next->type == SBOX_JSON_TRUE, "true");
        ok(a->child->next->next->next->next->type == SBOX_JSON_FALSE, "false");
        ok(a->child->next->next->next->next->next->type == SBOX_JSON_NULL, "null");
        is_str(sbox_json_string(a->child->next->next->next->next->next->next), "x", "a string");
    }
    is_str(sbox_json_string(sbox_json_get(sbox_json_get(v, "b"), "c")), "d", "a nested member");
    is_str(sbox_json_string(sbox_json_get(v, "e")), "\xc3\xa9\xf0\x9f\x98\x80\n\"/",
           "escapes and surrogate pairs decoded to UTF-8");
    ok(!sbox_json_get(v, "zz") && !sbox_json_get(NULL, "a") && !sbox_json_string(NULL),
       "missing members and NULLs are NULL");
    sbox_json_free(v);

    v = parse("9223372036854775807", &err);
    ok(v && sbox_json_int(v, &n) && n == INT64_MAX, "the largest integer");
    sbox_json_free(v);
    v = parse("9223372036854775808", &err);
    ok(v && !sbox_json_int(v, &n), "one more does not fit");
    sbox_json_free(v);
    v = parse("[]", &err);
    ok(v && v->type == SBOX_JSON_ARRAY && v->n == 0 && !v->child, "an empty array");
    sbox_json_free(v);
    v = parse("\"\xe2\x82\xac\"", &err);
    is_str(v ? v->str : NULL, "\xe2\x82\xac", "raw UTF-8 in a string");
    sbox_json_free(v);

    refused("", "expected a value");
    refused("{", "expected a member name");
    refused("{\"a\" 1}", "expected ':'");
    refused("{\"a\": 1,}", "expected a member name");
    refused("[1, 2", "expected ',' or ']'");
    refused("[1 2]", "expected ',' or ']'");
    refused("{\"a\": 1, \"a\": 2}", "appears twice");
    refused("\"abc", "unterminated string");
    refused("\"a\tb\"", "control character");
    refused("\"\\x\"", "bad escape");
    refused("\"\\u12\"", "bad \\u escape");
    refused("\"\\ud83d\"", "unpaired surrogate");
    refused("\"\\ude00\"", "unpaired surrogate");
    refused("\"\\u0000\"", "\\u0000");
    refused("\"\xff\"", "not valid UTF-8");
    refused("\"\xc0\xaf\"", "not valid UTF-8");
    refused("01", "more after the value");
    refused("-", "bad number");
    refused("1.", "bad number");
    refused("1e", "bad number");
    refused("tru", "expected a value");
    refused("nul", "expected a value");
    refused("1 2", "more after the value");
    refused("{} x", "more after the value");
    refused("[1,\n 2,\n x]", "line 3, column 2");
    {
        struct sbox_json *w = NULL;
        memset(&err, 0, sizeof err);
        ok(sbox_json_parse("[1]\0", 4, &w, &err) < 0 && strstr(err.msg, "NUL"),
           "a NUL byte is refused");
    }

    /* Depth: 64 nested arrays are read, 65 refused (no recursion past the limit). */
    {
        char deep[2 * SBOX_JSON_MAX_DEPTH + 3];
        size_t k = 0;
        for (int i = 0; i < SBOX_JSON_MAX_DEPTH; i++)
            deep[k++] = '[';
        for (int i = 0; i < SBOX_JSON_MAX_DEPTH; i++)
            deep[k++] = ']';
        deep[k] = '\0';
        v = parse(deep, &err);
        ok(v != NULL, "%d nested arrays are read", SBOX_JSON_MAX_DEPTH);
        sbox_json_free(v);
        memmove(deep + 1, deep, k + 1);
        deep[0] = '[';
        strcat(deep, "]");
        refused(deep, "nested too deeply");
    }
    {
        /* 100,000 levels: refused at the limit, not by the stack. */
        size_t big = 200000;
        char *deep = sbox_xmalloc(big + 1);
        memset(deep, '[', big / 2);
        memset(deep + big / 2, ']', big / 2);
        deep[big] = '\0';
        refused(deep, "nested too deeply");
        free(deep);
    }
    {
        size_t big = SBOX_JSON_MAX_SIZE + 1;
        char *text = sbox_xmalloc(big);
        struct sbox_json *w = NULL;
        memset(text, ' ', big);
        text[0] = '1';
        memset(&err, 0, sizeof err);
        ok(sbox_json_parse(text, big, &w, &err) < 0 && strstr(err.msg, "larger than"),
           "more than the size limit is refused");
        free(text);
    }
    return tap_done();
}
