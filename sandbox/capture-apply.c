/* capture-apply.c: sbox apply, which lands a capture's chosen changes in the captured directory.
 * Writes nowhere else: never outside it, through a symlink, nor a device, fifo or set-id file. */
#include "capture-apply.h"
#include "capture-show.h"
#include "capture-store.h"
#include "capture.h"
#include "changes.h"
#include "cleanup.h"
#include "files.h"
#include "sys.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* The directory that holds rel, opened beneath real with no symlink followed; *name is rel's
 * last component. */
static int open_parent(int real, const char *rel, const char **name)
{
    const char *slash = strrchr(rel, '/');
    _cleanup_free_ char *dir = NULL;
    int fd;
    *name = slash ? slash + 1 : rel;
    if (!slash)
        return fcntl(real, F_DUPFD_CLOEXEC, 3);
    dir = sbox_xstrndup(rel, (size_t)(slash - rel));
    fd = sys_openat2(real, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, BENEATH);
    return fd;
}

static int temp_name(char out[32])
{
    uint32_t n;
    if (getrandom(&n, sizeof n, 0) != sizeof n)
        return -1;
    snprintf(out, 32, ".sbox-apply-%08x", n);
    return 0;
}

/* Copies len bytes at off from one file to the other, at the same offset. */
static int copy_range(int from, int to, off_t off, off_t len)
{
    char buf[65536];
    loff_t in = off, out = off;
    while (len > 0) {
        ssize_t n = copy_file_range(from, &in, to, &out, (size_t)len, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
            break; /* copied by hand below */
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        len -= n;
    }
    while (len > 0) {
        ssize_t n =
            pread(from, buf, (size_t)(len < (off_t)sizeof buf ? len : (off_t)sizeof buf), in);
        if (n <= 0)
            return n < 0 ? -1 : 0;
        for (ssize_t w = 0, m; w < n; w += m)
            if ((m = pwrite(to, buf + w, (size_t)(n - w), out + w)) < 0)
                return -1;
        in += n;
        out += n;
        len -= n;
    }
    return 0;
}

/* Copies a file, holes kept as holes: a 1 GiB sparse file the build made in a few blocks must
 * not fill the disk when it lands. */
static int copy_file(int from, int to, off_t size)
{
    off_t off = 0;
    for (;;) {
        off_t data = lseek(from, off, SEEK_DATA), hole;
        if (data < 0 && errno == ENXIO)
            break; /* nothing but a hole to the end */
        if (data < 0)
            return copy_range(from, to, 0, size) < 0 ? -1 : 0; /* no SEEK_DATA here */
        hole = lseek(from, data, SEEK_HOLE);
        if (hole < 0)
            hole = size;
        if (copy_range(from, to, data, hole - data) < 0)
            return -1;
        if (hole >= size)
            break;
        off = hole;
    }
    return ftruncate(to, size);
}

/* ---- writing one change ------------------------------------------------------------------ */

/* What every write of one directory needs: the directory and the capture's layer, what the
 * checks compared with, and whether its file system exchanges two names. */
struct landing {
    int real, upper;
    const struct sbox_capture_records *recs;
    size_t slot;
    struct timespec checked_at; /* when apply began reading the directory */
    bool no_exchange;
};

/* A file of the user's that a write moved out of its place after comparing it with what was
 * checked, and whose fate is settled a moment later (settle() below): a save that looked the
 * name up just before the move (open(2) finds the file, then truncates it) may still write
 * into it, and must not be lost with it. */
struct moved {
    int parent;       /* the directory it was in (its own descriptor) */
    int fd;           /* a deleted file, unlinked but still open; else -1 */
    char aside[32];   /* a replaced file: its name aside, beside sbox's file in its place */
    struct stat was;  /* as it was once moved and compared */
    struct stat mine; /* a replaced file: sbox's own file in its place */
    bool exchanged;   /* ... put there by an exchange (else linked in) */
};

/* How one write went when it did not land as planned, or what is left to settle. */
struct outcome {
    const char *conflict; /* the directory's entry changed since the checks: left as it is */
    const char *altered;  /* the capture's entry changed since the checks: not written */
    char kept[PATH_MAX];  /* a version saved meanwhile, kept under this path */
    bool kept_dir;        /* a directory not removed: it holds what was left out */
    bool fallback;        /* this write found that names cannot be exchanged here */
    bool moved;           /* m is to be settled */
    struct moved m;
};

/* The permission bits a change lands with: the capture's, but write for group or others and
 * the sticky bit only where the entry there had them already, so that no other user may
 * rewrite what lands; never a file's set-id bits (such a file is refused). *ret_taken: the
 * bits taken off. */
static mode_t landed_mode(const struct sbox_change *ch, mode_t *ret_taken)
{
    bool dir = S_ISDIR(ch->now.st_mode);
    mode_t now = ch->now.st_mode & (dir ? 03777 : 01777);
    mode_t had = ch->real_present && (ch->real.st_mode & S_IFMT) == (ch->now.st_mode & S_IFMT)
                     ? ch->real.st_mode & 07777
                     : 0;
    if (S_ISLNK(ch->now.st_mode)) {
        *ret_taken = 0; /* a symlink's mode means nothing */
        return now;
    }
    *ret_taken = now & (S_IWGRP | S_IWOTH | S_ISVTX) & ~had;
    return now & ~*ret_taken;
}

/* Execute bits a file gains that the file it replaces did not have. */
static mode_t gained_exec(const struct sbox_change *ch)
{
    mode_t taken, mode = landed_mode(ch, &taken);
    if (!S_ISREG(ch->now.st_mode) || ch->kind == SBOX_DELETED)
        return 0;
    if (ch->real_present && S_ISREG(ch->real.st_mode))
        return mode & 0111 & ~(ch->real.st_mode & 0111);
    return mode & 0111;
}

/* A version kept under a temporary name, named for the report (relative to the directory). */
static void keep(struct outcome *o, const char *rel, const char *name)
{
    const char *slash = strrchr(rel, '/');
    if (slash)
        snprintf(o->kept, sizeof o->kept, "%.*s/%s", (int)(slash - rel), rel, name);
    else
        snprintf(o->kept, sizeof o->kept, "%s", name);
}

/* Whether the entry name in parent is sbox's own file (mine), as sbox wrote it. */
static bool is_mine(int parent, const char *name, const struct stat *mine)
{
    struct stat st;
    return fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == mine->st_ino &&
           st.st_size == mine->st_size && st.st_mtim.tv_sec == mine->st_mtim.tv_sec &&
           st.st_mtim.tv_nsec == mine->st_mtim.tv_nsec;
}

/* Moves the entry set aside at aside back to name, never over what is there now: when a
 * version was saved there meanwhile, that stays, and the one set aside is kept, named in o. */
static void put_back(int parent, const char *aside, const char *name, const char *rel,
                     struct outcome *o)
{
    if (renameat2(parent, aside, parent, name, RENAME_NOREPLACE) == 0)
        return;
    if ((errno == EINVAL || errno == ENOSYS) && linkat(parent, aside, parent, name, 0) == 0) {
        unlinkat(parent, aside, 0);
        return;
    }
    keep(o, rel, aside);
}

/* Names the new entry tmp as name, which was free when checked: never over an entry made
 * there since. */
static int place_new(int parent, const char *tmp, const char *name, struct outcome *o)
{
    int r = renameat2(parent, tmp, parent, name, RENAME_NOREPLACE), e;
    if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
        r = linkat(parent, tmp, parent, name, 0);
        if (r == 0)
            unlinkat(parent, tmp, 0);
    }
    if (r == 0)
        return 0;
    e = errno;
    unlinkat(parent, tmp, 0);
    if (e != EEXIST)
        return -e;
    o->conflict = "made while apply ran";
    return 0;
}

