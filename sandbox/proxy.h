/* proxy.h: allow-host's proxy. proxy-parse.c owns the rules and what a client sends (patterns,
 * address classes, HTTP and SOCKS5 requests, a hosts file), with no system call; proxy.c owns
 * the connections: accepted by sbox, each served by a child outside the sandbox. */
#ifndef SBOX_PROXY_H
#define SBOX_PROXY_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Where the proxy listens inside the sandbox (its own loopback). */
#define SBOX_PROXY_ADDR "127.0.0.1"
#define SBOX_PROXY_HTTP_PORT 3128
#define SBOX_PROXY_SOCKS_PORT 1080

/* A request's head (HTTP) or greeting and request (SOCKS5) must fit in this many bytes and
 * arrive within SBOX_PROXY_REQUEST_SECONDS of the connection. */
#define SBOX_PROXY_HEAD_MAX 16384
#define SBOX_PROXY_REQUEST_SECONDS 30
/* Connections served at once; beyond, a new one is closed at once (and counted). */
#define SBOX_PROXY_MAX_CONNECTIONS 128

enum sbox_proxy_kind { SBOX_PROXY_HTTP, SBOX_PROXY_SOCKS };

/* An address: AF_INET (4 bytes of addr) or AF_INET6 (16), network order. */
struct sbox_proxy_addr {
    int family;
    unsigned char addr[16];
};

/* allow-host = @npm, @pip: the registry the host's tool is configured to use (registry.c finds
 * its hosts outside the sandbox at start). */
enum sbox_registry { SBOX_REGISTRY_NONE, SBOX_REGISTRY_NPM, SBOX_REGISTRY_PIP, SBOX_N_REGISTRIES };
/* "npm", "pip" */
const char *sbox_registry_name(enum sbox_registry r);

/* One allow-host value: a name (lower case, no trailing dot), a wildcard's suffix (the name
 * after "*."), or an address; the port, or 0 for 80 and 443. Or a registry (@npm), which
 * matches nothing itself: the hosts it became follow it in the list, `from` saying whose. */
struct sbox_proxy_rule {
    char *name; /* NULL for an address or a registry */
    bool wildcard;
    struct sbox_proxy_addr addr; /* family 0 for a name or a registry */
    uint16_t port;
    enum sbox_registry registry; /* @npm: the rule stands for a registry */
    enum sbox_registry from;     /* a host a registry became */
    /* a host a registry became: where it was found; a registry: what it became, or why
     * nothing (NULL until registry.c looked) */
    char *source;
};

/* allow-host's value: PATTERN[:PORT], PATTERN a host name (case and a trailing dot aside),
 * `*.DOMAIN`, an IPv4 address or an IPv6 one ([ADDR] when a port follows); or @npm, @pip. 0, or
 * -EINVAL with err saying what is wrong in one line. */
int sbox_proxy_rule_parse(const char *value, struct sbox_proxy_rule *ret, struct sbox_error *err);
void sbox_proxy_rule_free(struct sbox_proxy_rule *r);
/* The rule as allow-host reads it back: example.org, *.example.org:8443, [2001:db8::1]. */
void sbox_proxy_rule_format(const struct sbox_proxy_rule *r, char *buf, size_t size);

/* The host of a registry's URL (http:// or https://, a user name and password dropped, never
 * kept) as a rule: HOST, or HOST:PORT when the URL names a port. 0, or -1 when url is no such
 * URL or its host no name or address. */
int sbox_proxy_url_rule(const char *url, struct sbox_proxy_rule *ret);

/* One line of an npmrc file (ini: `key = value`, `;` and `#` comments, `[section]`): 1 with the
 * key and the value (quotes taken off) of a line before any section, into key and value; 0 for
 * any other line. *in_section is kept across the file's lines (false at its start). */
int sbox_npmrc_line(const char *line, size_t len, bool *in_section, char *key, size_t key_size,
                    char *value, size_t value_size);

/* Where a client asks to go: a name (normalised as a rule's) or an address, and a port. */
struct sbox_proxy_dest {
    char name[254]; /* empty for an address */
    struct sbox_proxy_addr addr;
    uint16_t port;
};

/* host (len bytes: a name, an IPv4 address, an IPv6 one bare or in brackets) into d. A name
 * whose last label is a number must be an IPv4 address in dotted form (inet_aton's other
 * forms, 0x7f.1 or 2130706433, are refused: a resolver would take them as addresses). 0, or
 * -1 when it is neither. */
