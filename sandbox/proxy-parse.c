/* proxy-parse.c: allow-host's rules and what a proxy client sends, parsed and judged: patterns,
 * address classes, HTTP heads, SOCKS5 requests, hosts files. Never makes a system call; every
 * byte from a client is hostile, and nothing is read past the length given. */
#include "proxy.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define NPOS ((size_t)-1)

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A host name of len bytes into out, lower case, one trailing dot dropped: labels of letters,
 * digits and `-` (not at either end) of 1 to 63 bytes, 253 in all. */
static bool name_normalize(const char *s, size_t len, char out[254])
{
    size_t label = 0;
    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = lower(s[i]);
        if (c == '.') {
            if (label == 0 || out[i - 1] == '-')
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || digit(c) || (c == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
        out[i] = c;
    }
    out[len] = '\0';
    return out[len - 1] != '-' && out[len - 1] != '.';
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address it maps: a rule or a check
 * of either form holds for both. */
static void unmap(struct sbox_proxy_addr *a)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a->family == AF_INET6 && memcmp(a->addr, mapped, 12) == 0) {
        memmove(a->addr, a->addr + 12, 4);
        memset(a->addr + 4, 0, 12);
        a->family = AF_INET;
    }
}

/* An address's text (at most 63 bytes) as family, into a. */
static bool address(const char *s, size_t len, int family, struct sbox_proxy_addr *a)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(a, 0, sizeof *a);
    if (inet_pton(family, buf, a->addr) != 1)
        return false;
    a->family = family;
    unmap(a);
    return true;
}

/* Why host (len bytes; inside brackets when bracketed) is no name or address, or NULL with d's
 * name or address set. */
static const char *parse_host(const char *s, size_t len, bool bracketed, struct sbox_proxy_dest *d)
{
    const char *last;
    struct in_addr any;
    memset(d->name, 0, sizeof d->name);
    memset(&d->addr, 0, sizeof d->addr);
    if (bracketed || memchr(s, ':', len))
        return address(s, len, AF_INET6, &d->addr)
                   ? NULL
                   : "is not an IPv6 address (write one as [ADDR] when a port follows)";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return "is not a host name (write an international name in its xn-- form)";
    if (!name_normalize(s, len, d->name))
        return "is not a host name (letters, digits and `-` in dot-separated labels of 1 to 63 "
               "characters)";
    /* A resolver takes a name inet_aton reads as an address (0x7f.1, 2130706433) for that
     * address, never asking DNS: only the dotted form is an address here, the rest nothing. */
    last = strrchr(d->name, '.');
    last = last ? last + 1 : d->name;
    if (strspn(last, "0123456789") == strlen(last) || inet_aton(d->name, &any)) {
        bool v4 = address(d->name, strlen(d->name), AF_INET, &d->addr);
        memset(d->name, 0, sizeof d->name);
        return v4 ? NULL : "is not an IPv4 address (four numbers from 0 to 255, no leading zero)";
    }
    return NULL;
}

int sbox_proxy_dest_parse(const char *host, size_t len, uint16_t port, struct sbox_proxy_dest *d)
{
    bool bracketed = len >= 2 && host[0] == '[' && host[len - 1] == ']';
    if (parse_host(bracketed ? host + 1 : host, bracketed ? len - 2 : len, bracketed, d))
        return -1;
    d->port = port;
    return 0;
}

void sbox_proxy_dest_format(const struct sbox_proxy_dest *d, char *buf, size_t size)
{
    char text[INET6_ADDRSTRLEN] = "";
    if (d->name[0]) {
        snprintf(buf, size, "%s:%u", d->name, d->port);
        return;
    }
    inet_ntop(d->addr.family, d->addr.addr, text, sizeof text);
    snprintf(buf, size, d->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", text, d->port);
}

/* A port: 1 to 65535, digits only, no leading zero. */
static bool parse_port(const char *s, size_t len, uint16_t *ret)
{
    unsigned long v = 0;
    if (len == 0 || len > 5 || s[0] == '0')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!digit(s[i]))
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > 65535)
        return false;
    *ret = (uint16_t)v;
    return true;
}

