/* launch.c: the parent/child protocol, in order, in one place. Parent: prepare, start (clone,
 * id maps, release), supervise (relay signals, wait), finish. Child: mounts, hostname, loopback,
 * then pid 1 forks the payload, which drops everything and execs. Never prints: the child's
 * failures and notes travel back over the channel as one message each; main prints them. */
#include "launch.h"
#include "caps.h"
#include "capture.h"
#include "cgroup.h"
#include "check.h"
#include "cleanup.h"
#include "coverage.h"
#include "files.h"
#include "guard.h"
#include "idmap.h"
#include "init.h"
#include "keptns.h"
#include "landlock.h"
#include "mount.h"
#include "net.h"
#include "overlay-store.h"
#include "overlayd.h"
#include "pin.h"
#include "proxy.h"
#include "seccomp.h"
#include "status.h"
#include "sys.h"
#include "terminal.h"
#include "usernet.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The setup channel, a SOCK_SEQPACKET pair (one send is one message, whole or not at all): the
 * parent/child protocol, every message in this table. In order: the parent sends GO once the id
 * maps are written, then NET_UP (user-mode networks only) once the helper is ready; the child
 * may send a NOTE, then SETUP_FAILED or READY, and pid 1 STOPPED whenever the payload stops;
 * the payload sends a PAYLOAD_NOTE (answered by NOTED) or SETUP_FAILED or EXEC_FAILED before
 * its exec. GO's status says whether the payload may have its pseudo-terminal at once (PTY, sent
 * before READY); with allow-host, pid 1 sends its two LISTENERs before READY; EXITED is
 * pid 1's last word. End of file: pid 1 is gone (its descriptors close
 * before its namespaces are torn down). */
enum msg_type {
    MSG_GO = 1,
    MSG_NET_UP,
    MSG_SETUP_FAILED,
    MSG_EXEC_FAILED,
    MSG_READY,
    MSG_STOPPED,
    MSG_NOTE,
    MSG_PAYLOAD_NOTE,
    MSG_NOTED,
    MSG_PTY,
    MSG_LISTENER,
    MSG_EXITED,
    MSG_END
};

/* Who sends each message, whether it is the child's last word (a report: err and status are
 * what sbox fails with), and whether a descriptor travels with it (SCM_RIGHTS). */
static const struct msg_kind {
    bool to_child;
    bool report;
    bool fd;
} msg_kinds[MSG_END] = {
    /* parent: the id maps are written; set the sandbox up */
    [MSG_GO] = {.to_child = true},
    /* parent: the network helper is ready; start the payload */
    [MSG_NET_UP] = {.to_child = true},
    /* child: the setup failed; err says why, status is 125 */
    [MSG_SETUP_FAILED] = {.report = true},
    /* payload: exec failed; err says why, status is 126 or 127 */
    [MSG_EXEC_FAILED] = {.report = true},
    /* pid 1: the payload is forked (main prints the plan's remarks then), a pidfd of it with
     * the message when pidfd_open worked (its pid as sbox counts, for --json-status-fd) */
    [MSG_READY] = {.fd = true},
    /* pid 1: the payload stopped (^Z); status is the signal */
    [MSG_STOPPED] = {0},
    /* child: a line for the user, err.msg (under -v) */
    [MSG_NOTE] = {0},
    /* payload: a line for the user, err.msg (a limit lowered); it waits for NOTED, so the line
     * comes before anything the payload writes */
    [MSG_PAYLOAD_NOTE] = {0},
    /* parent: the payload's note is printed; the payload goes on */
    [MSG_NOTED] = {.to_child = true},
    /* pid 1: the payload's pseudo-terminal, its master travelling with it (SCM_RIGHTS) */
    [MSG_PTY] = {.fd = true},
    /* pid 1: a listener of allow-host's proxy, made on the sandbox's loopback, with it; status
     * is its kind (SBOX_PROXY_HTTP, SBOX_PROXY_SOCKS). pid 1 keeps no copy. */
    [MSG_LISTENER] = {.fd = true},
    /* pid 1: the payload ended; status is its wait status (a signal stays a signal) */
    [MSG_EXITED] = {0},
};

struct msg {
    int type;
    int status;
    struct sbox_error err;
    int fd; /* on receipt: the descriptor that came with it, or -1 */
};

/* MSG_NOSIGNAL: a peer that already died must not take the sender down with SIGPIPE. fd, when
 * not -1, travels with the message. 0, or -1 with errno set. */
static int msg_send_fd(int chan, enum msg_type type, int status, const struct sbox_error *err,
                       int fd)
{
    struct msg m = {.type = type, .status = status};
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof m};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u = {0};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (err)
        m.err = *err;
    if (fd >= 0) {
        struct cmsghdr *c;
        mh.msg_control = u.buf;
        mh.msg_controllen = sizeof u.buf;
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    return sendmsg(chan, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof m ? 0 : -1;
}

static int msg_send(int chan, enum msg_type type, int status, const struct sbox_error *err)
{
    return msg_send_fd(chan, type, status, err, -1);
}

/* One message for this side (to_child: the child reads): 1, with m's text ended and a
 * descriptor that came with it in m->fd (close-on-exec; -1 for none); 0 at end of file; -1
 * when nothing waits (MSG_DONTWAIT in flags) or it is none of this table's for this side. */
static int msg_recv(int chan, bool to_child, struct msg *m, int flags)
{
    struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    ssize_t n = recvmsg(chan, &mh, flags | MSG_CMSG_CLOEXEC);
    int fd = -1;
    for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)) && fd < 0)
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
    if (n == 0)
        return 0;
    if (n != (ssize_t)sizeof *m || m->type <= 0 || m->type >= MSG_END ||
        msg_kinds[m->type].to_child != to_child || (fd >= 0 && !msg_kinds[m->type].fd)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    m->err.msg[sizeof m->err.msg - 1] = '\0';
    m->fd = fd;
    return 1;
}

extern char **environ;

static _Noreturn void child_fail(int chan, enum msg_type type, int status,
                                 const struct sbox_error *err)
{
    (void)msg_send(chan, type, status, err);
    sbox_coverage_dump();
    _exit(status);
}

/* One run, from prepare() to finish(): what each step leaves the next. The child gets a copy. */
struct launch {
    const struct sbox_plan *p;
    char **envp;
    const struct sbox_notes *notes;
    void (*on_ready)(void *ctx, pid_t payload, pid_t init);
    void *ready_ctx;
    struct sbox_relay relay; /* the payload's pseudo-terminal and the caller's terminal */

    /* prepare(): what the sandbox is made of, made or opened before it exists */
    struct sbox_pins pins;
    struct sbox_idmap_choice map;
    struct sbox_keptns kept; /* the kept user namespace the sandbox's is nested in, if any */
    bool keep_start;         /* none was found: one is started once the sandbox runs */
    struct sbox_cgroup cg;
    unsigned covered; /* the controllers cg covers */
    struct sbox_seccomp filter;
    bool payload_early; /* the payload loads its filter while pid 1 builds the tree */
    struct sbox_landlock_ruleset landlock;
    int landlock_abi; /* 0: the payload gets no ruleset */
    char *fuse_program, *resolv;
    struct sbox_overlayd overlayd;
    struct sbox_overlay_store store; /* the kept overlay directory */
    struct sbox_capture_run capture;
    struct sbox_proxy proxy;   /* allow-host's: the rules, the report pipe, later the listeners */
    struct sbox_mount_env env; /* the child's view of all the above */
    int chan, child_chan;      /* the setup channel: sbox's end, the child's (until clone) */
    /* the published ports sbox relays: the host's listeners, later the sandbox's namespaces */
    struct sbox_publish_relay publish;

    /* start(): the sandbox's pid 1 and what runs beside it */
    sigset_t caller_mask;
    int sfd; /* the relayed signals and SIGCHLD, blocked since before clone */
    pid_t pid;
    bool kept_mapped; /* pid 1 came from the kept namespace, its maps written */
    pid_t kept_seen;  /* then its pid as /proc counts it (sbox_idmap_proc_pid), or -1 */
    pid_t joiner;     /* spawn_kept's child, until reaped (-1) */
    struct sbox_usernet usernet;
    int snmp[2]; /* net = none: the sandbox's /proc/net/snmp and snmp6, read at the end */

