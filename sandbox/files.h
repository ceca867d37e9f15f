/* files.h: small helpers for files sbox reads, names and removes, shared by the modules that
 * read kernel files (/proc, cgroups), sweep what a killed sbox left behind, and remove the
 * stores they made (kept overlays, captures). */
#ifndef SBOX_FILES_H
#define SBOX_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Creates rel (and its parents, mode 0755) below the directory base, following no symlink:
 * for directories of the user's that an earlier payload may have written into (a kept
 * overlay's store). 0 or -errno. */
int sbox_mkdirs_beneath(int base, const char *rel);

/* The whole of a small text file (at most 1 MiB: what is beyond is left unread), NUL-ended;
 * NULL when it cannot be opened or read. Never blocks on a FIFO or takes a terminal. */
char *sbox_read_text(const char *path);
/* The whole of the file at fd (at most max bytes, however it grows meanwhile), NUL-ended, its
 * length in *ret_len; NULL when it cannot be read. */
char *sbox_read_fd(int fd, size_t max, size_t *ret_len);

/* Opens path (below dir, a directory's descriptor or AT_FDCWD) as a regular file of at most max
 * bytes, with flags (O_RDONLY, O_RDWR...): never a symlink in its last component, never blocking on
 * a FIFO or taking a terminal, so a FIFO, a device or a symlink planted where sbox keeps its own
 * files cannot hang it or lead it elsewhere. The descriptor, which then blocks as usual, and its
 * stat in *ret_st when asked; or -errno: ELOOP for a symlink, EINVAL for what is not a regular
 * file, EFBIG for a larger one. */
int sbox_open_regular(int dir, const char *path, int flags, off_t max, struct stat *ret_st);

/* name is PREFIX, a pid, then '-' and more (as sbox names its private directories and
 * cgroups), and that process is gone: what it made may be removed. */
bool sbox_name_of_gone_pid(const char *name, const char *prefix);

/* Makes path and the directories missing on the way to it, mode 0700 (as the XDG base
 * directories are made); symlinks on the way are followed. 0 or -errno. */
int sbox_mkdir_parents(const char *path);

/* Removes path and everything below it, as the caller: directories left unreadable (overlayfs
 * leaves work/work mode 000) are opened up first, and trees too deep for nftw go to rm(1).
 * 0, or -1 when something is left. */
int sbox_remove_tree(const char *path);

/* A lock file (a capture's, a kept overlay directory's) is held with flock by the sbox using
 * what it guards, which writes its pid in it so that another can say who holds it. */
/* The pid written in the lock file fd, or 0 when it holds none. */
pid_t sbox_pid_lock_holder(int fd);
/* Writes this process's pid in the lock file fd, in place of what it held. 0 or -errno. */
int sbox_pid_lock_mark(int fd);

/* The path the kernel has for an open file (its /proc/self/fd link), in buf. 0, or -1 with
 * errno set (ENAMETOOLONG when it does not fit). */
int sbox_fd_path(int fd, char *buf, size_t size);

/* Every descriptor but 0-2 and the n in keep (-1 entries ignored; keep is sorted) is closed;
 * with n == 0, every one is marked close-on-exec instead. */
void sbox_close_inherited(int *keep, size_t n);

#endif
