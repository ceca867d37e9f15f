/* host.c: who is calling and what the host has.
 * Reads only: never changes the host, never decides policy (plan.c does). */
#include "host.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The system directories the embedded default shows read-only, when the host has them. */
static const char *const sysdir_names[] = {
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt",
};

int sbox_host_probe(struct sbox_host *h, char **env, struct sbox_error *err)
{
    struct passwd *pw;
    const char *v;
    char buf[PATH_MAX];

    memset(h, 0, sizeof *h);
    h->uid = getuid();
    h->gid = getgid();
    h->environ = env;
    pw = getpwuid(h->uid);

    v = getenv("USER");
    if (v && *v)
        h->user = sbox_xstrdup(v);
    else if (pw)
        h->user = sbox_xstrdup(pw->pw_name);
    else
        h->user = sbox_xasprintf("%u", (unsigned)h->uid);

    v = getenv("HOME");
    if (!v || v[0] != '/')
        v = pw ? pw->pw_dir : NULL;
    if (!v || v[0] != '/')
        return sbox_error(err, 0, "cannot tell the home directory: set HOME to an absolute path");
    h->home = sbox_path_normalize(v);
    if (realpath(h->home, buf))
        h->home_real = sbox_xstrdup(buf);

    if (getcwd(buf, sizeof buf))
        h->cwd = sbox_path_normalize(buf);

    v = getenv("SHELL");
    h->shell = sbox_xstrdup(v && v[0] == '/' ? v : "/bin/sh");

    h->sysdirs = sbox_xmalloc(sizeof sysdir_names / sizeof *sysdir_names * sizeof *h->sysdirs);
    for (size_t i = 0; i < sizeof sysdir_names / sizeof *sysdir_names; i++) {
        struct stat st;
        struct sbox_host_dir *d;
        if (lstat(sysdir_names[i], &st) < 0)
            continue;
        d = &h->sysdirs[h->n_sysdirs];
        d->path = sbox_xstrdup(sysdir_names[i]);
        d->link_target = NULL;
        if (S_ISLNK(st.st_mode)) {
            ssize_t n = readlink(sysdir_names[i], buf, sizeof buf - 1);
            struct stat target;
            /* Only a link that resolves to a directory is worth recreating. */
            if (n <= 0 || stat(sysdir_names[i], &target) < 0 || !S_ISDIR(target.st_mode)) {
                free(d->path);
                continue;
            }
            buf[n] = '\0';
            d->link_target = sbox_xstrdup(buf);
        } else if (!S_ISDIR(st.st_mode)) {
            free(d->path);
            continue;
        }
        h->n_sysdirs++;
    }
    if (ttyname_r(STDIN_FILENO, buf, sizeof buf) == 0 && buf[0] == '/')
        h->tty = sbox_xstrdup(buf);
    return 0;
}

void sbox_host_free(struct sbox_host *h)
{
    free(h->user);
    free(h->home);
    free(h->home_real);
    free(h->cwd);
    free(h->shell);
    free(h->tty);
    for (size_t i = 0; i < h->n_sysdirs; i++) {
        free(h->sysdirs[i].path);
        free(h->sysdirs[i].link_target);
    }
    free(h->sysdirs);
    memset(h, 0, sizeof *h);
}