int sbox_proxy_rule_parse(const char *value, struct sbox_proxy_rule *ret, struct sbox_error *err)
{
    const char *host = value, *port = NULL, *why;
    size_t hlen = strlen(value);
    bool bracketed = false, wildcard = false;
    struct sbox_proxy_dest d;
    uint16_t p = 0;

    if (value[0] == '@') {
        for (int r = SBOX_REGISTRY_NONE + 1; r < SBOX_N_REGISTRIES; r++)
            if (strcmp(value + 1, sbox_registry_name(r)) == 0) {
                memset(ret, 0, sizeof *ret);
                ret->registry = r;
                return 0;
            }
        return sbox_error(err, 0, "`%s`: no such registry (@npm: npm's, @pip: pip's)", value);
    }
    if (strstr(value, "://") || strpbrk(value, "/@"))
        return sbox_error(err, 0, "`%s`: a host, not a URL (example.org, not https://example.org/)",
                          value);
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (!close)
            return sbox_error(err, 0, "`%s`: no `]` after the IPv6 address", value);
        if (close[1] && close[1] != ':')
            return sbox_error(err, 0, "`%s`: only `:PORT` may follow `]`", value);
        host = value + 1;
        hlen = (size_t)(close - host);
        bracketed = true;
        port = close[1] ? close + 2 : NULL;
    } else if (strchr(value, ':') && strchr(value, ':') == strrchr(value, ':')) {
        port = strchr(value, ':') + 1;
        hlen = (size_t)(port - 1 - value);
    }
    /* Two colons or more, no brackets: an IPv6 address alone, which takes no port. */
    if (port && !parse_port(port, strlen(port), &p))
        return sbox_error(err, 0, "`%s`: the port is a number from 1 to 65535", value);
    if (hlen == 0)
        return sbox_error(err, 0, "`%s`: no host before the port", value);
    if (!bracketed && hlen >= 2 && host[0] == '*' && host[1] == '.') {
        wildcard = true;
        host += 2;
        hlen -= 2;
    }
    if (memchr(host, '*', hlen))
        return sbox_error(err, 0,
                          hlen == 1 && !wildcard
                              ? "`%s` would let the sandbox reach every host: name them "
                                "(net = slirp or pasta is the whole network)"
                              : "`%s`: `*` only as a whole first label, as in *.example.org",
                          value);
    why = parse_host(host, hlen, bracketed, &d);
    if (why)
        return sbox_error(err, 0, "`%.*s` %s", (int)hlen, host, why);
    if (wildcard && !d.name[0])
        return sbox_error(err, 0, "`%s`: `*.` goes before a domain name, not an address", value);
    memset(ret, 0, sizeof *ret);
    ret->name = d.name[0] ? sbox_xstrdup(d.name) : NULL;
    ret->wildcard = wildcard;
    ret->addr = d.addr;
    ret->port = p;
    return 0;
}

void sbox_proxy_rule_free(struct sbox_proxy_rule *r)
{
    free(r->name);
    r->name = NULL;
    free(r->source);
    r->source = NULL;
}

const char *sbox_registry_name(enum sbox_registry r)
{
    static const char *const names[SBOX_N_REGISTRIES] = {
        [SBOX_REGISTRY_NPM] = "npm",
        [SBOX_REGISTRY_PIP] = "pip",
    };
    return r > SBOX_REGISTRY_NONE && r < SBOX_N_REGISTRIES ? names[r] : "?";
}

void sbox_proxy_rule_format(const struct sbox_proxy_rule *r, char *buf, size_t size)
{
    char text[INET6_ADDRSTRLEN] = "", port[8] = "";
    if (r->registry) {
        snprintf(buf, size, "@%s", sbox_registry_name(r->registry));
        return;
    }
    if (r->port)
        snprintf(port, sizeof port, ":%u", r->port);
    if (r->name) {
        snprintf(buf, size, "%s%s%s", r->wildcard ? "*." : "", r->name, port);
        return;
    }
    inet_ntop(r->addr.family, r->addr.addr, text, sizeof text);
    snprintf(buf, size, r->addr.family == AF_INET6 ? "[%s]%s" : "%s%s", text, port);
}