/* The user's entry moved to aside (st: its stat there) is the one checked: a symlink goes now
 * (nothing writes into one), a file is settled later (o->m). */
static void moved_out(int parent, const char *aside, const struct stat *st, struct outcome *o)
{
    if (!S_ISREG(st->st_mode)) {
        unlinkat(parent, aside, 0);
        return;
    }
    o->moved = true;
    o->m.parent = fcntl(parent, F_DUPFD_CLOEXEC, 3);
    o->m.fd = -1;
    o->m.was = *st;
    snprintf(o->m.aside, sizeof o->m.aside, "%s", aside);
}

/* Where names cannot be exchanged: the entry checked is moved aside, compared, and the new one
 * linked in (link never replaces). For a moment neither is there. */
static int replace_aside(struct landing *l, const struct sbox_change *ch, int parent,
                         const char *name, const char *tmp, const struct stat *mine,
                         struct outcome *o)
{
    char aside[32];
    struct stat st;
    int e;
    if (temp_name(aside) < 0 || renameat(parent, name, parent, aside) < 0) {
        e = errno;
        unlinkat(parent, tmp, 0);
        if (e != ENOENT)
            return -e;
        o->conflict = "deleted while apply ran";
        return 0;
    }
    if (fstatat(parent, aside, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        !sbox_capture_is_checked(l->recs, l->slot, ch, parent, aside, &st, &l->checked_at)) {
        unlinkat(parent, tmp, 0);
        o->conflict = "changed while apply ran";
        put_back(parent, aside, name, ch->rel, o);
        return 0;
    }
    if (linkat(parent, tmp, parent, name, 0) < 0) {
        e = errno;
        unlinkat(parent, tmp, 0);
        if (e != EEXIST) {
            put_back(parent, aside, name, ch->rel, o);
            return -e;
        }
        /* Saved again since it was set aside: that version replaces the one checked. */
        unlinkat(parent, aside, 0);
        o->conflict = "changed while apply ran";
        return 0;
    }
    unlinkat(parent, tmp, 0);
    moved_out(parent, aside, &st, o);
    o->m.mine = *mine;
    return 0;
}

/* Puts the new entry tmp (mine: its stat) in the place of name, which the checks saw as
 * ch->real. The two are exchanged in one step, then what came out is compared with what was
 * checked: the user's editor may have saved it in between. If it is not the same, they are
 * exchanged back and the change is a conflict: nothing but sbox's own file or the very entry
 * checked is ever removed. */
static int replace(struct landing *l, const struct sbox_change *ch, int parent, const char *name,
                   const char *tmp, const struct stat *mine, struct outcome *o)
{
    struct stat st;
    if (l->no_exchange)
        return replace_aside(l, ch, parent, name, tmp, mine, o);
    if (renameat2(parent, tmp, parent, name, RENAME_EXCHANGE) < 0) {
        int e = errno;
        if (e == EINVAL || e == ENOSYS || e == EOPNOTSUPP) {
            l->no_exchange = o->fallback = true;
            return replace_aside(l, ch, parent, name, tmp, mine, o);
        }
        unlinkat(parent, tmp, 0);
        if (e != ENOENT)
            return -e;
        o->conflict = "deleted while apply ran";
        return 0;
    }
    if (fstatat(parent, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        sbox_capture_is_checked(l->recs, l->slot, ch, parent, tmp, &st, &l->checked_at)) {
        moved_out(parent, tmp, &st, o);
        o->m.mine = *mine;
        o->m.exchanged = true;
        return 0;
    }
    o->conflict = "changed while apply ran";
    if (renameat2(parent, tmp, parent, name, RENAME_EXCHANGE) < 0) {
        put_back(parent, tmp, name, ch->rel, o); /* name went meanwhile */
        return 0;
    }
    /* What came out now is sbox's own file, unless a version was saved between the two
     * exchanges (renamed in: it came out; or written into sbox's file while that stood in
     * place): such a version is kept. */
    if (is_mine(parent, tmp, mine))
        unlinkat(parent, tmp, 0);
    else
        keep(o, ch->rel, tmp);
    return 0;
}

/* Deletes the entry the checks saw as ch->real: a file or symlink is moved aside first and
 * compared, and put back if it was saved meanwhile; a directory goes only when empty. */
static int delete_checked(struct landing *l, const struct sbox_change *ch, int parent,
                          const char *name, struct outcome *o)
{
    _cleanup_close_ int fd = -1;
    char aside[32];
    struct stat st, open_st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (S_ISDIR(st.st_mode)) {
        if (unlinkat(parent, name, AT_REMOVEDIR) == 0)
            return 0;
        if (errno != ENOTEMPTY && errno != EEXIST)
            return -errno;
        if (S_ISDIR(ch->real.st_mode))
            o->kept_dir = true; /* it holds what was left out */
        else
            o->conflict = "replaced while apply ran";
        return 0;
    }
    if (temp_name(aside) < 0)
        return -errno;
    if (renameat(parent, name, parent, aside) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (fstatat(parent, aside, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        !sbox_capture_is_checked(l->recs, l->slot, ch, parent, aside, &st, &l->checked_at)) {
        o->conflict = "changed while apply ran";
        put_back(parent, aside, name, ch->rel, o);
        return 0;
    }
    if (!S_ISREG(st.st_mode))
        return unlinkat(parent, aside, 0) < 0 ? -errno : 0;
    /* Kept open, so that a write that found it just before it was moved can still be seen
     * (unlinking moves its change time: what it was is taken after). */
    fd = openat(parent, aside, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &open_st) < 0 || open_st.st_ino != st.st_ino) {
        o->conflict = "changed while apply ran";
        put_back(parent, aside, name, ch->rel, o);
        return 0;
    }
    if (unlinkat(parent, aside, 0) < 0)
        return -errno;
    o->moved = true;
    o->m = (struct moved){.parent = fcntl(parent, F_DUPFD_CLOEXEC, 3), .fd = steal_fd(&fd)};
    if (fstat(o->m.fd, &o->m.was) < 0 || o->m.was.st_size != st.st_size ||
        o->m.was.st_mtim.tv_sec != st.st_mtim.tv_sec ||
        o->m.was.st_mtim.tv_nsec != st.st_mtim.tv_nsec)
        o->m.was.st_nlink = (nlink_t)-1; /* written meanwhile: settled as such */
    return 0;
}

/* A directory made (mode set), or its mode changed: only the directory that was checked. */
static int write_dir(const struct sbox_change *ch, int parent, const char *name, struct outcome *o)
{
    _cleanup_close_ int dir = -1;
    struct stat st;
    mode_t taken, mode = landed_mode(ch, &taken);
    if (!ch->real_present && mkdirat(parent, name, 0700) < 0) {
        if (errno != EEXIST)
            return -errno;
        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
            o->conflict = "made while apply ran";
        return 0; /* made by someone else meanwhile: theirs, mode and all */
    }
    dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)) {
        o->conflict = "replaced while apply ran";
        return 0;
    }
    if (dir < 0 || fstat(dir, &st) < 0)
        return -errno;
    if (ch->real_present && st.st_ino != ch->real.st_ino) {
        o->conflict = "replaced while apply ran";
        return 0;
    }
    /* set-group-id stays (inherited from a shared directory, it is no privilege);
     * set-user-id means nothing on a directory. */
    return fchmod(dir, mode) < 0 ? -errno : 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The capture's file copied into an unnamed file in parent (or, without O_TMPFILE, one named
 * tmp: *named), with the mode it lands with and its modification time: its descriptor, or
 * -errno. The capture's file must be the one that was checked before and after the copy. */
static int copy_in(struct landing *l, const struct sbox_change *ch, int parent, const char *tmp,
                   bool *named, struct outcome *o)
{
    _cleanup_close_ int src = -1, dst = -1;
    struct timespec times[2];
    struct stat st, end;
    mode_t taken, mode = landed_mode(ch, &taken);
    src = sys_openat2(l->upper, ch->rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, BENEATH);
    if (src < 0 || fstat(src, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    if (!same_file(&st, &ch->now)) {
        o->altered = "changed in the capture while apply ran";
        return 0;
    }
    *named = false;
    dst = openat(parent, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (dst < 0) {
        /* A file system without O_TMPFILE: a named temporary file. */
        dst = openat(parent, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (dst < 0)
            return -errno;
        *named = true;
    }
    times[0] = st.st_atim;
    times[1] = st.st_mtim;
    /* The file's time as the build left it: make and its kind compare times. */
    if (copy_file(src, dst, st.st_size) < 0 || fchmod(dst, mode) < 0 || futimens(dst, times) < 0 ||
        fstat(src, &end) < 0) {
        int e = errno;
        if (*named)
            unlinkat(parent, tmp, 0);
        return -e;
    }
    if (!same_file(&end, &st)) {
        if (*named)
            unlinkat(parent, tmp, 0);
        o->altered = "changed in the capture while apply ran";
        return 0;
    }
    return steal_fd(&dst);
}

/* Writes one change into the directory; -errno on failure, o says how it went otherwise.
 * Nothing is removed that the change list did not name (a deletion comes before what takes
 * its place), nor anything but what the checks saw there. A file is written unnamed
 * (O_TMPFILE) and linked in, so a sbox killed meanwhile leaves nothing; a file or symlink that
 * replaces one is made under a temporary name and exchanged with it, so a reader never sees
 * half a file and a symlink in the way is replaced, not followed. */
static int write_change(struct landing *l, const struct sbox_change *ch, struct outcome *o)
{
    _cleanup_close_ int parent = -1, dst = -1;
    const char *name;
    char tmp[32], proc[64];
    struct stat st;
    bool named = false;
    memset(o, 0, sizeof *o);
    o->m.parent = o->m.fd = -1;
    parent = open_parent(l->real, ch->rel, &name);
    if (parent < 0)
        return -errno;
    if (ch->kind == SBOX_DELETED)
        return delete_checked(l, ch, parent, name, o);
    if (S_ISDIR(ch->now.st_mode))
        return write_dir(ch, parent, name, o);
    if (temp_name(tmp) < 0)
        return -errno;
    if (S_ISLNK(ch->now.st_mode)) {
        if (symlinkat(ch->target, parent, tmp) < 0)
            return -errno;
    } else {
        dst = copy_in(l, ch, parent, tmp, &named, o);
        if (dst < 0)
            return dst;
        if (o->altered)
            return 0;
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", dst);
        /* A new file takes its name at once, and only if it is still free. */
        if (!named && !ch->real_present) {
            if (linkat(AT_FDCWD, proc, parent, name, AT_SYMLINK_FOLLOW) == 0)
                return 0;
            if (errno != EEXIST)
                return -errno;
            o->conflict = "made while apply ran";
            return 0;
        }
        if (!named && linkat(AT_FDCWD, proc, parent, tmp, AT_SYMLINK_FOLLOW) < 0)
            return -errno;
    }
    if (!ch->real_present)
        return place_new(parent, tmp, name, o);
    if (fstatat(parent, tmp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        int e = errno;
        unlinkat(parent, tmp, 0);
        return -e;
    }
    return replace(l, ch, parent, name, tmp, &st, o);
}

/* ---- settling what was moved out --------------------------------------------------------- */

/* How long a moved file is watched for a write that found it before it moved: far longer than
 * an open(2) takes from its lookup to its truncation, even on a busy machine (where a process
 * may wait some milliseconds for a processor). */
#define SETTLE_NS 50000000L

/* Its inode, size and times as they were: nothing wrote into it. */
static bool untouched(const struct stat *now, const struct stat *was)
{
    return now->st_ino == was->st_ino && now->st_nlink == was->st_nlink &&
           now->st_size == was->st_size && now->st_mtim.tv_sec == was->st_mtim.tv_sec &&
           now->st_mtim.tv_nsec == was->st_mtim.tv_nsec &&
           now->st_ctim.tv_sec == was->st_ctim.tv_sec &&
           now->st_ctim.tv_nsec == was->st_ctim.tv_nsec;
}

/* A deleted file written after it was moved out: its bytes as a file at its name again (its
 * directories made again if they went since), or, when a file is there now, beside it. */
static void restore_copy(struct landing *l, const struct sbox_change *ch, struct moved *m,
                         struct outcome *o)
{
    _cleanup_close_ int parent = -1, dst = -1;
    const char *name;
    char proc[64], kept[32];
    struct stat st;
    struct timespec times[2];
    parent = open_parent(l->real, ch->rel, &name);
    if (parent < 0 && strchr(ch->rel, '/')) {
        _cleanup_free_ char *dir =
            sbox_xstrndup(ch->rel, (size_t)(strrchr(ch->rel, '/') - ch->rel));
        if (sbox_mkdirs_beneath(l->real, dir) == 0)
            parent = open_parent(l->real, ch->rel, &name);
    }
    if (parent < 0 || fstat(m->fd, &st) < 0)
        return;
    dst = openat(parent, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    times[0] = st.st_atim;
    times[1] = st.st_mtim;
    if (dst < 0 || copy_file(m->fd, dst, st.st_size) < 0 || fchmod(dst, st.st_mode & 0777) < 0 ||
        futimens(dst, times) < 0)
        return;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", dst);
    if (linkat(AT_FDCWD, proc, parent, name, AT_SYMLINK_FOLLOW) == 0)
        return;
    if (temp_name(kept) == 0 && linkat(AT_FDCWD, proc, parent, kept, AT_SYMLINK_FOLLOW) == 0)
        keep(o, ch->rel, kept);
}

/* The fate of a moved file once no save can be on its way to it any more: gone, when nothing
 * wrote into it since it was compared; put back in its place otherwise (what took its place
 * coming out), and the change is a conflict. */
static void settle_moved(struct landing *l, const struct sbox_change *ch, struct moved *m,
                         struct outcome *o)
{
    const char *slash = strrchr(ch->rel, '/');
    const char *name = slash ? slash + 1 : ch->rel;
    struct stat now;
    if (m->fd >= 0) {
        if (fstat(m->fd, &now) < 0 || !untouched(&now, &m->was)) {
            o->conflict = "changed while apply ran";
            restore_copy(l, ch, m, o);
        }
    } else if (fstatat(m->parent, m->aside, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
               untouched(&now, &m->was)) {
        unlinkat(m->parent, m->aside, 0);
    } else {
        /* Written into after it was moved out: it goes back in its place, but only over sbox's
         * own file as sbox wrote it; a version saved there since stays, and this one is kept
         * beside it. */
        o->conflict = "changed while apply ran";
        if (!m->exchanged || !is_mine(m->parent, name, &m->mine) ||
            renameat2(m->parent, m->aside, m->parent, name, RENAME_EXCHANGE) < 0)
            keep(o, ch->rel, m->aside);
        else if (is_mine(m->parent, m->aside, &m->mine))
            unlinkat(m->parent, m->aside, 0);
        else {
            /* Saved over sbox's file just before: that version goes back in place. */
            (void)renameat2(m->parent, m->aside, m->parent, name, RENAME_EXCHANGE);
            keep(o, ch->rel, m->aside);
        }
    }
    sbox_closep(&m->fd);
    sbox_closep(&m->parent);
}

/* Why the change cannot land whole, or NULL: what must go first (the deletion at the same path,
 * or the contents of a directory that becomes something else) is left out. Found before
 * anything is written, so a failed apply changes nothing. */
static const char *blocked(const struct sbox_changes *c, size_t i)
{
    const struct sbox_change *ch = &c->v[i];
    if (!ch->selected || ch->kind == SBOX_DELETED)
        return NULL;
    for (size_t k = i; k-- > 0 && c->v[k].kind == SBOX_DELETED &&
                       sbox_capture_names_or_holds(ch->rel, c->v[k].rel);) {
        if (c->v[k].selected)
            continue;
        if (strcmp(c->v[k].rel, ch->rel) == 0)
            return "what it replaces is left out";
        if (!S_ISDIR(ch->now.st_mode))
            return "the directory it replaces holds paths that are left out";
    }
    return NULL;
}

/* ---- opening ----------------------------------------------------------------------------- */

void sbox_apply_free(struct sbox_apply *a)
{
    for (size_t i = 0; a->dirs && i < a->cap.n_dirs; i++) {
        sbox_changes_free(&a->dirs[i].ch);
        sbox_closep(&a->dirs[i].real);
        sbox_closep(&a->dirs[i].upper);
    }
    free(a->dirs);
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i].why);
    free(a->v);
    sbox_capture_records_free(&a->recs);
    sbox_closep(&a->lock);
    sbox_capture_free(&a->cap);
    memset(a, 0, sizeof *a);
    a->lock = -1;
}

/* sbox never captures / or a directory holding the home: a capture that names one was not made
 * by it. */
static int check_dirs(const struct sbox_apply *a, const char *home, FILE *msg)
{
    char buf[PATH_MAX * 4];
    for (size_t i = 0; i < a->cap.n_dirs; i++)
        if (strcmp(a->cap.dirs[i].path, "/") == 0 ||
            (home && sbox_path_is_under(home, a->cap.dirs[i].path))) {
            fprintf(msg,
                    "sbox: apply: capture %s names `%s`, your home or a directory holding it: "
                    "refused\n",
                    a->cap.id, sbox_text_shown(a->cap.dirs[i].path, buf, sizeof buf));
            return 125;
        }
    return 0;
}

/* Each directory's changes, all of them readable, and those paths choose marked. */
static int read_changes(struct sbox_apply *a, char *const *paths, const char *cwd, FILE *msg)
{
    struct sbox_error err = {0};
    _cleanup_free_ bool *used = calloc(sbox_strv_len(paths) + 1, sizeof *used);
    const char *here = sbox_capture_cwd_in(&a->cap, cwd);
    char buf[PATH_MAX * 4];
    for (size_t i = 0; i < a->cap.n_dirs; i++) {
        struct sbox_apply_dir *d = &a->dirs[i];
        if (sbox_capture_changes(&a->cap, &a->cap.dirs[i], &d->ch, &d->upper, &d->real, &err) < 0) {
            fprintf(msg, "sbox: apply: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
            return 125;
        }
        if (d->ch.error) {
            fprintf(msg, "sbox: apply: `%s` cannot be read in capture %s: %s\n",
                    sbox_text_shown(d->ch.error_at, buf, sizeof buf), a->cap.id,
                    strerror(d->ch.error));
            return 125;
        }
        sbox_capture_choose(&a->cap.dirs[i], &d->ch, paths, here, used);
    }
    return sbox_capture_check_paths(&a->cap, paths, here, used, msg);
}

int sbox_apply_open(struct sbox_apply *a, const char *store, const char *id, char *const *paths,
                    const char *cwd, const char *home, FILE *msg)
{
    struct sbox_error err = {0};
    char buf[PATH_MAX * 4];
    int holder, status;
    bool run;

    memset(a, 0, sizeof *a);
    a->lock = -1;
    sbox_capture_raise_nofile();
    if (sbox_capture_find(store, id, &a->cap, &err) < 0) {
        fprintf(msg, "sbox: apply: %s\n", sbox_text_shown(err.msg, buf, sizeof buf));
        return 125;
    }
    if (a->cap.damaged) {
        fprintf(msg, "sbox: apply: capture %s cannot be applied: %s (sbox discard %s removes it)\n",
                a->cap.id, a->cap.damaged, a->cap.id);
        sbox_apply_free(a);
        return 125;
    }
    holder = sbox_capture_hold(&a->cap, &a->lock, &run);
    if (holder > 0)
        fprintf(msg, "sbox: apply: capture %s is in use (sbox pid %d): %s\n", a->cap.id, holder,
                run ? "its run is still going; apply it once the run has ended"
                    : "another sbox applies or discards it");
    else if (holder == 0)
        fprintf(msg, "sbox: apply: capture %s is in use by another sbox\n", a->cap.id);
    if (holder >= 0) {
        sbox_apply_free(a);
        return 125;
    }
    status = check_dirs(a, home, msg);
    if (status == 0) {
        sbox_capture_load_records(&a->cap, &a->recs);
        if (a->recs.error) {
            fprintf(msg,
                    "sbox: apply: capture %s cannot be applied: %s (sbox discard %s removes "
                    "it)\n",
                    a->cap.id, a->recs.error, a->cap.id);
            sbox_apply_free(a);
            return 125;
        }
        a->dirs = sbox_xmalloc((a->cap.n_dirs + 1) * sizeof *a->dirs);
        for (size_t i = 0; i < a->cap.n_dirs; i++)
            a->dirs[i] = (struct sbox_apply_dir){.upper = -1, .real = -1};
        status = read_changes(a, paths, cwd, msg);
    }
    if (status)
        sbox_apply_free(a);
    return status;
}

/* ---- verdicts ---------------------------------------------------------------------------- */

static struct sbox_apply_verdict *verdict_on(const struct sbox_apply *a, size_t i, size_t k)
{
    return &a->v[a->dirs[i].first + k];
}

static size_t count_verdicts(const struct sbox_apply *a, enum sbox_verdict verdict)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        n += a->v[i].verdict == verdict;
    return n;
}

/* A chosen change that will not be written: the others are checked as the directory will be
 * without it (the symlinks' ways, what must go first). */
static void leave_out(struct sbox_apply_verdict *v, enum sbox_verdict verdict, char *why)
{
    v->verdict = verdict;
    v->why = why;
    v->change->selected = false;
}

/* What is left out, and why, one line each: denied and refused paths, then what lies in a new
 * directory left out, which cannot land either. */
static void judge_left_out(struct sbox_apply *a, size_t i, bool include_denied, FILE *msg)
{
    const struct sbox_changes *c = &a->dirs[i].ch;
    char buf[PATH_MAX * 4], why[PATH_MAX * 4];
    const char *altered;
    for (size_t k = 0; k < c->n; k++) {
        struct sbox_apply_verdict *v = verdict_on(a, i, k);
        if (!v->change->selected)
            continue;
        if (v->change->denied && !include_denied) {
            sbox_capture_deny_text(v->change, why, sizeof why);
            fprintf(msg, "sbox: apply: left out %s: %s (--include-denied applies it)\n",
                    sbox_text_shown(v->change->rel, buf, sizeof buf), why);
            leave_out(v, SBOX_VERDICT_DENIED, sbox_xstrdup(why));
        } else if (v->change->refused) {
            fprintf(msg, "sbox: apply: refused %s: %s\n",
                    sbox_text_shown(v->change->rel, buf, sizeof buf), v->change->refused);
            leave_out(v, SBOX_VERDICT_REFUSED, sbox_xstrdup(v->change->refused));
        } else if ((altered = sbox_capture_altered(&a->recs, a->cap.dirs[i].slot, v->change,
                                                   a->dirs[i].upper))) {
            /* Not what a review of the ended run could have seen. */
            fprintf(msg, "sbox: apply: refused %s: %s\n",
                    sbox_text_shown(v->change->rel, buf, sizeof buf), altered);
            leave_out(v, SBOX_VERDICT_REFUSED, sbox_xstrdup(altered));
        }
    }
    for (size_t k = 0; k < c->n; k++) {
        const struct sbox_change *p = &c->v[k];
        if (p->selected || p->kind == SBOX_DELETED || !S_ISDIR(p->now.st_mode) ||
            (p->real_present && S_ISDIR(p->real.st_mode)))
            continue;
        for (size_t j = k + 1; j < c->n && sbox_capture_names_or_holds(p->rel, c->v[j].rel); j++)
            if (c->v[j].selected && c->v[j].kind != SBOX_DELETED) {
                fprintf(msg, "sbox: apply: left out %s: its directory is left out\n",
                        sbox_text_shown(c->v[j].rel, buf, sizeof buf));
                leave_out(verdict_on(a, i, j), SBOX_VERDICT_DENIED,
                          sbox_xstrdup("its directory is left out"));
            }
    }
}

/* Symlinks as apply will leave the directory: what they lead through may be left out.
 * Leaving one out can change another's way, so until nothing changes. */
static void judge_links(struct sbox_apply *a, FILE *msg)
{
    static const char out[] =
        "a symlink that would lead out of the directory through what is left out";
    char buf[PATH_MAX * 4];
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < a->cap.n_dirs; i++)
            for (size_t k = 0; k < a->dirs[i].ch.n; k++) {
                struct sbox_apply_dir *d = &a->dirs[i];
                struct sbox_change *ch = &d->ch.v[k];
                if (!ch->selected || ch->kind == SBOX_DELETED || !S_ISLNK(ch->now.st_mode) ||
                    sbox_changes_link_lands_inside(&d->ch, k, d->upper, d->real))
                    continue;
                fprintf(msg, "sbox: apply: refused %s: %s\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf), out);
                leave_out(verdict_on(a, i, k), SBOX_VERDICT_REFUSED, sbox_xstrdup(out));
                again = true;
            }
    }
}

/* Whether each change that lands can land whole, and has not changed since the run: a change
 * that cannot, or a conflict, stops everything. Such a change stays chosen: what comes after
 * it is judged as if it landed. Then whether the directory has room for the files. */
static void judge_landing(struct sbox_apply *a, size_t i, const char *home, FILE *msg)
{
    struct sbox_apply_dir *d = &a->dirs[i];
    const struct sbox_capture_dir *cd = &a->cap.dirs[i];
    char buf[PATH_MAX * 4], where[PATH_MAX * 4];
    unsigned long long need = 0;
    struct statvfs fs;
    for (size_t k = 0; k < d->ch.n; k++) {
        struct sbox_apply_verdict *v = verdict_on(a, i, k);
        const struct sbox_change *ch = v->change;
        const char *w;
        if (!ch->selected)
            continue;
        if (ch->kind != SBOX_DELETED && S_ISREG(ch->now.st_mode)) {
            /* What apply will read, read now: a failure halfway would leave half. */
            int fd = sys_openat2(d->upper, ch->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, BENEATH);
            if (fd < 0) {
                v->why = sbox_xasprintf("the capture's copy cannot be read (%s)", strerror(errno));
                v->verdict = SBOX_VERDICT_BLOCKED;
                fprintf(msg, "sbox: apply: %s cannot land: %s\n",
                        sbox_text_shown(ch->rel, buf, sizeof buf), v->why);
                continue;
            }
            close(fd);
            need += (unsigned long long)ch->now.st_blocks * 512;
        }
        if ((w = blocked(&d->ch, k))) {
            fprintf(msg, "sbox: apply: %s cannot land: %s\n",
                    sbox_text_shown(ch->rel, buf, sizeof buf), w);
            v->verdict = SBOX_VERDICT_BLOCKED;
            v->why = sbox_xstrdup(w);
        } else if ((w = sbox_capture_conflict(&a->cap, &a->recs, cd->slot, ch, d->real))) {
            _cleanup_free_ char *t = sbox_text_tilde(cd->path, home);
            fprintf(msg, "sbox: apply: conflict: %s in %s was %s\n",
                    sbox_text_shown(ch->rel, buf, sizeof buf),
                    sbox_text_shown(t, where, sizeof where), w);
            v->verdict = SBOX_VERDICT_CONFLICT;
            v->why = sbox_xstrdup(w);
        }
    }
    if (fstatvfs(d->real, &fs) == 0 &&
        need > (unsigned long long)fs.f_bavail * (unsigned long long)fs.f_frsize) {
        _cleanup_free_ char *t = sbox_text_tilde(cd->path, home);
        fprintf(msg, "sbox: apply: the files need %llu MiB, and %s has %llu MiB free\n", need >> 20,
                sbox_text_shown(t, where, sizeof where),
                ((unsigned long long)fs.f_bavail * fs.f_frsize) >> 20);
        a->short_of_space++;
    }
}

int sbox_apply_judge(struct sbox_apply *a, bool include_denied, const char *home, FILE *msg)
{
    size_t conflicts, blocks, total = 0;
    for (size_t i = 0; i < a->cap.n_dirs; i++)
        total += a->dirs[i].ch.n;
    a->v = sbox_xmalloc((total + 1) * sizeof *a->v);
    for (size_t i = 0; i < a->cap.n_dirs; i++) {
        a->dirs[i].first = a->n;
        for (size_t k = 0; k < a->dirs[i].ch.n; k++) {
            struct sbox_change *ch = &a->dirs[i].ch.v[k];
            a->v[a->n++] = (struct sbox_apply_verdict){
                .dir = i,
                .change = ch,
                .verdict = ch->selected ? SBOX_VERDICT_LANDS : SBOX_VERDICT_UNCHOSEN,
            };
        }
    }
    for (size_t i = 0; i < a->cap.n_dirs; i++)
        judge_left_out(a, i, include_denied, msg);
    judge_links(a, msg);
    for (size_t i = 0; i < a->cap.n_dirs; i++)
        judge_landing(a, i, home, msg);

    conflicts = count_verdicts(a, SBOX_VERDICT_CONFLICT);
    blocks = count_verdicts(a, SBOX_VERDICT_BLOCKED) + a->short_of_space;
    if (conflicts)
        fprintf(msg,
                "sbox: apply: nothing applied: %zu %s changed since the run%s (apply other "
                "paths by name, or run the build again)\n",
                conflicts, sbox_text_plural(conflicts, "path", "paths"),
                blocks ? ", and changes that cannot land whole" : "");
    else if (blocks)
        fprintf(msg,
                "sbox: apply: nothing applied: %zu %s cannot land whole (apply other paths "
                "by name)\n",
                blocks, sbox_text_plural(blocks, "change", "changes"));
    return conflicts || blocks ? 1 : 0;
}

/* ---- landing ----------------------------------------------------------------------------- */

/* Names (shown, at most NAMED_MAX) and a count, for one line about many paths. */
#define NAMED_MAX 10

struct named {
    unsigned long n;
    char *text;
    size_t len;
    FILE *f;
};

static void named_add(struct named *l, const char *rel, bool dir)
{
    char buf[PATH_MAX * 4];
    if (!l->f)
        l->f = open_memstream(&l->text, &l->len);
    if (l->n++ < NAMED_MAX)
        fprintf(l->f, "%s%s%s", l->n > 1 ? ", " : "", sbox_text_shown(rel, buf, sizeof buf),
                dir ? "/" : "");
}

static void named_print(struct named *l, FILE *msg, const char *what)
{
    if (!l->f)
        return;
    fclose(l->f);
    if (l->n)
        fprintf(msg, "sbox: apply: %s %lu %s: %s%s\n", what, l->n,
                sbox_text_plural(l->n, "path", "paths"), l->text, l->n > NAMED_MAX ? ", ..." : "");
    free(l->text);
    memset(l, 0, sizeof *l);
}

/* What a change does to modes, said as it lands (or, under --dry-run, would): a file made
 * executable, a new executable file, write bits that do not land. */
static void note_modes(const struct sbox_change *ch, bool dry_run, struct named *taken_from,
                       FILE *msg)
{
    char buf[PATH_MAX * 4];
    mode_t taken;
    landed_mode(ch, &taken);
    if (taken)
        named_add(taken_from, ch->rel, S_ISDIR(ch->now.st_mode));
    if (!gained_exec(ch))
        return;
    sbox_text_shown(ch->rel, buf, sizeof buf);
    if (ch->real_present && S_ISREG(ch->real.st_mode))
        fprintf(msg, "sbox: apply: %s executable: %s\n", dry_run ? "would make" : "made", buf);
    else
        fprintf(msg, "sbox: apply: new executable: %s\n", buf);
}

/* --dry-run: the changes that land, as sbox diff --stat lines, and what they do to modes. */
static void list_landing(const struct sbox_apply *a, FILE *out, FILE *msg)
{
    struct named taken = {0};
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].verdict == SBOX_VERDICT_LANDS) {
            sbox_capture_stat_line(out, a->v[i].change);
            if (a->v[i].change->kind != SBOX_DELETED)
                note_modes(a->v[i].change, true, &taken, msg);
        }
    named_print(&taken, msg, "would take write for group or others (or the sticky bit) off");
}

/* The first of the signals in stop that is pending, or 0. */
static int pending_stop(const sigset_t *stop)
{
    sigset_t pending;
    sigpending(&pending);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(stop, sig) && sigismember(&pending, sig))
            return sig;
    return 0;
}

/* A change written whose file moved out is not settled yet. */
struct unsettled {
    const struct sbox_apply_verdict *v;
    struct moved m;
    struct timespec at;
};

/* What land does and did. */
struct land {
    const struct sbox_apply *a;
    struct landing *dirs;
    const char *home;
    FILE *msg;
    struct named taken;
    unsigned long applied, added, modified, deleted, modes, kept_dirs, late;
    struct unsettled *q; /* oldest first, from q[head] */
    size_t head, n, cap;
    size_t max;       /* the most unsettled at once: each holds two descriptors */
    const char *skip; /* the last path left as it is, in skip_dir */
    size_t skip_dir;
};

/* One change whose write did not go as planned: its lines. */
static void note_outcome(struct land *l, const struct sbox_apply_verdict *v,
                         const struct outcome *o)
{
    char buf[PATH_MAX * 4], where[PATH_MAX * 4], kept[PATH_MAX * 4];
    _cleanup_free_ char *t = sbox_text_tilde(l->a->cap.dirs[v->dir].path, l->home);
    sbox_text_shown(v->change->rel, buf, sizeof buf);
    if (o->fallback)
        fprintf(l->msg,
                "sbox: apply: %s cannot exchange two names (RENAME_EXCHANGE): a file replaced "
                "there is moved aside, compared, then the new one linked in (for a moment "
                "neither is there)\n",
                sbox_text_shown(t, where, sizeof where));
    if (o->altered)
        fprintf(l->msg, "sbox: apply: refused %s: %s\n", buf, o->altered);
    if (o->conflict)
        fprintf(l->msg, "sbox: apply: conflict: %s in %s was %s: left as it is\n", buf,
                sbox_text_shown(t, where, sizeof where), o->conflict);
    if (o->kept[0])
        fprintf(l->msg,
                "sbox: apply: another version of %s, saved while apply ran, is kept as %s\n", buf,
                sbox_text_shown(o->kept, kept, sizeof kept));
}

/* A change landed: counted, and what it did to modes said. */
static void landed(struct land *l, const struct sbox_change *ch)
{
    mode_t taken, mode = landed_mode(ch, &taken);
    if (ch->kind != SBOX_DELETED)
        note_modes(ch, false, &l->taken, l->msg);
    l->applied++;
    l->added += ch->kind == SBOX_ADDED;
    l->modified += ch->kind == SBOX_MODIFIED;
    l->deleted += ch->kind == SBOX_DELETED;
    l->modes += ch->kind == SBOX_MODIFIED &&
                (ch->real.st_mode & S_IFMT) == (ch->now.st_mode & S_IFMT) &&
                (ch->real.st_mode & 07777) != mode;
}

/* A change left as it is: what needs it, or lies in it, is left too. */
static void late(struct land *l, const struct sbox_apply_verdict *v)
{
    l->late++;
    l->skip = v->change->rel;
    l->skip_dir = v->dir;
}

static long ns_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t->tv_sec) * 1000000000L + (now.tv_nsec - t->tv_nsec);
}

