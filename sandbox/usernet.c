/* usernet.c: runs slirp4netns (net = slirp) or pasta (net = pasta), and relays the published
 * TCP ports of net = slirp. Runs in the parent, on the host's side: nothing here is reachable from
 * the sandbox (the private directory with the API socket and the readiness FIFO is gone before
 * the payload starts), and a relay's child never reaches more than the sandbox's own loopback. */
#include "usernet.h"
#include "cleanup.h"
#include "coverage.h"
#include "files.h"
#include "idmap.h"
#include "proxy.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 10000
#define API_TIMEOUT_MS 5000

/* A published port bound on the host's side: the socket, or -errno with a line naming the
 * setting (a taken port above all: the helpers' own answers name no file or line). */
static int bind_port(const struct sbox_publish *pub, struct sbox_error *err)
{
    const struct sbox_publish_spec *ps = &pub->spec;
    struct sockaddr_storage ss = {0};
    socklen_t len;
    int one = 1;
    _cleanup_close_ int fd = -1;
    char what[128];
    if (strchr(ps->host_ip, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(ps->host_port);
        inet_pton(AF_INET6, ps->host_ip, &a->sin6_addr);
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(ps->host_port);
        inet_pton(AF_INET, ps->host_ip, &a->sin_addr);
        len = sizeof *a;
    }
    snprintf(what, sizeof what, "%s port %u on %s", ps->udp ? "udp" : "tcp", ps->host_port,
             ps->host_ip);
    fd = socket(ss.ss_family, (ps->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sbox_error(err, errno, "check %s", what);
    /* As the helpers bind: a port left in TIME_WAIT is free. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* [::] is IPv6's alone, as the plan counts it: 0.0.0.0 is another publish. */
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) == 0)
        return steal_fd(&fd);
    if (errno == EADDRINUSE)
        return sbox_origin_errorf(err, &pub->origin, "publish", "%s is taken", what);
    if (errno == EADDRNOTAVAIL)
        return sbox_origin_errorf(err, &pub->origin, "publish", "%s: no such address on this host",
                                  what);
    if (errno == EACCES)
        return sbox_origin_errorf(
            err, &pub->origin, "publish",
            "%s: ports below net.ipv4.ip_unprivileged_port_start need privileges", what);
    return sbox_error(err, errno, "publish: bind %s", what);
}

/* A port the helper publishes must be free on the host: checked here, so a taken one is a
 * clear error before the helper starts. */
static int check_port(const struct sbox_publish *pub, struct sbox_error *err)
{
    int fd = bind_port(pub, err);
    if (fd < 0)
        return fd;
    close(fd);
    return 0;
}

/* Lines a helper writes that never say what went wrong: pasta's complaint that it has no
 * system logger, slirp4netns's notice about its seccomp filter and its closing "child failed". */
static bool noise(const char *line)
{
    return (strncmp(line, "Failed to send ", 15) == 0 && strstr(line, "syslog")) ||
           strstr(line, "seccomp is experimental") || strncmp(line, "child failed(", 13) == 0;
}

/* The last line the helper wrote that says something, for a message. */
static void last_line(int fd, char *buf, size_t size)
{
    char text[4096];
    struct stat st;
    off_t from = fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof text - 1
                     ? st.st_size - (off_t)sizeof text + 1
                     : 0;
    ssize_t n = pread(fd, text, sizeof text - 1, from);
    char *start = NULL;
    buf[0] = '\0';
    if (n <= 0)
        return;
    text[n] = '\0';
    for (char *line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n"))
        if (!noise(line))
            start = line;
    if (!start)
        return;
    n = (ssize_t)strlen(start);
    if ((size_t)n >= size)
        n = (ssize_t)size - 1;
    memcpy(buf, start, (size_t)n);
    buf[n] = '\0';
}

/* The helper's descriptors: 0 is /dev/null, 1 and 2 the log, and slirp4netns's ready and exit
 * pipes 3 and 4 (-1: none). */
static _Noreturn void exec_helper(const char *program, char *const *argv, int log, int ready,
                                  int exit_r)
{
    sigset_t none;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    /* Its own session: a ^C at the terminal is for the payload, not for the network. It dies
     * with sbox, whichever way sbox ends. */
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    sigemptyset(&none);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Moved out of the way first: a pipe may already sit on descriptor 3 or 4. */
    ready = ready < 0 ? -1 : fcntl(ready, F_DUPFD_CLOEXEC, 10);
    exit_r = exit_r < 0 ? -1 : fcntl(exit_r, F_DUPFD_CLOEXEC, 10);
    log = fcntl(log, F_DUPFD_CLOEXEC, 10);
    if (devnull < 0 || log < 0 || dup2(devnull, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0 ||
        (ready >= 0 && dup2(ready, 3) < 0) || (exit_r >= 0 && dup2(exit_r, 4) < 0))
        _exit(127);
    closefrom(ready >= 0 ? 5 : 3);
    execv(program, argv);
    dprintf(2, "cannot run %s: %s\n", program, strerror(errno));
    _exit(127);
}

/* One request to slirp4netns's API socket; its answer is {"return": ...} or {"error": ...}. */
static int api_call(const char *sock, const char *request, char *answer, size_t size,
                    struct sbox_error *err)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    size_t got = 0;
    if (fd < 0)
        return sbox_error(err, errno, "net = slirp: open a socket for slirp4netns's API");
    if (strlen(sock) >= sizeof a.sun_path)
        return sbox_error(err, ENAMETOOLONG, "net = slirp: %s", sock);
    strcpy(a.sun_path, sock);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return sbox_error(err, errno, "net = slirp: reach slirp4netns's API");
    if (write(fd, request, strlen(request)) != (ssize_t)strlen(request))
        return sbox_error(err, errno, "net = slirp: talk to slirp4netns");
    shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;
        int r = poll(&pfd, 1, API_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return sbox_error(err, r == 0 ? ETIMEDOUT : errno, "net = slirp: slirp4netns's answer");
        n = read(fd, answer + got, size - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (got += (size_t)n) >= size - 1)
            break;
    }
    answer[got] = '\0';
    return 0;
}

static int add_forward(const char *sock, const struct sbox_publish *pub, struct sbox_error *err)
{
    const struct sbox_publish_spec *ps = &pub->spec;
    char request[512], answer[1024], what[128];
    int r;
    snprintf(request, sizeof request,
             "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"%s\", \"host_addr\": "
             "\"%s\", \"host_port\": %u, \"guest_addr\": \"" SBOX_SLIRP_ADDRESS
             "\", \"guest_port\": %u}}",
             ps->udp ? "udp" : "tcp", ps->host_ip, ps->host_port, ps->port);
    r = api_call(sock, request, answer, sizeof answer, err);
    if (r < 0)
        return r;
    if (strstr(answer, "\"return\""))
        return 0;
    snprintf(what, sizeof what, "%s:%u to port %u", ps->host_ip, ps->host_port, ps->port);
    {
        char msg[SBOX_ERROR_MAX];
        char shown[600];
        sbox_escape(shown, sizeof shown, answer);
        snprintf(msg, sizeof msg, "slirp4netns refused to forward %s (%s)", what, shown);
        return sbox_origin_errorf(err, &pub->origin, "publish", "%s", msg);
    }
}

/* What the private directory may hold. */
static const char *const dir_files[] = {"api.sock", "ready", "log"};

static void remove_dir_at(const char *dir)
{
    for (size_t i = 0; i < sizeof dir_files / sizeof *dir_files; i++) {
        _cleanup_free_ char *path = sbox_xasprintf("%s/%s", dir, dir_files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* The directory is named for the sbox that made it: one left by an sbox killed (SIGKILL) while
 * its helper started is removed by the next, once that process is gone. */
static void sweep(const char *base)
{
    DIR *d = opendir(base);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        struct stat st;
        _cleanup_free_ char *path = NULL;
        if (!sbox_name_of_gone_pid(e->d_name, "sbox-net-"))
            continue;
        path = sbox_xasprintf("%s/%s", base, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
            remove_dir_at(path);
    }
    if (d)
        closedir(d);
}

/* A directory of sbox's own for the API socket, the readiness FIFO and the helper's log: in
 * $XDG_RUNTIME_DIR when there is one (private to the user), else in /tmp; 0700 either way. */
static char *private_dir(void)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    const char *bases[] = {run && run[0] == '/' && access(run, W_OK | X_OK) == 0 ? run : NULL,
                           "/tmp"};
    for (size_t i = 0; i < 2; i++) {
        char *dir;
        if (!bases[i])
            continue;
        sweep(bases[i]);
        dir = sbox_xasprintf("%s/sbox-net-%d-XXXXXX", bases[i], (int)getpid());
        if (mkdtemp(dir))
            return dir;
        free(dir);
    }
    return NULL;
}

static int start_failed(const struct sbox_usernet *u, int timed_out, struct sbox_error *err)
{
    const char *net = u->pasta ? "pasta" : "slirp", *helper = u->pasta ? "pasta" : "slirp4netns";
    char why[512];
    if (timed_out)
        return sbox_error(err, ETIMEDOUT, "net = %s: %s did not start", net, helper);
    last_line(u->log_fd, why, sizeof why);
    return sbox_error(err, 0, "net = %s: %s failed: %s", net, helper,
                      why[0] ? why : "(no message)");
}

/* Waits for the helper's fds and the caller's stop fds: 1 when one of the latter is readable
 * (its revents say which), 0 when one of the former is, -1 (err set) on the deadline. */
static int wait_helper(struct sbox_usernet *u, struct pollfd *helper, size_t n_helper,
                       struct pollfd *stop, size_t n_stop, struct sbox_error *err)
{
    struct pollfd fds[8];
    size_t n = 0;
    for (size_t i = 0; i < n_helper && n < 8; i++)
        fds[n++] = helper[i];
    for (size_t i = 0; i < n_stop && n < 8; i++)
        fds[n++] = stop[i];
    for (;;) {
        int pr = poll(fds, n, READY_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return start_failed(u, pr == 0, err);
        for (size_t i = 0; i < n_helper; i++)
            helper[i].revents = fds[i].revents;
        for (size_t i = 0; i < n_stop; i++)
            stop[i].revents = fds[n_helper + i].revents;
        for (size_t i = 0; i < n_stop; i++)
            if (stop[i].revents)
                return 1;
        return 0;
    }
}

/* slirp4netns: configures tap0 itself, says it is ready by writing to descriptor 3, and ends
 * when descriptor 4 closes; the forwards are added through its API socket, once ready. */
static int spawn_slirp(const struct sbox_plan *p, const char *program, pid_t target,
                       struct sbox_usernet *u, struct sbox_error *err)
{
    _cleanup_free_ char *sock = sbox_xasprintf("%s/api.sock", u->dir);
    _cleanup_free_ char *pidarg = sbox_xasprintf("%d", (int)target);
    _cleanup_close_ int ready_w = -1, exit_r = -1;
    int ready[2], exitp[2];
    char *argv[16];
    int n = 0;
    pid_t pid;

    if (pipe2(ready, O_CLOEXEC) < 0)
        return sbox_error(err, errno, "net = slirp: prepare slirp4netns");
    u->ready_fd = ready[0], ready_w = ready[1];
    if (pipe2(exitp, O_CLOEXEC) < 0)
        return sbox_error(err, errno, "net = slirp: prepare slirp4netns");
    exit_r = exitp[0];
    u->exit_fd = exitp[1];
    argv[n++] = (char *)"slirp4netns";
    argv[n++] = (char *)"--configure";
    argv[n++] = (char *)"--mtu=65520";
    argv[n++] = (char *)"--ready-fd=3";
    argv[n++] = (char *)"--exit-fd=4";
    argv[n++] = (char *)"--api-socket";
    argv[n++] = sock;
    argv[n++] = (char *)"--enable-sandbox";
    argv[n++] = (char *)"--enable-seccomp";
    if (!p->host_loopback)
        argv[n++] = (char *)"--disable-host-loopback";
    if (p->ipv6)
        argv[n++] = (char *)"--enable-ipv6";
    argv[n++] = pidarg;
    argv[n++] = (char *)"tap0";
    argv[n] = NULL;

    pid = fork();
    if (pid < 0)
        return sbox_error(err, errno, "net = slirp: start slirp4netns");
    if (pid == 0)
        exec_helper(program, argv, u->log_fd, ready_w, exit_r);
    u->pid = pid;
    return 0;
}

/* Ready when it writes to the ready descriptor; end of file means it died. */
static int ready_slirp(const struct sbox_plan *p, struct sbox_usernet *u, struct pollfd *stop,
                       size_t n_stop, struct sbox_error *err)
{
    _cleanup_free_ char *sock = sbox_xasprintf("%s/api.sock", u->dir);
    struct pollfd pfd = {.fd = u->ready_fd, .events = POLLIN};
    char c = 0;
    int r = wait_helper(u, &pfd, 1, stop, n_stop, err);
    if (r != 0)
        return r;
    if (read(u->ready_fd, &c, 1) != 1)
        return start_failed(u, 0, err);
    for (size_t i = 0; i < p->n_publish && r >= 0; i++)
        if (!sbox_publish_relayed(p, &p->publish[i].spec))
            r = add_forward(sock, &p->publish[i], err);
    return r;
}

/* pasta's -t and -u options: one "ADDRESS/HOST_PORT:SANDBOX_PORT" for each published port (a
 * value takes one address), or "none". Appended to argv; the strings go into owned. */
static void pasta_ports(const struct sbox_plan *p, bool udp, char **argv, int *n, char ***owned)
{
    const char *opt = udp ? "--udp-ports" : "--tcp-ports";
    bool any = false;
    for (size_t i = 0; i < p->n_publish; i++) {
        const struct sbox_publish_spec *ps = &p->publish[i].spec;
        char *spec;
        if (ps->udp != udp)
            continue;
        spec = sbox_xasprintf("%s/%u:%u", ps->host_ip, ps->host_port, ps->port);
        sbox_strv_push(owned, spec);
        argv[(*n)++] = (char *)opt;
        argv[(*n)++] = spec;
        any = true;
    }
    if (!any) {
        argv[(*n)++] = (char *)opt;
        argv[(*n)++] = (char *)"none";
    }
}

/* pasta: joins the namespace, configures it as the host's (address, routes, MTU), binds the
 * published ports, and only then writes its pid to its PID file: a FIFO here, so that write is
 * the readiness signal. Nothing is forwarded from the sandbox to the host's ports (-T/-U none,
 * where pasta's default forwards every one bound on the host). */
static int spawn_pasta(const struct sbox_plan *p, const char *program, pid_t target,
                       struct sbox_usernet *u, struct sbox_error *err)
{
    _cleanup_free_ char *fifo = sbox_xasprintf("%s/ready", u->dir);
    _cleanup_free_ char *pidarg = sbox_xasprintf("%d", (int)target);
    _cleanup_free_ char *runas = sbox_xasprintf("%u:%u", (unsigned)getuid(), (unsigned)getgid());
    _cleanup_strv_ char **owned = NULL;
    _cleanup_free_ char **argv = sbox_xmalloc((p->n_publish * 2 + 40) * sizeof *argv);
    int n = 0;
    pid_t pid;

    if (mkfifo(fifo, 0600) < 0)
        return sbox_error(err, errno, "net = pasta: prepare pasta");
    /* Opened first and without waiting, so pasta's own open finds a reader. */
    u->ready_fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (u->ready_fd < 0)
        return sbox_error(err, errno, "net = pasta: prepare pasta");
    argv[n++] = (char *)"pasta";
    argv[n++] = (char *)"--config-net";
    argv[n++] = (char *)"--foreground";
    argv[n++] = (char *)"--quiet";
    argv[n++] = (char *)"--pid";
    argv[n++] = fifo;
    /* As who sbox runs as: pasta started by root would turn into nobody, who may not join the
     * sandbox's namespaces (and would lose PR_SET_PDEATHSIG on the way). */
    argv[n++] = (char *)"--runas";
    argv[n++] = runas;
    pasta_ports(p, false, argv, &n, &owned);
    pasta_ports(p, true, argv, &n, &owned);
    argv[n++] = (char *)"--tcp-ns";
    argv[n++] = (char *)"none";
    argv[n++] = (char *)"--udp-ns";
    argv[n++] = (char *)"none";
    if (!p->host_loopback)
        argv[n++] = (char *)"--no-map-gw";
    if (!p->ipv6)
        argv[n++] = (char *)"--ipv4-only";
    if (!p->dns) {
        argv[n++] = (char *)"--dns-forward";
        argv[n++] = (char *)SBOX_PASTA_DNS;
    }
    argv[n++] = pidarg;
    argv[n] = NULL;

    pid = fork();
    if (pid < 0)
        return sbox_error(err, errno, "net = pasta: start pasta");
    if (pid == 0)
        exec_helper(program, argv, u->log_fd, -1, -1);
    u->pid = pid;
    /* Tells if pasta dies before its word (without one, the deadline does). */
    u->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return 0;
}

static int ready_pasta(struct sbox_usernet *u, struct pollfd *stop, size_t n_stop,
                       struct sbox_error *err)
{
    for (;;) {
        struct pollfd pfd[2] = {{.fd = u->ready_fd, .events = POLLIN},
                                {.fd = u->pidfd, .events = POLLIN}};
        char text[32];
        ssize_t got;
        int r = wait_helper(u, pfd, u->pidfd >= 0 ? 2 : 1, stop, n_stop, err);
        if (r != 0)
            return r;
        if (pfd[0].revents) {
            got = read(u->ready_fd, text, sizeof text - 1);
            if (got > 0)
                return 0;
            if (got < 0 && errno == EAGAIN)
                continue;
        }
        /* It died, or closed the FIFO without a word. */
        return start_failed(u, 0, err);
    }
}

/* pasta copies the address and gateway of the host's interface with the default route: with
 * none (offline, or a host with only loopback) it cannot start, which is said plainly here. */
static bool default_route(bool ipv6)
{
    _cleanup_fclose_ FILE *f4 = fopen("/proc/net/route", "re");
    _cleanup_fclose_ FILE *f6 = ipv6 ? fopen("/proc/net/ipv6_route", "re") : NULL;
    char line[512];
    while (f4 && fgets(line, sizeof line, f4)) {
        char ifname[64];
        unsigned long dst, gw, flags, refcnt, use, metric, mask;
        if (sscanf(line, "%63s %lx %lx %lx %lu %lu %lu %lx", ifname, &dst, &gw, &flags, &refcnt,
                   &use, &metric, &mask) == 8 &&
            dst == 0 && mask == 0 && (flags & 1))
            return true;
    }
    while (f6 && fgets(line, sizeof line, f6))
        if (strncmp(line, "00000000000000000000000000000000 00 ", 36) == 0 &&
            !strstr(line, " lo\n"))
            return true;
    return false;
}

/* The private directory and what is in it: needed no more once the helper is ready. */
static void remove_dir(struct sbox_usernet *u)
{
    if (!u->dir)
        return;
    remove_dir_at(u->dir);
    free(u->dir);
    u->dir = NULL;
}

int sbox_usernet_start(const struct sbox_plan *p, pid_t target, struct sbox_usernet *u,
                       struct sbox_error *err)
{
    const bool pasta = p->net == SBOX_NET_PASTA;
    const char *helper = pasta ? "pasta" : "slirp4netns", *net = pasta ? "pasta" : "slirp";
    _cleanup_free_ char *program = sbox_find_program(helper);
    _cleanup_free_ char *logpath = NULL;
    int r = 0;

    *u = (struct sbox_usernet){
        .exit_fd = -1, .ready_fd = -1, .pidfd = -1, .log_fd = -1, .pasta = pasta};
    if (!program)
        return sbox_origin_errorf(err, &p->net_origin, "net",
                                  "net = %s needs %s, which is not installed (package %s)", net,
                                  helper, pasta ? "passt" : "slirp4netns");
    if (pasta && !default_route(p->ipv6))
        return sbox_origin_errorf(err, &p->net_origin, "net",
                                  "net = pasta needs a default route on the host (pasta copies its "
                                  "address); net = slirp works without one");
    for (size_t i = 0; i < p->n_publish; i++) {
        if (sbox_publish_relayed(p, &p->publish[i].spec))
            continue; /* bound already, by sbox_publish_open */
        r = check_port(&p->publish[i], err);
        if (r < 0)
            return r;
    }
    u->dir = private_dir();
    if (!u->dir)
        return sbox_error(err, errno, "net = %s: make a private directory", net);
    logpath = sbox_xasprintf("%s/log", u->dir);
    /* Unlinked at once: read through the descriptor, and never left behind. */
    u->log_fd = open(logpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (u->log_fd < 0)
        r = sbox_error(err, errno, "net = %s: %s", net, logpath);
    else if (unlink(logpath), pasta)
        r = spawn_pasta(p, program, target, u, err);
    else
        r = spawn_slirp(p, program, target, u, err);
    if (r < 0)
        sbox_usernet_stop(u);
    return r;
}

int sbox_usernet_ready(const struct sbox_plan *p, struct sbox_usernet *u, struct pollfd *stop,
                       size_t n_stop, struct sbox_error *err)
{
    int r = u->pasta ? ready_pasta(u, stop, n_stop, err) : ready_slirp(p, u, stop, n_stop, err);
    if (r > 0)
        return r;
    if (r < 0) {
        sbox_usernet_stop(u);
        return r;
    }
    /* The helper keeps its log open; sbox needs none of it any more. */
    remove_dir(u);
    sbox_closep(&u->ready_fd);
    sbox_closep(&u->pidfd);
    sbox_closep(&u->log_fd);
    return 0;
}

void sbox_usernet_stop(struct sbox_usernet *u)
{
    sbox_closep(&u->exit_fd);
    if (u->pid > 0) {
        kill(u->pid, SIGKILL);
        waitpid(u->pid, NULL, 0);
        u->pid = 0;
    }
    remove_dir(u);
    sbox_closep(&u->ready_fd);
    sbox_closep(&u->pidfd);
    sbox_closep(&u->log_fd);
}

/* --- published TCP ports relayed by sbox (net = slirp) ---------------------------------- */

void sbox_publish_init(struct sbox_publish_relay *pr)
{
    memset(pr, 0, sizeof *pr);
    pr->userns = pr->netns = -1;
}

int sbox_publish_open(struct sbox_publish_relay *pr, const struct sbox_plan *p,
                      const struct sbox_notes *notes, struct sbox_error *err)
{
    pr->notes = notes;
    for (size_t i = 0; i < p->n_publish; i++) {
        const struct sbox_publish *pub = &p->publish[i];
        int fd;
        if (!sbox_publish_relayed(p, &pub->spec))
            continue;
        fd = bind_port(pub, err);
        if (fd < 0)
            return fd;
        if (listen(fd, SOMAXCONN) < 0) {
            int e = errno;
            close(fd);
            return sbox_origin_errorf(err, &pub->origin, "publish", "listen on tcp port %u: %s",
                                      pub->spec.host_port, strerror(e));
        }
        fcntl(fd, F_SETFL, O_NONBLOCK);
        pr->listeners = sbox_xrealloc(pr->listeners, (pr->n + 1) * sizeof *pr->listeners);
        pr->pubs = sbox_xrealloc(pr->pubs, (pr->n + 1) * sizeof *pr->pubs);
        pr->unanswered = sbox_xrealloc(pr->unanswered, (pr->n + 1) * sizeof *pr->unanswered);
        pr->listeners[pr->n] = fd;
        pr->pubs[pr->n] = pub;
        pr->unanswered[pr->n++] = 0;
    }
    return 0;
}

int sbox_publish_attach(struct sbox_publish_relay *pr, pid_t pid, struct sbox_error *err)
{
    char path[64];
    if (!pr->n)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
    pr->userns = open(path, O_RDONLY | O_CLOEXEC);
    if (pr->userns < 0)
        return sbox_error(err, errno, "publish: open the sandbox's user namespace");
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    pr->netns = open(path, O_RDONLY | O_CLOEXEC);
    if (pr->netns < 0)
        return sbox_error(err, errno, "publish: open the sandbox's network namespace");
    return 0;
}

size_t sbox_publish_pollfds(const struct sbox_publish_relay *pr, struct pollfd *fds)
{
    for (size_t i = 0; i < pr->n; i++)
        fds[i] = (struct pollfd){.fd = pr->listeners[i], .events = POLLIN};
    return pr->n;
}

/* Closes a connection with a reset, as a closed port answers: the client learns at once that
 * nothing took it, rather than reading an empty answer. */
static void reset(int fd)
{
    struct linger now = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    close(fd);
}

/* No capability left: all the child does from now on is a connection to its own port and the
 * splice, which need none, and its creds hold the full set in the sandbox's namespace. */
static int drop_capabilities(void)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2] = {{0}};
    return (int)syscall(SYS_capset, &h, d);
}

/* The exit status of a child that found nothing listening inside (counted for the end). */
#define UNANSWERED 3

/* The child serving one connection: dies with sbox, holds nothing of sbox's but the connection
 * and the sandbox's two namespaces, never execs. Where it connects is sbox's choice alone (the
 * published port, on the sandbox's own loopback): nothing the payload sends moves it. */
static _Noreturn void serve_publish(const struct sbox_publish_relay *pr, size_t i, int conn,
                                    pid_t parent)
{
    static const struct sbox_proxy_addr loopback[2] = {{AF_INET, {127, 0, 0, 1}},
                                                       {AF_INET6, {[15] = 1}}};
    int keep[4] = {conn, pr->userns, pr->netns, sbox_coverage_fd()};
    int null, out = -1, one = 1;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(0);
    prctl(PR_SET_NAME, "sbox-publish", 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    sigprocmask(SIG_SETMASK, &pr->child_mask, NULL);
    /* Not the caller's terminal or pipes: a child left behind must not hold a pipeline open. */
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
        dup2(null, fd);
    for (size_t a = 0; a < 4; a++)
        for (size_t b = a + 1; b < 4; b++)
            if (keep[b] < keep[a]) {
                int t = keep[a];
                keep[a] = keep[b];
                keep[b] = t;
            }
    sbox_close_inherited(keep, 4);
    /* The user namespace first: its owner's process gets the rights there that joining the
     * network namespace needs. Neither the pid nor the mount namespace: no process of the
     * sandbox can name this one. */
    if (setns(pr->userns, CLONE_NEWUSER) < 0 || setns(pr->netns, CLONE_NEWNET) < 0 ||
        drop_capabilities() < 0) {
        reset(conn);
        _exit(1);
    }
    close(pr->userns);
    close(pr->netns);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* Armed again, in case the new credentials cleared it; sbox may have gone meanwhile. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(0);
    for (size_t a = 0; a < 2 && out < 0; a++)
        out = sbox_proxy_connect(&loopback[a], pr->pubs[i]->spec.port);
    if (out < 0) {
        reset(conn);
        sbox_coverage_dump();
        _exit(UNANSWERED);
    }
    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    out = sbox_proxy_relay(conn, out) < 0;
    sbox_coverage_dump();
    _exit(out);
}

struct published {
    struct sbox_publish_relay *pr;
    size_t port; /* which of pr's ports */
};

static _Noreturn void serve_accepted(void *ctx, int fd, pid_t parent)
{
    const struct published *pub = ctx;
    serve_publish(pub->pr, pub->port, fd, parent);
}

static void started(void *ctx, size_t slot)
{
    const struct published *pub = ctx;
    pub->pr->kid_port[slot] = pub->port;
}

static void accept_port(struct sbox_publish_relay *pr, size_t i)
{
    struct published pub = {.pr = pr, .port = i};
    const struct sbox_accepting a = {.listener = pr->listeners[i],
                                     .kids = pr->kids,
                                     .max = SBOX_PUBLISH_MAX_CONNECTIONS,
                                     .n_kids = &pr->n_kids,
                                     .turned_away = &pr->turned_away,
                                     .reject = reset,
                                     .serve = serve_accepted,
                                     .started = started,
                                     .ctx = &pub,
                                     .notes = pr->notes,
                                     .what = "publish"};
    sbox_accept_forked(&a);
}

void sbox_publish_events(struct sbox_publish_relay *pr, const struct pollfd *fds)
{
    /* Before the namespaces are known nothing is accepted: connections wait in the backlog. */
    if (pr->netns < 0)
        return;
    for (size_t i = 0; i < pr->n; i++)
        if (fds[i].revents & POLLIN)
            accept_port(pr, i);
}

static void reaped(struct sbox_publish_relay *pr, size_t slot, int status)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == UNANSWERED)
        pr->unanswered[pr->kid_port[slot]]++;
    pr->kids[slot] = 0;
    pr->n_kids--;
}

void sbox_publish_reap(struct sbox_publish_relay *pr)
{
    for (size_t i = 0; i < SBOX_PUBLISH_MAX_CONNECTIONS && pr->n_kids; i++) {
        int status = 0;
        pid_t r;
        if (!pr->kids[i])
            continue;
        r = waitpid(pr->kids[i], &status, WNOHANG);
        if (r == pr->kids[i])
            reaped(pr, i, status);
        else if (r < 0 && errno == ECHILD)
            reaped(pr, i, 0);
    }
}

void sbox_publish_end(struct sbox_publish_relay *pr)
{
    for (size_t i = 0; i < SBOX_PUBLISH_MAX_CONNECTIONS && pr->n_kids; i++)
        if (pr->kids[i]) {
            int status = 0;
            kill(pr->kids[i], SIGKILL);
            waitpid(pr->kids[i], &status, 0);
            reaped(pr, i, status);
        }
    for (size_t i = 0; i < pr->n; i++) {
        const struct sbox_publish_spec *ps = &pr->pubs[i]->spec;
        if (pr->unanswered[i])
            sbox_note(pr->notes,
                      "publish %s:%u:%u: %lu connection%s found nothing listening on port %u "
                      "inside (on 127.0.0.1 or ::1; a server there must listen on localhost, "
                      "127.0.0.1, ::1 or every address)",
                      ps->host_ip, ps->host_port, ps->port, pr->unanswered[i],
                      pr->unanswered[i] == 1 ? "" : "s", ps->port);
        pr->unanswered[i] = 0;
    }
    if (pr->turned_away)
        sbox_note(pr->notes, "publish: closed %lu connection%s at once: %d were open already",
                  pr->turned_away, pr->turned_away == 1 ? "" : "s", SBOX_PUBLISH_MAX_CONNECTIONS);
    pr->turned_away = 0;
}

void sbox_publish_free(struct sbox_publish_relay *pr)
{
    for (size_t i = 0; i < pr->n; i++)
        sbox_closep(&pr->listeners[i]);
    free(pr->listeners);
    free(pr->pubs);
    free(pr->unanswered);
    pr->listeners = NULL;
    pr->pubs = NULL;
    pr->unanswered = NULL;
    pr->n = 0;
    sbox_closep(&pr->userns);
    sbox_closep(&pr->netns);
}
