/* guard.c: a finished plan held against the host's paths: sbox's own stores kept from writable
 * binds, sources and image checked. Never follows a symlink planted where the sandbox can write. */
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

static const struct sbox_origin builtin = {.kind = SBOX_ORIGIN_BUILTIN};

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
static int check_sources(const struct sbox_plan *p, struct sbox_error *err)
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
        return sbox_origin_error(err, &m->origin, m->key);
    }
    return 0;
}

static char *resolve_alloc(const char *path)
{
    return realpath(path, NULL);
}

/* The image must be a directory, with a shell when no command is given: checked before anything
 * is started, naming the setting. */
static int check_image(const struct sbox_plan *p, struct sbox_error *err)
{
    _cleanup_close_ int dir = -1, sh = -1;
    _cleanup_free_ char *store = NULL;
    char image[PATH_MAX];
    if (p->image && p->image_facts.store && p->overlay == SBOX_OVERLAY_DIR &&
        realpath(p->image_facts.store, image) &&
        (store = sbox_path_resolve_to_be(p->overlay_dir, resolve_alloc)) &&
        (sbox_path_is_under(store, image) || sbox_path_is_under(image, store))) {
        sbox_error(err, 0,
                   "overlay directory `%s` and sbox's image store `%s` overlap: keep the "
                   "changes outside the store",
                   p->overlay_dir, p->image_facts.store);
        return sbox_origin_error(err, &p->overlay_origin, "overlay");
    }
    if (!p->rootfs)
        return 0;
    if (p->overlay == SBOX_OVERLAY_DIR && realpath(p->rootfs, image) &&
        (store = sbox_path_resolve_to_be(p->overlay_dir, resolve_alloc)) &&
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

/* A captured directory named through a symlink is shown at its real path, where the current
 * directory (a physical path) lies: the real directory must never be bound over or beside it. */
static int captures_at_real_paths(struct sbox_plan *p, char *(*resolve)(const char *path),
                                  struct sbox_error *err)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        struct sbox_mount *m = &p->mounts[i];
        char *real, because[512];
        const char *why;
        if (m->kind != SBOX_MOUNT_CAPTURE || !(real = resolve(m->src)))
            continue;
        if ((why = sbox_plan_shared_dir(p, real))) {
            /* as in sbox_plan_finish, for a spelling through a symlink */
            sbox_origin_errorf(err, &m->origin, m->key,
                               "`%s` is `%s`, %s: capture a project directory", m->src, real, why);
            free(real);
            return -EINVAL;
        }
        if ((why = sbox_plan_hidden(p, real, because, sizeof because))) {
            sbox_origin_errorf(err, &m->origin, m->key,
                               "`%s` is `%s`, %s, which the sandbox must not see", m->src, real,
                               why);
            free(real);
            return -EINVAL;
        }
        free(m->src);
        free(m->dst);
        m->src = real;
        m->dst = sbox_xstrdup(real);
    }
    return 0;
}

/* Any other writable view of a captured directory would take the writes the capture promises
 * to keep apart: refused, however it is spelt. A bind of a parent at its own path is covered by
 * the capture; elsewhere it would show the real directory. */
static int refuse_capture_views(const struct sbox_plan *p, char *(*resolve)(const char *path),
                                struct sbox_error *err)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        _cleanup_free_ char *src = NULL;
        if (m->kind != SBOX_MOUNT_BIND || strcmp(m->key, "cwd") == 0 || !(src = resolve(m->src)))
            continue;
        for (size_t j = 0; j < p->n_mounts; j++) {
            const struct sbox_mount *c = &p->mounts[j];
            if (c->kind != SBOX_MOUNT_CAPTURE)
                continue;
            if (!sbox_path_is_under(src, c->src) &&
                !(sbox_path_is_under(c->src, src) && strcmp(src, m->dst) != 0))
                continue;
            return sbox_origin_errorf(err, &m->origin, m->key,
                                      "`%s` would show the captured directory `%s` writable "
                                      "beside its capture (use ro-bind, or capture it alone)",
                                      m->src, c->src);
        }
    }
    return 0;
}

/* The current directory in a capture is shown by the capture: not bound beside it. */
static void drop_cwd_in_captures(struct sbox_plan *p)
{
    for (size_t i = 0; i < p->n_mounts; i++) {
        struct sbox_mount *m = &p->mounts[i];
        if (m->kind != SBOX_MOUNT_BIND || strcmp(m->key, "cwd") != 0)
            continue;
        for (size_t j = 0; j < p->n_mounts; j++)
            if (p->mounts[j].kind == SBOX_MOUNT_CAPTURE &&
                sbox_path_is_under(m->src, p->mounts[j].src)) {
                free(m->src);
                free(m->dst);
                p->mounts[i] = p->mounts[--p->n_mounts];
                i--;
                break;
            }
    }
}

/* The image, the kept overlay directory and every capture store stay sbox's: hidden from a
 * writable bind that shows one (the way to a capture store pinned), refused inside one. */
