/* proxy.c: allow-host's proxy on sbox's side: connections to pid 1's listeners accepted, each
 * served by a child of sbox outside the sandbox (request read within a bound and a deadline,
 * judged, resolved, connected, relayed), and what the children refused, counted and said.
 * Never connects where the rules and the address checks did not allow; no child outlives sbox. */
#include "proxy.h"
#include "cleanup.h"
#include "coverage.h"
#include "files.h"
#include "plan.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds a connection to the destination may take, per address. */
#define CONNECT_SECONDS 10
/* Addresses of one name tried, at most. */
#define MAX_ADDRS 16
/* Lines of refusals kept apart at the end; the rest are counted together. */
#define MAX_COUNTED 100

void sbox_proxy_init(struct sbox_proxy *px)
{
    memset(px, 0, sizeof *px);
    px->listeners[0] = px->listeners[1] = -1;
    px->report[0] = px->report[1] = -1;
}

int sbox_proxy_prepare(struct sbox_proxy *px, const struct sbox_plan *p,
                       const struct sbox_notes *notes, struct sbox_error *err)
{
    if (!p->n_allow_hosts)
        return 0;
    px->rules = p->allow_hosts;
    px->n_rules = p->n_allow_hosts;
    px->host_loopback = p->host_loopback;
    px->allow_private = p->allow_private;
    px->verbose = p->verbose;
    px->notes = notes;
    if (p->proxy_hosts) {
        px->hosts = sbox_read_text(p->proxy_hosts);
        if (!px->hosts)
            return sbox_origin_errorf(err, &p->proxy_hosts_origin, "proxy-hosts",
                                      "cannot read `%s`: %s", p->proxy_hosts, strerror(errno));
    }
    if (pipe2(px->report, O_CLOEXEC) < 0)
        return sbox_error(err, errno, "create the proxy's report pipe");
    fcntl(px->report[0], F_SETFL, O_NONBLOCK);
    if (px->verbose)
        sbox_note(notes,
                  "net: allow-host's proxy listens inside on " SBOX_PROXY_ADDR ":%d (HTTP, and "
                  "HTTPS through CONNECT) and " SBOX_PROXY_ADDR ":%d (SOCKS5); names are "
                  "resolved %s",
                  SBOX_PROXY_HTTP_PORT, SBOX_PROXY_SOCKS_PORT,
                  p->proxy_hosts ? "from proxy-hosts" : "outside the sandbox");
    return 0;
}

void sbox_proxy_listener(struct sbox_proxy *px, int kind, int fd)
{
    if ((kind != SBOX_PROXY_HTTP && kind != SBOX_PROXY_SOCKS) || px->listeners[kind] >= 0 ||
        !px->n_rules) {
        close(fd);
        return;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    px->listeners[kind] = fd;
}

void sbox_proxy_pollfds(const struct sbox_proxy *px, struct pollfd *fds)
{
    fds[0] = (struct pollfd){.fd = px->listeners[0], .events = POLLIN};
    fds[1] = (struct pollfd){.fd = px->listeners[1], .events = POLLIN};
    fds[2] = (struct pollfd){.fd = px->report[0], .events = POLLIN};
}

/* --- a child: one connection ------------------------------------------------------------ */

struct conn {
    const struct sbox_proxy *px;
    int in, out; /* the client's connection (from the sandbox), the destination's */
    struct timespec deadline;
    char buf[SBOX_PROXY_HEAD_MAX];
    size_t len;
};

static struct timespec after(int seconds)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += seconds;
    return t;
}

