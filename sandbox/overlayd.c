/* overlayd.c: the keeper of the fuse-overlayfs daemons and the sandbox's side of its channel.
 * The keeper never enters the sandbox's pid namespace and never runs anything but the daemons;
 * a daemon's root holds its layers and the system's libraries, nothing of the home. */
#include "overlayd.h"
#include "cleanup.h"
#include "files.h"
#include "overlay.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long a starting fuse-overlayfs may take to answer its first request. */
#define SBOX_FUSE_START_TIMEOUT 10

enum { SPAWN = 1, STARTED, ANSWERED, UNANSWERED, FAILED };

/* A SPAWN's descriptors: the fuse connection, the directory holding upper and work, upper and
 * work themselves, then the lower layers, bottom first. */
enum { FD_DEV, FD_STORE, FD_UPPER, FD_WORK, FD_LOWERS };
#define MAX_FDS (FD_LOWERS + SBOX_OVERLAY_MAX_LOWERS)

struct omsg {
    int type;
    int n_lowers;    /* SPAWN: how many lower layers follow the first four descriptors */
    char upper[256]; /* SPAWN: the upper and work directories, relative to their store */
    char work[256];
    int err;        /* FAILED: an errno to add, or 0 */
    char text[512]; /* FAILED: why */
};

/* What a copy-up needs in the sandbox's user namespace: create and chown files of any owner
 * there, read and write them whatever their modes, keep set-id bits and make whiteouts. */
static const int daemon_caps[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                  CAP_FOWNER, CAP_FSETID,       CAP_MKNOD};

/* The system's directories the daemon's dynamic loader and libraries come from, read-only. */
static const char *const system_dirs[] = {"usr", "lib", "lib32", "lib64", "libx32", "bin", "sbin"};

int sbox_overlayd_prepare(struct sbox_overlayd *d, const char *program, struct sbox_error *err)
{
    struct sbox_seccomp_policy pol = {.base = SBOX_SECCOMP_DEFAULT};
    d->pid = -1;
    d->chan[0] = d->chan[1] = -1;
    d->program = open(program, O_RDONLY | O_CLOEXEC);
    d->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (d->program < 0)
        return sbox_error(err, errno, "`%s`", program);
    if (d->devnull < 0)
        return sbox_error(err, errno, "/dev/null");
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, d->chan) < 0)
        return sbox_error(err, errno, "create the fuse daemons' channel");
    return sbox_seccomp_compile(&d->filter, &pol, err);
}

void sbox_overlayd_stop(struct sbox_overlayd *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
        while (waitpid(d->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    d->pid = -1;
    sbox_closep(&d->chan[0]);
    sbox_closep(&d->chan[1]);
    sbox_closep(&d->program);
    sbox_closep(&d->devnull);
    sbox_seccomp_free(&d->filter);
}

/* --- the daemon, in a child of the keeper --- */

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, strerror(errno));
    _exit(126);
}

/* Bounding, permitted, effective, inheritable and ambient sets: daemon_caps, nothing else. */
static void limit_caps(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct c[2] = {{0}};
    for (size_t i = 0; i < sizeof daemon_caps / sizeof *daemon_caps; i++)
        c[daemon_caps[i] / 32].permitted |= 1U << (daemon_caps[i] % 32);
    for (int i = 0; i < 2; i++)
        c[i].effective = c[i].inheritable = c[i].permitted;
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
        if (!(c[cap / 32].permitted & (1U << (cap % 32))) &&
            prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            die("drop capabilities");
    if (syscall(SYS_capset, &h, c) < 0)
        die("set capabilities");
    for (size_t i = 0; i < sizeof daemon_caps / sizeof *daemon_caps; i++)
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, daemon_caps[i], 0, 0) < 0)
            die("keep capabilities");
}

static int clone_ro(const char *path)
{
    struct sbox_mount_attr ro = {.attr_set =
                                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    int t = sys_open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (t >= 0 && sys_mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro) < 0) {
        close(t);
        return -1;
    }
    return t;
}

