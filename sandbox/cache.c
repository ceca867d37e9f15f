/* cache.c: see cache.h. A sandbox writes in its cache and may have planted a symlink in place
 * of one (through a profile that shows CACHE_HOME/sbox): sbox must never make or bind a
 * directory elsewhere because of it. */
#include "cache.h"
#include "cleanup.h"
#include "files.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* parent/name, made when missing: a directory of uid's, mode 0700, reached without following a
 * symlink. Its descriptor in *ret. */
static int private_dir(int parent, const char *name, const char *path, uid_t uid, int *ret,
                       struct sbox_error *err)
{
    _cleanup_close_ int fd = -1;
    struct stat st;
    if (mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
        return sbox_error(err, errno, "private cache `%s`", path);
    fd = sys_openat2(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (fd < 0 && errno == ELOOP)
        return sbox_error(err, 0,
                          "private cache `%s` is a symlink and is not followed (a sandbox may "
                          "have planted it): remove it",
                          path);
    if (fd < 0 && errno == ENOTDIR)
        return sbox_error(err, 0, "private cache `%s` is not a directory", path);
    if (fd < 0 || fstat(fd, &st) < 0)
        return sbox_error(err, errno, "private cache `%s`", path);
    if (st.st_uid != uid)
        return sbox_error(err, 0, "private cache `%s` belongs to another user", path);
    if ((st.st_mode & 077) && fchmod(fd, st.st_mode & 0700) < 0)
        return sbox_error(err, errno, "private cache `%s`: make it private", path);
    *ret = steal_fd(&fd);
    return 0;
}

int sbox_cache_prepare(const struct sbox_plan *p, struct sbox_error *err)
{
    _cleanup_close_ int home = -1, root = -1;
    _cleanup_free_ char *root_path =
        sbox_xasprintf("%s/sbox", strcmp(p->cache_home, "/") ? p->cache_home : "");
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sbox_mount *m = &p->mounts[i];
        _cleanup_close_ int fd = -1;
        int r = 0;
        if (m->kind != SBOX_MOUNT_BIND || strcmp(m->key, "cache") != 0)
            continue;
        /* CACHE_HOME is the user's to name, a symlink included; below it, nothing is
         * followed. */
        if (home < 0) {
            r = sbox_mkdir_parents(p->cache_home);
            home = r < 0 ? r : open(p->cache_home, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (home < 0)
                r = sbox_error(err, r < 0 ? -r : errno, "cache directory `%s`", p->cache_home);
        }
        if (r == 0 && root < 0)
            r = private_dir(home, "sbox", root_path, p->host_uid, &root, err);
        if (r == 0)
            r = private_dir(root, strrchr(m->src, '/') + 1, m->src, p->host_uid, &fd, err);
        if (r == 0)
            continue;
        return sbox_origin_error(err, &m->origin, m->key);
    }
    return 0;
}
