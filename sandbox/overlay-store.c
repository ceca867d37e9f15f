/* overlay-store.c: the kept overlay directory: made private, marked with its kind and locked for
 * the run. Never takes a directory of another user's or one holding files that are not sbox's. */
#include "overlay-store.h"
#include "cleanup.h"
#include "files.h"
#include "overlay.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* What the upper layer holds changes to: an image (by its resolved path) or the host's own
 * directories. Changes to one must not be laid over the other. */
static char *store_kind(const struct sbox_plan *p)
{
    char real[PATH_MAX];
    if (p->image)
        return sbox_xasprintf("image %s\n", p->image_facts.digest ? p->image_facts.digest : "");
    if (!p->rootfs)
        return sbox_xstrdup("host\n");
    return sbox_xasprintf("rootfs %s\n", realpath(p->rootfs, real) ? real : p->rootfs);
}

/* A kept overlay: DIR (made if missing, kept mode 0700: the upper layer holds set-uid files and
 * world-writable directories of the sandbox's ids), DIR/upper and DIR/work, DIR/kind (what the
 * upper layer belongs to), and DIR/lock, held for the whole run so that two sandboxes never
 * share an upper layer. The lock file says which sbox holds it. *created is set when DIR was
 * made by this run. */
static int prepare_store(const struct sbox_plan *p, int *ret_lock, bool *created,
                         struct sbox_error *err)
{
    const char *dir = p->overlay_dir;
    _cleanup_close_ int dfd = -1, lock = -1, kfd = -1;
    _cleanup_free_ char *kind = store_kind(p);
    struct statfs sfs;
    struct stat st;
    const char *why;
    char old[PATH_MAX + 16];
    ssize_t n;

    *created = mkdir(dir, 0700) == 0;
    if (!*created && errno == ENOENT) {
        /* DIR is made, its parents are not: a mistyped path must not grow a tree. Name the
         * directory that is missing, not DIR. */
        _cleanup_free_ char *parent = sbox_path_resolve(dir, "..");
        return sbox_error(err, 0,
                          "overlay directory `%s`: its parent `%s` does not exist (sbox makes "
                          "the directory, not its parents: mkdir -p %s)",
                          dir, parent, parent);
    }
    if (!*created && errno != EEXIST)
        return sbox_error(err, errno, "overlay directory `%s`", dir);
    dfd = open(dir, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0 || fstat(dfd, &st) < 0)
        return sbox_error(err, errno, "overlay directory `%s`", dir);
    if (fstatfs(dfd, &sfs) == 0 && (why = sbox_overlay_upper_unsupported((long)sfs.f_type)))
        return sbox_error(err, 0, "overlay directory `%s` cannot hold an upper layer: %s", dir,
                          why);
    if (st.st_uid != p->host_uid)
        return sbox_error(err, 0, "overlay directory `%s` belongs to another user", dir);
    if ((st.st_mode & 077) && fchmod(dfd, st.st_mode & 0700) < 0)
        return sbox_error(err, errno, "overlay directory `%s`: make it private", dir);
    lock = openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (lock < 0)
        return sbox_error(err, errno, "overlay directory `%s`: lock file", dir);
    if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
        pid_t holder = errno == EWOULDBLOCK ? sbox_pid_lock_holder(lock) : 0;
        if (holder > 0)
            return sbox_error(err, 0,
                              "overlay directory `%s` is in use by another sandbox (sbox pid %d)",
                              dir, (int)holder);
        if (errno == EWOULDBLOCK)
            return sbox_error(err, 0, "overlay directory `%s` is in use by another sandbox", dir);
        return sbox_error(err, errno, "overlay directory `%s`: lock", dir);
    }
    if ((n = sbox_pid_lock_mark(lock)) < 0)
        return sbox_error(err, (int)-n, "overlay directory `%s`: lock file", dir);
    if (!*created && faccessat(dfd, "kind", F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
        /* An existing directory without sbox's mark: empty but for the lock just made, or
         * someone else's files that must not become an upper layer. */
        _cleanup_close_ int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
        bool empty = d != NULL;
        if (d) {
            dup = -1;
            for (struct dirent *e; empty && (e = readdir(d));)
                empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
                        !strcmp(e->d_name, "lock");
            closedir(d);
        }
        if (!empty)
            return sbox_error(
                err, 0, "overlay directory `%s` holds other files: give a new or empty directory",
                dir);
    }
    kfd = openat(dfd, "kind", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (kfd < 0 || (n = pread(kfd, old, sizeof old - 1, 0)) < 0)
        return sbox_error(err, errno, "overlay directory `%s`: kind", dir);
    old[n] = '\0';
    if (n == 0 && pwrite(kfd, kind, strlen(kind), 0) != (ssize_t)strlen(kind))
        return sbox_error(err, errno, "overlay directory `%s`: kind", dir);
    if (n > 0 && strcmp(old, kind) != 0) {
        old[strcspn(old, "\n")] = '\0';
        return sbox_error(err, 0,
                          "overlay directory `%s` holds changes to %s%s, not to %s: use another "
                          "directory (or remove its `kind` file to reuse it anyway)",
                          dir,
                          strncmp(old, "rootfs ", 7) == 0  ? "the image "
                          : strncmp(old, "image ", 6) == 0 ? "the stored image "
                                                           : "the host's system",
                          strncmp(old, "rootfs ", 7) == 0  ? old + 7
                          : strncmp(old, "image ", 6) == 0 ? old + 6
                                                           : "",
                          sbox_plan_image_root(p) ? "this image" : "the host's system");
    }
    for (int i = 0; i < 2; i++) {
        const char *sub = i ? "work" : "upper";
        if (mkdirat(dfd, sub, 0755) < 0 && errno != EEXIST)
            return sbox_error(err, errno, "overlay directory `%s`: create %s/", dir, sub);
        if (fstatat(dfd, sub, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return sbox_error(err, errno, "overlay directory `%s`: %s/", dir, sub);
        if (!S_ISDIR(st.st_mode))
            return sbox_error(err, 0, "overlay directory `%s`: %s/ is not a directory", dir, sub);
    }
    *ret_lock = steal_fd(&lock);
    return 0;
}

int sbox_overlay_store_prepare(const struct sbox_plan *p, struct sbox_overlay_store *store,
                               struct sbox_error *err)
{
    int r;
    store->dir = p->overlay_dir;
    r = prepare_store(p, &store->lock, &store->created, err);
    if (r < 0) {
        /* Only what this run made goes: the lock file in a directory someone else made stays. */
        sbox_overlay_store_discard(store);
        /* Errors name the setting. */
        return sbox_origin_error(err, &p->overlay_origin, "overlay");
    }
    return 0;
}

void sbox_overlay_store_discard(struct sbox_overlay_store *store)
{
    if (store->created)
        sbox_remove_tree(store->dir);
}

void sbox_overlay_store_close(struct sbox_overlay_store *store)
{
    sbox_closep(&store->lock);
}