    /* supervise(): what the sandbox said and how it ended */
    bool started; /* pid 1 forked the payload */
    bool chan_open;
    bool have_report;
    struct msg report;
    bool have_exit;    /* pid 1 said how the payload ended: */
    int exit_wstatus;  /* its wait status */
    bool stop_noted;   /* a stop nothing could continue was said once */
    uint64_t deadline; /* timeout: CLOCK_MONOTONIC ms when the sandbox is killed; 0: none */
    bool timed_out;
    bool end_early; /* sbox returns once pid 1 reports (may_end_early) */
    int status;
};

/* The payload's notes go to sbox over the channel, and main prints them; the payload waits
 * until they are printed, so they come before its own output, as a failure's message does. */
static void note_to_parent(void *ctx, const char *text)
{
    const int chan = *(const int *)ctx;
    struct sbox_error e = {0};
    struct msg m;
    snprintf(e.msg, sizeof e.msg, "%s", text);
    if (msg_send(chan, MSG_PAYLOAD_NOTE, 0, &e) == 0)
        (void)msg_recv(chan, true, &m, 0);
}

/* The real directories under the captures are not pid 1's to keep once the mounts are made (nor
 * the payload's ever), nor is the way to the fuse daemons' keeper (its end of file tells it
 * the setup is over), nor the bind sources and layers. */
static void close_setup_fds(const struct launch *l)
{
    const struct sbox_plan *p = l->p;
    const struct sbox_mount_env *env = &l->env;
    if (env->capture_store_fd >= 0)
        close(env->capture_store_fd);
    if (env->overlayd_chan >= 0)
        close(env->overlayd_chan);
    if (env->rootfs_fd >= 0)
        close(env->rootfs_fd);
    for (size_t i = 0; i < env->n_layer_fds; i++)
        close(env->layer_fds[i]);
    for (size_t i = 0; env->capture_fds && i < p->n_mounts; i++)
        if (env->capture_fds[i] >= 0)
            close(env->capture_fds[i]);
    for (size_t i = 0; env->bind_fds && i < p->n_mounts; i++)
        if (env->bind_fds[i] >= 0)
            close(env->bind_fds[i]);
}

/* The payload's side of its pseudo-terminal: a process group of its own, the terminal's
 * foreground when sbox gave it (fg), and the slave in place of each descriptor 0-2 that was
 * the caller's terminal. Before the caller's signal mask is back: SIGTTOU is still blocked. */
static void take_pty(const struct sbox_plan *p, int slave, bool fg)
{
    setpgid(0, 0);
    if (fg)
        tcsetpgrp(slave, getpid());
    for (int fd = 0; fd < 3; fd++)
        if (p->ttys & (1U << fd))
            dup2(slave, fd);
    if (slave > 2)
        close(slave);
}

/* The payload's limits: inherited by everything it starts; memory and pids are the cgroup's
 * when there is one. */