bool sbox_proxy_allowed(const struct sbox_proxy_rule *rules, size_t n,
                        const struct sbox_proxy_dest *d)
{
    size_t len = strlen(d->name);
    for (size_t i = 0; i < n; i++) {
        const struct sbox_proxy_rule *r = &rules[i];
        if (r->registry)
            continue;
        if (r->port ? d->port != r->port : d->port != 80 && d->port != 443)
            continue;
        if (len && r->name) {
            size_t m = strlen(r->name);
            if (!r->wildcard && strcmp(r->name, d->name) == 0)
                return true;
            if (r->wildcard && len > m + 1 && d->name[len - m - 1] == '.' &&
                strcmp(d->name + len - m, r->name) == 0)
                return true;
        } else if (!len && !r->name && r->addr.family == d->addr.family &&
                   memcmp(r->addr.addr, d->addr.addr, d->addr.family == AF_INET ? 4 : 16) == 0) {
            return true;
        }
    }
    return false;
}

int sbox_proxy_url_rule(const char *url, struct sbox_proxy_rule *ret)
{
    struct sbox_error ignored;
    const char *host, *end, *at;
    char text[300];
    size_t len;
    if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else
        return -1;
    end = host + strcspn(host, "/?#");
    /* user:password@ (a credential) is dropped: the host is what follows the last @ */
    for (at = host; (at = memchr(at, '@', (size_t)(end - at))); host = ++at)
        ;
    len = (size_t)(end - host);
    /* the rule parser takes wildcards, which no URL names */
    if (len == 0 || len >= sizeof text || host[0] == '*')
        return -1;
    memcpy(text, host, len);
    text[len] = '\0';
    return sbox_proxy_rule_parse(text, ret, &ignored) < 0 || ret->registry ? -1 : 0;
}

static const char *trim(const char *s, const char *end, const char **ret_end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *ret_end = end;
    return s;
}

int sbox_npmrc_line(const char *line, size_t len, bool *in_section, char *key, size_t key_size,
                    char *value, size_t value_size)
{
    const char *end, *eq, *k, *kend, *v, *vend;
    const char *s = trim(line, line + len, &end);
    if (s == end || *s == ';' || *s == '#')
        return 0;
    if (*s == '[') {
        *in_section = true;
        return 0;
    }
    eq = memchr(s, '=', (size_t)(end - s));
    if (*in_section || !eq)
        return 0;
    k = trim(s, eq, &kend);
    v = trim(eq + 1, end, &vend);
    /* a quoted value is the text between its quotes */
    if (vend - v >= 2 && (*v == '"' || *v == '\'') && vend[-1] == *v) {
        v++;
        vend--;
    }
    if (k == kend || (size_t)(kend - k) >= key_size || (size_t)(vend - v) >= value_size)
        return 0;
    memcpy(key, k, (size_t)(kend - k));
    key[kend - k] = '\0';
    memcpy(value, v, (size_t)(vend - v));
    value[vend - v] = '\0';
    return 1;
}

/* a.b.c.d's class (bytes in network order). */
static enum sbox_addr_class class4(const unsigned char *a)
{
    if (a[0] == 127)
        return SBOX_ADDR_LOOPBACK;
    /* private, shared (100.64/10), documentation (192.0.2/24, 198.51.100/24, 203.0.113/24),
     * benchmarking (198.18/15) */
    if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
        (a[0] == 100 && (a[1] & 0xc0) == 64) || (a[0] == 192 && a[1] == 0 && a[2] == 2) ||
        (a[0] == 198 && (a[1] & 0xfe) == 18) || (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
        (a[0] == 203 && a[1] == 0 && a[2] == 113))
        return SBOX_ADDR_PRIVATE;
    if (a[0] == 169 && a[1] == 254)
        return SBOX_ADDR_LINK_LOCAL;
    /* this network (0/8), the IETF's 192.0.0/24, the old 6to4 relays (192.88.99/24),
     * multicast (224/4), reserved and broadcast (240/4) */
    if (a[0] == 0 || (a[0] == 192 && a[1] == 0 && a[2] == 0) ||
        (a[0] == 192 && a[1] == 88 && a[2] == 99) || a[0] >= 224)
        return SBOX_ADDR_RESERVED;
    return SBOX_ADDR_PUBLIC;
}