/* Settles the moved files that have been watched long enough (all of them when all is set,
 * waiting for the last ones), or the oldest when too many are open. */
static void settle(struct land *l, bool all)
{
    while (l->n) {
        struct unsettled *u = &l->q[l->head];
        struct outcome o = {0};
        long age = ns_since(&u->at);
        if (age < SETTLE_NS) {
            if (!all && l->n < l->max)
                return;
            nanosleep(&(struct timespec){.tv_nsec = SETTLE_NS - age}, NULL);
        }
        settle_moved(&l->dirs[u->v->dir], u->v->change, &u->m, &o);
        note_outcome(l, u->v, &o);
        if (o.conflict)
            late(l, u->v);
        else
            landed(l, u->v->change);
        l->head++;
        l->n--;
    }
    l->head = 0;
}

static void unsettled_push(struct land *l, const struct sbox_apply_verdict *v,
                           const struct moved *m)
{
    if (l->head + l->n == l->cap) {
        if (l->head) {
            memmove(l->q, l->q + l->head, l->n * sizeof *l->q);
            l->head = 0;
        } else {
            l->cap = l->cap ? 2 * l->cap : 64;
            l->q = sbox_xrealloc(l->q, l->cap * sizeof *l->q);
        }
    }
    l->q[l->head + l->n] = (struct unsettled){.v = v, .m = *m};
    clock_gettime(CLOCK_MONOTONIC, &l->q[l->head + l->n].at);
    l->n++;
}

