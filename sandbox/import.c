/* import.c: unpacks an image tarball with libarchive in a child that is root of a new user
 * namespace (ranges mapped through newuidmap/newgidmap by the parent). The child reports back
 * over a pipe: its stats, then an error message if it failed. */
#include "import.h"
#include "cleanup.h"
#include "idmap.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SHOWN 5 /* warnings printed one by one; the rest are counted */

struct report {
    struct sbox_import_stats stats;
    struct sbox_error err;
    bool failed;
};

static void warn(unsigned long *count, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(unsigned long *count, const char *fmt, ...)
{
    char raw[SBOX_ERROR_MAX], line[SBOX_ERROR_MAX];
    va_list ap;
    if ((*count)++ >= MAX_SHOWN)
        return;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    sbox_escape(line, sizeof line, raw);
    fprintf(stderr, "sbox: import: %s\n", line);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
    return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Everything below the current directory, as root of the namespace (the files belong to ids
 * only it can remove). */
static void remove_contents(void)
{
    DIR *d = opendir(".");
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            nftw(e->d_name, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    closedir(d);
}

static int unpack(int fd, struct report *rep)
{
    const int flags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                      ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |
                      ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                      ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
    struct archive *in = archive_read_new(), *out = archive_write_disk_new();
    struct archive_entry *e;
    int r, ret = 0;

    archive_read_support_filter_all(in);
    archive_read_support_format_tar(in); /* ustar, pax and GNU tar: what image tools write */
    /* No name lookup: the numeric ids in the tarball are the image's, not this host's. */
    archive_write_disk_set_options(out, flags);
    if (archive_read_open_fd(in, fd, 1 << 16) != ARCHIVE_OK) {
        ret = sbox_error(&rep->err, 0, "cannot read the tarball: %s", archive_error_string(in));
        goto done;
    }
    while ((r = archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
        const char *path;
        if (r < ARCHIVE_WARN) {
            ret = sbox_error(&rep->err, 0, "the tarball is damaged after %lu entries: %s",
                             rep->stats.entries, archive_error_string(in));
            goto done;
        }
        path = archive_entry_pathname(e);
        if (archive_entry_filetype(e) == AE_IFCHR || archive_entry_filetype(e) == AE_IFBLK) {
            /* A user namespace may not make device nodes; the sandbox's /dev is sbox's. */
            warn(&rep->stats.devices, "skipped the device node `%s`%s", path ? path : "?",
                 " (sbox provides /dev)");
            continue;
        }
        r = archive_write_header(out, e);
        if (r == ARCHIVE_OK && archive_entry_size(e) > 0) {
            const void *buf;
            size_t size;
            la_int64_t offset;
            int rr;
            while ((rr = archive_read_data_block(in, &buf, &size, &offset)) == ARCHIVE_OK)
                if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_OK) {
                    r = archive_errno(out) ? ARCHIVE_FAILED : ARCHIVE_WARN;
                    break;
                }
            if (rr < ARCHIVE_WARN) {
                ret = sbox_error(&rep->err, 0, "the tarball is damaged at `%s`: %s", path,
                                 archive_error_string(in));
                goto done;
            }
        }
        if (r == ARCHIVE_OK)
            r = archive_write_finish_entry(out);
        if (r == ARCHIVE_FATAL) {
            ret = sbox_error(&rep->err, 0, "`%s`: %s", path, archive_error_string(out));
            goto done;
        }
        if (r == ARCHIVE_FAILED) {
            warn(&rep->stats.failed, "`%s` not unpacked: %s", path, archive_error_string(out));
            continue;
        }
        if (r == ARCHIVE_WARN)
            warn(&rep->stats.warnings, "`%s`: %s", path, archive_error_string(out));
        rep->stats.entries++;
    }
    if (rep->stats.failed)
        ret = sbox_error(&rep->err, 0, "%lu entries could not be unpacked", rep->stats.failed);
done:
    archive_read_free(in);
    archive_write_free(out);
    return ret;
}

static _Noreturn void child(int go, int out, int tarball, int dirfd, bool ranged)
{
    struct report rep = {0};
    char c;
    if (read(go, &c, 1) != 1)
        _exit(125);
    umask(0);
    if (ranged) {
        gid_t root = 0;
        if (setgroups(1, &root) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
            sbox_error(&rep.err, errno, "become root of the namespace");
            goto report;
        }
    }
    if (fchdir(dirfd) < 0) {
        sbox_error(&rep.err, errno, "enter the directory");
        goto report;
    }
    if (unpack(tarball, &rep) < 0) {
        remove_contents();
        goto report;
    }
    if (write(out, &rep, sizeof rep) != (ssize_t)sizeof rep)
        _exit(125);
    _exit(0);
report:
    rep.failed = true;
    (void)!write(out, &rep, sizeof rep);
    _exit(125);
}

static bool dir_is_empty(int fd)
{
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    DIR *d = dup < 0 ? NULL : fdopendir(dup);
    bool empty = true;
    if (!d)
        return false;
    for (struct dirent *e; empty && (e = readdir(d));)
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    return empty;
}

int sbox_import(const char *tarball, const char *dir, const char *user, uid_t uid, gid_t gid,
                struct sbox_import_stats *stats, struct sbox_error *err)
{
    struct sbox_idrange uids[SBOX_IDMAP_MAX_RANGES], gids[SBOX_IDMAP_MAX_RANGES];
    size_t n_uids, n_gids;
    _cleanup_close_ int tfd = -1, dfd = -1;
    _cleanup_free_ char *uidmap = NULL, *gidmap = NULL;
    struct report rep = {0};
    int go[2], back[2], status, r = 0;
    bool created = false, ranged;
    struct stat st;
    pid_t pid;

    tfd = open(tarball, O_RDONLY | O_CLOEXEC);
    if (tfd < 0)
        return sbox_error(err, errno, "import: tarball `%s`", tarball);
    if (fstat(tfd, &st) < 0 || S_ISDIR(st.st_mode))
        return sbox_error(err, errno ? errno : EISDIR, "import: tarball `%s`", tarball);
    if (mkdir(dir, 0755) == 0)
        created = true;
    else if (errno != EEXIST)
        return sbox_error(err, errno, "import: directory `%s`", dir);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        r = sbox_error(err, errno, "import: directory `%s`", dir);
        goto fail;
    }
    if (!created && !dir_is_empty(dfd))
        return sbox_error(err, 0,
                          "import: directory `%s` is not empty (unpack into a new or empty one)",
                          dir);

    n_uids = sbox_idmap_read_ranges("/etc/subuid", user, uid, uids, SBOX_IDMAP_MAX_RANGES);
    n_gids = sbox_idmap_read_ranges("/etc/subgid", user, uid, gids, SBOX_IDMAP_MAX_RANGES);
    uidmap = sbox_find_program("newuidmap");
    gidmap = sbox_find_program("newgidmap");
    ranged = n_uids && n_gids && uidmap && gidmap;
    if (!ranged)
        fprintf(stderr, "sbox: import: %s: every file will belong to you, and owners other than "
                        "root are lost (see `sbox check`)\n",
                n_uids && n_gids ? "newuidmap/newgidmap are not installed"
                                 : "you have no ranges in /etc/subuid and /etc/subgid");

    if (pipe2(go, O_CLOEXEC) < 0) {
        r = sbox_error(err, errno, "import: pipe");
        goto fail;
    }
    if (pipe2(back, O_CLOEXEC) < 0) {
        r = sbox_error(err, errno, "import: pipe");
        close(go[0]);
        close(go[1]);
        goto fail;
    }
    fflush(NULL);
    pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid == 0) {
        close(go[1]);
        close(back[0]);
        child(go[0], back[1], tfd, dfd, ranged);
    }
    close(go[0]);
    close(back[1]);
    if (pid < 0) {
        r = sbox_error(err, errno, "import: create a user namespace");
        close(go[1]);
        close(back[0]);
        goto fail;
    }
    r = ranged ? sbox_idmap_write_ranges(pid, uid, gid, uids, n_uids, gids, n_gids, err)
               : sbox_idmap_write_single(pid, 0, uid, 0, gid, err);
    if (r < 0 || write(go[1], "g", 1) != 1) {
        if (r >= 0)
            r = sbox_error(err, errno, "import: start the unpacking");
        kill(pid, SIGKILL);
    }
    close(go[1]);
    if (read(back[0], &rep, sizeof rep) != (ssize_t)sizeof rep && r >= 0) {
        rep.failed = true;
        sbox_error(&rep.err, 0, "the unpacking process died");
    }
    close(back[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (r < 0)
        goto fail;
    *stats = rep.stats;
    if (rep.failed) {
        *err = rep.err;
        err->msg[sizeof err->msg - 1] = '\0';
        r = sbox_error_prefix(err, "import: %s", tarball);
        goto fail;
    }
    return 0;
fail:
    if (created)
        rmdir(dir); /* emptied by the child; fails harmlessly if it could not be */
    return r;
}
