/* host.c: who is calling and what the host has.
 * Reads only: never changes the host, never decides policy (plan.c does). */
#include "host.h"
#include "cleanup.h"
#include "files.h"
#include "gitconfig.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

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
    /* HOME is often overridden (CI, sudo, tests): the real home must not be bound either. */
    if (pw && pw->pw_dir[0] == '/' && realpath(pw->pw_dir, buf) &&
        (!h->home_real || strcmp(buf, h->home_real) != 0))
        h->home_passwd = sbox_xstrdup(buf);

    if (getcwd(buf, sizeof buf))
        h->cwd = sbox_path_normalize(buf);
    /* The shell's logical directory: the prompt shows it, so a refusal or a note names both
     * when a symlink makes them differ. Only when it is the same directory (a stale $PWD
     * names nothing). */
    v = getenv("PWD");
    if (h->cwd && v && v[0] == '/') {
        struct stat a, b;
        char *pwd = sbox_path_normalize(v);
        if (strcmp(pwd, h->cwd) != 0 && stat(pwd, &a) == 0 && stat(".", &b) == 0 &&
            a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            h->pwd = pwd;
        else
            free(pwd);
    }

    h->project = sbox_host_project(h, &h->project_marker);

    v = getenv("XDG_STATE_HOME");
    h->state_home = v && v[0] == '/'
                        ? sbox_path_normalize(v)
                        : sbox_xasprintf("%s/.local/state", strcmp(h->home, "/") ? h->home : "");

    v = getenv("XDG_CACHE_HOME");
    h->cache_home = v && v[0] == '/'
                        ? sbox_path_normalize(v)
                        : sbox_xasprintf("%s/.cache", strcmp(h->home, "/") ? h->home : "");

    v = getenv("SHELL");
    h->shell = sbox_xstrdup(v && v[0] == '/' ? v : "/bin/sh");

    if (ttyname_r(STDIN_FILENO, buf, sizeof buf) == 0 && buf[0] == '/')
        h->tty = sbox_xstrdup(buf);
    for (int fd = 0; fd < 3; fd++)
        if (isatty(fd))
            h->ttys |= 1U << fd;

    {
        struct sysinfo si;
        if (sysinfo(&si) == 0)
            h->mem_total = (uint64_t)si.totalram * (si.mem_unit ? si.mem_unit : 1);
    }
    return 0;
}

void sbox_host_free(struct sbox_host *h)
{
    free(h->user);
    free(h->home);
    free(h->home_real);
    free(h->home_passwd);
    free(h->cwd);
    free(h->pwd);
    free(h->project);
    free(h->shell);
    free(h->tty);
    free(h->state_home);
    free(h->cache_home);
    memset(h, 0, sizeof *h);
}

/* A version control top: the project is all of it, wherever in it the command starts. */
static const char *const vcs_markers[] = {".git", ".hg", ".svn", ".jj"};
/* Without one, the nearest directory holding a project's own file. */
static const char *const project_markers[] = {
    "package.json", "deno.json",    "pyproject.toml", "setup.py",         "Cargo.toml",
    "go.mod",       "pom.xml",      "build.gradle",   "build.gradle.kts", "CMakeLists.txt",
    "meson.build",  "configure.ac", "Gemfile",        "composer.json"};

/* A directory's names, when one read holds them all (a project's directory, say): a marker is
 * then looked for there rather than by one stat a name, twenty system calls a directory. */
struct listing {
    char buf[16384];
    size_t len; /* 0: not read (too many names, or not readable): stat each name */
};

static void list(int dir, struct listing *l)
{
    _cleanup_close_ int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ssize_t n, more;
    l->len = 0;
    if (fd < 0)
        return;
    n = syscall(SYS_getdents64, fd, l->buf, sizeof l->buf);
    /* A second read must find the end: a listing cut short could miss the marker. */
    if (n <= 0 || (more = syscall(SYS_getdents64, fd, l->buf + n, sizeof l->buf - (size_t)n)) != 0)
        return;
    l->len = (size_t)n;
}