/* The daemon's root: a tmpfs too small to hold anything but its mount points. */
static int root_tmpfs(void)
{
    static const char *const opts_tmpfs[][2] = {
        {"mode", "0755"}, {"size", "64k"}, {"nr_inodes", "256"}}; /* an image's 128 layers too */
    _cleanup_close_ int fs = sys_fsopen("tmpfs", FSOPEN_CLOEXEC);
    int root;
    if (fs < 0)
        die("its root");
    for (size_t i = 0; i < 3; i++)
        if (sys_fsconfig(fs, SBOX_FSCONFIG_SET_STRING, opts_tmpfs[i][0], opts_tmpfs[i][1], 0) < 0)
            die("its root");
    if (sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
        (root = sys_fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)) < 0)
        die("its root");
    return root;
}

/* The names must lead to the directories the sandbox opened (upper, work), with no symlink:
 * another sandbox writing a kept overlay's directory could swap them, and whatever it swaps in
 * now can only lead into this root, which holds nothing of the home. */
static void check_layer_names(const struct omsg *m, const int *fds)
{
    for (int i = 0; i < 2; i++) {
        char path[300];
        struct stat a, b;
        int fd;
        snprintf(path, sizeof path, "/store/%s", i == 0 ? m->upper : m->work);
        fd = sys_openat2(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC,
                         RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        if (fd < 0 || fstat(fd, &a) < 0 || fstat(fds[FD_UPPER + i], &b) < 0 ||
            a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
            errno = ESTALE;
            die("the overlay's directories moved or were replaced while the sandbox started");
        }
        close(fd);
    }
}

/* Runs in the sandbox's user and mount namespaces (the keeper's), before the sandbox pivots:
 * the system's directories are cloned here, then the daemon leaves for a mount namespace of its
 * own whose root is a small tmpfs holding only them and its proc; its layers it holds only as
 * descriptors. */
static _Noreturn void daemon_main(const struct sbox_overlayd *d, const int *fds,
                                  const struct omsg *m, int lock_fd)
{
    struct sbox_mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    const size_t n_sys = sizeof system_dirs / sizeof *system_dirs;
    int sys[sizeof system_dirs / sizeof *system_dirs];
    char links[sizeof system_dirs / sizeof *system_dirs][256];
    _cleanup_free_ char *opts = NULL, *fdarg = NULL, *lowerdir = NULL;
    int lower_t[SBOX_OVERLAY_MAX_LOWERS];
    char *argv[6], *envp[] = {"PATH=/usr/bin:/bin", NULL};
    _cleanup_free_ char *up = sbox_overlay_escape(m->upper);
    _cleanup_free_ char *wk = sbox_overlay_escape(m->work);
    const int dev = fds[FD_DEV];
    int root, store_t;
    sigset_t none;

    /* Its own session and default signals: a ^C on the caller's terminal is not for it. */
    setsid();
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* fuse-overlayfs wants layer paths it can resolve in its root: the lower layers and the
     * directory holding upper and work (a copy-up is renamed from one to the other, which
     * works only within one mount), cloned from the descriptors the sandbox sent. */
    for (int i = 0; i < m->n_lowers; i++) {
        lower_t[i] =
            sys_open_tree(fds[FD_LOWERS + i], "",
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
        if (lower_t[i] < 0)
            die("copy the layers");
    }
    store_t = sys_open_tree(fds[FD_STORE], "",
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (store_t < 0)
        die("copy the layers");
    for (size_t i = 0; i < n_sys; i++) {
        char path[64];
        struct stat st;
        ssize_t n;
        sys[i] = -1;
        links[i][0] = '\0';
        snprintf(path, sizeof path, "/%s", system_dirs[i]);
        if (lstat(path, &st) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            n = readlink(path, links[i], sizeof links[i] - 1);
            links[i][n > 0 ? n : 0] = '\0';
        } else if (S_ISDIR(st.st_mode) && (sys[i] = clone_ro(path)) < 0) {
            die(path);
        }
    }
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        die("a mount namespace of its own");
    root = root_tmpfs();
    /* Attached over /tmp of its own copy of the namespace, filled, and made the root. */
    if (sys_move_mount(root, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
        chdir("/tmp") < 0)
        die("its root");
    {
        /* Its own pid namespace's proc (fuse-overlayfs reads kernel/overflowuid and its own
         * descriptors there), made while the host's proc is still in view: the kernel lets a
         * user namespace mount proc only where one is fully visible. */
        _cleanup_close_ int fs = sys_fsopen("proc", FSOPEN_CLOEXEC), proc = -1;
        if (fs < 0 || sys_fsconfig(fs, SBOX_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
            (proc = sys_fsmount(fs, FSMOUNT_CLOEXEC,
                                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) < 0 ||
            mkdir("proc", 0555) < 0 ||
            sys_move_mount(proc, "", AT_FDCWD, "proc", MOVE_MOUNT_F_EMPTY_PATH) < 0)
            die("its proc");
    }
    /* /dev/fd, for a program that is a script: its interpreter reads it as /dev/fd/N. */
    if (mkdir("dev", 0755) < 0 || symlink("/proc/self/fd", "dev/fd") < 0)
        die("its /dev");
    if (mkdir("lower", 0755) < 0 || mkdir("store", 0755) < 0 ||
        sys_move_mount(store_t, "", AT_FDCWD, "store", MOVE_MOUNT_F_EMPTY_PATH) < 0)
        die("place the layers");
    /* lower/0 is the bottom layer; fuse-overlayfs, as the kernel, takes the top one first. */
    lowerdir = sbox_xstrdup("lowerdir=");
    for (int i = 0; i < m->n_lowers; i++) {
        char at[32];
        snprintf(at, sizeof at, "lower/%d", i);
        if (mkdir(at, 0755) < 0 ||
            sys_move_mount(lower_t[i], "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH) < 0)
            die("place the layers");
    }
    for (int i = m->n_lowers; i-- > 0;) {
        char *more = sbox_xasprintf("%s/lower/%d%s", lowerdir, i, i ? ":" : "");
        free(lowerdir);
        lowerdir = more;
    }
    for (size_t i = 0; i < n_sys; i++) {
        if (links[i][0] && symlink(links[i], system_dirs[i]) < 0)
            die(system_dirs[i]);
        if (sys[i] >= 0 &&
            (mkdir(system_dirs[i], 0755) < 0 ||
             sys_move_mount(sys[i], "", AT_FDCWD, system_dirs[i], MOVE_MOUNT_F_EMPTY_PATH) < 0))
            die(system_dirs[i]);
    }
    if (sys_pivot_root(".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        die("pivot into its root");
    if (sys_mount_setattr(AT_FDCWD, "/", 0, &ro) < 0)
        die("make its root read-only");

    limit_caps();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("no_new_privs");
    {
        struct sbox_error e = {0};
        if (sbox_seccomp_load(&d->filter, &e) < 0) {
            fprintf(stderr, "%s\n", e.msg);
            _exit(126);
        }
    }
    fcntl(dev, F_SETFD, 0);
    fcntl(d->program, F_SETFD, 0);
    if (lock_fd >= 0)
        fcntl(lock_fd, F_SETFD, 0); /* held until the daemon is gone */
    dup2(d->devnull, 0);
    dup2(d->devnull, 1);
    check_layer_names(m, fds);
    opts = sbox_xasprintf("%s,upperdir=/store/%s,workdir=/store/%s", lowerdir, up, wk);
    fdarg = sbox_xasprintf("/dev/fd/%d", dev);
    argv[0] = "fuse-overlayfs";
    argv[1] = "-f";
    argv[2] = "-o";
    argv[3] = opts;
    argv[4] = fdarg;
    argv[5] = NULL;
    fexecve(d->program, argv, envp);
    _exit(127);
}

/* --- the keeper --- */

static void reply(int chan, int type, int e, const char *text)
{
    struct omsg m = {.type = type, .err = e};
    if (text)
        snprintf(m.text, sizeof m.text, "%s", text);
    (void)!send(chan, &m, sizeof m, MSG_NOSIGNAL);
}

static ssize_t recv_fds(int chan, struct omsg *m, int *fds, size_t n_fds)
{
    char cbuf[CMSG_SPACE(MAX_FDS * sizeof(int))];
    struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
    struct msghdr h = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t r;
    for (size_t i = 0; i < n_fds; i++)
        fds[i] = -1;
    do
        r = recvmsg(chan, &h, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds, CMSG_DATA(c), (got < n_fds ? got : n_fds) * sizeof(int));
            for (size_t i = n_fds; i < got; i++)
                close(((int *)CMSG_DATA(c))[i]);
        }
    return r;
}

/* One daemon: started, then given SBOX_FUSE_START_TIMEOUT seconds to answer its first request
 * (the sandbox's wait for it can only be killed, so the keeper kills a silent daemon), then
 * accounted for when it did not. */
struct keeper {
    const struct sbox_overlayd *d;
    int chan;
    int lock_fd;
};

/* false when the sandbox is gone (its end of the channel closed). */
static bool serve_one(struct keeper *k, const struct omsg *req, int *fds)
{
    const int chan = k->chan;
    struct pollfd pfd = {.fd = chan, .events = POLLIN};
    struct omsg m;
    bool killed = false, gone = false;
    int log = memfd_create("fuse-overlayfs.log", MFD_CLOEXEC), status = 0;
    char out[400] = "";
    pid_t pid;
    bool complete = req->n_lowers > 0 && req->n_lowers <= SBOX_OVERLAY_MAX_LOWERS;
    for (int i = 0; complete && i < FD_LOWERS + req->n_lowers; i++)
        complete = fds[i] >= 0;
    if (log < 0 || !complete) {
        reply(chan, FAILED, log < 0 ? errno : EBADF, "start fuse-overlayfs");
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        reply(chan, FAILED, errno, "start fuse-overlayfs");
        goto out;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        dup2(log, 2);
        daemon_main(k->d, fds, req, k->lock_fd);
    }
    /* The daemon holds the connection alone: when it dies, the sandbox's wait ends. */
    for (int i = 0; i < MAX_FDS; i++)
        sbox_closep(&fds[i]);
    reply(chan, STARTED, 0, NULL);
    for (;;) {
        int n = poll(&pfd, 1, killed ? -1 : SBOX_FUSE_START_TIMEOUT * 1000);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            kill(pid, SIGKILL);
            killed = true;
            continue;
        }
        if (recv(chan, &m, sizeof m, 0) != (ssize_t)sizeof m) {
            gone = true; /* the sandbox is gone */
            goto out;
        }
        break;
    }
    if (m.type == ANSWERED)
        goto out;
    if (!killed)
        kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    {
        /* Its last line: fuse-overlayfs warns before it fails ("unknown argument ignored"). */
        char all[4096], *line;
        ssize_t n = pread(log, all, sizeof all - 1, 0);
        all[n > 0 ? n : 0] = '\0';
        while (n > 0 && all[n - 1] == '\n')
            all[--n] = '\0';
        line = strrchr(all, '\n');
        line = line ? line + 1 : all;
        memcpy(out, line, strnlen(line, sizeof out - 1));
        out[strnlen(line, sizeof out - 1)] = '\0';
    }
    if (killed)
        reply(chan, FAILED, 0, "fuse-overlayfs did not answer within 10 seconds");
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !out[0])
        reply(chan, FAILED, 0, "could not run fuse-overlayfs");
    else {
        char text[512];
        snprintf(text, sizeof text, "fuse-overlayfs failed to start%s%s", out[0] ? ": " : "", out);
        reply(chan, FAILED, out[0] ? 0 : m.err, text);
    }
out:
    if (log >= 0)
        close(log);
    for (int i = 0; i < MAX_FDS; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return !gone;
}

/* pid 1 of the daemons' own pid namespace: serves the sandbox's requests, then reaps. When it
 * dies, the kernel kills and reaps every daemon with it. */
static _Noreturn void serve_main(struct keeper *k, int keeper_fd)
{
    struct pollfd pfd = {.fd = keeper_fd, .events = POLLIN};
    sigset_t chld;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* A keeper killed before the death signal was armed: its pidfd says so (getppid() is 0
     * across the pid namespace, so it cannot). */
    if (keeper_fd >= 0 && poll(&pfd, 1, 0) != 0)
        _exit(0);
    sbox_closep(&keeper_fd);
    for (;;) {
        struct omsg m;
        int fds[MAX_FDS];
        ssize_t n = recv_fds(k->chan, &m, fds, MAX_FDS);
        if (n <= 0)
            break;
        if (n != (ssize_t)sizeof m || m.type != SPAWN) {
            for (int i = 0; i < MAX_FDS; i++)
                if (fds[i] >= 0)
                    close(fds[i]);
            continue;
        }
        m.upper[sizeof m.upper - 1] = m.work[sizeof m.work - 1] = '\0';
        if (!serve_one(k, &m, fds))
            break;
    }
    close(k->chan);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    for (;;) {
        siginfo_t si;
        sigwaitinfo(&chld, &si);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
    }
}

static _Noreturn void keeper_main(struct sbox_overlayd *d, pid_t parent, int userns, int mntns,
                                  int lock_fd)
{
    int keep[6] = {d->chan[0], d->program, d->devnull, userns, mntns, lock_fd};
    struct keeper k = {.d = d, .chan = d->chan[0], .lock_fd = lock_fd};
    sigset_t waited;
    pid_t server;
    int self;

    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(0);
    /* SIGTERM is sbox's word that the sandbox is gone. */
    sigemptyset(&waited);
    sigaddset(&waited, SIGTERM);
    sigaddset(&waited, SIGCHLD);
    sigprocmask(SIG_SETMASK, &waited, NULL);
    setsid();
    sbox_close_inherited(keep, 6);
    /* Not the caller's terminal or pipes: a pipeline must end when sbox does. */
    dup2(d->devnull, 0);
    dup2(d->devnull, 1);
    dup2(d->devnull, 2);
    /* The sandbox's user namespace first (its owner has every capability there), then its
     * mount namespace; never its pid namespace, but one of the daemons' own (which the payload
     * cannot see into, and whose proc they may mount). */
    if (setns(userns, CLONE_NEWUSER) < 0 || setns(mntns, CLONE_NEWNS) < 0 ||
        unshare(CLONE_NEWPID) < 0)
        _exit(1);
    close(userns);
    close(mntns);
    self = (int)syscall(SYS_pidfd_open, getpid(), 0);
    server = fork();
    if (server < 0)
        _exit(1);
    if (server == 0)
        serve_main(&k, self);
    close(k.chan);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&waited, &si);
        if (sig == SIGTERM)
            kill(server, SIGKILL);
        if (waitpid(server, NULL, WNOHANG) == server)
            _exit(0);
    }
}

int sbox_overlayd_start(struct sbox_overlayd *d, pid_t sandbox, int lock_fd, struct sbox_error *err)
{
    char path[64];
    _cleanup_close_ int userns = -1, mntns = -1;
    pid_t parent = getpid();
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)sandbox);
    userns = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int)sandbox);
    mntns = open(path, O_RDONLY | O_CLOEXEC);
    if (userns < 0 || mntns < 0)
        return sbox_error(err, errno, "open the sandbox's namespaces");
    d->pid = fork();
    if (d->pid < 0)
        return sbox_error(err, errno, "start the fuse daemons' keeper");
    if (d->pid == 0)
        keeper_main(d, parent, userns, mntns, lock_fd);
    sbox_closep(&d->chan[0]);
    return 0;
}

/* --- the sandbox's side --- */

int sbox_overlayd_spawn(int chan, int dev, const char *upper, const char *work, const int *lowers,
                        size_t n_lowers, int upper_fd, int work_fd, struct sbox_error *err)
{
    _cleanup_free_ char *store = sbox_xstrdup(upper);
    _cleanup_close_ int store_fd = -1;
    struct omsg m = {.type = SPAWN, .n_lowers = (int)n_lowers};
    char cbuf[CMSG_SPACE(MAX_FDS * sizeof(int))] = {0};
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof m};
    struct msghdr h = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = cbuf,
                       .msg_controllen = CMSG_SPACE((FD_LOWERS + n_lowers) * sizeof(int))};
    struct cmsghdr *c = CMSG_FIRSTHDR(&h);
    size_t n = 0;
    int fds[MAX_FDS];

    if (chan < 0)
        return sbox_error(err, 0, "fuse-overlayfs is not installed (package fuse-overlayfs)");
    if (n_lowers == 0 || n_lowers > SBOX_OVERLAY_MAX_LOWERS)
        return sbox_error(err, EINVAL, "fuse-overlayfs over %zu layers", n_lowers);
    /* The store is the directory holding both (sbox's own staging path). */
    for (size_t i = 0; upper[i] && upper[i] == work[i]; i++)
        if (upper[i] == '/')
            n = i;
    store[n] = '\0';
    if (n == 0 || strlen(upper + n + 1) >= sizeof m.upper || strlen(work + n + 1) >= sizeof m.work)
        return sbox_error(err, EINVAL, "overlay layers `%s` and `%s`", upper, work);
    snprintf(m.upper, sizeof m.upper, "%s", upper + n + 1);
    snprintf(m.work, sizeof m.work, "%s", work + n + 1);
    store_fd = sys_openat2(AT_FDCWD, store, O_PATH | O_DIRECTORY | O_CLOEXEC,
                           RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (store_fd < 0)
        return sbox_error(err, errno, "overlay store `%s`", store);
    fds[FD_DEV] = dev;
    fds[FD_STORE] = store_fd;
    fds[FD_UPPER] = upper_fd;
    fds[FD_WORK] = work_fd;
    memcpy(&fds[FD_LOWERS], lowers, n_lowers * sizeof *lowers);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN((FD_LOWERS + n_lowers) * sizeof(int));
    memcpy(CMSG_DATA(c), fds, (FD_LOWERS + n_lowers) * sizeof(int));
    if (sendmsg(chan, &h, MSG_NOSIGNAL) != (ssize_t)sizeof m)
        return sbox_error(err, errno, "ask for a fuse-overlayfs daemon");
    if (recv(chan, &m, sizeof m, 0) != (ssize_t)sizeof m)
        return sbox_error(err, errno ? errno : EPIPE, "ask for a fuse-overlayfs daemon");
    if (m.type != STARTED) {
        m.text[sizeof m.text - 1] = '\0';
        return sbox_error(err, m.err, "%s", m.text);
    }
    return 0;
}

int sbox_overlayd_settle(int chan, bool answered, int wait_errno, struct sbox_error *err)
{
    struct omsg m = {.type = answered ? ANSWERED : UNANSWERED, .err = wait_errno};
    if (send(chan, &m, sizeof m, MSG_NOSIGNAL) != (ssize_t)sizeof m)
        return answered ? 0 : sbox_error(err, errno, "fuse-overlayfs");
    if (answered)
        return 0;
    if (recv(chan, &m, sizeof m, 0) != (ssize_t)sizeof m)
        return sbox_error(err, wait_errno, "fuse-overlayfs failed to start");
    m.text[sizeof m.text - 1] = '\0';
    return sbox_error(err, m.err, "%s", m.text);
}