int sbox_proxy_dest_parse(const char *host, size_t len, uint16_t port, struct sbox_proxy_dest *d);
/* "host:port", "[v6]:port". */
void sbox_proxy_dest_format(const struct sbox_proxy_dest *d, char *buf, size_t size);
/* Whether a rule allows d: a name by a name rule (exactly, or below a wildcard's suffix), an
 * address only by an address rule; and the port. */
bool sbox_proxy_allowed(const struct sbox_proxy_rule *rules, size_t n,
                        const struct sbox_proxy_dest *d);

/* What an address is, for the names the proxy resolves: only public ones are reached unless
 * host-loopback lets loopback ones through, or allow-private private ones. */
enum sbox_addr_class {
    SBOX_ADDR_PUBLIC,
    SBOX_ADDR_LOOPBACK,   /* 127/8, ::1 */
    SBOX_ADDR_PRIVATE,    /* 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, and the
                           * documentation and benchmarking ranges: unicast, not the
                           * internet's, maybe a mirror of the site's */
    SBOX_ADDR_LINK_LOCAL, /* 169.254/16 (cloud metadata services), fe80::/10 */
    SBOX_ADDR_RESERVED,   /* this network, multicast, broadcast, documentation, benchmarking */
};
enum sbox_addr_class sbox_proxy_addr_class(const struct sbox_proxy_addr *a);
/* "a loopback address", ... */
const char *sbox_proxy_addr_class_name(enum sbox_addr_class c);

/* An HTTP request's head, read by the proxy: CONNECT HOST:PORT, or a request in absolute form
 * (http://HOST[:PORT]/PATH), forwarded in origin form. */
struct sbox_http_request {
    bool connect;
    struct sbox_proxy_dest dest;
    size_t head_len; /* the head's bytes, its empty line included */
    /* forwarded: the method's length, the path's place in the head (after the authority), and
     * the HTTP/1 minor version */
    size_t method_len, path_off, path_len;
    int minor;
    /* refused: the answer's status (400, 431, 501, 505) and why, for its body */
    int status;
    const char *why;
};

/* Parses the head at the start of buf (len bytes): 1 when it is whole and good (*req set), 0
 * when more bytes are needed, -1 when it is refused (req->status and req->why). A head that
 * cannot end within SBOX_PROXY_HEAD_MAX bytes, or a line no request has, is refused at once. */
int sbox_proxy_http_parse(const char *buf, size_t len, struct sbox_http_request *req);

/* The forwarded head of a request sbox_proxy_http_parse took (not CONNECT): origin form, Host
 * set to the destination, hop-by-hop headers (Connection, Proxy-*, Keep-Alive, TE, Trailer,
 * Upgrade, and what Connection names) dropped, `Connection: close` added. Its length, or -1
 * when it does not fit in size. */
int sbox_proxy_http_rewrite(const char *buf, const struct sbox_http_request *req, char *out,
                            size_t size);

/* SOCKS5 (RFC 1928), no authentication, CONNECT only. The greeting: 1 when whole (*ret_used
 * bytes; *ret_noauth: the client offers "no authentication"), 0 when more bytes are needed, -1
 * when it is no SOCKS5 greeting. */
int sbox_proxy_socks_greeting(const unsigned char *buf, size_t len, size_t *ret_used,
                              bool *ret_noauth);
/* The request after it: 1 when whole (*ret_used bytes, d set), 0 when more bytes are needed, or
 * -REP, the reply's code: -1 (malformed), -7 (a command but CONNECT), -8 (an address type it
 * has no such), or -2 for a domain name that is no host name. */
int sbox_proxy_socks_request(const unsigned char *buf, size_t len, size_t *ret_used,
                             struct sbox_proxy_dest *d);

/* The addresses a hosts file (`ADDRESS NAME...` lines, # comments) gives name, at most max in
 * out: their count. */
size_t sbox_proxy_hosts_lookup(const char *text, const char *name, struct sbox_proxy_addr *out,
                               size_t max);

/* What a child tells sbox about a connection it did not relay, one line on the report pipe:
 * refused (a verdict) or failed (an errno; 0: the name does not resolve). */