static int hide_own(struct sbox_plan *p, char *(*resolve)(const char *path), struct sbox_error *err)
{
    /* The capture stores are guarded whether or not this plan captures: a sandbox that could
     * write one could change what an earlier capture lands once reviewed. Every store sbox may
     * use is, not only this run's: another run's HOME or XDG_STATE_HOME may be another. */
    const char *own[12] = {p->rootfs, p->overlay == SBOX_OVERLAY_DIR ? p->overlay_dir : NULL};
    const char *what[] = {"the image", "the overlay directory", "sbox's capture store"};
    size_t n, n_own = 2, image_store;
    bool shown = false;
    /* Only a bind or a capture could show a store: without one, no path need be resolved. */
    for (size_t i = 0; i < p->n_mounts && !shown; i++)
        shown = p->mounts[i].kind == SBOX_MOUNT_BIND || p->mounts[i].kind == SBOX_MOUNT_CAPTURE;
    if (!shown)
        return 0;
    /* Four capture stores (HOME's, the passwd home's, XDG_STATE_HOME's) and their registry
     * caches at most, then the image store. */
    for (size_t i = 0; p->capture_stores && p->capture_stores[i] && n_own < 11; i++)
        own[n_own++] = p->capture_stores[i];
    /* The image store likewise: a sandbox that wrote a layer would be the next image's run. */
    image_store = n_own;
    if (p->image_store)
        own[n_own++] = p->image_store;
    n = p->n_mounts;
    for (size_t k = 0; k < n_own; k++) {
        /* A store not made yet is guarded where it will be (main makes it first when a bind
         * could show it; --dry-run shows the plan as it would run). */
        _cleanup_free_ char *own_real = !own[k]  ? NULL
                                        : k >= 2 ? sbox_path_resolve_to_be(own[k], resolve)
                                                 : resolve(own[k]);
        const char *kind = k == image_store ? "sbox's image store" : what[k < 2 ? k : 2];
        if (!own_real)
            continue;
        for (size_t i = 0; i < n; i++) {
            const struct sbox_mount *m = &p->mounts[i];
            _cleanup_free_ char *src = NULL;
            struct sbox_mount *h;
            const char *rel;
            char where[512];
            if (m->kind == SBOX_MOUNT_CAPTURE && k >= 2 && (src = resolve(m->src)) &&
                (sbox_path_is_under(src, own_real) || sbox_path_is_under(own_real, src))) {
                /* The overlay's upper would lie in its own lower (the kernel refuses it). */
                return sbox_origin_errorf(err, &m->origin, m->key,
                                          "`%s` and %s `%s` overlap (set %s to keep them "
                                          "elsewhere)",
                                          m->src, kind, own[k],
                                          k == image_store ? "XDG_DATA_HOME" : "XDG_STATE_HOME");
            }
            if (m->kind != SBOX_MOUNT_BIND || !(src = resolve(m->src)))
                continue;
            if (sbox_path_is_under(src, own_real) && (k >= 1 || strcmp(m->key, "cwd") == 0)) {
                /* A writable view into the upper layer under a running overlay, or the current
                 * directory inside the image: refused rather than half hidden. */
                sbox_origin_format(&m->origin, m->key, where, sizeof where);
                return sbox_error(
                    err, 0, "%s: `%s` lies in %s `%s`, which the sandbox may not write%s",
                    m->origin.kind == SBOX_ORIGIN_BUILTIN ? "cwd" : where, m->src, kind, own[k],
                    strcmp(m->key, "cwd") == 0 ? " (cd elsewhere, or --cwd none)" : "");
            }
            if (!sbox_path_is_under(own_real, src))
                continue;
            rel = own_real + (strcmp(src, "/") == 0 ? 0 : strlen(src));
            if (k >= 2) {
                /* A hide can be moved aside with the directory that holds it, and a forged
                 * store put in its place: each directory on the way is pinned by a bind onto
                 * itself (a mount point cannot be renamed or removed). */
                _cleanup_free_ char *way = sbox_xstrdup(rel);
                for (char *c = strchr(way + 1, '/'); c; c = strchr(c + 1, '/')) {
                    struct sbox_mount *pin;
                    *c = '\0';
                    pin = sbox_plan_add_mount(p, SBOX_MOUNT_BIND, "pin-own", &builtin);
                    pin->src = sbox_xasprintf("%s%s", strcmp(src, "/") ? src : "", way);
                    pin->dst = sbox_path_resolve(p->mounts[i].dst, way + 1);
                    *c = '/';
                }
            }
            h = sbox_plan_add_mount(p, SBOX_MOUNT_HIDE, "hide-own", &builtin);
            h->dst = sbox_path_resolve(p->mounts[i].dst, rel[0] == '/' ? rel + 1 : rel);
        }
    }
    return 0;
}

static int protect_own(struct sbox_plan *p, char *(*resolve)(const char *path),
                       struct sbox_error *err)
{
    int r = captures_at_real_paths(p, resolve, err);
    if (r >= 0)
        r = refuse_capture_views(p, resolve, err);
    if (r < 0)
        return r;
    drop_cwd_in_captures(p);
    r = hide_own(p, resolve, err);
    if (r < 0)
        return r;
    sbox_plan_sort_mounts(p);
    return 0;
}

/* In an image, a uid given without a gid takes its primary group from the image's passwd (as
 * su would), instead of root's. */
static void image_gid(struct sbox_plan *p)
{
    _cleanup_close_ int root = -1, fd = -1;
    char text[65536];
    ssize_t n;
    uint32_t gid;
    if (!p->rootfs || p->uid == 0 || p->gid_origin.kind != SBOX_ORIGIN_BUILTIN)
        return;
    root = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return; /* launch reports it */
    fd = sys_openat2(root, "etc/passwd", O_RDONLY | O_CLOEXEC, RESOLVE_IN_ROOT);
    if (fd < 0 || (n = read(fd, text, sizeof text - 1)) <= 0)
        return;
    text[n] = '\0';
    if (sbox_passwd_gid(text, p->uid, &gid))
        p->gid = gid;
}

int sbox_guard_plan(struct sbox_plan *p, char *(*resolve)(const char *path), struct sbox_error *err)
{
    image_gid(p);
    return protect_own(p, resolve, err);
}

int sbox_guard_check(const struct sbox_plan *p, struct sbox_error *err)
{
    int r = check_sources(p, err);
    return r < 0 ? r : check_image(p, err);
}