static bool listed(const struct listing *l, const char *name)
{
    for (size_t at = 0; at < l->len;) {
        const struct dirent64 *d = (const struct dirent64 *)(l->buf + at);
        if (strcmp(d->d_name, name) == 0)
            return true;
        at += d->d_reclen;
    }
    return false;
}

static const char *holds(int dir, const struct listing *l, const char *const *names, size_t n)
{
    struct stat st;
    for (size_t i = 0; i < n; i++)
        if (l->len ? listed(l, names[i]) : fstatat(dir, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
            return names[i];
    return NULL;
}

/* cwd with its last n components taken off. */
static char *strip(const char *cwd, size_t n)
{
    char *s = sbox_xstrdup(cwd);
    while (n-- > 0) {
        char *slash = strrchr(s, '/');
        if (!slash || slash == s) {
            s[1] = '\0';
            break;
        }
        *slash = '\0';
    }
    return s;
}

static bool home_or_above(const struct sbox_host *h, const char *dir)
{
    const char *homes[] = {h->home, h->home_real, h->home_passwd};
    if (strcmp(dir, "/") == 0)
        return true;
    for (size_t i = 0; i < 3; i++)
        if (homes[i] && sbox_path_is_under(homes[i], dir))
            return true;
    return false;
}

char *sbox_host_project(const struct sbox_host *h, const char **ret_marker)
{
    /* The walk goes by "..", from the directory the shell is in: the names it stats are in
     * directories the caller reached, and a marker a sandbox planted where it could write can
     * only make the project smaller (the top is the nearest), never reach above its bind. */
    enum { MAX_UP = 64 };
    _cleanup_close_ int fd = -1;
    _cleanup_free_ struct listing *names = sbox_xmalloc(sizeof *names);
    struct stat st;
    const char *vcs = NULL, *file = NULL;
    size_t at = 0;
    if (!h->cwd)
        return NULL;
    fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        return NULL;
    for (size_t up = 0; up < MAX_UP; up++) {
        _cleanup_free_ char *dir = strip(h->cwd, up);
        struct stat parent_st;
        int parent;
        if (home_or_above(h, dir))
            break;
        list(fd, names);
        if ((vcs = holds(fd, names, vcs_markers, sizeof vcs_markers / sizeof *vcs_markers))) {
            at = up;
            break;
        }
        if (!file && (file = holds(fd, names, project_markers,
                                   sizeof project_markers / sizeof *project_markers)))
            at = up;
        parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
            break;
        if (fstat(parent, &parent_st) < 0 || parent_st.st_dev != st.st_dev) {
            close(parent); /* another file system: a mount is no project's inside */
            break;
        }
        close(fd);
        fd = parent;
        st = parent_st;
    }
    if (!vcs && !file)
        return NULL;
    *ret_marker = vcs ? vcs : file;
    return strip(h->cwd, at);
}

void sbox_host_git_identity(const char *home, char **ret_name, char **ret_email)
{
    const char *global = getenv("GIT_CONFIG_GLOBAL"), *xdg = getenv("XDG_CONFIG_HOME");
    char *files[2] = {NULL, NULL};
    *ret_name = *ret_email = NULL;
    if (global && *global) {
        files[0] = sbox_xstrdup(global);
    } else {
        files[0] = xdg && xdg[0] == '/' ? sbox_xasprintf("%s/git/config", xdg)
                                        : sbox_xasprintf("%s/.config/git/config", home);
        files[1] = sbox_xasprintf("%s/.gitconfig", home);
    }
    for (size_t i = 0; i < 2 && files[i]; i++) {
        _cleanup_free_ char *text = sbox_read_text(files[i]);
        char *v;
        if (text && (v = sbox_gitconfig_get(text, strlen(text), "user", "name"))) {
            free(*ret_name);
            *ret_name = v;
        }
        if (text && (v = sbox_gitconfig_get(text, strlen(text), "user", "email"))) {
            free(*ret_email);
            *ret_email = v;
        }
        free(files[i]);
    }
}
