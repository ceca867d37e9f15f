/* keptns.c: the kept user namespace: found and checked for a run, and its keeper (made in the
 * background, served over a socket in a directory of the caller's, ended after its idle time).
 * Never hands a run a namespace it has not checked as its own, and the keeper never holds a
 * descriptor, a terminal or a session of the run that started it. */
#include "keptns.h"
#include "cleanup.h"
#include "files.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SOCKET_NAME "userns"
#define LOCK_NAME "userns.lock"

char *sbox_keptns_dir(void)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    if (run && run[0] == '/' && stat(run, &st) == 0 && S_ISDIR(st.st_mode))
        return sbox_xasprintf("%s/sbox", run);
    return sbox_xasprintf("/tmp/sbox-%u", (unsigned)getuid());
}

/* The directory, as an O_PATH descriptor, when it is the caller's alone: a directory (not a
 * symlink) owned by the caller, with no access for group or others. make: created first. */
static int open_dir(bool make)
{
    _cleanup_free_ char *dir = sbox_keptns_dir();
    struct stat st;
    int fd;
    if (make && mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || st.st_uid != getuid() || (st.st_mode & 077)) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

struct extent {
    uint64_t in, out, count;
};

static int by_inside(const void *a, const void *b)
{
    const struct extent *x = a, *y = b;
    return x->in < y->in ? -1 : x->in > y->in;
}

/* The map newuidmap (newgidmap) writes for own and the ranges: what sbox_idmap_helper_argv
 * says, as extents sorted by their inside ids. */
static size_t expected(uint32_t own, const struct sbox_idrange *r, size_t n, struct extent *out)
{
    uint64_t inside = 1;
    size_t k = 0;
    out[k++] = (struct extent){0, own, 1};
    for (size_t i = 0; i < n && inside < UINT32_MAX; i++) {
        uint64_t count = r[i].count;
        if (inside + count > UINT32_MAX)
            count = UINT32_MAX - inside;
        out[k++] = (struct extent){inside, r[i].start, count};
        inside += count;
    }
    qsort(out, k, sizeof *out, by_inside);
    return k;
}

/* Whether text (a /proc/PID/uid_map as sbox's namespace reads it) is exactly the map want. */
static bool map_is(const char *text, const struct extent *want, size_t n)
{
    struct extent got[SBOX_IDMAP_MAX_RANGES + 1];
    size_t k = 0;
    for (const char *line = text; line && *line;) {
        unsigned long long in, out, count;
        if (sscanf(line, "%llu %llu %llu", &in, &out, &count) != 3 || k == n)
            return false;
        got[k++] = (struct extent){in, out, count};
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    if (k != n)
        return false;
    qsort(got, k, sizeof *got, by_inside);
    return memcmp(got, want, n * sizeof *want) == 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The namespace fd was checked as a user namespace whose parent is sbox's and whose owner is
 * uid. */
static const char *check_userns(int fd, uid_t uid)
{
    _cleanup_close_ int parent = -1;
    struct stat got, mine;
    uid_t owner;
    if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWUSER)
        return "it sent something other than a user namespace";
    if (ioctl(fd, NS_GET_OWNER_UID, &owner) < 0 || owner != uid)
        return "its namespace is not yours";
    parent = ioctl(fd, NS_GET_PARENT);
    if (parent < 0 || fstat(parent, &got) < 0 || stat("/proc/self/ns/user", &mine) < 0 ||
        !same_file(&got, &mine))
        return "its namespace is not a child of sbox's own";
    return NULL;
}

/* Linux 6.5's SO_PEERPIDFD and 6.11's namespace ioctls on a pidfd, which Debian 12's headers
 * lack. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#define SBOX_PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3)
#define SBOX_PIDFD_GET_PID_NAMESPACE _IO(0xFF, 5)
#define SBOX_PIDFD_GET_USER_NAMESPACE _IO(0xFF, 9)

/* What answered on the keeper's socket: its credentials when it listened, a pidfd of it where
 * the kernel gives one (-1 otherwise), the user namespace it is in. */
struct peer {
    struct ucred cred;
    int pidfd;
    int userns;
    bool by_message; /* the namespace came by SCM_RIGHTS, not from the pidfd */
};

static void peer_close(struct peer *p)
{
    sbox_closep(&p->pidfd);
    sbox_closep(&p->userns);
}

/* The namespace the keeper sends (SCM_RIGHTS), for kernels that give no pidfd of a peer: this
 * waits for it to be scheduled, which SO_PEERPIDFD spares. */
static const char *receive_namespace(int c, int *ret_fd)
{
    char byte;
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } control;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    const struct timeval limit = {.tv_sec = 1};
    size_t n = 0;
    int fds[4];
    /* A keeper answers at once; a listener that does not must not hold the run up. */
    if (fcntl(c, F_SETFL, 0) < 0 ||
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) < 0 ||
        recvmsg(c, &msg, MSG_CMSG_CLOEXEC) != 1)
        return "it sent no namespace";
    /* Every descriptor that came is taken, and all but a lone one closed. */
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        for (size_t i = 0; (i + 1) * sizeof(int) <= cm->cmsg_len - CMSG_LEN(0) && n < 4; i++)
            memcpy(&fds[n++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
    }
    if (n != 1 || (msg.msg_flags & MSG_CTRUNC)) {
        for (size_t i = 0; i < n; i++)
            close(fds[i]);
        return "it sent no namespace, or more than one";
    }
    *ret_fd = fds[0];
    return NULL;
}

/* Connects to the keeper's socket (never through a symlink) and takes the user namespace of
 * what listens there: from a pidfd of it (connect(2) returns without the keeper running), or
 * as the keeper sends it. */
static const char *ask_keeper(int dir, struct peer *ret)
{
    _cleanup_close_ int sock_file = -1, c = -1;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    socklen_t len = sizeof ret->cred;
    struct stat st;

    sock_file = openat(dir, SOCKET_NAME, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (sock_file < 0)
        return errno == ENOENT ? "none is running" : "its socket cannot be opened";
    if (fstat(sock_file, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != getuid())
        return "what is there is not its socket";
    snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d", sock_file);
    /* Not blocking: a listener whose backlog was filled on purpose must not hold the run. */
    c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c < 0)
        return "no socket";
    if (connect(c, (struct sockaddr *)&addr, sizeof addr) < 0)
        return errno == EAGAIN ? "its socket does not take connections"
                               : "its socket does not answer (a keeper that ended)";
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &ret->cred, &len) < 0 || ret->cred.uid != getuid())
        return "what answers is not yours";
    len = sizeof ret->pidfd;
    if (getsockopt(c, SOL_SOCKET, SO_PEERPIDFD, &ret->pidfd, &len) < 0) {
        ret->pidfd = -1;
        /* Only a kernel without SO_PEERPIDFD (before 6.5) goes on by message: a listener that
         * has ended (EINVAL, ESRCH) is refused, its pid being free for another process. */
        if (errno != ENOPROTOOPT)
            return "what listened there has ended";
    } else if ((ret->userns = ioctl(ret->pidfd, SBOX_PIDFD_GET_USER_NAMESPACE, 0)) >= 0) {
        return NULL;
    } else if (errno != ENOTTY && errno != EINVAL) {
        return "what listened there has ended";
    }
    ret->by_message = true;
    return receive_namespace(c, &ret->userns);
}