enum sbox_addr_class sbox_proxy_addr_class(const struct sbox_proxy_addr *addr)
{
    static const unsigned char zero[16] = {0};
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const unsigned char *a = addr->addr;
    if (addr->family == AF_INET)
        return class4(a);
    if (memcmp(a, zero, 15) == 0)
        return a[15] == 1 ? SBOX_ADDR_LOOPBACK : SBOX_ADDR_RESERVED; /* ::1, :: */
    /* The IPv4 address inside: mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96), 6to4 (2002::/16) */
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return class4(a + 12);
    if (a[0] == 0x20 && a[1] == 0x02)
        return class4(a + 2);
    if (memcmp(a, zero, 12) == 0) /* IPv4-compatible, long deprecated */
        return SBOX_ADDR_RESERVED;
    /* unique local, site-local, local-use NAT64 (64:ff9b:1::/48), documentation (2001:db8::/32) */
    if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) ||
        (a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0 && a[5] == 1) ||
        (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8))
        return SBOX_ADDR_PRIVATE;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return SBOX_ADDR_LINK_LOCAL;
    /* multicast (ff00::/8), discard (100::/64) */
    if (a[0] == 0xff || (a[0] == 1 && memcmp(a + 1, zero, 7) == 0))
        return SBOX_ADDR_RESERVED;
    return SBOX_ADDR_PUBLIC;
}

const char *sbox_proxy_addr_class_name(enum sbox_addr_class c)
{
    static const char *const names[] = {
        [SBOX_ADDR_PUBLIC] = "a public address",
        [SBOX_ADDR_LOOPBACK] = "a loopback address",
        [SBOX_ADDR_PRIVATE] = "a private address",
        [SBOX_ADDR_LINK_LOCAL] = "a link-local address",
        [SBOX_ADDR_RESERVED] = "a reserved address",
    };
    return names[c];
}

const char *sbox_proxy_verdict_text(enum sbox_proxy_verdict v)
{
    static const char *const texts[SBOX_PROXY_N_VERDICTS] = {
        [SBOX_PROXY_NOT_ALLOWED] = "not in allow-host",
        [SBOX_PROXY_ADDRESS] = "an IP address allow-host does not name",
        [SBOX_PROXY_TO_LOOPBACK] =
            "it resolves to a loopback address; host-loopback = yes lets it through",
        [SBOX_PROXY_TO_PRIVATE] =
            "it resolves to a private address; allow-private = yes lets it through",
        [SBOX_PROXY_TO_LINK_LOCAL] = "it resolves to a link-local address",
        [SBOX_PROXY_TO_RESERVED] = "it resolves to a reserved address",
        [SBOX_PROXY_MALFORMED] = "a malformed request",
    };
    return (unsigned)v < SBOX_PROXY_N_VERDICTS ? texts[v] : "refused";
}

/* --- HTTP ------------------------------------------------------------------------------- */

static bool tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit(c) ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The end of the line starting at from (before its "\r\n" or "\n"), *ret_next the next line's
 * start; NPOS when no newline has come yet. */
static size_t line_end(const char *buf, size_t from, size_t len, size_t *ret_next)
{
    const char *nl = memchr(buf + from, '\n', len - from);
    size_t end;
    if (!nl)
        return NPOS;
    end = (size_t)(nl - buf);
    *ret_next = end + 1;
    return end > from && buf[end - 1] == '\r' ? end - 1 : end;
}