/* fd ready for events before the deadline: 1; 0 past it; -1 on error. */
static int wait_for(int fd, short events, const struct timespec *deadline)
{
    for (;;) {
        struct timespec now;
        struct pollfd p = {.fd = fd, .events = events};
        long ms;
        int r;
        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0)
            return 0;
        r = poll(&p, 1, (int)(ms > 60000 ? 60000 : ms));
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* More of the request, into the bounded buffer: the bytes read, 0 at end of file, -1 on an
 * error, past the deadline or with the buffer full. */
static ssize_t read_more(struct conn *c)
{
    if (c->len == sizeof c->buf)
        return -1;
    for (;;) {
        ssize_t n = read(c->in, c->buf + c->len, sizeof c->buf - c->len);
        if (n >= 0) {
            c->len += (size_t)n;
            return n;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN || wait_for(c->in, POLLIN, &c->deadline) <= 0)
            return -1;
    }
}

/* All of n bytes to fd (non-blocking) before the deadline. 0 or -1. */
static int write_all(int fd, const void *s, size_t n, const struct timespec *deadline)
{
    const char *p = s;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN && wait_for(fd, POLLOUT, deadline) > 0) {
            continue;
        } else {
            return -1;
        }
    }
    return 0;
}

/* One line to sbox: R (refused, a verdict) or F (failed, an errno; 0: the name does not
 * resolve), and the destination ("?" for a request that named none). One write of less than
 * PIPE_BUF bytes: lines of children writing at once never mix. */
static void report(const struct conn *c, char kind, int code, const struct sbox_proxy_dest *d)
{
    char line[400], dest[300] = "?";
    int n;
    if (d)
        sbox_proxy_dest_format(d, dest, sizeof dest);
    n = snprintf(line, sizeof line, "%c%d %s\n", kind, code, dest);
    if (write(c->px->report[1], line, (size_t)n) < 0) {
        /* sbox is gone, and this child with it */
    }
}

/* Ends the client's side politely: what was answered is read before the connection goes
 * (closing with unread bytes would send a reset, which can destroy the answer first). */
static void linger(struct conn *c)
{
    struct timespec deadline = after(2);
    char sink[4096];
    size_t total = 0;
    shutdown(c->in, SHUT_WR);
    while (total < 1 << 20 && wait_for(c->in, POLLIN, &deadline) > 0) {
        ssize_t n = read(c->in, sink, sizeof sink);
        if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN)))
            break;
        if (n > 0)
            total += (size_t)n;
    }
}

static void http_answer(struct conn *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void http_answer(struct conn *c, int status, const char *fmt, ...)
{
    static const struct {
        int status;
        const char *reason;
    } reasons[] = {
        {400, "Bad Request"}, {403, "Forbidden"},       {431, "Request Header Fields Too Large"},
        {502, "Bad Gateway"}, {504, "Gateway Timeout"}, {505, "HTTP Version Not Supported"}};
    struct timespec deadline = after(5);
    const char *reason = "Error";
    char body[600], head[200];
    va_list ap;
    int n, h;
    va_start(ap, fmt);
    n = vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof body)
        n = (int)strlen(body);
    for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
        if (reasons[i].status == status)
            reason = reasons[i].reason;
    h = snprintf(head, sizeof head,
                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                 "Connection: close\r\n\r\n",
                 status, reason, n);
    if (write_all(c->in, head, (size_t)h, &deadline) == 0 &&
        write_all(c->in, body, (size_t)n, &deadline) == 0)
        linger(c);
}

/* The addresses d may be reached at (out, at most MAX_ADDRS): their count; 0 with *ret_verdict
 * set (refused: >= 0) or *ret_errno (failed; 0 when the name does not resolve). */