/* Whether the peer's namespace of the type the pidfd ioctl gets (or /proc/PID/ns/NAME names) is
 * sbox's own. */
static bool peer_shares(const struct peer *peer, unsigned long ioctl_nr, const char *name)
{
    char path[64];
    struct stat mine, theirs;
    snprintf(path, sizeof path, "/proc/self/ns/%s", name);
    if (stat(path, &mine) < 0)
        return false;
    if (peer->pidfd >= 0) {
        _cleanup_close_ int ns = ioctl(peer->pidfd, ioctl_nr, 0);
        if (ns >= 0)
            return fstat(ns, &theirs) == 0 && same_file(&mine, &theirs);
    }
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)peer->cred.pid, name);
    return stat(path, &theirs) == 0 && same_file(&mine, &theirs);
}

/* Whether /proc/PID still names the peer, after its files were read: the pidfd's process is
 * alive (its number cannot have been reused), or /proc/PID/ns/user is still its namespace. */
static bool peer_still(const struct peer *peer, const struct stat *ns)
{
    char path[64];
    struct stat st;
    if (peer->pidfd >= 0 && syscall(SYS_pidfd_send_signal, peer->pidfd, 0, NULL, 0) < 0)
        return false;
    if (peer->pidfd >= 0 && !peer->by_message)
        return true;
    /* A namespace that came by message must be the one the maps were read of. */
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)peer->cred.pid);
    return stat(path, &st) == 0 && same_file(&st, ns);
}

