/* guard.c: the checks of a finished plan against the host's paths, in the parent, before
 * anything is started. Never follows a symlink planted where the sandbox can write. */
#include "guard.h"
#include "cleanup.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Follows path as the kernel would, one component at a time, and refuses a symlink that lies at
 * or below one of the writable bases (resolved paths): a payload of an earlier run could have
 * planted it there, whatever spelling of the path leads to it. A missing component ends the
 * walk: the caller reports missing sources. */
static int check_symlinks(const char *path, char *const *bases, struct sbox_error *err)
{
    char cur[PATH_MAX] = "";
    _cleanup_free_ char *todo = sbox_xstrdup(path);
    int links = 0;

    while (*todo) {
        char *rest = todo + strspn(todo, "/");
        size_t n = strcspn(rest, "/");
        _cleanup_free_ char *name = sbox_xstrndup(rest, n);
        char next[PATH_MAX], target[PATH_MAX];
        struct stat st;
        ssize_t len;
        char *tail = sbox_xstrdup(rest + n);
        free(todo);
        todo = tail;
        if (n == 0 || !strcmp(name, "."))
            continue;
        if (!strcmp(name, "..")) {
            char *slash = strrchr(cur, '/');
            if (slash)
                *slash = '\0';
            continue;
        }
        if (snprintf(next, sizeof next, "%s/%s", cur, name) >= (int)sizeof next)
            return sbox_error(err, ENAMETOOLONG, "source `%s`", path);
        if (lstat(next, &st) < 0)
            return 0;
        if (!S_ISLNK(st.st_mode)) {
            strcpy(cur, next);
            continue;
        }
        for (size_t i = 0; bases && bases[i]; i++)
            if (sbox_path_is_under(cur[0] ? cur : "/", bases[i]))
                return sbox_error(err, 0,
                                  "source `%s`: the symlink `%s` lies in `%s`, which the sandbox "
                                  "can write, and is not followed (an earlier run may have "
                                  "planted it)",
                                  path, next, bases[i]);
        len = readlink(next, target, sizeof target - 1);
        if (len < 0 || ++links > 40)
            return sbox_error(err, len < 0 ? errno : ELOOP, "source `%s`", path);
        target[len] = '\0';
        if (target[0] == '/')
            cur[0] = '\0';
        tail = sbox_xasprintf("%s/%s", target, todo);
        free(todo);
        todo = tail;
    }
    return 0;
}

/* Missing sources are reported before anything is started, naming the flag or file:line; so
 * are sources reached through a symlink planted in a writable directory. */
int sbox_guard_sources(const struct sbox_plan *p, struct sbox_error *err)
{
    _cleanup_strv_ char **bases = NULL;
    char real[PATH_MAX];
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].kind == SBOX_MOUNT_BIND && realpath(p->mounts[i].src, real))
            sbox_strv_push(&bases, sbox_xstrdup(real));
    /* A kept upper layer is written by the sandbox too. */
    if (p->overlay == SBOX_OVERLAY_DIR && realpath(p->overlay_dir, real))
        sbox_strv_push(&bases, sbox_xstrdup(real));
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        struct stat st;
        char where[512];
        int r = 0;
        if (m->kind != SBOX_MOUNT_BIND && m->kind != SBOX_MOUNT_RO_BIND &&
            m->kind != SBOX_MOUNT_MIRROR && m->kind != SBOX_MOUNT_CAPTURE)
            continue;
        if (m->kind != SBOX_MOUNT_MIRROR && !m->try_missing && stat(m->src, &st) < 0)
            r = sbox_error(err, errno, "source `%s`", m->src);
        if (r == 0 && m->kind == SBOX_MOUNT_MIRROR) {
            /* A mirror recreates a final symlink instead of following it. */
            _cleanup_free_ char *dir = sbox_xstrdup(m->src);
            *strrchr(dir, '/') = '\0';
            r = check_symlinks(dir[0] ? dir : "/", bases, err);
        } else if (r == 0) {
            r = check_symlinks(m->src, bases, err);
        }
        if (r == 0)
            continue;
        sbox_origin_format(&m->origin, m->key, where, sizeof where);
        return sbox_error_prefix(err, "%s", where);
    }
    return 0;
}

/* path resolved, or, when it does not exist yet, its parent resolved and its name added. */
static bool resolve_new(const char *path, char out[PATH_MAX])
{
    _cleanup_free_ char *parent = NULL;
    const char *name;
    char real[PATH_MAX];
    if (realpath(path, out))
        return true;
    if (errno != ENOENT || !strrchr(path, '/'))
        return false;
    name = strrchr(path, '/') + 1;
    parent = sbox_xstrndup(path, (size_t)(name - path));
    if (!realpath(parent[0] ? parent : "/", real))
        return false;
    return snprintf(out, PATH_MAX, "%s/%s", strcmp(real, "/") ? real : "", name) < PATH_MAX;
}

/* The image must be a directory, with a shell when no command is given: checked before anything
 * is started, naming the setting. */
int sbox_guard_image(const struct sbox_plan *p, struct sbox_error *err)
{
    _cleanup_close_ int dir = -1, sh = -1;
    char image[PATH_MAX], store[PATH_MAX];
    if (!p->rootfs)
        return 0;
    if (p->overlay == SBOX_OVERLAY_DIR && realpath(p->rootfs, image) &&
        resolve_new(p->overlay_dir, store) &&
        (sbox_path_is_under(store, image) || sbox_path_is_under(image, store))) {
        sbox_error(err, 0,
                   "overlay directory `%s` and image root `%s` overlap: keep the changes "
                   "outside the image",
                   p->overlay_dir, p->rootfs);
        return sbox_origin_error(err, &p->overlay_origin, "overlay");
    }
    dir = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        sbox_error(err, errno, "image root `%s`", p->rootfs);
        return sbox_origin_error(err, &p->rootfs_origin, "rootfs");
    }
    if (!p->argv_default)
        return 0;
    sh = sys_openat2(dir, "bin/sh", O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT);
    if (sh < 0) {
        sbox_error(err, 0,
                   "image root `%s` has no /bin/sh to run when no command is given: name one "
                   "after --",
                   p->rootfs);
        return sbox_origin_error(err, &p->rootfs_origin, "rootfs");
    }
    return 0;
}
