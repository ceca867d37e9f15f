/* files.c: see files.h. */
#include "files.h"
#include "cleanup.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define READ_TEXT_MAX (1 << 20)

int sbox_mkdir_parents(const char *path)
{
    _cleanup_free_ char *copy = sbox_xstrdup(path);
    for (char *s = copy + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(copy, 0700) < 0 && errno != EEXIST)
                return -errno;
            *s = c;
            if (!c)
                break;
        }
    }
    return 0;
}

int sbox_mkdirs_beneath(int base, const char *rel)
{
    _cleanup_free_ char *copy = sbox_xstrdup(rel);
    _cleanup_close_ int cur = fcntl(base, F_DUPFD_CLOEXEC, 3);
    char *save = NULL;
    if (cur < 0)
        return -errno;
    for (char *name = strtok_r(copy, "/", &save); name; name = strtok_r(NULL, "/", &save)) {
        int fd = sys_openat2(cur, name, O_PATH | O_DIRECTORY | O_CLOEXEC,
                             RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
        if (fd < 0 && errno == ENOENT) {
            if (mkdirat(cur, name, 0755) < 0 && errno != EEXIST)
                return -errno;
            fd = sys_openat2(cur, name, O_PATH | O_DIRECTORY | O_CLOEXEC,
                             RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
        }
        if (fd < 0)
            return -errno;
        sbox_closep(&cur);
        cur = fd;
    }
    return 0;
}

/* The whole of the regular file at fd (at most max bytes, however it grows meanwhile),
 * NUL-ended; NULL when it cannot be read. */
char *sbox_read_fd(int fd, size_t max, size_t *ret_len)
{
    size_t len = 0, size = 4096;
    char *buf = sbox_xmalloc(size);
    for (;;) {
        ssize_t n;
        if (len + 1 == size) {
            if (size > max)
                break;
            buf = sbox_xrealloc(buf, size *= 2);
        }
        n = read(fd, buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len < max ? len : max] = '\0';
    *ret_len = len < max ? len : max;
    return buf;
}

char *sbox_read_text(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    size_t len;
    return fd < 0 ? NULL : sbox_read_fd(fd, READ_TEXT_MAX, &len);
}

int sbox_open_regular(int dir, const char *path, int flags, off_t max, struct stat *ret_st)
{
    _cleanup_close_ int fd = -1;
    struct stat st;
    int fl;
    /* O_NONBLOCK: opening a FIFO for reading waits for a writer, a device may never answer. */
    fd = openat(dir, path, flags | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    if (max >= 0 && st.st_size > max)
        return -EFBIG;
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
        return -errno;
    if (ret_st)
        *ret_st = st;
    return steal_fd(&fd);
}

bool sbox_name_of_gone_pid(const char *name, const char *prefix)
{
    const size_t n = strlen(prefix);
    char *end;
    long pid;
    if (strncmp(name, prefix, n) != 0)
        return false;
    pid = strtol(name + n, &end, 10);
    return end != name + n && *end == '-' && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    /* overlayfs leaves work/work mode 000. */
    if (flag == FTW_DNR && chmod(path, 0700) == 0) {
        nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
    }
    return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

int sbox_remove_tree(const char *path)
{
    pid_t pid;
    int status;
    if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0)
        return 0;
    /* Paths longer than PATH_MAX (a build can nest thousands of directories) defeat nftw;
     * rm(1) walks by descriptor. */
    pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", path, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    return access(path, F_OK) == 0 ? -1 : 0;
}

pid_t sbox_pid_lock_holder(int fd)
{
    char text[32];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    int pid;
    text[n > 0 ? n : 0] = '\0';
    pid = atoi(text);
    return pid > 0 ? pid : 0;
}

int sbox_pid_lock_mark(int fd)
{
    char text[32];
    snprintf(text, sizeof text, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, text, strlen(text), 0) < 0)
        return -errno;
    return 0;
}

int sbox_fd_path(int fd, char *buf, size_t size)
{
    char link[64];
    ssize_t n;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, buf, size - 1);
    if (n < 0)
        return -1;
    if ((size_t)n >= size - 1) {
        errno = ENAMETOOLONG;
        return -1;
    }
    buf[n] = '\0';
    return 0;
}

static int by_fd(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Every descriptor but 0-2 and the n in keep (-1 entries ignored) is closed; with n == 0, every
 * one is marked close-on-exec instead, so the exec-failure channel survives until exec. */
void sbox_close_inherited(int *keep, size_t n)
{
    DIR *d;
    if (n > 0) {
        unsigned lo = 3;
        bool ok = true;
        qsort(keep, n, sizeof *keep, by_fd);
        for (size_t i = 0; i < n && ok; i++) {
            if (keep[i] < 3 || (unsigned)keep[i] < lo)
                continue;
            if ((unsigned)keep[i] > lo)
                ok = syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0) == 0;
            lo = (unsigned)keep[i] + 1;
        }
        if (ok && syscall(SYS_close_range, lo, ~0U, 0) == 0)
            return;
    } else if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
        return;
    }
    /* Kernels before 5.11: walk the descriptor table. */
    d = opendir("/proc/self/fd");
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        int fd = atoi(e->d_name);
        bool kept = fd < 3 || fd == dirfd(d) || e->d_name[0] == '.';
        for (size_t i = 0; i < n && !kept; i++)
            kept = fd == keep[i];
        if (kept)
            continue;
        if (n > 0)
            close(fd);
        else
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    closedir(d);
}