static void payload_limits(const struct launch *l, int chan)
{
    struct sbox_error err = {0};
    const struct sbox_notes notes = {.line = note_to_parent, .ctx = &chan};
    if (sbox_limits_apply(l->p, l->covered, &notes, &err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
}

/* Its capabilities (its uid and gid with ranges) and no_new_privs. */
static void payload_drop(const struct launch *l, int chan)
{
    const struct sbox_plan *p = l->p;
    const bool ranged = l->map.ranged;
    struct sbox_error err = {0};
    const struct sbox_ids ids = {.uid = p->uid, .gid = p->gid};
    if (sbox_caps_drop_all(ranged ? &ids : NULL, p->uid == 0, sbox_plan_caps(p), &err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        sbox_error(&err, errno, "set no_new_privs");
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    }
}

static void payload_filter(const struct launch *l, int chan)
{
    struct sbox_error err = {0};
    if (sbox_seccomp_load(&l->filter, &err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
}

/* The payload's Landlock ruleset (after no_new_privs, which an unprivileged restrict_self
 * needs; the paths are opened as the payload names them, in its tree), and no descriptor of
 * sbox's past exec but pass-fd's. */
static void payload_confine(const struct launch *l, int chan)
{
    const struct sbox_plan *p = l->p;
    struct sbox_error err = {0};
    if (l->landlock_abi > 0 && sbox_landlock_apply(&l->landlock, l->landlock_abi, &err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    sbox_close_inherited(NULL, 0);
    for (size_t i = 0; i < p->n_pass_fds; i++)
        fcntl(p->pass_fds[i], F_SETFD, 0); /* pass-fd: these, and only these, past exec */
}

static _Noreturn void payload_run(const struct launch *l, int chan)
{
    const struct sbox_plan *p = l->p;
    struct sbox_error err = {0};
    int e;
    sbox_coverage_dump();
    /* The payload's PATH is searched (execvpe reads environ): set first. */
    environ = l->envp;
    execvpe(p->argv[0], p->argv, l->envp);
    e = errno;
    if (e == ENOENT) {
        sbox_error(&err, 0, "%s: command not found", p->argv[0]);
        child_fail(chan, MSG_EXEC_FAILED, 127, &err);
    }
    sbox_error(&err, e, "%s: cannot run", p->argv[0]);
    child_fail(chan, MSG_EXEC_FAILED, 126, &err);
}

static _Noreturn void payload_exec(const struct launch *l, int chan, int slave, bool fg)
{
    const struct sbox_plan *p = l->p;
    struct sbox_error err = {0};
    if (slave >= 0)
        take_pty(p, slave, fg);
    sigprocmask(SIG_SETMASK, &l->caller_mask, NULL);
    if (sbox_idmap_nested(p, l->map.ranged) && sbox_idmap_nest(p, &err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    payload_limits(l, chan);
    payload_drop(l, chan);
    payload_confine(l, chan);
    /* Last before exec: nothing after it may need a system call the filter could deny. */
    payload_filter(l, chan);
    payload_run(l, chan);
}

/* The payload forked as pid 1 begins its setup (payload_early): it sets its limits and loads
 * its filter (the longest part: the kernel compiles it, half a millisecond) while pid 1 builds
 * the tree on the other processor; then it waits for gate. It enters the working directory
 * before it drops its capabilities (as root of the namespace, as the payload forked later
 * inherits it), then drops them. Nothing in what is left is a call the policy denies:
 * payload_may_start_early checked. It holds none of the setup's descriptors. */
static _Noreturn void payload_early_exec(const struct launch *l, int chan, int gate)
{
    const struct sbox_plan *p = l->p;
    struct sbox_error err = {0};
    char byte;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    close_setup_fds(l);
    payload_limits(l, chan);
    payload_filter(l, chan);
    if (read(gate, &byte, 1) != 1)
        _exit(125); /* pid 1's setup failed: it says why */
    close(gate);
    if (chdir(p->chdir) < 0) {
        sbox_error(&err, errno, "working directory `%s`", p->chdir);
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    }
    sigprocmask(SIG_SETMASK, &l->caller_mask, NULL);
    payload_drop(l, chan);
    payload_confine(l, chan);
    payload_run(l, chan);
}

/* pid 1 tells sbox its payload stopped, so sbox can hand the terminal back and stop too. */
static void report_stop(void *ctx, int sig)
{
    (void)msg_send(*(int *)ctx, MSG_STOPPED, sig, NULL);
}

/* pid 1 with the payload's pseudo-terminal: its controlling terminal (so it can give the
 * terminal to the payload or take it back), set up as the caller's (modes, window size), owned
 * by the payload's user; the master goes to sbox. */
static int setup_pty(const struct sbox_plan *p, int chan, int pty[2], struct sbox_error *err)
{
    struct termios mode;
    struct winsize ws;
    if (ioctl(pty[1], TIOCSCTTY, 0) < 0)
        return sbox_error(err, errno, "make the pseudo-terminal the sandbox's");
    for (int fd = 0; fd < 3; fd++)
        if ((p->ttys & (1U << fd)) && tcgetattr(fd, &mode) == 0) {
            tcsetattr(pty[1], TCSANOW, &mode);
            break;
        }
    for (int fd = 1; fd < 4; fd++)
        if ((p->ttys & (1U << (fd % 3))) && ioctl(fd % 3, TIOCGWINSZ, &ws) == 0) {
            ioctl(pty[1], TIOCSWINSZ, &ws);
            break;
        }
    if (fchown(pty[1], p->uid, p->gid) < 0)
        return sbox_error(err, errno, "give the pseudo-terminal to uid %u", p->uid);
    if (msg_send_fd(chan, MSG_PTY, 0, NULL, pty[0]) < 0)
        return sbox_error(err, errno, "send the pseudo-terminal");
    sbox_closep(&pty[0]);
    return 0;
}

/* pid 1 keeps none of the caller's terminal: only sbox may touch it. */
static void drop_terminal(const struct sbox_plan *p)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; fd++)
        if (p->ttys & (1U << fd)) {
            if (null >= 0)
                dup2(null, fd);
            else
                close(fd);
        }
    if (null > 2)
        close(null);
}

/* pid 1, with allow-host: the proxy's listeners on the sandbox's loopback, made before the
 * payload exists (nothing else can have the ports) and sent to sbox, which accepts on them. pid
 * 1 keeps no copy: the payload, whatever it becomes, can never accept a connection meant for
 * the proxy. */
static int send_listeners(int chan, struct sbox_error *err)
{
    static const struct {
        enum sbox_proxy_kind kind;
        uint16_t port;
    } ports[] = {{SBOX_PROXY_HTTP, SBOX_PROXY_HTTP_PORT},
                 {SBOX_PROXY_SOCKS, SBOX_PROXY_SOCKS_PORT}};
    for (size_t i = 0; i < 2; i++) {
        int fd = sbox_net_listen_loopback(ports[i].port, err), r;
        if (fd < 0)
            return fd;
        r = msg_send_fd(chan, MSG_LISTENER, (int)ports[i].kind, NULL, fd);
        close(fd);
        if (r < 0)
            return sbox_error(err, errno, "send allow-host's listener to sbox");
    }
    return 0;
}

/* landlock-test-rw: the plan the mounts are made from, with that read-only bind made writable
 * (the ruleset keeps it read-only: plan.c allows this only with landlock = required). Indices
 * stay those of p's mounts, which the bind sources are kept by. */
static const struct sbox_plan *test_weakened(const struct sbox_plan *p)
{
    struct sbox_plan *w = sbox_xmalloc(sizeof *w);
    *w = *p;
    w->mounts = sbox_xmalloc(p->n_mounts * sizeof *w->mounts);
    memcpy(w->mounts, p->mounts, p->n_mounts * sizeof *w->mounts);
    for (size_t i = p->n_mounts; i-- > 0;)
        if (strcmp(w->mounts[i].dst, p->landlock_test_rw) == 0) {
            w->mounts[i].kind = SBOX_MOUNT_BIND;
            break;
        }
    return w;
}

/* cap-add NET_BIND_SERVICE for a payload in a nested user namespace (a uid other than 0 on the
 * single map with a user-mode network, sbox_idmap_nested): the capability is the nested
 * namespace's, and the network namespace belongs to the one above, so it would not count. The
 * sandbox's own network namespace then lets every port be bound instead (its
 * ip_unprivileged_port_start, a per-namespace sysctl: the host's ports are not touched). */
static bool low_ports_by_sysctl(const struct launch *l)
{
    return sbox_idmap_nested(l->p, l->map.ranged) &&
           (sbox_plan_caps(l->p) & (1ULL << CAP_NET_BIND_SERVICE));
}

static int open_low_ports(struct sbox_error *err)
{
    /* The host's /proc still: its net directory is the opener's network namespace, this one. */
    static const char path[] = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1)
        return sbox_error(err, errno, "cap-add NET_BIND_SERVICE: write %s", path);
    return 0;
}

static _Noreturn void child_main(const struct launch *l, int chan)
{
    const struct sbox_plan *p = l->p;
    const struct sbox_mount_env *env = &l->env;
    struct sbox_error err = {0}, note = {0};
    struct msg go;
    sigset_t early;
    pid_t payload = -1;
    int pty[2] = {-1, -1}, wstatus = -1, gate = -1;

    /* Die with sbox, even when it is SIGKILLed. Set before waiting for the go-ahead, so a parent
     * that dies earlier shows up as end-of-file on the channel instead. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* The overlay's and the capture's locks stay with pid 1 (and fuse-overlayfs): they are free
     * only when every process that could write an upper layer is gone. The captured
     * directories and the capture store stay until the mounts are made. */
    {
        size_t n = 0;
        int *keep =
            sbox_xmalloc((2 * p->n_mounts + p->n_pass_fds + env->n_layer_fds + 8) * sizeof *keep);
        keep[n++] = chan;
        keep[n++] = p->image ? p->image_facts.inuse : -1;
        keep[n++] = sbox_coverage_fd();
        keep[n++] = env->lock_fd;
        keep[n++] = env->capture_lock_fd;
        keep[n++] = env->capture_store_fd;
        keep[n++] = env->overlayd_chan;
        keep[n++] = env->rootfs_fd;
        for (size_t i = 0; i < env->n_layer_fds; i++)
            keep[n++] = env->layer_fds[i];
        for (size_t i = 0; env->capture_fds && i < p->n_mounts; i++)
            keep[n++] = env->capture_fds[i];
        for (size_t i = 0; env->bind_fds && i < p->n_mounts; i++)
            keep[n++] = env->bind_fds[i];
        for (size_t i = 0; i < p->n_pass_fds; i++)
            keep[n++] = p->pass_fds[i];
        sbox_close_inherited(keep, n);
        free(keep);
    }
    if (msg_recv(chan, true, &go, 0) != 1 || go.type != MSG_GO)
        _exit(125);
    /* A session of its own: kill(0, ...) and setpriority() on the group inside must not reach
     * the caller's shell or pipeline, and the caller's terminal is not the sandbox's: with a
     * pseudo-terminal the payload never holds it; without one (terminal = none) it cannot make
     * itself the terminal's foreground (tcsetpgrp) to read what the user types to the shell. */
    if (setsid() < 0) {
        sbox_error(&err, errno, "leave the caller's session");
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    }
    if (low_ports_by_sysctl(l) && open_low_ports(&err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    /* The payload now, to load its filter while the tree is built (payload_early_exec); it goes
     * on only when released through gate (a socket, so a payload gone cannot SIGPIPE pid 1). */
    if (l->payload_early) {
        int g[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g) == 0) {
            payload = fork();
            if (payload == 0) {
                close(g[1]);
                payload_early_exec(l, chan, g[0]);
            }
            close(g[0]);
            if (payload > 0)
                gate = g[1];
            else
                close(g[1]);
        }
    }

    if (sbox_mount_setup(p->landlock_test_rw ? test_weakened(p) : p, env, note.msg, sizeof note.msg,
                         pty, &err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    if (pty[1] >= 0 && setup_pty(p, chan, pty, &err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    close_setup_fds(l);
    if (p->verbose && note.msg[0])
        (void)msg_send(chan, MSG_NOTE, 0, &note);
    if (sethostname(p->hostname, strlen(p->hostname)) < 0) {
        sbox_error(&err, errno, "set the hostname");
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    }
    /* The host's network is the host's: its loopback is up, and not sbox's to touch. */
    if (p->net == SBOX_NET_NONE && sbox_net_loopback_up(&err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    if (p->n_allow_hosts && send_listeners(chan, &err) < 0)
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    if (chdir(p->chdir) < 0) {
        sbox_error(&err, errno, "working directory `%s`", p->chdir);
        if (p->chdir_origin.kind != SBOX_ORIGIN_BUILTIN)
            sbox_origin_error(&err, &p->chdir_origin, "chdir");
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    }
    /* The network helper started beside this setup; the payload waits until it is ready. */
    if (sbox_net_usermode(p->net) && (msg_recv(chan, true, &go, 0) != 1 || go.type != MSG_NET_UP))
        _exit(125);

    sigpending(&early);
    if (gate >= 0) {
        (void)send(gate, "g", 1, MSG_NOSIGNAL);
        close(gate);
    } else {
        payload = fork();
    }
    if (payload < 0) {
        sbox_error(&err, errno, "fork the payload");
        child_fail(chan, MSG_SETUP_FAILED, 125, &err);
    }
    if (payload == 0)
        payload_exec(l, chan, pty[1], go.status != 0);
    for (size_t i = 0; i < p->n_pass_fds; i++)
        close(p->pass_fds[i]); /* the payload's: a pipe's end of file must not wait for pid 1 */
    if (pty[1] >= 0) {
        /* Both sides set the group, as shells do, so neither order of events races. */
        setpgid(payload, payload);
        drop_terminal(p);
    }
    {
        /* The payload cannot be reaped before this is sent: the pidfd names it still. */
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, payload, 0);
        (void)msg_send_fd(chan, MSG_READY, 0, NULL, pidfd);
    }
    {
        const struct sbox_init in = {
            .payload = payload, .tty = pty[1], .on_stop = report_stop, .ctx = &chan};
        int status = sbox_init_run(&in, &early, &wstatus);
        sbox_init_end_all();
        sbox_coverage_dump();
        if (wstatus != -1)
            (void)msg_send(chan, MSG_EXITED, wstatus, NULL);
        _exit(status);
    }
}

/* Kills the sandbox's pid 1 (the kernel then kills everything in its pid namespace) and reaps
 * it: *status (when not NULL) is its wait status. errno is kept for the caller's message. */
static void kill_and_reap(pid_t pid, int *status)
{
    int e = errno;
    kill(pid, SIGKILL);
    waitpid(pid, status, 0);
    errno = e;
}

/* clone(2) of the sandbox's pid 1, straight into its cgroup when it has one (clone3 with
 * CLONE_INTO_CGROUP; where clone3 is refused as unknown, as some container runtimes' filters
 * do, a plain clone moved there before it is released). */
static pid_t clone_sandbox(int ns, int cgroup_fd, bool *cgroup_refused)
{
    pid_t pid;
    *cgroup_refused = false;
    if (cgroup_fd >= 0) {
        struct {
            uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
                set_tid, set_tid_size, cgroup;
        } args = {.flags = (uint64_t)ns | CLONE_INTO_CGROUP_FLAG,
                  .exit_signal = SIGCHLD,
                  .cgroup = (uint64_t)cgroup_fd};
        pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
        if (pid >= 0)
            return pid;
        /* The kernel would not start a process there (a threaded subtree, a permission the
         * delegation lacks): the caller goes on without the cgroup. */
        if (errno != ENOSYS && errno != E2BIG && errno != EINVAL) {
            *cgroup_refused = true;
            return -1;
        }
    }
    pid = (pid_t)syscall(SYS_clone, ns | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid > 0 && cgroup_fd >= 0) {
        char text[16];
        int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        snprintf(text, sizeof text, "%d", (int)pid);
        if (fd < 0 || write(fd, text, strlen(text)) < 0) {
            kill_and_reap(pid, NULL);
            pid = -1;
        }
        if (fd >= 0)
            close(fd);
    }
    return pid;
}

static void on_signal(struct launch *l, int sig);
static void read_messages(struct launch *l);

enum net_start { NET_UP, CHILD_ENDED, CANCELLED, HELPER_FAILED };

/* The network helper's start, waited for while the child sets the sandbox up; then pid 1 may
 * start the payload (MSG_NET_UP). NET_UP: the payload starts. CHILD_ENDED: the child failed or
 * died, and is reaped into l->status (its report, if any, in l->report). CANCELLED: a signal
 * told sbox to stop before the command ran; the child is gone and l->status is the signal.
 * HELPER_FAILED: err says why; the child is gone, with no report of its own. */
static enum net_start await_network(struct launch *l, struct sbox_error *err)
{
    for (;;) {
        struct pollfd stop[2] = {{.fd = l->chan, .events = POLLIN},
                                 {.fd = l->sfd, .events = POLLIN}};
        struct signalfd_siginfo si;
        struct msg m;
        int r = sbox_usernet_ready(l->p, &l->usernet, stop, 2, err);
        if (r == 0) {
            (void)msg_send(l->chan, MSG_NET_UP, 0, NULL);
            return NET_UP;
        }
        if (r > 0 && stop[0].revents) {
            /* Notes, the terminal and the listeners are taken as later on; the child's report
             * or its end of file ends the wait. */
            read_messages(l);
            if (!l->have_report && l->chan_open)
                continue;
            kill_and_reap(l->pid, &l->status);
            return CHILD_ENDED;
        }
        if (r > 0) {
            if (read(l->sfd, &si, sizeof si) != (ssize_t)sizeof si)
                continue;
            if (si.ssi_signo == SIGCHLD) {
                if (waitpid(l->pid, &l->status, WNOHANG) == l->pid)
                    return CHILD_ENDED;
                continue;
            }
            /* A stop, a window resized, a continue: nothing to cancel. */
            if (si.ssi_signo == SIGTSTP || si.ssi_signo == SIGWINCH || si.ssi_signo == SIGCONT) {
                if (l->p->pty && si.ssi_signo != SIGTSTP)
                    on_signal(l, (int)si.ssi_signo);
                continue;
            }
            kill_and_reap(l->pid, NULL);
            l->status = (int)si.ssi_signo;
            return CANCELLED;
        }
        /* The helper failed, perhaps only because the child's namespace went away with the
         * child: then the child's report says what really went wrong. */
        kill_and_reap(l->pid, &l->status);
        while (msg_recv(l->chan, false, &m, MSG_DONTWAIT) == 1)
            if (m.type == MSG_SETUP_FAILED) {
                l->report = m;
                l->have_report = true;
                return CHILD_ENDED;
            }
        return HELPER_FAILED;
    }
}

/* fuse-overlayfs, when an overlay or a capture may need it, and its daemons' keeper made ready:
 * with overlay-driver = auto, a keeper that cannot be made is as if it were not installed. */
static int prepare_fuse(struct launch *l, struct sbox_error *err)
{
    const struct sbox_plan *p = l->p;
    struct sbox_error why = {0};
    if (p->overlay != SBOX_OVERLAY_NONE || sbox_plan_captures(p)) {
        l->fuse_program = sbox_find_program("fuse-overlayfs");
        if (!l->fuse_program && p->overlay_driver == SBOX_OVERLAY_FUSE)
            return sbox_origin_errorf(err, &p->overlay_driver_origin, "overlay-driver",
                                      "overlay-driver = fuse, but fuse-overlayfs is not "
                                      "installed (package fuse-overlayfs)");
        l->env.fuse_program = l->fuse_program;
    }
    l->env.overlayd_chan = -1;
    if (!l->fuse_program)
        return 0;
    if (sbox_overlayd_prepare(&l->overlayd, l->fuse_program, &why) == 0) {
        l->env.overlayd_chan = l->overlayd.chan[1];
    } else if (p->overlay_driver == SBOX_OVERLAY_FUSE) {
        *err = why;
        return sbox_error_prefix(err, "fuse-overlayfs");
    } else {
        l->env.fuse_program = NULL; /* auto: as if it were not installed */
    }
    return 0;
}

/* The payload's Landlock ruleset, derived from the plan here (it is applied inside, after the
 * mounts): none where the kernel has no Landlock, unless the plan requires it. */
static int prepare_landlock(struct launch *l, struct sbox_error *err)
{
    const struct sbox_plan *p = l->p;
    if (p->landlock == SBOX_LANDLOCK_OFF)
        return 0;
    l->landlock_abi = sbox_landlock_abi();
    if (l->landlock_abi == 0 && p->landlock == SBOX_LANDLOCK_REQUIRED)
        return sbox_origin_errorf(err, &p->landlock_origin, "landlock",
                                  "landlock = required, but this kernel has no Landlock (it needs "
                                  "CONFIG_SECURITY_LANDLOCK=y and landlock in its `lsm=` list)");
    if (l->landlock_abi == 0) {
        if (p->verbose)
            sbox_note(l->notes, "no Landlock on this kernel: the namespaces alone keep the host");
        return 0;
    }
    sbox_landlock_derive(p, false, &l->landlock);
    if (p->verbose)
        sbox_note(l->notes, "Landlock ABI %d: the payload gets the ruleset above%s%s",
                  l->landlock_abi, l->landlock_abi < 4 ? " (no TCP rules before ABI 4)" : "",
                  l->landlock_abi < 6 ? " (no scopes before ABI 6)" : "");
    return 0;
}

/* The ranged map: the kept namespace when one answers (joined at spawn), else a note of why
 * under -v, and a keeper to start once this sandbox runs (not from a systemd scope made for
 * the limits, which the keeper would hold open). */
static void prepare_kept(struct launch *l)
{
    const struct sbox_plan *p = l->p;
    char why[160];
    if (!l->map.ranged || !p->userns_keep_ms)
        return;
    if (sbox_keptns_find(&l->map.r, p->host_uid, p->host_gid, &l->kept, why, sizeof why) == 0) {
        if (p->verbose)
            sbox_note(l->notes, "id map: subuid, nested in the user namespace %s keeps (pid %d)",
                      SBOX_KEPTNS_NAME, (int)l->kept.keeper);
        return;
    }
    l->keep_start = !sbox_cgroup_in_scope();
    if (p->verbose)
        sbox_note(l->notes, "id map: no kept user namespace to nest in (%s)%s", why,
                  l->keep_start ? "; one is kept from this run on (userns-keep)" : "");
}

/* Everything the sandbox is made of, checked, made or opened before it exists, so a failure
 * is a clean error with nothing started: the guards, the bind sources, the id map, the cgroup,
 * the seccomp filter, fuse-overlayfs, the resolver, the kept overlay, the capture, the
 * channel. A kept overlay directory this made goes again on failure. */
/* pass-fd: each descriptor open, and none that is a way around the sandbox's walls: a directory
 * (or an O_PATH descriptor) would let the payload open files outside by openat(), a terminal
 * would bypass its own pseudo-terminal. */
static int check_pass_fds(const struct sbox_plan *p, struct sbox_error *err)
{
    for (size_t i = 0; i < p->n_pass_fds; i++) {
        int fd = p->pass_fds[i], flags = fcntl(fd, F_GETFL);
        const char *why = NULL;
        struct stat st;
        if (flags < 0 || fstat(fd, &st) < 0)
            why = "is not open";
        else if (S_ISDIR(st.st_mode) || (flags & O_PATH))
            why = "is a directory or a path (openat() through it would reach outside)";
        else if (isatty(fd))
            why = "is a terminal (the command gets one of its own)";
        if (why) {
            sbox_error(err, 0, "descriptor %d %s", fd, why);
            return sbox_origin_error(err, &p->pass_fd_origins[i], "pass-fd");
        }
    }
    return 0;
}

/* Whether the payload may load its filter before pid 1 builds the tree (payload_early_exec):
 * there is one, the policy allows every call the payload still makes after it, and the run has
 * no pseudo-terminal (which pid 1 opens once the tree is there), no nested user namespace
 * (which the filter forbids), no user-mode network, and no one wants the payload's pid (a
 * payload that ran at once may be reaped before sbox reads it from its pidfd). */
static bool payload_may_start_early(const struct launch *l, const struct sbox_seccomp_policy *pol)
{
    /* The calls it makes after its filter: its working directory, capabilities, uid and
     * gid, no_new_privs, Landlock ruleset, descriptors, exec; a failure's report. */
    static const char after[] =
        "read write close close_range fcntl openat openat2 open fstat newfstatat chdir "
        "rt_sigprocmask brk mmap munmap capget capset prctl setresuid setresgid setgroups setuid "
        "setgid landlock_create_ruleset landlock_add_rule landlock_restrict_self sendmsg recvmsg "
        "execve exit exit_group";
    const struct sbox_plan *p = l->p;
    /* With a user-mode network, pid 1 reads the channel for NET_UP while the payload would wait
     * there for its notes' answers: one reader at a time. */
    if (!l->filter.prog.len || p->pty || sbox_idmap_nested(p, l->map.ranged) ||
        sbox_net_usermode(p->net) || p->payload_pid_wanted)
        return false;
    for (const char *c = after; *c;) {
        char name[32];
        size_t n = strcspn(c, " ");
        snprintf(name, sizeof name, "%.*s", (int)n, c);
        if (sbox_seccomp_answer(pol, name) != SBOX_SECCOMP_ALLOWED)
            return false;
        c += n + (c[n] == ' ');
    }
    return true;
}

static int prepare(struct launch *l, struct sbox_error *err)
{
    const struct sbox_plan *p = l->p;
    struct sbox_seccomp_policy policy;
    int sv[2], r;

    r = check_pass_fds(p, err);
    if (r < 0)
        return r;
    r = sbox_guard_check(p, err);
    if (r < 0)
        return r;
    /* Opened here, once: the child mounts these files, whatever their paths lead to by then. */
    r = sbox_pin_sources(p, &l->pins, err);
    if (r < 0)
        return r;
    l->env.bind_fds = l->pins.fds;
    l->env.rootfs_fd = l->pins.rootfs;
    l->env.layer_fds = l->pins.layers;
    l->env.n_layer_fds = l->pins.n_layers;
    r = sbox_idmap_choose(p, &l->map, l->notes, err);
    if (r < 0)
        return r;
    prepare_kept(l);
    r = sbox_limits_setup(p, &l->cg, &l->covered, l->notes, err);
    if (r < 0)
        return r;
    sbox_plan_seccomp_policy(p, &policy);
    r = sbox_seccomp_compile(&l->filter, &policy, err);
    if (r < 0)
        return r;
    l->payload_early = payload_may_start_early(l, &policy);
    r = prepare_landlock(l, err);
    if (r < 0)
        return r;
    r = prepare_fuse(l, err);
    if (r < 0)
        return r;
    r = sbox_proxy_prepare(&l->proxy, p, l->notes, err);
    if (r < 0)
        return r;
    r = sbox_publish_open(&l->publish, p, l->notes, err);
    if (r < 0)
        return r;
    /* Sharing the host's network means the host's resolver, read here, before the sandbox's
     * root replaces the host's: for an image, and for a host whose /etc/resolv.conf leads into
     * /run, which the sandbox has its own of. */
    if (p->net == SBOX_NET_HOST)
        l->env.resolv_conf = l->resolv = sbox_read_text("/etc/resolv.conf");
    l->env.lock_fd = l->env.capture_lock_fd = l->env.capture_store_fd = -1;
    if (p->overlay == SBOX_OVERLAY_DIR) {
        r = sbox_overlay_store_prepare(p, &l->store, err);
        if (r < 0)
            return r;
        l->env.lock_fd = l->store.lock;
    }
    if (sbox_plan_captures(p)) {
        r = sbox_capture_begin(p, &l->capture, err);
        if (r < 0) {
            sbox_overlay_store_discard(&l->store);
            return r;
        }
        if (l->capture.note[0])
            sbox_note(l->notes, "%s", l->capture.note);
        l->env.capture_lock_fd = l->capture.lock_fd;
        l->env.capture_store_fd = l->capture.store_fd;
        l->env.capture_fds = l->capture.src_fds;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return sbox_error(err, errno, "create the setup channel");
    l->chan = sv[0];
    l->child_chan = sv[1];
    return 0;
}

#if defined(__SANITIZE_ADDRESS__)
#define SBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBOX_ASAN 1
#endif
#endif

/* spawn_kept's child, gone or going: reaped (a zombie child of sbox would look like pid 1 to
 * whoever lists sbox's children). */
static void reap_joiner(struct launch *l)
{
    if (l->joiner > 0)
        while (waitpid(l->joiner, NULL, 0) < 0 && errno == EINTR)
            ;
    l->joiner = -1;
}

/* The short-lived child of spawn_kept, and what it reports. */
struct kept_clone {
    struct launch *l;
    int ns, cgroup_fd;
    pid_t pid;  /* pid 1; with err set, one to reap */
    pid_t seen; /* its pid as /proc counts it */
    int err;
    bool refused;
};

/* In that child, which shares sbox's memory while sbox waits (CLONE_VFORK): joins the kept
 * namespace, clones pid 1 (which has a copy of the memory of its own and goes on to child_main
 * on this stack), writes its maps, and reports through k. */
static int kept_child(void *arg)
{
    struct kept_clone *k = arg;
    struct sbox_error e = {0};
    pid_t seen = -1;
    if (setns(k->l->kept.fd, CLONE_NEWUSER) < 0) {
        k->err = errno;
        return 0;
    }
    /* Into a cgroup by clone3 alone: the plain clone's fallback would move pid 1 there and, on
     * failure, kill a child this process cannot reap (it is sbox's). */
    if (k->cgroup_fd >= 0) {
        struct {
            uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
                set_tid, set_tid_size, cgroup;
        } args = {.flags = (uint64_t)(k->ns | CLONE_PARENT) | CLONE_INTO_CGROUP_FLAG,
                  .cgroup = (uint64_t)k->cgroup_fd};
        /* exit_signal 0: with CLONE_PARENT, pid 1 takes this child's (SIGCHLD) */
        k->pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
        k->refused = k->pid < 0 && errno != ENOSYS && errno != E2BIG && errno != EINVAL;
    } else {
        k->pid = clone_sandbox(k->ns | CLONE_PARENT, -1, &k->refused);
    }
    if (k->pid == 0) {
        struct launch *l = k->l;
        l->pid = 0;
        sbox_closep(&l->chan);
        child_main(l, l->child_chan);
    }
    if (k->pid < 0)
        k->err = errno;
    else if (sbox_idmap_proc_pid(k->pid, &seen, &e) < 0 ||
             sbox_idmap_write_identity(seen, &k->l->map.r, &e) < 0)
        k->err = e.err ? e.err : EPERM;
    k->seen = seen;
    if (k->err && k->pid > 0)
        kill(k->pid, SIGKILL);
    return 0;
}

/* The sandbox's pid 1 in a user namespace of its own nested in the kept one. A process may make
 * a user namespace only as a child of its own, so a short-lived child of sbox joins the kept
 * namespace, clones pid 1 as sbox's child (CLONE_PARENT), writes its maps (as root of the kept
 * namespace it may: the identity over the kept namespace's ids, which are the ranged map's) and
 * reports. That child shares sbox's memory and runs on a stack of its own (a fork would copy
 * sbox's page tables, a tenth of a millisecond); pid 1 keeps running on a copy of that stack.
 * The sandbox's namespace stays its own: its keyrings, its counts and its /proc/sys/user are
 * not shared with other runs. Returns 1 with l->pid set, 0 when the kept namespace could not be
 * used (the caller clones as before), -1 with errno when the clone was refused its cgroup
 * (*cgroup_refused). */
static int spawn_kept(struct launch *l, int ns, int cgroup_fd, bool *cgroup_refused)
{
    struct kept_clone k = {.l = l, .ns = ns, .cgroup_fd = cgroup_fd, .pid = -1, .seen = -1};
    pid_t m;
#ifdef SBOX_ASAN
    /* AddressSanitizer cannot follow pid 1 onto a stack of its own (it warns at every call that
     * does not return, on the sandbox's stderr): there, a fork, whose copy of sbox's stack pid 1
     * goes on with, reporting through a pipe. */
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) < 0)
        return 0;
    m = fork();
    if (m == 0) {
        close(pp[0]);
        kept_child(&k);
        (void)!write(pp[1], &k, sizeof k);
        _exit(0);
    }
    close(pp[1]);
    if (m > 0 && read(pp[0], &k, sizeof k) != (ssize_t)sizeof k)
        k = (struct kept_clone){.l = l, .pid = -1, .err = EIO};
    close(pp[0]);
#else
    /* pid 1's whole stack (the payload's until it execs), reserved, not committed. */
    const size_t size = 8 << 20;
    char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return 0;
    /* A guard page below it: an overflow faults rather than writing over something else. */
    mprotect(stack, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE);
    m = clone(kept_child, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, &k);
    /* Not unmapped: the child ran on another CPU, whose TLB an unmap would have to flush (an
     * interrupt, tens of microseconds in a virtual machine) on the way to the sandbox's start;
     * sbox's exit frees it with the rest. */
#endif
    if (m < 0)
        return 0;
    /* It is done once clone returns (CLONE_VFORK), but its exit may not be: reaped once pid 1
     * is released (reap_joiner), off the way to the sandbox's start. */
    l->joiner = m;
    if (k.err)
        reap_joiner(l);
    if (k.pid > 0 && k.err)
        waitpid(k.pid, NULL, 0);
    if (k.err && !k.refused && l->p->verbose)
        sbox_note(l->notes, "id map: the kept user namespace could not be used (%s): mapped anew",
                  strerror(k.err));
    if (k.pid > 0 && !k.err) {
        l->pid = k.pid;
        l->kept_mapped = true;
        l->kept_seen = k.seen;
        return 1;
    }
    if (k.refused) {
        *cgroup_refused = true;
        errno = k.err;
        return -1;
    }
    return 0;
}

/* The sandbox's pid 1, in its cgroup when it has one; when the kernel refuses that cgroup, in
 * none, with the limits it covered as sbox_limits_uncovered says. */
static int spawn(struct launch *l, struct sbox_error *err)
{
    /* net = host: every namespace but the network's. */
    const int ns = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
                   (l->p->net == SBOX_NET_HOST ? 0 : CLONE_NEWNET) | CLONE_NEWCGROUP;
    bool cgroup_refused = false;
    int e, r;

    fflush(NULL);
    r = l->kept.fd >= 0 ? spawn_kept(l, ns, l->cg.fd, &cgroup_refused) : 0;
    if (r > 0)
        return 0;
    if (r == 0)
        l->pid = clone_sandbox(ns, l->cg.fd, &cgroup_refused);
    if (l->pid < 0 && cgroup_refused) {
        char why[300];
        snprintf(why, sizeof why, "the sandbox could not start in its cgroup %.160s (%s)",
                 l->cg.path, strerror(errno));
        sbox_cgroup_remove(&l->cg);
        l->covered = 0;
        r = sbox_limits_uncovered(l->p, 0, why, l->notes, err);
        if (r < 0)
            return r;
        l->pid = clone_sandbox(ns, -1, &cgroup_refused);
    }
    if (l->pid >= 0)
        return 0;
    e = errno;
    if (e == EPERM || e == ENOSPC || e == EUSERS) {
        _cleanup_free_ char *why = sbox_check_userns_refused(e);
        return sbox_error(err, e, "create the sandbox's namespaces: %s", why);
    }
    return sbox_error(err, e, "create the sandbox's namespaces");
}

/* Clones the sandbox, writes its id maps, starts what runs beside it (the fuse daemons'
 * keeper, the network helper) and releases it. On failure the child is gone. */
static int start(struct launch *l, struct sbox_error *err)
{
    const struct sbox_plan *p = l->p;
    sigset_t relay, blocked;
    pid_t seen = -1; /* the sandbox's pid in /proc: the numbers differ under a stale /proc */
    int r;

    /* Blocked from before clone, so neither side can miss one; the child inherits the mask,
     * which is exactly what pid 1 needs. */
    sbox_init_forward_set(&relay);
    sigaddset(&relay, SIGCHLD);
    sigaddset(&relay, SIGTSTP);
    /* SIGTTOU and SIGTTIN blocked too: putting the caller's terminal mode back from the
     * background must not stop sbox, and a read there is EIO, never the user's keys. pid 1
     * inherits the mask: SBOX_SIG_RESUME must wait for it from the start. */
    blocked = relay;
    sigaddset(&blocked, SIGTTOU);
    sigaddset(&blocked, SIGTTIN);
    sigaddset(&blocked, SBOX_SIG_RESUME);
    sigprocmask(SIG_BLOCK, &blocked, &l->caller_mask);
    l->proxy.child_mask = l->publish.child_mask = l->caller_mask;
    l->sfd = signalfd(-1, &relay, SFD_CLOEXEC | SFD_NONBLOCK);
    if (l->sfd < 0) {
        r = sbox_error(err, errno, "create a signalfd");
        sbox_closep(&l->child_chan);
        return r;
    }
    r = spawn(l, err);
    if (r >= 0 && l->pid == 0) {
        sbox_closep(&l->chan);
        child_main(l, l->child_chan);
    }
    sbox_closep(&l->child_chan);
    if (r < 0)
        return r;
    sbox_closep(&l->overlayd.chan[1]);

    r = 0;
    if (l->kept_mapped && l->kept_seen > 0)
        seen = l->kept_seen; /* the child that wrote the kept maps saw the same /proc */
    else
        r = sbox_idmap_proc_pid(l->pid, &seen, err);
    /* net = none: the namespace's counters, opened while it is sure to be the sandbox's (the
     * child waits for GO), kept to the end: an open file keeps the namespace readable after
     * pid 1 is gone. */
    if (r >= 0 && p->net == SBOX_NET_NONE && !p->n_allow_hosts) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/net/snmp", (int)seen);
        l->snmp[0] = open(path, O_RDONLY | O_CLOEXEC);
        snprintf(path, sizeof path, "/proc/%d/net/snmp6", (int)seen);
        l->snmp[1] = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (r >= 0 && !l->kept_mapped)
        r = sbox_idmap_write(p, &l->map, seen, err);
    if (r >= 0)
        r = sbox_publish_attach(&l->publish, seen, err);
    /* The fuse daemons' keeper joins the sandbox's user and mount namespaces, never its pid
     * namespace, before the sandbox may ask it for anything. */
    if (r >= 0 && l->overlayd.chan[0] >= 0)
        r = sbox_overlayd_start(&l->overlayd, seen, l->store.lock, err);
    /* The sandbox's network helper joins the namespace (through the user namespace, which needs
     * the map) and starts while the sandbox sets itself up. */
    if (r >= 0 && sbox_net_usermode(p->net))
        r = sbox_usernet_start(p, seen, &l->usernet, err);
    /* The payload has its terminal from the start when the run is interactive and sbox is in
     * the foreground; otherwise once it asks for input then (stop_payload()). */
    if (r >= 0 && msg_send(l->chan, MSG_GO,
                           l->relay.interactive && sbox_terminal_foreground(l->relay.in), NULL) < 0)
        r = sbox_error(err, errno, "release the sandbox");
    reap_joiner(l);
    if (r < 0)
        kill_and_reap(l->pid, NULL);
    return r;
}

/* sbox tells pid 1 to continue the payload, and whether it may have its terminal now (how:
 * SBOX_RESUME_*). */
static void resume_payload(const struct launch *l, int how)
{
    union sigval v = {.sival_int = how};
    sigqueue(l->pid, SBOX_SIG_RESUME, v);
}

/* The payload stopped (pid 1 saw it, sig is why). It asked for input while sbox is in the
 * foreground: it gets its terminal. Otherwise sbox stops too, like a job (when the shell
 * continues sbox, SIGCONT in wait_sandbox() goes on); with no job control to continue sbox,
 * the payload is continued at once, once with a note: a silent hang helps no one. */
static void stop_payload(struct launch *l, int sig)
{
    struct sbox_relay *r = &l->relay;
    if (l->p->pty && (sig == SIGTTIN || sig == SIGTTOU) && sbox_terminal_foreground(r->in)) {
        sbox_relay_hand(r);
        resume_payload(l, SBOX_RESUME_HAND);
        return;
    }
    if (sbox_terminal_job_control()) {
        if (!l->p->pty) {
            sbox_terminal_suspend(l->pid);
            return;
        }
        sbox_relay_cooked(r);
        kill(getpid(), SIGSTOP);
        return;
    }
    if (!l->stop_noted)
        sbox_note(l->notes,
                  "the command stopped (SIG%s) and nothing here can continue it: "
                  "sbox continued it",
                  sigabbrev_np(sig) ?: "?");
    l->stop_noted = true;
    resume_payload(l, l->p->pty && sbox_relay_settle(r) ? SBOX_RESUME_FOREGROUND
                                                        : SBOX_RESUME_BACKGROUND);
}

/* Every message waiting, read before SIGCHLD is looked at: none is left unread when pid 1 is
 * gone (the payload's note and pid 1's READY come in either order). */
static void read_messages(struct launch *l)
{
    struct msg m;
    int n;
    while ((n = msg_recv(l->chan, false, &m, MSG_DONTWAIT)) == 1) {
        if (m.type == MSG_READY) {
            l->started = true;
            /* A keeper for the next runs, now that this one shows the ranges work. */
            if (l->keep_start)
                sbox_keptns_start(&l->map.r, l->p->host_uid, l->p->host_gid, l->p->userns_keep_ms);
            l->keep_start = false;
            if (l->on_ready)
                l->on_ready(l->ready_ctx, m.fd >= 0 ? sbox_status_pidfd_pid(m.fd) : -1, l->pid);
            if (m.fd >= 0)
                close(m.fd);
        } else if (m.type == MSG_PTY) {
            if (m.fd >= 0 && l->relay.master < 0)
                sbox_relay_attach(&l->relay, m.fd);
            else if (m.fd >= 0)
                close(m.fd);
        } else if (m.type == MSG_LISTENER) {
            if (m.fd >= 0)
                sbox_proxy_listener(&l->proxy, m.status, m.fd);
        } else if (m.type == MSG_NOTE) {
            sbox_note(l->notes, "%s", m.err.msg);
        } else if (m.type == MSG_PAYLOAD_NOTE) {
            sbox_note(l->notes, "%s", m.err.msg);
            (void)msg_send(l->chan, MSG_NOTED, 0, NULL);
        } else if (m.type == MSG_STOPPED) {
            stop_payload(l, m.status);
        } else if (m.type == MSG_EXITED) {
            l->have_exit = true;
            l->exit_wstatus = m.status;
        } else if (msg_kinds[m.type].report && !l->have_report) {
            l->report = m;
            l->have_report = true;
        }
    }
    if (n == 0) {
        /* pid 1 is ending (its files close before its namespaces are torn down): the network
         * helper can end alongside, rather than after. */
        l->chan_open = false;
        if (l->usernet.pid > 0)
            kill(l->usernet.pid, SIGKILL);
    }
}

/* A signal sbox received, while the sandbox runs. With a pseudo-terminal the window size is
 * its kernel's to announce, a stop is the payload's job's (pid 1 stops it and reports), and a
 * continue (fg or bg in the shell) settles who has the terminal. */
static void on_signal(struct launch *l, int sig)
{
    if (l->p->pty && sig == SIGWINCH) {
        sbox_relay_resize(&l->relay);
    } else if (l->p->pty && sig == SIGCONT) {
        resume_payload(l, sbox_relay_settle(&l->relay) ? SBOX_RESUME_FOREGROUND
                                                       : SBOX_RESUME_BACKGROUND);
    } else if (sig == SIGTSTP && !l->p->pty) {
        sbox_terminal_suspend(l->pid);
    } else {
        /* The sandbox is in a session of its own, so whatever reaches sbox (a ^C typed while
         * sbox has the terminal, a kill) is relayed, once. */
        kill(l->pid, sig);
    }
}

/* Until pid 1 is gone (reaped into l->status): its messages, the payload's terminal relayed,
 * and the signals sbox receives. */
static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* poll's timeout until the deadline (-1: none); at it, the whole sandbox is killed: pid 1's
 * death takes every process of its pid namespace with it. */
static int until_deadline(struct launch *l)
{
    uint64_t now;
    if (!l->deadline || l->timed_out)
        return -1;
    now = now_ms();
    if (now < l->deadline)
        return l->deadline - now > INT_MAX ? INT_MAX : (int)(l->deadline - now);
    l->timed_out = true;
    kill(l->pid, SIGKILL);
    return -1;
}

/* Whether sbox may return as soon as pid 1 reports how the payload ended (every other process
 * of the sandbox is gone by then: sbox_init_end_all), rather than after pid 1's own exit, which
 * tears its namespaces down: a millisecond's work the caller need not wait for, as with
 * bubblewrap. Not when something is let go only with pid 1: the kept overlay's lock, a
 * capture's upper layer (read after), fuse-overlayfs's daemons, the cgroup (removed empty), the
 * pseudo-terminal (its last output is read until pid 1 closes it). */
static bool may_end_early(const struct launch *l)
{
    return l->p->overlay != SBOX_OVERLAY_DIR && !sbox_plan_captures(l->p) && !l->fuse_program &&
           l->cg.fd < 0 && !l->p->pty;
}

static int wait_sandbox(struct launch *l, struct sbox_error *err)
{
    struct sbox_relay *r = &l->relay;
    bool master_open = true;
    /* The published ports' listeners after the 7 fixed ones. */
    _cleanup_free_ struct pollfd *fds = sbox_xmalloc((7 + l->publish.n) * sizeof *fds);
    for (;;) {
        struct signalfd_siginfo si;
        size_t n = 7;
        fds[0] = (struct pollfd){.fd = l->sfd, .events = POLLIN};
        fds[1] = (struct pollfd){.fd = l->chan_open ? l->chan : -1, .events = POLLIN};
        fds[2] = (struct pollfd){.fd = master_open ? r->master : -1,
                                 .events = POLLIN | (r->n_pending ? POLLOUT : 0)};
        fds[3] = (struct pollfd){.fd = sbox_relay_wants_input(r) ? r->in : -1, .events = POLLIN};
        sbox_proxy_pollfds(&l->proxy, fds + 4);
        n += sbox_publish_pollfds(&l->publish, fds + 7);
        if (poll(fds, n, until_deadline(l)) < 0) {
            int e;
            if (errno == EINTR)
                continue;
            e = sbox_error(err, errno, "wait for the sandbox");
            kill_and_reap(l->pid, NULL);
            return e;
        }
        if (fds[2].revents & POLLOUT)
            sbox_relay_flush(r);
        if ((fds[2].revents & (POLLIN | POLLHUP | POLLERR)) && !sbox_relay_output(r))
            master_open = false;
        if ((fds[3].revents & (POLLIN | POLLHUP | POLLERR)) && !sbox_relay_input(r))
            kill(l->pid, SIGHUP); /* the caller's terminal is gone */
        if (fds[1].revents & (POLLIN | POLLHUP))
            read_messages(l);
        if (l->have_exit && l->end_early)
            return 0;
        sbox_proxy_events(&l->proxy, fds + 4);
        sbox_publish_events(&l->publish, fds + 7);
        if (!(fds[0].revents & POLLIN) || read(l->sfd, &si, sizeof si) != (ssize_t)sizeof si)
            continue;
        if (si.ssi_signo == SIGCHLD) {
            /* The relays' children by their pids: pid 1's wait below stays its own. */
            sbox_proxy_reap(&l->proxy);
            sbox_publish_reap(&l->publish);
            if (waitpid(l->pid, &l->status, WNOHANG) == l->pid)
                return 0;
            continue;
        }
        on_signal(l, (int)si.ssi_signo);
    }
}

/* pid 1 is gone: its report (left on the channel, or read before) is sbox's error and status;
 * otherwise the status is the payload's, or 137 with a note when the cgroup killed it for
 * memory. */
static int collect(struct launch *l, int *ret_status, int *ret_signal, struct sbox_error *err)
{
    const struct sbox_plan *p = l->p;
    int ws;
    for (struct msg m; msg_recv(l->chan, false, &m, MSG_DONTWAIT) == 1;) {
        if (msg_kinds[m.type].report && !l->have_report) {
            l->report = m;
            l->have_report = true;
        } else if (m.type == MSG_EXITED) {
            l->have_exit = true;
            l->exit_wstatus = m.status;
        } else if (m.fd >= 0) {
            close(m.fd);
        }
    }
    if (l->have_report) {
        *err = l->report.err;
        err->msg[sizeof err->msg - 1] = '\0';
        *ret_status = l->report.status;
        return -(err->err ? err->err : EINVAL);
    }
    ws = l->have_exit ? l->exit_wstatus : l->status;
    *ret_status = sbox_init_status_code(ws);
    if (l->timed_out && !l->have_exit) {
        char where[512];
        sbox_origin_format(&p->timeout_origin, "timeout", where, sizeof where);
        sbox_note(l->notes,
                  "timeout: the sandbox ran for %s (%s) and was killed, every process "
                  "of it",
                  p->timeout_text, where);
        *ret_status = 124;
        return 0;
    }
    if (p->limits[SBOX_LIMIT_MEMORY].set && (l->covered & SBOX_CG_MEMORY) && WIFSIGNALED(ws) &&
        WTERMSIG(ws) == SIGKILL && sbox_cgroup_oom_killed(&l->cg)) {
        sbox_note(l->notes, "killed: out of memory (limit %s)", p->limits[SBOX_LIMIT_MEMORY].text);
        *ret_status = 137;
        return 0;
    }
    /* pid 1 never dies of a signal from inside its namespace: someone outside killed the
     * sandbox, and the command did not end by itself. Said, and not passed on as the command's
     * own death. */
    if (!l->have_exit && WIFSIGNALED(l->status)) {
        sbox_note(l->notes,
                  "the sandbox was killed from outside: its pid 1 (%d here) got SIG%s, and the "
                  "command did not end by itself",
                  (int)l->pid, sigabbrev_np(WTERMSIG(l->status)) ?: "?");
        return 0;
    }
    if (WIFSIGNALED(ws))
        *ret_signal = WTERMSIG(ws);
    return 0;
}

/* From the release to the end: the network's start (user-mode networks), then the sandbox's
 * messages and sbox's signals until pid 1 is gone. */
static int supervise(struct launch *l, int *ret_status, int *ret_signal, struct sbox_error *err)
{
    int r;
    if (l->p->timeout_ms)
        l->deadline = now_ms() + l->p->timeout_ms;
    if (sbox_net_usermode(l->p->net)) {
        switch (await_network(l, err)) {
        case NET_UP:
            break;
        case CHILD_ENDED:
            return collect(l, ret_status, ret_signal, err);
        case CANCELLED:
            *ret_status = 128 + l->status;
            return 0;
        case HELPER_FAILED:
            return -1;
        }
    }
    l->end_early = may_end_early(l);
    r = wait_sandbox(l, err);
    if (r < 0)
        return r;
    return collect(l, ret_status, ret_signal, err);
}

/* The whole of a small /proc file opened before, into buf. */
static const char *pread_text(int fd, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t n;
    if (fd < 0)
        return NULL;
    while (len < size - 1 && (n = pread(fd, buf + len, size - 1 - len, (off_t)len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    return len ? buf : NULL;
}

/* net = none, the command failed: whether it tried to reach anything outside the sandbox (a
 * connection with no route, a resolver asked on the sandbox's loopback, where none is), which
 * is when saying the sandbox has no network helps, rather than after every failed test. */
static bool tried_outside(const struct launch *l)
{
    char snmp[8192], snmp6[16384];
    return sbox_net_tried_outside(pread_text(l->snmp[0], snmp, sizeof snmp),
                                  pread_text(l->snmp[1], snmp6, sizeof snmp6));
}

/* After start(), whatever happened: the caller's signal mask and terminal back, and what the
 * run leaves (a kept overlay directory made for a sandbox that never started goes again; a
 * capture of one that did is kept when it holds anything). */
static void finish(struct launch *l, int status)
{
    const struct sbox_plan *p = l->p;
    /* Signals meant for the sandbox that arrived after it ended are dropped, not delivered to
     * sbox when the mask is restored: the exit status stays the payload's. */
    if (l->sfd >= 0) {
        struct signalfd_siginfo si;
        while (read(l->sfd, &si, sizeof si) == (ssize_t)sizeof si)
            ;
    }
    /* The payload's last output, the terminal reset after it and its mode back, before any
     * line of sbox's own: SIGTTOU is still blocked here. */
    if (l->relay.master >= 0)
        sbox_relay_end(&l->relay);
    sbox_proxy_end(&l->proxy);
    sbox_publish_end(&l->publish);
    if (l->started && status != 0 && !l->have_report && l->have_exit &&
        WIFEXITED(l->exit_wstatus) && tried_outside(l))
        sbox_note(l->notes, "the sandbox has no network (net = none); --allow-host HOST lets "
                            "the command reach HOST");
    if (!l->started)
        sbox_overlay_store_discard(&l->store);
    /* A capture of a run that started is kept when it holds anything (and said so); one that
     * never started goes with the cleanup. */
    if (l->capture.store && l->started) {
        char **lines = sbox_capture_end(&l->capture, status, p->home);
        for (size_t i = 0; lines && lines[i]; i++)
            sbox_note(l->notes, "%s", lines[i]);
        sbox_strv_free(lines);
    }
    sigprocmask(SIG_SETMASK, &l->caller_mask, NULL);
}

/* In the order the locals of one long function were once freed: the fuse daemons' keeper
 * first, the channel last. */
static void launch_free(struct launch *l)
{
    reap_joiner(l);
    sbox_overlayd_stop(&l->overlayd);
    sbox_pins_close(&l->pins);
    sbox_capture_abort(&l->capture);
    sbox_overlay_store_close(&l->store);
    free(l->resolv);
    free(l->fuse_program);
    sbox_idmap_choice_free(&l->map);
    sbox_keptns_close(&l->kept);
    sbox_cgroup_remove(&l->cg);
    sbox_usernet_stop(&l->usernet);
    sbox_proxy_free(&l->proxy);
    sbox_publish_free(&l->publish);
    sbox_closep(&l->snmp[0]);
    sbox_closep(&l->snmp[1]);
    sbox_seccomp_free(&l->filter);
    sbox_landlock_ruleset_free(&l->landlock);
    sbox_closep(&l->sfd);
    sbox_closep(&l->child_chan);
    sbox_closep(&l->chan);
    sbox_closep(&l->relay.master);
}

int sbox_launch(const struct sbox_plan *p, char **envp, const struct sbox_notes *notes,
                void (*on_ready)(void *ctx, pid_t payload, pid_t init), void *ready_ctx,
                struct sbox_tty_restore *restore, int *ret_status, int *ret_signal,
                struct sbox_error *err)
{
    _cleanup_(launch_free) struct launch l = {
        .p = p,
        .envp = envp,
        .notes = notes,
        .on_ready = on_ready,
        .ready_ctx = ready_ctx,
        .cg = {.fd = -1},
        .overlayd = {.pid = -1, .chan = {-1, -1}, .program = -1, .devnull = -1},
        .store = {.lock = -1},
        .capture = {.store_fd = -1, .lock_fd = -1},
        .pins = {.rootfs = -1},
        .kept = {.fd = -1},
        .joiner = -1,
        .kept_seen = -1,
        .chan = -1,
        .child_chan = -1,
        .sfd = -1,
        .pid = -1,
        .usernet = {.exit_fd = -1, .ready_fd = -1, .pidfd = -1, .log_fd = -1},
        .snmp = {-1, -1},
        .chan_open = true,
    };
    int r;

    sbox_proxy_init(&l.proxy);
    sbox_publish_init(&l.publish);
    *ret_status = 125;
    *ret_signal = 0;
    sbox_relay_init(&l.relay, p->pty ? p->ttys : 0, p->interactive, p->terminal, restore);
    r = prepare(&l, err);
    if (r < 0)
        return r;
    r = start(&l, err);
    if (r >= 0)
        r = supervise(&l, ret_status, ret_signal, err);
    finish(&l, *ret_status);
    return r;
}