static int refuse(struct sbox_http_request *req, int status, const char *why)
{
    req->status = status;
    req->why = why;
    return -1;
}

/* The request line, buf[0, end). */
static int request_line(const char *buf, size_t end, struct sbox_http_request *req)
{
    const char *sp1 = memchr(buf, ' ', end), *sp2, *target, *host, *hend, *colon;
    size_t tlen;
    uint16_t port = 80;
    if (!sp1 || sp1 == buf || sp1 - buf > 32)
        return refuse(req, 400, "not an HTTP request");
    for (const char *c = buf; c < sp1; c++)
        if (!tchar(*c))
            return refuse(req, 400, "not an HTTP request");
    target = sp1 + 1;
    sp2 = memchr(target, ' ', end - (size_t)(target - buf));
    if (!sp2 || sp2 == target)
        return refuse(req, 400, "not an HTTP/1 request line");
    tlen = (size_t)(sp2 - target);
    for (size_t i = 0; i < tlen; i++)
        if (target[i] < 0x21 || target[i] > 0x7e || target[i] == '#')
            return refuse(req, 400, "a character no request target has");
    if (end - (size_t)(sp2 + 1 - buf) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
        (sp2[8] != '0' && sp2[8] != '1'))
        return refuse(req, memcmp(sp2 + 1, "HTTP/", 5) == 0 ? 505 : 400,
                      "HTTP/1.0 and HTTP/1.1 only");
    req->minor = sp2[8] - '0';
    req->method_len = (size_t)(sp1 - buf);
    if (req->method_len == 7 && memcmp(buf, "CONNECT", 7) == 0) {
        req->connect = true;
        host = target;
        hend = sp2;
    } else if (tlen > 7 && strncasecmp(target, "http://", 7) == 0) {
        host = target + 7;
        hend = host;
        while (hend < sp2 && *hend != '/' && *hend != '?')
            hend++;
        req->path_off = (size_t)(hend - buf);
        req->path_len = (size_t)(sp2 - hend);
    } else if (tlen > 8 && strncasecmp(target, "https://", 8) == 0) {
        return refuse(req, 400, "an https:// URL goes through CONNECT");
    } else if (target[0] == '/') {
        return refuse(req, 400, "a request for the proxy itself: it serves http:// URLs");
    } else {
        return refuse(req, 400, "the request target is no http:// URL");
    }
    if (memchr(host, '@', (size_t)(hend - host)))
        return refuse(req, 400, "a user name in the URL");
    /* The port follows the last colon, unless that colon is inside an IPv6 address. */
    colon = NULL;
    for (const char *c = host; c < hend; c++)
        if (*c == ':')
            colon = c;
    if (colon && host[0] == '[') {
        const char *close = memchr(host, ']', (size_t)(hend - host));
        if (!close || colon < close)
            colon = NULL;
    }
    if (colon && !parse_port(colon + 1, (size_t)(hend - colon - 1), &port))
        return refuse(req, 400, "not a port number");
    if (!colon && req->connect)
        return refuse(req, 400, "CONNECT asks for HOST:PORT");
    if (sbox_proxy_dest_parse(host, (size_t)((colon ? colon : hend) - host), port, &req->dest) < 0)
        return refuse(req, 400, "not a host name or an IP address");
    return 0;
}

/* A header line, buf[from, end): NAME ":" then a value of visible characters, spaces and tabs
 * (bytes 0x80 and over too, as HTTP allows). No folded lines. */
