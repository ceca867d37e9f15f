/* Unit tests for util.c: lexical paths and edit distance. */
#include "cleanup.h"
#include "tap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void norm(const char *in, const char *want)
{
    _cleanup_free_ char *got = sbox_path_normalize(in);
    is_str(got, want, "normalize '%s'", in);
}

/* A made-up file system: /home/u exists, reached through /h (a symlink to it). */
static char *fake_resolve(const char *path)
{
    if (strcmp(path, "/") == 0 || strcmp(path, "/home") == 0 || strcmp(path, "/home/u") == 0)
        return sbox_xstrdup(path);
    if (strcmp(path, "/h") == 0)
        return sbox_xstrdup("/home/u");
    return NULL;
}

static void to_be(const char *in, const char *want)
{
    _cleanup_free_ char *got = sbox_path_resolve_to_be(in, fake_resolve);
    is_str(got, want, "resolve_to_be '%s'", in);
}

int main(void)
{
    to_be("/home/u", "/home/u");
    to_be("/h/.local/state/sbox", "/home/u/.local/state/sbox");
    to_be("/nowhere/x", "/nowhere/x");
    norm("/", "/");
    norm("//usr///bin/", "/usr/bin");
    norm("/a/./b/../c", "/a/c");
    norm("/../../etc", "/etc");
    norm("/a/..", "/");
    norm("relative", NULL);
    norm("", NULL);

    {
        _cleanup_free_ char *r = sbox_path_resolve("/home/u/proj", "../data");
        is_str(r, "/home/u/data", "resolve a relative path against a base");
    }
    ok(sbox_path_is_under("/home/u/x", "/home/u"), "a child is under its parent");
    ok(sbox_path_is_under("/home/u", "/home/u"), "a path is under itself");
    ok(!sbox_path_is_under("/home/user2", "/home/u"), "a sibling with a common prefix is not");
    ok(sbox_path_is_under("/anything", "/"), "everything is under /");
    ok(sbox_path_depth("/") == 0 && sbox_path_depth("/a") == 1 && sbox_path_depth("/a/b") == 2,
       "path depth counts components");
    ok(sbox_edit_distance("ro-bnd", "ro-bind") == 1, "edit distance of one insertion");
    ok(sbox_edit_distance("", "abc") == 3, "edit distance from empty");

    {
        char **v = NULL;
        sbox_strv_push(&v, sbox_xstrdup("a"));
        sbox_strv_push(&v, sbox_xstrdup("b"));
        ok(sbox_strv_len(v) == 2 && v[2] == NULL, "string vector grows and stays terminated");
        sbox_strv_free(v);
    }
    return tap_done();
}