static size_t judge(const struct sbox_proxy *px, const struct sbox_proxy_dest *d,
                    struct sbox_proxy_addr *out, int *ret_verdict, int *ret_errno)
{
    struct sbox_proxy_addr found[MAX_ADDRS];
    size_t n = 0, kept = 0;
    int refused = -1;
    *ret_verdict = -1;
    *ret_errno = 0;
    if (!sbox_proxy_allowed(px->rules, px->n_rules, d)) {
        *ret_verdict = d->name[0] ? SBOX_PROXY_NOT_ALLOWED : SBOX_PROXY_ADDRESS;
        return 0;
    }
    /* An address allow-host names is reached whatever it is: the user wrote it. */
    if (!d->name[0]) {
        out[0] = d->addr;
        return 1;
    }
    if (px->hosts) {
        n = sbox_proxy_hosts_lookup(px->hosts, d->name, found, MAX_ADDRS);
    } else {
        const struct addrinfo hints = {
            .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
        struct addrinfo *res = NULL;
        if (getaddrinfo(d->name, NULL, &hints, &res) == 0)
            for (struct addrinfo *a = res; a && n < MAX_ADDRS; a = a->ai_next) {
                memset(&found[n], 0, sizeof found[n]);
                found[n].family = a->ai_family;
                if (a->ai_family == AF_INET)
                    memcpy(found[n++].addr, &((struct sockaddr_in *)a->ai_addr)->sin_addr, 4);
                else if (a->ai_family == AF_INET6)
                    memcpy(found[n++].addr, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, 16);
            }
        if (res)
            freeaddrinfo(res);
    }
    /* Only what the name resolves to here is ever connected to, so a second answer of DNS
     * (rebinding) cannot change where the connection goes. */
    for (size_t i = 0; i < n; i++) {
        enum sbox_addr_class k = sbox_proxy_addr_class(&found[i]);
        if (k == SBOX_ADDR_PUBLIC || (k == SBOX_ADDR_LOOPBACK && px->host_loopback) ||
            (k == SBOX_ADDR_PRIVATE && px->allow_private))
            out[kept++] = found[i];
        else if (refused < 0)
            refused = k == SBOX_ADDR_LOOPBACK     ? SBOX_PROXY_TO_LOOPBACK
                      : k == SBOX_ADDR_PRIVATE    ? SBOX_PROXY_TO_PRIVATE
                      : k == SBOX_ADDR_LINK_LOCAL ? SBOX_PROXY_TO_LINK_LOCAL
                                                  : SBOX_PROXY_TO_RESERVED;
    }
    if (!kept)
        *ret_verdict = refused;
    return kept;
}

int sbox_proxy_connect(const struct sbox_proxy_addr *a, uint16_t port)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    struct timespec deadline = after(CONNECT_SECONDS);
    socklen_t el = sizeof(int);
    int e = 0, one = 1;
    _cleanup_close_ int fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    memset(&ss, 0, sizeof ss);
    if (a->family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        memcpy(&s4->sin_addr, a->addr, 4);
        sl = sizeof *s4;
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, a->addr, 16);
        sl = sizeof *s6;
    }
    if (fd < 0)
        return -errno;
    if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
        int w;
        if (errno != EINPROGRESS)
            return -errno;
        w = wait_for(fd, POLLOUT, &deadline);
        if (w <= 0)
            return w == 0 ? -ETIMEDOUT : -errno;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
            return -errno;
        if (e)
            return -e;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return steal_fd(&fd);
}

/* Judged, resolved and connected: 0 with c->out set; else -1, reported, with *ret_verdict (a
 * refusal) or *ret_errno (a failure) for the client's answer. */
static int reach(struct conn *c, const struct sbox_proxy_dest *d, int *ret_verdict, int *ret_errno)
{
    struct sbox_proxy_addr addrs[MAX_ADDRS];
    size_t n = judge(c->px, d, addrs, ret_verdict, ret_errno);
    int r = 0;
    if (!n) {
        report(c, *ret_verdict >= 0 ? 'R' : 'F', *ret_verdict >= 0 ? *ret_verdict : 0, d);
        return -1;
    }
    for (size_t i = 0; i < n && (r = sbox_proxy_connect(&addrs[i], d->port)) < 0; i++)
        ;
    if (r < 0) {
        *ret_errno = -r;
        report(c, 'F', -r, d);
        return -1;
    }
    c->out = r;
    return 0;
}

/* One way of a relay: from a socket into a pipe, from the pipe to the other socket. */
struct half {
    int from, to, pipe[2];
    size_t queued, cap;
    /* the pipe took nothing while bytes were queued: its slots (one per piece of a socket
     * buffer, whatever its size) may all be used long before cap, so nothing more is read
     * until some went out; polling for input meanwhile would wake at once, again and again */
    bool full;
    bool eof, shut;
};

