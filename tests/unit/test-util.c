/* Unit tests for util.c (lexical paths and edit distance) and files.c's pid lock files. */
#include "cleanup.h"
#include "files.h"
#include "tap.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    {
        /* A lock file: the pid its holder wrote, replaced by the next holder's. */
        FILE *f = tmpfile();
        int fd = f ? fileno(f) : -1;
        ok(fd >= 0 && sbox_pid_lock_holder(fd) == 0, "an empty lock file names no holder");
        char mine[32];
        struct stat st;
        snprintf(mine, sizeof mine, "%d\n", (int)getpid());
        ok(fd >= 0 && pwrite(fd, "123456789\n", 10, 0) == 10 && sbox_pid_lock_mark(fd) == 0 &&
               sbox_pid_lock_holder(fd) == getpid() && fstat(fd, &st) == 0 &&
               st.st_size == (off_t)strlen(mine),
           "a lock file marked names this process, and only it");
        ok(fd >= 0 && pwrite(fd, "x\n", 2, 0) == 2 && sbox_pid_lock_holder(fd) == 0,
           "a lock file holding no number names no holder");
        if (f)
            fclose(f);
    }
    return tap_done();
}