static bool header_line(const char *buf, size_t from, size_t end)
{
    size_t i = from;
    while (i < end && tchar(buf[i]))
        i++;
    if (i == from || i == end || buf[i] != ':')
        return false;
    for (i++; i < end; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

int sbox_proxy_http_parse(const char *buf, size_t len, struct sbox_http_request *req)
{
    size_t pos, end, next = 0;
    memset(req, 0, sizeof *req);
    if (len > SBOX_PROXY_HEAD_MAX)
        len = SBOX_PROXY_HEAD_MAX;
    end = line_end(buf, 0, len, &next);
    if (end == NPOS) {
        /* What has come must still be able to start a request line: a method, a space. */
        const char *sp = memchr(buf, ' ', len);
        for (size_t i = 0; i < (sp ? (size_t)(sp - buf) : len); i++)
            if (!tchar(buf[i]) || i >= 32)
                return refuse(req, 400, "not an HTTP request");
        if (len == SBOX_PROXY_HEAD_MAX)
            return refuse(req, 431, "the request line is too long");
        return 0;
    }
    if (request_line(buf, end, req) < 0)
        return -1;
    for (pos = next;; pos = next) {
        end = line_end(buf, pos, len, &next);
        if (end == NPOS)
            return len == SBOX_PROXY_HEAD_MAX
                       ? refuse(req, 431, "the request's head is longer than 16 KiB")
                       : 0;
        if (end == pos) {
            req->head_len = next;
            return 1;
        }
        if (buf[pos] == ' ' || buf[pos] == '\t')
            return refuse(req, 400, "a folded header line");
        if (!header_line(buf, pos, end))
            return refuse(req, 400, "a malformed header line");
    }
}

/* Whether the header name buf[from, colon) is the word w (any case). */
static bool name_is(const char *buf, size_t from, size_t colon, const char *w, size_t wlen)
{
    return colon - from == wlen && strncasecmp(buf + from, w, wlen) == 0;
}

/* Whether a Connection or Proxy-Connection header of the head names the header buf[from,
 * colon): it is then the connection's own, not the request's (RFC 9110, 7.6.1). */
static bool named_by_connection(const char *buf, size_t head_len, size_t from, size_t colon)
{
    size_t pos, end, next = 0;
    line_end(buf, 0, head_len, &next);
    for (pos = next; (end = line_end(buf, pos, head_len, &next)) != NPOS && end > pos; pos = next) {
        const char *c = memchr(buf + pos, ':', end - pos);
        size_t name_end = (size_t)(c - buf), v;
        if (!name_is(buf, pos, name_end, "connection", 10) &&
            !name_is(buf, pos, name_end, "proxy-connection", 16))
            continue;
        for (v = name_end + 1; v < end;) {
            size_t t, tend;
            while (v < end && (buf[v] == ' ' || buf[v] == '\t' || buf[v] == ','))
                v++;
            for (t = v; v < end && buf[v] != ','; v++)
                ;
            tend = v;
            while (tend > t && (buf[tend - 1] == ' ' || buf[tend - 1] == '\t'))
                tend--;
            if (tend > t && tend - t == colon - from &&
                strncasecmp(buf + t, buf + from, tend - t) == 0)
                return true;
        }
    }
    return false;
}

static bool hop_by_hop(const char *buf, size_t head_len, size_t from, size_t colon)
{
    static const char *const names[] = {"host",
                                        "connection",
                                        "proxy-connection",
                                        "keep-alive",
                                        "proxy-authorization",
                                        "proxy-authenticate",
                                        "te",
                                        "trailer",
                                        "upgrade"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (name_is(buf, from, colon, names[i], strlen(names[i])))
            return true;
    return named_by_connection(buf, head_len, from, colon);
}

struct out {
    char *buf;
    size_t size, len;
    bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full || n > o->size - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

int sbox_proxy_http_rewrite(const char *buf, const struct sbox_http_request *req, char *out,
                            size_t size)
{
    struct out o = {.buf = out, .size = size};
    char host[300];
    size_t pos, end, next = 0;
    if (req->connect)
        return -1;
    put(&o, buf, req->method_len);
    puts_(&o, req->path_len && buf[req->path_off] == '/' ? " " : " /");
    put(&o, buf + req->path_off, req->path_len);
    puts_(&o, req->minor ? " HTTP/1.1\r\nHost: " : " HTTP/1.0\r\nHost: ");
    sbox_proxy_dest_format(&req->dest, host, sizeof host);
    /* The default port goes unsaid, as clients say it. */
    if (req->dest.port == 80)
        *strrchr(host, ':') = '\0';
    puts_(&o, host);
    puts_(&o, "\r\n");
    line_end(buf, 0, req->head_len, &next);
    for (pos = next; (end = line_end(buf, pos, req->head_len, &next)) != NPOS && end > pos;
         pos = next) {
        size_t colon = (size_t)((const char *)memchr(buf + pos, ':', end - pos) - buf);
        if (hop_by_hop(buf, req->head_len, pos, colon))
            continue;
        put(&o, buf + pos, end - pos);
        puts_(&o, "\r\n");
    }
    puts_(&o, "Connection: close\r\n\r\n");
    return o.full ? -1 : (int)o.len;
}

/* --- SOCKS5 ----------------------------------------------------------------------------- */

int sbox_proxy_socks_greeting(const unsigned char *buf, size_t len, size_t *ret_used,
                              bool *ret_noauth)
{
    size_t n;
    if (len >= 1 && buf[0] != 5)
        return -1;
    if (len >= 2 && buf[1] == 0)
        return -1;
    if (len < 2 || len < 2 + (size_t)buf[1])
        return 0;
    n = buf[1];
    *ret_noauth = memchr(buf + 2, 0, n) != NULL;
    *ret_used = 2 + n;
    return 1;
}

int sbox_proxy_socks_request(const unsigned char *buf, size_t len, size_t *ret_used,
                             struct sbox_proxy_dest *d)
{
    size_t need;
    if ((len >= 1 && buf[0] != 5) || (len >= 3 && buf[2] != 0))
        return -1;
    if (len >= 2 && buf[1] != 1)
        return -7;
    if (len >= 4 && buf[3] != 1 && buf[3] != 3 && buf[3] != 4)
        return -8;
    if (len < 5)
        return 0;
    need = buf[3] == 1 ? 4 + 4 + 2 : buf[3] == 4 ? 4 + 16 + 2 : 5 + (size_t)buf[4] + 2;
    if (buf[3] == 3 && buf[4] == 0)
        return -1;
    if (len < need)
        return 0;
    memset(d, 0, sizeof *d);
    if (buf[3] == 3) {
        if (sbox_proxy_dest_parse((const char *)buf + 5, buf[4], 0, d) < 0)
            return -1;
    } else {
        d->addr.family = buf[3] == 1 ? AF_INET : AF_INET6;
        memcpy(d->addr.addr, buf + 4, buf[3] == 1 ? 4 : 16);
        unmap(&d->addr);
    }
    d->port = (uint16_t)(buf[need - 2] << 8 | buf[need - 1]);
    *ret_used = need;
    return 1;
}

/* --- hosts files ------------------------------------------------------------------------ */

size_t sbox_proxy_hosts_lookup(const char *text, const char *name, struct sbox_proxy_addr *out,
                               size_t max)
{
    size_t n = 0;
    for (const char *line = text; line && *line && n < max;) {
        const char *eol = strchr(line, '\n'), *hash;
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        struct sbox_proxy_addr a;
        size_t at = 0;
        bool have_addr = false;
        hash = memchr(line, '#', len);
        if (hash)
            len = (size_t)(hash - line);
        while (at < len) {
            size_t start, wlen;
            char word[254];
            while (at < len && (line[at] == ' ' || line[at] == '\t' || line[at] == '\r'))
                at++;
            start = at;
            while (at < len && line[at] != ' ' && line[at] != '\t' && line[at] != '\r')
                at++;
            wlen = at - start;
            if (wlen == 0)
                break;
            if (!have_addr) {
                have_addr = address(line + start, wlen,
                                    memchr(line + start, ':', wlen) ? AF_INET6 : AF_INET, &a);
                if (!have_addr)
                    break;
            } else if (name_normalize(line + start, wlen, word) && strcmp(word, name) == 0) {
                out[n++] = a;
                break;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return n;
}