enum sbox_proxy_verdict {
    SBOX_PROXY_NOT_ALLOWED,
    SBOX_PROXY_ADDRESS, /* an address no rule names */
    SBOX_PROXY_TO_LOOPBACK,
    SBOX_PROXY_TO_PRIVATE,
    SBOX_PROXY_TO_LINK_LOCAL,
    SBOX_PROXY_TO_RESERVED,
    SBOX_PROXY_MALFORMED,
    SBOX_PROXY_N_VERDICTS
};
/* "not in allow-host", "resolves to a loopback address (host-loopback = yes lets it through)" */
const char *sbox_proxy_verdict_text(enum sbox_proxy_verdict v);

/* A TCP connection to a:port, within 10 s: the descriptor (close-on-exec, non-blocking,
 * TCP_NODELAY), or -errno. */
int sbox_proxy_connect(const struct sbox_proxy_addr *a, uint16_t port);
/* Bytes relayed both ways between the sockets a and b (non-blocking) until both ends are
 * done: 0, or -1 when a side failed (the caller's exit closes both). For the proxy's children
 * and the published ports' (usernet.c). */
int sbox_proxy_relay(int a, int b);

/* Connections waiting on a listener of sbox's, each served in a child of its own (the proxy's
 * and the published ports'): at most 64 accepted per call, each child's pid put in a free slot
 * of kids (max of them) and serve(ctx, fd, sbox's pid) run there (it never returns); with no
 * free slot the connection goes to reject() and is counted in *turned_away. started(ctx, slot),
 * when given, records what the slot serves. */
struct sbox_accepting {
    int listener;
    pid_t *kids;
    size_t max, *n_kids;
    unsigned long *turned_away;
    void (*reject)(int fd);
    void (*serve)(void *ctx, int fd, pid_t parent); /* never returns */
    void (*started)(void *ctx, size_t slot);
    void *ctx;
    const struct sbox_notes *notes;
    const char *what; /* "net", "publish": the note's first word when a fork fails */
};
void sbox_accept_forked(const struct sbox_accepting *a);

/* The proxy's side in sbox: the listeners pid 1 made, the children serving connections, and
 * the refusals they report. */
struct sbox_proxy_count {
    char dest[270];
    unsigned long n;
};

struct sbox_notes;
struct sbox_plan;

struct sbox_proxy {
    const struct sbox_proxy_rule *rules;
    size_t n_rules;
    char *hosts; /* proxy-hosts' text, or NULL: names are resolved by DNS */
    bool host_loopback, allow_private, verbose;
    const struct sbox_notes *notes;
    sigset_t child_mask;                    /* the caller's mask, for the children */
    int listeners[2];                       /* per kind; -1 until pid 1 sends them */
    int report[2];                          /* the children write lines, sbox reads */
    pid_t kids[SBOX_PROXY_MAX_CONNECTIONS]; /* 0: a free slot */
    size_t n_kids;
    unsigned long turned_away; /* closed at once: too many open */
    struct sbox_proxy_count *refused;
    size_t n_refused;
    unsigned long refused_more; /* refusals past the table's end */
    char line[512];
    size_t line_len;
};

/* Made ready before the sandbox exists, from the plan (which must outlive it): the hosts file
 * read, the report pipe made. A plan without allow-host leaves it idle. */
void sbox_proxy_init(struct sbox_proxy *px);
int sbox_proxy_prepare(struct sbox_proxy *px, const struct sbox_plan *p,
                       const struct sbox_notes *notes, struct sbox_error *err);
/* A listener pid 1 sent (kind: sbox_proxy_kind), taken over. */
void sbox_proxy_listener(struct sbox_proxy *px, int kind, int fd);
/* The descriptors to poll for (at most 3; fds[i].fd -1 when idle), and what to do once poll
 * said: connections accepted and handed to children, reports read (-v: each said as it
 * comes). */
void sbox_proxy_pollfds(const struct sbox_proxy *px, struct pollfd *fds);
void sbox_proxy_events(struct sbox_proxy *px, const struct pollfd *fds);
/* SIGCHLD: the children that ended, reaped by pid (no other child of sbox is touched). */
void sbox_proxy_reap(struct sbox_proxy *px);
/* The sandbox is gone: the children killed and reaped, the last reports read, then one note
 * per refused host:port with its count. */
void sbox_proxy_end(struct sbox_proxy *px);
void sbox_proxy_free(struct sbox_proxy *px);

#endif