/* Moves what can move now, without waiting: -1 when a side failed. */
static int pump(struct half *x)
{
    for (;;) {
        ssize_t in = 0, out = 0;
        if (!x->eof && !x->full && x->queued < x->cap) {
            in = splice(x->from, NULL, x->pipe[1], NULL, x->cap - x->queued,
                        SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (in > 0)
                x->queued += (size_t)in;
            else if (in == 0)
                x->eof = true;
            else if (errno == EAGAIN)
                x->full = x->queued > 0;
            else if (errno != EINTR)
                return -1;
        }
        if (x->queued) {
            out =
                splice(x->pipe[0], NULL, x->to, NULL, x->queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (out > 0) {
                x->queued -= (size_t)out;
                x->full = false;
            } else if (out < 0 && errno != EAGAIN && errno != EINTR) {
                return -1;
            }
        }
        if (x->eof && !x->queued && !x->shut) {
            shutdown(x->to, SHUT_WR);
            x->shut = true;
        }
        if (in <= 0 && out <= 0)
            return 0;
    }
}

/* Through a pipe each way (splice: the bytes never come up to this process). Each way moves
 * until it would wait, then one poll for both. Pipes of 256 KiB: a 1 GiB download took 1.10 s
 * through the default's 64 KiB, 1.01 s through 256 KiB and 1.00 s through 1 MiB here; not
 * more, since past a user's pipe-user-pages-soft (64 MiB) every new pipe of the user's gets
 * 8 KiB, and 128 connections at 512 KiB each stay within it. */
int sbox_proxy_relay(int a, int b)
{
    struct half h[2] = {{a, b, {-1, -1}, 0, 0, false, false, false},
                        {b, a, {-1, -1}, 0, 0, false, false, false}};
    for (int i = 0; i < 2; i++) {
        int size;
        if (pipe2(h[i].pipe, O_CLOEXEC | O_NONBLOCK) < 0)
            return -1;
        size = fcntl(h[i].pipe[1], F_SETPIPE_SZ, 1 << 18);
        h[i].cap = size > 0 ? (size_t)size : (size_t)fcntl(h[i].pipe[1], F_GETPIPE_SZ);
    }
    for (;;) {
        struct pollfd fds[2] = {{.fd = a}, {.fd = b}};
        for (int i = 0; i < 2; i++)
            if (pump(&h[i]) < 0)
                return -1;
        if (h[0].shut && h[1].shut)
            return 0;
        for (int i = 0; i < 2; i++) {
            if (!h[i].eof && !h[i].full && h[i].queued < h[i].cap)
                fds[i].events |= POLLIN;
            if (h[i].queued)
                fds[1 - i].events |= POLLOUT;
        }
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            return -1;
        /* A reset, or an end gone while nothing more is read from it or waits for it: nothing
         * can go there any more (and poll would say so again at once, forever). */
        for (int i = 0; i < 2; i++)
            if ((fds[i].revents & POLLERR) ||
                ((fds[i].revents & POLLHUP) && !fds[i].events && h[i].eof))
                return -1;
    }
}

/* What the client sent beyond its request (the start of a TLS handshake, a body) goes first. */
static int relay_rest(struct conn *c, size_t used)
{
    struct timespec deadline = after(SBOX_PROXY_REQUEST_SECONDS);
    int one = 1;
    if (c->len > used && write_all(c->out, c->buf + used, c->len - used, &deadline) < 0)
        return 1;
    setsockopt(c->in, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    alarm(0);
    return sbox_proxy_relay(c->in, c->out) < 0;
}

static int serve_http(struct conn *c)
{
    struct sbox_http_request req;
    bool seen_newline = false;
    int verdict, e, r;
    for (;;) {
        size_t before = c->len;
        ssize_t n;
        r = sbox_proxy_http_parse(c->buf, c->len, &req);
        if (r != 0)
            break;
        /* A head sent a byte at a time is parsed again only when a line ends. */
        do {
            before = c->len;
            n = read_more(c);
            if (n <= 0)
                return 0; /* gone, too slow or too long: closed without an answer */
        } while (seen_newline && !memchr(c->buf + before, '\n', (size_t)n) &&
                 c->len < sizeof c->buf);
        seen_newline = seen_newline || memchr(c->buf, '\n', c->len);
    }
    if (r < 0) {
        report(c, 'R', SBOX_PROXY_MALFORMED, NULL);
        http_answer(c, req.status, "sbox: %s\n", req.why);
        return 0;
    }
    if (reach(c, &req.dest, &verdict, &e) < 0) {
        char dest[300];
        sbox_proxy_dest_format(&req.dest, dest, sizeof dest);
        if (verdict >= 0)
            http_answer(c, 403, "sbox: %s: %s\n", dest, sbox_proxy_verdict_text(verdict));
        else
            http_answer(c, e == ETIMEDOUT ? 504 : 502, "sbox: %s: %s\n", dest,
                        e ? strerror(e) : "the name does not resolve");
        return 0;
    }
    if (req.connect) {
        static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
        struct timespec deadline = after(5);
        if (write_all(c->in, ok, sizeof ok - 1, &deadline) < 0)
            return 1;
    } else {
        static char head[SBOX_PROXY_HEAD_MAX + 512];
        struct timespec deadline = after(SBOX_PROXY_REQUEST_SECONDS);
        int n = sbox_proxy_http_rewrite(c->buf, &req, head, sizeof head);
        if (n < 0 || write_all(c->out, head, (size_t)n, &deadline) < 0)
            return 1;
    }
    return relay_rest(c, req.head_len);
}

/* A SOCKS5 reply: rep, and the address 0.0.0.0:0 (nothing a client needs). */
static int socks_reply(struct conn *c, int rep)
{
    const unsigned char reply[10] = {5, (unsigned char)rep, 0, 1};
    struct timespec deadline = after(5);
    return write_all(c->in, reply, sizeof reply, &deadline);
}

/* The SOCKS5 reply for a destination that could not be reached: host unreachable (4),
 * connection refused (5), network unreachable (3), or a general failure (1). */
static int socks_failure(int e)
{
    switch (e) {
    case 0:
    case EHOSTUNREACH:
    case ETIMEDOUT:
        return 4;
    case ECONNREFUSED:
        return 5;
    case ENETUNREACH:
        return 3;
    default:
        return 1;
    }
}

static int serve_socks(struct conn *c)
{
    struct sbox_proxy_dest d;
    size_t used = 0, req_used = 0;
    bool noauth = false;
    int r, verdict, e;
    static const unsigned char none[2] = {5, 0}, no_method[2] = {5, 0xff};
    struct timespec deadline = after(5);
    while ((r = sbox_proxy_socks_greeting((unsigned char *)c->buf, c->len, &used, &noauth)) == 0)
        if (read_more(c) <= 0)
            return 0;
    if (r < 0 || !noauth) {
        report(c, 'R', SBOX_PROXY_MALFORMED, NULL);
        if (r > 0)
            write_all(c->in, no_method, sizeof no_method, &deadline);
        return 0;
    }
    if (write_all(c->in, none, sizeof none, &deadline) < 0)
        return 0;
    while ((r = sbox_proxy_socks_request((unsigned char *)c->buf + used, c->len - used, &req_used,
                                         &d)) == 0)
        if (read_more(c) <= 0)
            return 0;
    if (r < 0) {
        report(c, 'R', SBOX_PROXY_MALFORMED, NULL);
        socks_reply(c, -r);
        return 0;
    }
    if (reach(c, &d, &verdict, &e) < 0) {
        /* 2: connection not allowed by ruleset */
        socks_reply(c, verdict >= 0 ? 2 : socks_failure(e));
        return 0;
    }
    if (socks_reply(c, 0) < 0)
        return 1;
    return relay_rest(c, used + req_used);
}

/* The child serving conn: dies with sbox, holds nothing of sbox's but the connection and the
 * report pipe, and has SBOX_PROXY_REQUEST_SECONDS for the request, a resolver and a connection
 * as much again (SIGALRM ends it). */
static _Noreturn void serve(const struct sbox_proxy *px, int kind, int conn, pid_t parent)
{
    struct conn *c = sbox_xmalloc(sizeof *c);
    int keep[3] = {conn, px->report[1], sbox_coverage_fd()};
    int null, status;
    sigset_t alarm_set;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(0);
    prctl(PR_SET_NAME, "sbox-proxy", 0, 0, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, SIG_DFL);
    sigemptyset(&alarm_set);
    sigaddset(&alarm_set, SIGALRM);
    sigprocmask(SIG_SETMASK, &px->child_mask, NULL);
    sigprocmask(SIG_UNBLOCK, &alarm_set, NULL);
    /* Not the caller's terminal or pipes: a child left behind must not hold a pipeline open. */
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
        dup2(null, fd);
    sbox_close_inherited(keep, 3);
    alarm(2 * SBOX_PROXY_REQUEST_SECONDS);
    memset(c, 0, sizeof *c);
    c->px = px;
    c->in = conn;
    c->out = -1;
    c->deadline = after(SBOX_PROXY_REQUEST_SECONDS);
    status = kind == SBOX_PROXY_HTTP ? serve_http(c) : serve_socks(c);
    sbox_coverage_dump();
    _exit(status);
}

/* --- sbox's side ------------------------------------------------------------------------ */

void sbox_accept_forked(const struct sbox_accepting *a)
{
    const pid_t self = getpid();
    for (int i = 0; i < 64; i++) {
        int fd = accept4(a->listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        size_t slot = 0;
        pid_t pid;
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return;
        }
        while (slot < a->max && a->kids[slot])
            slot++;
        if (slot == a->max) {
            a->reject(fd);
            (*a->turned_away)++;
            continue;
        }
        pid = fork();
        if (pid == 0) {
            a->serve(a->ctx, fd, self);
            _exit(125); /* not reached: serve ends the child */
        }
        close(fd);
        if (pid < 0) {
            sbox_note(a->notes, "%s: a connection closed: no process to serve it (%s)", a->what,
                      strerror(errno));
            continue;
        }
        a->kids[slot] = pid;
        (*a->n_kids)++;
        if (a->started)
            a->started(a->ctx, slot);
    }
}

struct proxy_listener {
    const struct sbox_proxy *px;
    int kind;
};

static _Noreturn void serve_accepted(void *ctx, int fd, pid_t parent)
{
    const struct proxy_listener *l = ctx;
    serve(l->px, l->kind, fd, parent);
}

static void close_fd(int fd)
{
    close(fd);
}

static void accept_all(struct sbox_proxy *px, int kind)
{
    struct proxy_listener l = {.px = px, .kind = kind};
    const struct sbox_accepting a = {.listener = px->listeners[kind],
                                     .kids = px->kids,
                                     .max = SBOX_PROXY_MAX_CONNECTIONS,
                                     .n_kids = &px->n_kids,
                                     .turned_away = &px->turned_away,
                                     .reject = close_fd,
                                     .serve = serve_accepted,
                                     .ctx = &l,
                                     .notes = px->notes,
                                     .what = "net"};
    sbox_accept_forked(&a);
}

static void count(struct sbox_proxy *px, const char *dest)
{
    for (size_t i = 0; i < px->n_refused; i++)
        if (strcmp(px->refused[i].dest, dest) == 0) {
            px->refused[i].n++;
            return;
        }
    if (px->n_refused == MAX_COUNTED) {
        px->refused_more++;
        return;
    }
    px->refused = sbox_xrealloc(px->refused, (px->n_refused + 1) * sizeof *px->refused);
    snprintf(px->refused[px->n_refused].dest, sizeof px->refused[0].dest, "%s", dest);
    px->refused[px->n_refused++].n = 1;
}

/* A child's line (see report()). The destination was written by sbox's own code from what
 * the parsers took, and is escaped anyway before it reaches a terminal. */
static void take(struct sbox_proxy *px, const char *line)
{
    char *end, dest[300];
    long code = strtol(line + 1, &end, 10);
    if ((line[0] != 'R' && line[0] != 'F') || end == line + 1 || *end != ' ' || code < 0 ||
        code > 4095)
        return;
    sbox_escape(dest, sizeof dest, end + 1);
    if (line[0] == 'F') {
        if (px->verbose)
            sbox_note(px->notes, "net: %s: %s", dest,
                      code ? strerror((int)code) : "the name does not resolve");
        return;
    }
    if (code == SBOX_PROXY_MALFORMED) {
        if (px->verbose)
            sbox_note(px->notes, "net: refused a malformed request");
        count(px, "");
        return;
    }
    if (px->verbose)
        sbox_note(px->notes, "net: refused %s (%s)", dest,
                  sbox_proxy_verdict_text((enum sbox_proxy_verdict)code));
    count(px, dest);
}

static void read_reports(struct sbox_proxy *px)
{
    for (;;) {
        char *nl;
        ssize_t n =
            read(px->report[0], px->line + px->line_len, sizeof px->line - 1 - px->line_len);
        if (n <= 0)
            return;
        px->line_len += (size_t)n;
        while ((nl = memchr(px->line, '\n', px->line_len))) {
            size_t used = (size_t)(nl - px->line) + 1;
            *nl = '\0';
            take(px, px->line);
            memmove(px->line, px->line + used, px->line_len - used);
            px->line_len -= used;
        }
        if (px->line_len == sizeof px->line - 1)
            px->line_len = 0; /* no line of a child's is this long */
    }
}

void sbox_proxy_events(struct sbox_proxy *px, const struct pollfd *fds)
{
    for (int k = 0; k < 2; k++)
        if (fds[k].revents & POLLIN)
            accept_all(px, k);
    if (fds[2].revents & (POLLIN | POLLHUP))
        read_reports(px);
}

void sbox_proxy_reap(struct sbox_proxy *px)
{
    for (size_t i = 0; i < SBOX_PROXY_MAX_CONNECTIONS && px->n_kids; i++) {
        pid_t r;
        if (!px->kids[i])
            continue;
        r = waitpid(px->kids[i], NULL, WNOHANG);
        if (r == px->kids[i] || (r < 0 && errno == ECHILD)) {
            px->kids[i] = 0;
            px->n_kids--;
        }
    }
}

void sbox_proxy_end(struct sbox_proxy *px)
{
    if (!px->n_rules)
        return;
    for (size_t i = 0; i < SBOX_PROXY_MAX_CONNECTIONS; i++)
        if (px->kids[i]) {
            kill(px->kids[i], SIGKILL);
            waitpid(px->kids[i], NULL, 0);
            px->kids[i] = 0;
        }
    px->n_kids = 0;
    if (px->report[0] >= 0)
        read_reports(px);
    for (size_t i = 0; i < px->n_refused; i++) {
        const struct sbox_proxy_count *c = &px->refused[i];
        if (c->dest[0])
            sbox_note(px->notes, "net: refused %lu connection%s to %s", c->n, c->n == 1 ? "" : "s",
                      c->dest);
        else
            sbox_note(px->notes, "net: refused %lu malformed request%s", c->n,
                      c->n == 1 ? "" : "s");
        if (px->notes && px->notes->refused)
            px->notes->refused(px->notes->ctx, c->dest[0] ? c->dest : NULL, !c->dest[0], c->n);
    }
    if (px->refused_more) {
        sbox_note(px->notes, "net: refused %lu more connection%s to other hosts", px->refused_more,
                  px->refused_more == 1 ? "" : "s");
        if (px->notes && px->notes->refused)
            px->notes->refused(px->notes->ctx, NULL, false, px->refused_more);
    }
    if (px->turned_away)
        sbox_note(px->notes, "net: closed %lu connection%s at once: %d were open already",
                  px->turned_away, px->turned_away == 1 ? "" : "s", SBOX_PROXY_MAX_CONNECTIONS);
    px->n_refused = 0;
    px->refused_more = px->turned_away = 0;
}

void sbox_proxy_free(struct sbox_proxy *px)
{
    sbox_closep(&px->listeners[0]);
    sbox_closep(&px->listeners[1]);
    sbox_closep(&px->report[0]);
    sbox_closep(&px->report[1]);
    free(px->hosts);
    px->hosts = NULL;
    free(px->refused);
    px->refused = NULL;
}
