/* slirp.c: runs slirp4netns for net = slirp. Runs in the parent, on the host's side: nothing
 * here is reachable from the sandbox (the API socket is gone before the payload starts). */
#include "slirp.h"
#include "cleanup.h"
#include "idmap.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 10000
#define API_TIMEOUT_MS 5000

static int where_err(struct sbox_error *err, const struct sbox_origin *o, const char *key,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int where_err(struct sbox_error *err, const struct sbox_origin *o, const char *key,
                     const char *fmt, ...)
{
    char where[512], msg[SBOX_ERROR_MAX];
    va_list ap;
    sbox_origin_format(o, key, where, sizeof where);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sbox_error(err, 0, "%s: %s", where, msg);
}

/* A published port must be free on the host: checked here, so a taken one is a clear error
 * before anything starts (slirp4netns's own answer names no port). */
static int check_port(const struct sbox_publish *pub, struct sbox_error *err)
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
    /* As slirp4netns binds: a port left in TIME_WAIT is free. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) == 0)
        return 0;
    if (errno == EADDRINUSE)
        return where_err(err, &pub->origin, "publish", "%s is taken", what);
    if (errno == EADDRNOTAVAIL)
        return where_err(err, &pub->origin, "publish", "%s: no such address on this host", what);
    if (errno == EACCES)
        return where_err(err, &pub->origin, "publish",
                         "%s: ports below net.ipv4.ip_unprivileged_port_start need privileges",
                         what);
    return sbox_error(err, errno, "publish: bind %s", what);
}

/* The last line slirp4netns wrote, for a message. */
static void last_line(int fd, char *buf, size_t size)
{
    char text[4096];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    char *end, *start;
    buf[0] = '\0';
    if (n <= 0)
        return;
    text[n] = '\0';
    end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
        *--end = '\0';
    start = strrchr(text, '\n');
    start = start ? start + 1 : text;
    n = (ssize_t)strlen(start);
    if ((size_t)n >= size)
        n = (ssize_t)size - 1;
    memcpy(buf, start, (size_t)n);
    buf[n] = '\0';
}

static _Noreturn void exec_slirp(const char *program, char *const *argv, int ready, int exit_r,
                                 int log)
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
    ready = fcntl(ready, F_DUPFD_CLOEXEC, 10);
    exit_r = fcntl(exit_r, F_DUPFD_CLOEXEC, 10);
    log = fcntl(log, F_DUPFD_CLOEXEC, 10);
    if (devnull < 0 || ready < 0 || exit_r < 0 || log < 0 || dup2(devnull, 0) < 0 ||
        dup2(log, 1) < 0 || dup2(log, 2) < 0 || dup2(ready, 3) < 0 || dup2(exit_r, 4) < 0)
        _exit(127);
    closefrom(5);
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
        return where_err(err, &pub->origin, "publish", "%s", msg);
    }
}

/* A directory of sbox's own for the API socket and the helper's log: in $XDG_RUNTIME_DIR when
 * there is one (private to the user), else in /tmp; 0700 either way. */
static char *private_dir(void)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    char *dir = NULL;
    if (run && run[0] == '/' && access(run, W_OK | X_OK) == 0) {
        dir = sbox_xasprintf("%s/sbox-net-XXXXXX", run);
        if (mkdtemp(dir))
            return dir;
        free(dir);
    }
    dir = sbox_xstrdup("/tmp/sbox-net-XXXXXX");
    if (mkdtemp(dir))
        return dir;
    free(dir);
    return NULL;
}

int sbox_slirp_start(const struct sbox_plan *p, pid_t target, struct sbox_slirp *s,
                     struct sbox_error *err)
{
    _cleanup_free_ char *program = sbox_find_program("slirp4netns");
    _cleanup_free_ char *dir = NULL, *sock = NULL, *logpath = NULL, *pidarg = NULL;
    _cleanup_free_ char *mtu = sbox_xstrdup("--mtu=65520");
    _cleanup_close_ int log = -1;
    int ready[2] = {-1, -1}, exitp[2] = {-1, -1};
    char *argv[16];
    int n = 0, r = 0;
    pid_t pid;

    s->pid = 0;
    s->exit_fd = -1;
    if (!program)
        return where_err(err, &p->net_origin, "net",
                         "net = slirp needs slirp4netns, which is not installed (package %s)",
                         "slirp4netns");
    for (size_t i = 0; i < p->n_publish; i++) {
        r = check_port(&p->publish[i], err);
        if (r < 0)
            return r;
    }
    dir = private_dir();
    if (!dir)
        return sbox_error(err, errno, "net = slirp: make a private directory");
    sock = sbox_xasprintf("%s/api.sock", dir);
    logpath = sbox_xasprintf("%s/log", dir);
    log = open(logpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (log < 0 || pipe2(ready, O_CLOEXEC) < 0 || pipe2(exitp, O_CLOEXEC) < 0) {
        r = sbox_error(err, errno, "net = slirp: prepare slirp4netns");
        goto out;
    }
    pidarg = sbox_xasprintf("%d", (int)target);
    argv[n++] = (char *)"slirp4netns";
    argv[n++] = (char *)"--configure";
    argv[n++] = mtu;
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
    if (pid < 0) {
        r = sbox_error(err, errno, "net = slirp: start slirp4netns");
        goto out;
    }
    if (pid == 0)
        exec_slirp(program, argv, ready[1], exitp[0], log);
    s->pid = pid;
    s->exit_fd = exitp[1];
    exitp[1] = -1;
    sbox_closep(&ready[1]);
    sbox_closep(&exitp[0]);

    /* Ready when it writes to the ready descriptor; end of file means it died. */
    for (;;) {
        struct pollfd pfd = {.fd = ready[0], .events = POLLIN};
        char c = 0, why[512];
        int pr = poll(&pfd, 1, READY_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr > 0 && read(ready[0], &c, 1) == 1)
            break;
        last_line(log, why, sizeof why);
        if (pr == 0)
            r = sbox_error(err, ETIMEDOUT, "net = slirp: slirp4netns did not start");
        else
            r = sbox_error(err, 0, "net = slirp: slirp4netns failed: %s",
                           why[0] ? why : "(no message)");
        goto out;
    }
    for (size_t i = 0; i < p->n_publish && r >= 0; i++)
        r = add_forward(sock, &p->publish[i], err);
out:
    sbox_closep(&ready[0]);
    sbox_closep(&ready[1]);
    sbox_closep(&exitp[0]);
    sbox_closep(&exitp[1]);
    if (dir) {
        unlink(sock);
        unlink(logpath);
        rmdir(dir);
    }
    if (r < 0)
        sbox_slirp_stop(s);
    return r;
}

void sbox_slirp_stop(struct sbox_slirp *s)
{
    if (s->exit_fd >= 0)
        sbox_closep(&s->exit_fd);
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}