/* The last line: what was done. */
static void summary(struct land *l)
{
    size_t denied = count_verdicts(l->a, SBOX_VERDICT_DENIED);
    size_t refused = count_verdicts(l->a, SBOX_VERDICT_REFUSED);
    FILE *msg = l->msg;
    named_print(&l->taken, msg, "took write for group or others (or the sticky bit) off");
    fprintf(msg, "sbox: applied %lu %s from capture %s (%lu added, %lu modified, %lu deleted",
            l->applied, sbox_text_plural(l->applied, "change", "changes"), l->a->cap.id, l->added,
            l->modified, l->deleted);
    if (l->modes)
        fprintf(msg, "; %lu %s", l->modes,
                sbox_text_plural(l->modes, "mode changed", "modes changed"));
    fputc(')', msg);
    if (denied || refused)
        fprintf(msg, "; left out %zu denied, %zu refused", denied, refused);
    if (l->late)
        fprintf(msg, "; %lu %s while it wrote, left as %s", l->late,
                sbox_text_plural(l->late, "path changed", "paths changed"),
                sbox_text_plural(l->late, "it is", "they are"));
    if (l->kept_dirs)
        fprintf(msg, "; %lu %s kept, holding what was left out", l->kept_dirs,
                sbox_text_plural(l->kept_dirs, "directory", "directories"));
    fputc('\n', msg);
}

