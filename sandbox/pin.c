/* pin.c: opens and checks the bind sources in the parent, before the sandbox exists.
 * Never mounts and never follows a path twice: the child gets descriptors, not names. */
#include "pin.h"
#include "cleanup.h"
#include "files.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The nearest other writable bind whose source holds src: an earlier run's payload could have
 * planted symlinks below it, so none is followed there. */
static const struct sbox_mount *writable_base(const struct sbox_plan *p, const struct sbox_mount *m)
{
    const struct sbox_mount *rw = NULL;
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *w = &p->mounts[i];
        if (w->kind == SBOX_MOUNT_BIND && w != m && strcmp(w->src, m->src) != 0 &&
            sbox_path_is_under(m->src, w->src) && (!rw || strlen(w->src) > strlen(rw->src)))
            rw = w;
    }
    return rw;
}

static int open_source(const struct sbox_plan *p, const struct sbox_mount *m,
                       struct sbox_error *err)
{
    const struct sbox_mount *rw;
    _cleanup_close_ int base = -1;
    int fd;
    if (strcmp(m->key, "cwd") == 0) {
        /* The directory the caller is in, not the one its name leads to now; the project's
         * top is reached from it by "..", as sbox_host_project found it. */
        size_t up = 0;
        fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return sbox_error(err, errno, "the current directory");
        for (const char *c = p->cwd ? p->cwd + strlen(m->src) : ""; *c; c++)
            up += *c == '/';
        while (up-- > 0) {
            int parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
            close(fd);
            if (parent < 0)
                return sbox_error(err, errno, "the project's top `%s`", m->src);
            fd = parent;
        }
        return fd;
    }
    if (strcmp(m->key, "cache") == 0) {
        /* A private cache (made by sbox_cache_prepare): sandboxes write in the caches, so
         * nothing below CACHE_HOME is followed. */
        const char *home = p->cache_home;
        base = open(home, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (base < 0)
            return sbox_error(err, errno, "cache home `%s`", home);
        fd = sys_openat2(base, m->src + strlen(home) + (strcmp(home, "/") != 0),
                         O_PATH | O_DIRECTORY | O_CLOEXEC,
                         RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (fd < 0 && errno == ELOOP)
            return sbox_error(err, 0, "private cache `%s`: a symlink is not followed there",
                              m->src);
        return fd < 0 ? sbox_error(err, errno, "private cache `%s`", m->src) : fd;
    }
    rw = writable_base(p, m);
    if (!rw) {
        fd = open(m->src, O_PATH | O_CLOEXEC);
        return fd < 0 ? sbox_error(err, errno, "source `%s`", m->src) : fd;
    }
    base = open(rw->src, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (base < 0)
        return sbox_error(err, errno, "source `%s`", rw->src);
    fd = sys_openat2(base, m->src + strlen(rw->src) + (strcmp(rw->src, "/") != 0),
                     O_PATH | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    if (fd < 0 && errno == ELOOP)
        return sbox_error(err, 0,
                          "source `%s`: a symlink below `%s`, which the sandbox can write, is not "
                          "followed (an earlier run may have planted it)",
                          m->src, rw->src);
    return fd < 0 ? sbox_error(err, errno, "source `%s`", m->src) : fd;
}

/* Where the opened source really is, against the plan's rule. */
static int check_pinned(const struct sbox_plan *p, const struct sbox_mount *m, int fd,
                        struct sbox_error *err)
{
    char real[PATH_MAX], because[512], spelt_because[512];
    const char *why;
    bool mounts;
    if (sbox_fd_path(fd, real, sizeof real) < 0)
        return sbox_error(err, errno, "source `%s`", m->src);
    if (strcmp(m->key, "cwd") == 0) {
        if (strcmp(real, m->src) != 0)
            return sbox_error(err, 0,
                              "the current directory `%s` moved to `%s` while sbox started: "
                              "run it again",
                              m->src, real);
        why = sbox_plan_hidden(p, real, because, sizeof because);
        if (why)
            return sbox_error(err, 0,
                              "the current directory `%s` is %s, which the sandbox must not see",
                              real, why);
        return 0;
    }
    /* Named as it is, a hidden directory (or the home, or /) is the profile's choice; reached
     * through a symlink, it is where someone else's link leads. The image root is hidden from
     * the writable binds by the plan itself, so only the host's places count for it. */
    mounts = strcmp(m->key, "rootfs") != 0;
    why = strcmp(real, m->src) != 0 ? sbox_plan_exposes(p, real, mounts, because, sizeof because)
                                    : NULL;
    if (why && !sbox_plan_exposes(p, m->src, mounts, spelt_because, sizeof spelt_because))
        return sbox_error(err, 0,
                          "source `%s` leads to `%s`, %s, which the sandbox must not see (name "
                          "it as it is if you mean it)",
                          m->src, real, why);
    return 0;
}

/* A stored image's layers: the store's root as the user names it (it must be theirs), then
 * each layer below it with no symlink followed: a sandbox whose profile binds the store could
 * have written there. */
static int open_layers(const struct sbox_plan *p, struct sbox_pins *pins, struct sbox_error *err)
{
    const struct sbox_image_facts *f = &p->image_facts;
    _cleanup_close_ int root = -1;
    struct stat st;
    size_t n = sbox_strv_len(f->layers);
    if (!p->image || !f->store)
        return 0;
    root = sys_openat2(AT_FDCWD, f->store, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_MAGICLINKS);
    if (root < 0 || fstat(root, &st) < 0)
        return sbox_error(err, errno, "image store `%s`", f->store);
    if (st.st_uid != p->host_uid || (st.st_mode & 022))
        return sbox_error(err, 0, "image store `%s` is not yours alone", f->store);
    pins->layers = sbox_xmalloc((n + 1) * sizeof *pins->layers);
    for (size_t i = 0; i < n; i++) {
        int fd = sys_openat2(root, f->layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC,
                             RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (fd < 0)
            return sbox_error(err, errno == ELOOP ? 0 : errno, "image layer `%s/%s`%s", f->store,
                              f->layers[i],
                              errno == ELOOP    ? ": a symlink was put in its way"
                              : errno == ENOENT ? " (the image is damaged: import it again)"
                                                : "");
        pins->layers[pins->n_layers++] = fd;
    }
    return 0;
}

int sbox_pin_sources(const struct sbox_plan *p, struct sbox_pins *ret, struct sbox_error *err)
{
    struct sbox_pins pins = {.fds = sbox_xmalloc((p->n_mounts + 1) * sizeof *pins.fds),
                             .n = p->n_mounts};
    for (size_t i = 0; i < p->n_mounts; i++)
        pins.fds[i] = -1;
    pins.rootfs = -1;
    if (open_layers(p, &pins, err) < 0) {
        sbox_pins_close(&pins);
        return sbox_origin_error(err, &p->image_origin, "image");
    }
    if (p->rootfs) {
        /* The image root too: the child lays its overlay over this very directory. */
        const struct sbox_mount image = {.kind = SBOX_MOUNT_RO_BIND,
                                         .key = "rootfs",
                                         .src = p->rootfs,
                                         .origin = p->rootfs_origin};
        int r;
        pins.rootfs = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        r = pins.rootfs < 0 ? sbox_error(err, errno, "image root `%s`", p->rootfs)
                            : check_pinned(p, &image, pins.rootfs, err);
        if (r < 0) {
            sbox_pins_close(&pins);
            return sbox_origin_error(err, &p->rootfs_origin, "rootfs");
        }
    }
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        int fd, r;
        if (m->kind != SBOX_MOUNT_BIND && m->kind != SBOX_MOUNT_RO_BIND)
            continue;
        err->msg[0] = '\0';
        fd = open_source(p, m, err);
        if (fd == -ENOENT && m->try_missing)
            continue;
        r = fd < 0 ? fd : check_pinned(p, m, fd, err);
        if (r < 0) {
            if (fd >= 0)
                close(fd);
            sbox_pins_close(&pins);
            if (m->origin.kind == SBOX_ORIGIN_BUILTIN)
                return sbox_error_prefix(err, "%s", strcmp(m->key, "cwd") == 0 ? "cwd" : m->key);
            return sbox_origin_error(err, &m->origin, m->key);
        }
        pins.fds[i] = fd;
    }
    *ret = pins;
    return 0;
}

void sbox_pins_close(struct sbox_pins *pins)
{
    for (size_t i = 0; pins->fds && i < pins->n; i++)
        sbox_closep(&pins->fds[i]);
    free(pins->fds);
    pins->fds = NULL;
    pins->n = 0;
    sbox_closep(&pins->rootfs);
    for (size_t i = 0; pins->layers && i < pins->n_layers; i++)
        sbox_closep(&pins->layers[i]);
    free(pins->layers);
    pins->layers = NULL;
    pins->n_layers = 0;
}

int sbox_pin_reopen(int fd)
{
    char path[PATH_MAX];
    struct stat a, b;
    int here;
    if (sbox_fd_path(fd, path, sizeof path) < 0 || fstat(fd, &a) < 0)
        return -errno;
    here = sys_openat2(AT_FDCWD, path, O_PATH | O_CLOEXEC,
                       RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (here < 0)
        return errno == ENOENT || errno == ELOOP ? -ESTALE : -errno;
    if (fstat(here, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
        close(here);
        return -ESTALE;
    }
    return here;
}