int sbox_keptns_find(const struct sbox_idranges *r, uid_t uid, gid_t gid, struct sbox_keptns *k,
                     char *why, size_t why_size)
{
    _cleanup_close_ int dir = open_dir(false);
    _cleanup_(peer_close) struct peer peer = {.pidfd = -1, .userns = -1};
    struct extent uids[SBOX_IDMAP_MAX_RANGES + 1], gids[SBOX_IDMAP_MAX_RANGES + 1];
    size_t n_uids = expected((uint32_t)uid, r->uids, r->n_uids, uids);
    size_t n_gids = expected((uint32_t)gid, r->gids, r->n_gids, gids);
    struct stat ns;
    char path[64];
    const char *bad;

    k->fd = -1;
    if (dir < 0 && errno == ENOENT) {
        snprintf(why, why_size, "none is running");
        return -1;
    }
    if (dir < 0) {
        _cleanup_free_ char *where = sbox_keptns_dir();
        snprintf(why, why_size, "%s is not a directory of yours alone (mode 0700)", where);
        return -1;
    }
    bad = ask_keeper(dir, &peer);
    if (!bad)
        bad = check_userns(peer.userns, uid);
    /* The one that answered is outside every sandbox: a process in a sandbox's pid or mount
     * namespace never is, whatever it could plant. */
    if (!bad && (!peer_shares(&peer, SBOX_PIDFD_GET_PID_NAMESPACE, "pid") ||
                 !peer_shares(&peer, SBOX_PIDFD_GET_MNT_NAMESPACE, "mnt")))
        bad = "what answers is inside a sandbox";
    if (!bad && fstat(peer.userns, &ns) < 0)
        bad = "its namespace cannot be read";
    if (!bad) {
        _cleanup_free_ char *umap = NULL, *gmap = NULL;
        snprintf(path, sizeof path, "/proc/%d/uid_map", (int)peer.cred.pid);
        umap = sbox_read_text(path);
        snprintf(path, sizeof path, "/proc/%d/gid_map", (int)peer.cred.pid);
        gmap = sbox_read_text(path);
        if (!peer_still(&peer, &ns))
            bad = "what answered has ended";
        else if (!umap || !gmap || !map_is(umap, uids, n_uids) || !map_is(gmap, gids, n_gids))
            bad = "its map is not your ranges as they are now";
    }
    if (bad) {
        snprintf(why, why_size, "%s", bad);
        return -1;
    }
    k->fd = steal_fd(&peer.userns);
    k->keeper = peer.cred.pid;
    return 0;
}

void sbox_keptns_close(struct sbox_keptns *k)
{
    sbox_closep(&k->fd);
}

/* --- the keeper ------------------------------------------------------------------------- */

/* Whether the directory's socket is still the one this keeper bound. */
static bool still_ours(int dir, const struct stat *bound)
{
    struct stat st;
    return fstatat(dir, SOCKET_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&st, bound);
}

/* The keeper, in the kept namespace: binds its socket under a name of its own and renames it into
 * place (closing ready tells its maker), then sends the namespace to each run that connects,
 * until idle_ms pass with none; removes its socket if it is still the one there. */
