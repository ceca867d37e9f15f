/* A fuzz target for the profile loader: any bytes, as a profile, must give a plan or one clean
 * error, never a crash, a leak or undefined behaviour. Built with libFuzzer by --enable-fuzzing;
 * otherwise a small main runs it over the corpus (the smoke run in make check, TAP output). */
#include "cleanup.h"
#include "plan.h"
#include "profile.h"
#include "util.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sbox_host h = {.uid = 1000, .gid = 1000};
    struct sbox_profiles ps;
    struct sbox_plan p;
    struct sbox_error err = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    h.user = "u";
    h.home = "/home/u";
    h.cwd = "/work/p";
    h.shell = "/bin/sh";
    sbox_plan_init(&p, &h);
    sbox_profiles_init(&ps, &h, NULL, "/nonexistent");
    ps.no_files = true; /* includes other than the built-in default stay off the disk */
    if (sbox_profile_load_text(&ps, &p, "fuzz.ini", (const char *)data, size, &err) == 0 &&
        sbox_plan_finish(&p, &err) == 0) {
        f = open_memstream(&buf, &len);
        sbox_plan_print(&p, f);
        fclose(f);
        free(buf);
    } else if (err.msg[0] == '\0' || strchr(err.msg, '\n')) {
        abort(); /* a failure must come with one line */
    }
    sbox_plan_free(&p);
    sbox_profiles_free(&ps);
    return 0;
}

#ifndef SBOX_LIBFUZZER
/* Without libFuzzer: run each file of the corpus directories given (TAP). */
int main(int argc, char **argv)
{
    const char *dirs[] = {CORPUS, NULL};
    int n = 0;
    (void)argc;
    for (char **v = argc > 1 ? argv + 1 : (char **)dirs; *v; v++) {
        char *const *argv_ = v;
        DIR *d = opendir(*argv_);
        if (!d) {
            printf("not ok %d - open %s\n", ++n, *argv_);
            continue;
        }
        for (struct dirent *e; (e = readdir(d));) {
            _cleanup_free_ char *path = NULL;
            char *data = NULL;
            size_t len = 0;
            FILE *f, *m;
            int c;
            if (e->d_name[0] == '.')
                continue;
            path = sbox_xasprintf("%s/%s", *argv_, e->d_name);
            f = fopen(path, "rb");
            if (!f)
                continue;
            m = open_memstream(&data, &len);
            while ((c = fgetc(f)) != EOF)
                fputc(c, m);
            fclose(m);
            fclose(f);
            LLVMFuzzerTestOneInput((const uint8_t *)data, len);
            free(data);
            printf("ok %d - %s\n", ++n, e->d_name);
        }
        closedir(d);
    }
    printf("1..%d\n", n);
    return n == 0;
}
#endif