int sbox_apply_land(const struct sbox_apply *a, const struct timespec *checked_at, const char *home,
                    FILE *msg)
{
    struct land l = {.a = a, .home = home, .msg = msg};
    const struct sbox_apply_verdict *failed = NULL;
    char buf[PATH_MAX * 4];
    sigset_t stop, old_mask;
    int status = count_verdicts(a, SBOX_VERDICT_REFUSED) ? 1 : 0, sig = 0, r = 0;
    struct rlimit rl;

    l.max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 256 ? (rl.rlim_cur - 128) / 2 : 64;
    if (l.max > 8192)
        l.max = 8192;
    l.dirs = sbox_xmalloc((a->cap.n_dirs + 1) * sizeof *l.dirs);
    for (size_t i = 0; i < a->cap.n_dirs; i++)
        l.dirs[i] = (struct landing){.real = a->dirs[i].real,
                                     .upper = a->dirs[i].upper,
                                     .recs = &a->recs,
                                     .slot = a->cap.dirs[i].slot,
                                     .checked_at = *checked_at};
    /* ^C and the like end the apply between two changes, never inside one (which would leave
     * a temporary file behind): each change lands whole or not at all. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    sigaddset(&stop, SIGQUIT);
    sigprocmask(SIG_BLOCK, &stop, &old_mask);
    for (size_t i = 0; i < a->n; i++) {
        const struct sbox_apply_verdict *v = &a->v[i];
        struct outcome o;
        if (v->verdict != SBOX_VERDICT_LANDS)
            continue;
        if (l.skip && l.skip_dir == v->dir &&
            (sbox_capture_names_or_holds(l.skip, v->change->rel) ||
             sbox_capture_names_or_holds(v->change->rel, l.skip)))
            continue;
        if ((sig = pending_stop(&stop)))
            break;
        r = write_change(&l.dirs[v->dir], v->change, &o);
        if (r < 0) {
            failed = v;
            break;
        }
        note_outcome(&l, v, &o);
        if (o.conflict || o.altered)
            late(&l, v);
        else if (o.kept_dir)
            l.kept_dirs++;
        else if (o.moved)
            unsettled_push(&l, v, &o.m);
        else
            landed(&l, v->change);
        settle(&l, false);
    }
    settle(&l, true);
    if (sig) {
        fprintf(msg, "sbox: apply: interrupted after %lu changes; run it again to land the rest\n",
                l.applied);
        status = 128 + sig;
    } else if (failed) {
        fprintf(msg, "sbox: apply: %s: %s; stopped after %lu changes\n",
                sbox_text_shown(failed->change->rel, buf, sizeof buf), strerror(-r), l.applied);
        status = 1;
    } else {
        summary(&l);
    }
    if (l.late)
        status = 1;
    named_print(&l.taken, msg, "took write for group or others (or the sticky bit) off");
    free(l.q);
    free(l.dirs);
    /* A signal held back ends sbox now, as it would have (the status says so too). */
    fflush(msg);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    return status;
}