static _Noreturn void keeper_serve(int dir, int ready, uint64_t idle_ms)
{
    char tmp[64];
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    struct stat bound;
    int sock, ns, lock;
    const int timeout = idle_ms > INT32_MAX ? INT32_MAX : (int)idle_ms;

    snprintf(tmp, sizeof tmp, SOCKET_NAME ".%d.tmp", (int)getpid());
    snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dir, tmp);
    unlinkat(dir, tmp, 0);
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ns = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
    if (sock < 0 || ns < 0 || bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        fstatat(dir, tmp, &bound, AT_SYMLINK_NOFOLLOW) < 0 || listen(sock, 128) < 0 ||
        renameat(dir, tmp, dir, SOCKET_NAME) < 0) {
        unlinkat(dir, tmp, 0);
        _exit(1);
    }
    close(ready);
    for (;;) {
        struct pollfd pfd = {.fd = sock, .events = POLLIN};
        int r = poll(&pfd, 1, timeout), c;
        char byte = 'u';
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int))];
        } control = {0};
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = control.buf,
                             .msg_controllen = sizeof control.buf};
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        c = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &ns, sizeof ns);
        (void)sendmsg(c, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        close(c);
    }
    /* Under the makers' lock: a keeper made meanwhile renamed its socket in under it, and
     * must keep it. */
    lock = openat(dir, LOCK_NAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0 && still_ours(dir, &bound))
        unlinkat(dir, SOCKET_NAME, 0);
    /* A lock held for long is not a maker's (they hold it a few milliseconds): the socket is
     * left, which the next run finds dead and replaces. */
    _exit(0);
}

/* The maker, detached from the run: under the directory's lock, unless a keeper answers by
 * then, clones the keeper into a new user namespace, maps it through newuidmap and newgidmap,
 * lets it serve and waits until it does. */
static _Noreturn void make_keeper(const struct sbox_idranges *r, uid_t uid, gid_t gid,
                                  uint64_t idle_ms)
{
    struct sbox_keptns k;
    struct sbox_error err = {0};
    char why[128], byte = 'y';
    int dir = open_dir(true), lock, go[2], ready[2];
    pid_t keeper;

    if (dir < 0)
        _exit(1);
    lock = openat(dir, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    /* Another maker at work makes the keeper; one that holds the lock for long is no maker. */
    if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
        _exit(1);
    if (sbox_keptns_find(r, uid, gid, &k, why, sizeof why) == 0)
        _exit(0);
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
        _exit(1);
    keeper = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
    if (keeper < 0)
        _exit(1);
    if (keeper == 0) {
        close(go[1]);
        close(ready[0]);
        close(lock);
        /* Its maker's end of go closes without a byte when the map could not be written. */
        if (read(go[0], &byte, 1) != 1)
            _exit(1);
        close(go[0]);
        keeper_serve(dir, ready[1], idle_ms);
    }
    close(go[0]);
    close(ready[1]);
    if (sbox_idmap_write_ranges(keeper, uid, gid, r, &err) < 0) {
        kill(keeper, SIGKILL);
        _exit(1);
    }
    if (write(go[1], &byte, 1) != 1)
        _exit(1);
    /* End of file when the keeper listens (or died): the lock is let go only then, so the next
     * maker finds it. */
    while (read(ready[0], &byte, 1) < 0 && errno == EINTR)
        ;
    _exit(0);
}

void sbox_keptns_start(const struct sbox_idranges *r, uid_t uid, gid_t gid, uint64_t idle_ms)
{
    pid_t pid;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return;
    if (pid > 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return;
    }
    /* A grandchild, so that no process of the run's is its parent: it belongs to init (or the
     * caller's subreaper) at once, and the run reaps only the child, which ends here. */
    if (fork() != 0)
        _exit(0);
    {
        sigset_t none;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        sigemptyset(&none);
        for (int sig = 1; sig < NSIG; sig++)
            signal(sig, SIG_DFL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* No terminal's ^C or hangup, no pipe of the caller's held open, no directory held. */
        setsid();
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        {
            int keep[] = {0}; /* none of 3 and up: closed, not only close-on-exec */
            sbox_close_inherited(keep, 1);
        }
        if (chdir("/") < 0)
            _exit(1);
        prctl(PR_SET_NAME, SBOX_KEPTNS_NAME, 0, 0, 0);
        /* Woken by each run's connection, most often on the CPU of the run that connects: at
         * the lowest priority it waits for that run rather than preempting it. */
        setpriority(PRIO_PROCESS, 0, 19);
    }
    make_keeper(r, uid, gid, idle_ms);
}