/* ID/applied: when, and how many changes were left out. */
static void mark_applied(const struct sbox_apply *a)
{
    _cleanup_free_ char *path = sbox_xasprintf("%s/applied", a->cap.path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    dprintf(fd, "applied %lld\nleft-out %zu\n", (long long)time(NULL),
            count_verdicts(a, SBOX_VERDICT_DENIED) + count_verdicts(a, SBOX_VERDICT_REFUSED));
    close(fd);
}

int sbox_capture_apply(const char *store, const char *id, bool include_denied, bool dry_run,
                       char *const *paths, const char *cwd, const char *home, FILE *out)
{
    struct sbox_apply a;
    struct timespec checked_at;
    int status;
    /* Before anything is read: what is written after it is told by its time. */
    clock_gettime(CLOCK_REALTIME, &checked_at);
    status = sbox_apply_open(&a, store, id, paths, cwd, home, stderr);
    if (status)
        return status;
    status = sbox_apply_judge(&a, include_denied, home, stderr);
    if (status == 0 && dry_run) {
        list_landing(&a, out, stderr);
        status = count_verdicts(&a, SBOX_VERDICT_REFUSED) ? 1 : 0;
    } else if (status == 0) {
        status = sbox_apply_land(&a, &checked_at, home, stderr);
        /* Landed whole (no PATH chose a part): capture-on starts a new capture after it, and
         * sbox discard --applied may take it. */
        if (status == 0 && !paths)
            mark_applied(&a);
    }
    sbox_apply_free(&a);
    return status;
}
