/* Unit tests for proxy-parse.c: allow-host's patterns, what they allow, address classes, HTTP
 * heads and their forwarded form, SOCKS5 greetings and requests, hosts files, registries' URLs
 * and npmrc lines; and net.c's reading of a namespace's counters, which tells an offline
 * command that tried to reach out. */
#include "net.h"
#include "proxy.h"
#include "tap.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The rule value parses to, formatted again (or the error, prefixed "error: "). */
static const char *rule(const char *value)
{
    static char buf[1200];
    struct sbox_proxy_rule r;
    struct sbox_error err = {0};
    if (sbox_proxy_rule_parse(value, &r, &err) < 0) {
        snprintf(buf, sizeof buf, "error: %s", err.msg);
        return buf;
    }
    sbox_proxy_rule_format(&r, buf, sizeof buf);
    sbox_proxy_rule_free(&r);
    return buf;
}

static void test_rules(void)
{
    static const char *const good[][2] = {
        {"example.org", "example.org"},
        {"Example.ORG.", "example.org"},
        {"example.org:8443", "example.org:8443"},
        {"*.example.org", "*.example.org"},
        {"*.Example.org:443", "*.example.org:443"},
        {"xn--bcher-kva.example", "xn--bcher-kva.example"},
        {"localhost", "localhost"},
        {"a-b.c1.example", "a-b.c1.example"},
        {"192.0.2.10", "192.0.2.10"},
        {"192.0.2.10:80", "192.0.2.10:80"},
        {"[2001:db8::1]", "[2001:db8::1]"},
        {"[2001:db8::1]:443", "[2001:db8::1]:443"},
        {"2001:db8::1", "[2001:db8::1]"},
        {"::ffff:192.0.2.1", "192.0.2.1"},
        {"host:65535", "host:65535"},
        {"@npm", "@npm"},
        {"@pip", "@pip"},
    };
    static const char *const bad[][2] = {
        {"*", "would let the sandbox reach every host"},
        {"*:443", "would let the sandbox reach every host"},
        {"foo.*.org", "`*` only as a whole first label"},
        {"*example.org", "`*` only as a whole first label"},
        {"*.*.example.org", "`*` only as a whole first label"},
        {"https://example.org/", "a host, not a URL"},
        {"user@example.org", "a host, not a URL"},
        {"example.org/path", "a host, not a URL"},
        {"example.org:0", "the port is a number from 1 to 65535"},
        {"example.org:65536", "the port is a number from 1 to 65535"},
        {"example.org:080", "the port is a number from 1 to 65535"},
        {"example.org:", "the port is a number from 1 to 65535"},
        {"example.org:http", "the port is a number from 1 to 65535"},
        {"example.org:+80", "the port is a number from 1 to 65535"},
        {":443", "no host before the port"},
        {"exa_mple.org", "is not a host name"},
        {"-example.org", "is not a host name"},
        {"example-.org", "is not a host name"},
        {"example..org", "is not a host name"},
        {".example.org", "is not a host name"},
        {"example.org..", "is not a host name"},
        {"exa mple.org", "is not a host name"},
        {"b\xc3\xbc"
         "cher.example",
         "xn-- form"},
        {"1.2.3", "is not an IPv4 address"},
        {"1.2.3.256", "is not an IPv4 address"},
        {"01.2.3.4", "is not an IPv4 address"},
        {"2130706433", "is not an IPv4 address"},
        {"0x7f.1", "is not an IPv4 address"},
        {"example.123", "is not an IPv4 address"},
        {"*.192.0.2.1", "`*.` goes before a domain name"},
        {"[2001:db8::1", "no `]`"},
        {"[2001:db8::1]x", "only `:PORT` may follow `]`"},
        {"[example.org]:443", "is not an IPv6 address"},
        {"2001:db8::zz", "is not an IPv6 address"},
        {"[fe80::1%eth0]", "is not an IPv6 address"},
        {"", "no host"},
        {"@cargo", "no such registry (@npm: npm's, @pip: pip's)"},
        {"@NPM", "no such registry"},
        {"@", "no such registry"},
        {"@npm:443", "no such registry"},
    };
    char long_label[80], long_name[300];
    memset(long_label, 'a', 64);
    strcpy(long_label + 64, ".org");
    for (int i = 0; i < 60; i++)
        memcpy(long_name + 5 * i, "abcd.", 5);
    strcpy(long_name + 300 - 6, "org");
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        is_str(rule(good[i][0]), good[i][1], "allow-host = %s reads as %s", good[i][0], good[i][1]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *got = rule(bad[i][0]);
        ok(strncmp(got, "error: ", 7) == 0 && strstr(got, bad[i][1]),
           "allow-host = `%s` is refused: %s", bad[i][0], bad[i][1]);
        if (!strstr(got, bad[i][1]))
            printf("#   got: %s\n", got);
    }
    ok(strncmp(rule(long_label), "error: ", 7) == 0, "a label of 64 characters is refused");
    ok(strncmp(rule(long_name), "error: ", 7) == 0, "a name of more than 253 characters too");
    is_str(rule(long_label + 1), long_label + 1, "a label of 63 characters is a label");
}

/* Whether the value's rules allow host:port. */
static bool allows(const char *values, const char *host, uint16_t port)
{
    struct sbox_proxy_rule rules[8];
    struct sbox_proxy_dest d;
    struct sbox_error err;
    char *copy = strdup(values), *save = NULL;
    size_t n = 0;
    bool r;
    for (char *v = strtok_r(copy, " ", &save); v; v = strtok_r(NULL, " ", &save))
        if (sbox_proxy_rule_parse(v, &rules[n], &err) == 0)
            n++;
    free(copy);
    r = sbox_proxy_dest_parse(host, strlen(host), port, &d) == 0 &&
        sbox_proxy_allowed(rules, n, &d);
    for (size_t i = 0; i < n; i++)
        sbox_proxy_rule_free(&rules[i]);
    return r;
}

static void test_matching(void)
{
    ok(allows("example.org", "example.org", 443), "a name, port 443");
    ok(allows("example.org", "example.org", 80), "... and 80");
    ok(!allows("example.org", "example.org", 8080), "... not 8080");
    ok(allows("example.org", "EXAMPLE.Org.", 443), "case and a trailing dot do not matter");
    ok(!allows("example.org", "www.example.org", 443), "a name does not allow names below it");
    ok(!allows("example.org", "example.org.evil.example", 443), "nor names it starts");
    ok(!allows("example.org", "badexample.org", 443), "nor names it ends");
    ok(allows("example.org:8080", "example.org", 8080), "a port given: that port");
    ok(!allows("example.org:8080", "example.org", 443), "... and not 443");
    ok(allows("*.example.org", "www.example.org", 443), "*.example.org: a name below");
    ok(allows("*.example.org", "a.b.example.org", 443), "... any depth below");
    ok(!allows("*.example.org", "example.org", 443), "... not example.org itself");
    ok(!allows("*.example.org", "badexample.org", 443), "... nor a name that only ends so");
    ok(!allows("*.example.org", "example.org.evil.example", 443), "... nor one that starts so");
    ok(!allows("example.org", "192.0.2.1", 443), "an address is not allowed by a name");
    ok(allows("192.0.2.1", "192.0.2.1", 443), "an address by itself");
    ok(!allows("192.0.2.1", "192.0.2.2", 443), "... not its neighbour");
    ok(allows("192.0.2.1", "::ffff:192.0.2.1", 443), "... mapped into IPv6 too");
    ok(allows("[2001:db8::1]:8443", "[2001:DB8:0::1]", 8443), "an IPv6 address, any spelling");
    ok(!allows("2001:db8::1", "2001:db8::2", 443), "... not another");
    ok(!allows("127.0.0.1", "0x7f.1", 443), "inet_aton's forms are no address here");
    ok(!allows("127.0.0.1", "2130706433", 443), "... nor a number");
    ok(!allows("a.example b.example:8080", "b.example", 443), "each rule its own port");
    ok(allows("a.example b.example:8080", "b.example", 8080), "... as written");
    ok(!allows("", "example.org", 443), "no rule allows nothing");
}

static enum sbox_addr_class cls(const char *text)
{
    struct sbox_proxy_dest d;
    if (sbox_proxy_dest_parse(text, strlen(text), 1, &d) < 0)
        return (enum sbox_addr_class) - 1;
    return sbox_proxy_addr_class(&d.addr);
}

static void test_classes(void)
{
    static const struct {
        const char *addr;
        enum sbox_addr_class c;
    } cases[] = {
        {"93.184.215.14", SBOX_ADDR_PUBLIC},
        {"8.8.8.8", SBOX_ADDR_PUBLIC},
        {"127.0.0.1", SBOX_ADDR_LOOPBACK},
        {"127.255.255.254", SBOX_ADDR_LOOPBACK},
        {"10.1.2.3", SBOX_ADDR_PRIVATE},
        {"172.16.0.1", SBOX_ADDR_PRIVATE},
        {"172.31.255.255", SBOX_ADDR_PRIVATE},
        {"172.32.0.1", SBOX_ADDR_PUBLIC},
        {"172.15.255.255", SBOX_ADDR_PUBLIC},
        {"192.168.1.1", SBOX_ADDR_PRIVATE},
        {"100.64.0.1", SBOX_ADDR_PRIVATE},
        {"100.127.255.255", SBOX_ADDR_PRIVATE},
        {"100.128.0.1", SBOX_ADDR_PUBLIC},
        {"169.254.169.254", SBOX_ADDR_LINK_LOCAL},
        {"0.0.0.0", SBOX_ADDR_RESERVED},
        {"0.1.2.3", SBOX_ADDR_RESERVED},
        {"192.0.0.8", SBOX_ADDR_RESERVED},
        {"192.0.2.1", SBOX_ADDR_PRIVATE},
        {"198.18.0.1", SBOX_ADDR_PRIVATE},
        {"198.19.255.1", SBOX_ADDR_PRIVATE},
        {"198.20.0.1", SBOX_ADDR_PUBLIC},
        {"198.51.100.7", SBOX_ADDR_PRIVATE},
        {"203.0.113.9", SBOX_ADDR_PRIVATE},
        {"224.0.0.1", SBOX_ADDR_RESERVED},
        {"239.255.255.250", SBOX_ADDR_RESERVED},
        {"255.255.255.255", SBOX_ADDR_RESERVED},
        {"2606:2800:220:1::1", SBOX_ADDR_PUBLIC},
        {"::1", SBOX_ADDR_LOOPBACK},
        {"::", SBOX_ADDR_RESERVED},
        {"::ffff:127.0.0.1", SBOX_ADDR_LOOPBACK},
        {"::ffff:10.0.0.1", SBOX_ADDR_PRIVATE},
        {"::127.0.0.1", SBOX_ADDR_RESERVED},
        {"64:ff9b::7f00:1", SBOX_ADDR_LOOPBACK},
        {"64:ff9b::808:808", SBOX_ADDR_PUBLIC},
        {"64:ff9b:1::1", SBOX_ADDR_PRIVATE},
        {"2002:7f00:1::1", SBOX_ADDR_LOOPBACK},
        {"2002:a9fe:a9fe::1", SBOX_ADDR_LINK_LOCAL},
        {"fc00::1", SBOX_ADDR_PRIVATE},
        {"fd12:3456::1", SBOX_ADDR_PRIVATE},
        {"fec0::1", SBOX_ADDR_PRIVATE},
        {"fe80::1", SBOX_ADDR_LINK_LOCAL},
        {"febf::1", SBOX_ADDR_LINK_LOCAL},
        {"ff02::1", SBOX_ADDR_RESERVED},
        {"100::1", SBOX_ADDR_RESERVED},
        {"2001:db8::1", SBOX_ADDR_PRIVATE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ok(cls(cases[i].addr) == cases[i].c, "%s is %s", cases[i].addr,
           sbox_proxy_addr_class_name(cases[i].c));
}

/* Parses the head whole (what follows its empty line, `rest` bytes, is not the head's), and
 * every prefix of the head before (each must ask for more, none refuse). */
static int parse_rest(const char *head, size_t rest, struct sbox_http_request *req)
{
    size_t len = strlen(head);
    for (size_t i = 0; i < len - rest; i++) {
        struct sbox_http_request partial;
        int r = sbox_proxy_http_parse(head, i, &partial);
        if (r != 0)
            return r == 1 ? 2 : -2; /* a prefix was already whole, or refused */
    }
    return sbox_proxy_http_parse(head, len, req);
}

static int parse(const char *head, struct sbox_http_request *req)
{
    return parse_rest(head, 0, req);
}

static void test_http(void)
{
    struct sbox_http_request req;
    char out[SBOX_PROXY_HEAD_MAX + 512], dest[300], *big;
    const char *h;
    int n;

    h = "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\nTLS";
    ok(parse_rest(h, 3, &req) == 1 && req.connect && req.head_len == strlen(h) - 3,
       "CONNECT: whole, the bytes after it are not the head's");
    sbox_proxy_dest_format(&req.dest, dest, sizeof dest);
    is_str(dest, "example.org:443", "... to example.org:443");
    ok(parse("CONNECT [2001:db8::1]:8443 HTTP/1.1\r\n\r\n", &req) == 1, "CONNECT to [v6]:port");
    sbox_proxy_dest_format(&req.dest, dest, sizeof dest);
    is_str(dest, "[2001:db8::1]:8443", "... as an address");
    ok(parse("CONNECT Example.ORG.:443 HTTP/1.0\n\n", &req) == 1, "bare newlines, HTTP/1.0");
    sbox_proxy_dest_format(&req.dest, dest, sizeof dest);
    is_str(dest, "example.org:443", "... the name normalised");

    h = "GET http://example.org:8080/a/b?c=d HTTP/1.1\r\nHost: evil.example\r\n"
        "User-Agent: t\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive, X-Hop\r\n"
        "X-Hop: 1\r\nKeep-Alive: 300\r\nProxy-Authorization: Basic eA==\r\nAccept: */*\r\n\r\n";
    ok(parse(h, &req) == 1 && !req.connect, "GET in absolute form");
    n = sbox_proxy_http_rewrite(h, &req, out, sizeof out);
    ok(n > 0, "... rewritten");
    out[n > 0 ? n : 0] = '\0';
    is_str(out,
           "GET /a/b?c=d HTTP/1.1\r\nHost: example.org:8080\r\nUser-Agent: t\r\n"
           "Accept: */*\r\nConnection: close\r\n\r\n",
           "... in origin form, Host the destination's, hop-by-hop headers out, closing");
    ok(parse("GET http://example.org HTTP/1.0\r\n\r\n", &req) == 1, "a URL with no path");
    n = sbox_proxy_http_rewrite("GET http://example.org HTTP/1.0\r\n\r\n", &req, out, sizeof out);
    out[n > 0 ? n : 0] = '\0';
    is_str(out, "GET / HTTP/1.0\r\nHost: example.org\r\nConnection: close\r\n\r\n",
           "... gets /, and port 80 unsaid");
    h = "POST HTTP://[2001:db8::1]?q HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi";
    ok(parse_rest(h, 2, &req) == 1 && req.dest.port == 80, "POST to an IPv6 address, a query only");
    n = sbox_proxy_http_rewrite(h, &req, out, sizeof out);
    out[n > 0 ? n : 0] = '\0';
    is_str(out,
           "POST /?q HTTP/1.1\r\nHost: [2001:db8::1]\r\nContent-Length: 2\r\n"
           "Connection: close\r\n\r\n",
           "... its body left after the head");
    ok(sbox_proxy_http_rewrite(h, &req, out, 20) < 0, "a rewrite that does not fit fails");

    static const struct {
        const char *head;
        int status;
    } refused[] = {
        {"\x16\x03\x01\x02\x00", 400},
        {"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n", 400},
        {"GET https://example.org/ HTTP/1.1\r\n\r\n", 400},
        {"GET ftp://example.org/ HTTP/1.1\r\n\r\n", 400},
        {"GET http://user:pw@example.org/ HTTP/1.1\r\n\r\n", 400},
        {"GET http://example.org/#frag HTTP/1.1\r\n\r\n", 400},
        {"GET http://exa_mple.org/ HTTP/1.1\r\n\r\n", 400},
        {"GET http://example.org:99999/ HTTP/1.1\r\n\r\n", 400},
        {"GET http://example.org/ HTTP/2.0\r\n\r\n", 505},
        {"GET http://example.org/ FTP/1.0\r\n\r\n", 400},
        {"GET  http://example.org/ HTTP/1.1\r\n\r\n", 400},
        {"GET http://example.org/\r\n\r\n", 400},
        {"CONNECT example.org HTTP/1.1\r\n\r\n", 400},
        {"CONNECT example.org:0 HTTP/1.1\r\n\r\n", 400},
        {"CONNECT 0x7f.1:443 HTTP/1.1\r\n\r\n", 400},
        {"CONNECT example.org:443 HTTP/1.1\r\n folded\r\n\r\n", 400},
        {"CONNECT example.org:443 HTTP/1.1\r\nNo colon\r\n\r\n", 400},
        {"CONNECT example.org:443 HTTP/1.1\r\nX: a\x01z\r\n\r\n", 400},
        {"CONNECT example.org:443 HTTP/1.1\r\nX: a\rz\r\n\r\n", 400},
        {"CONNECT example.org:443 HTTP/1.1\r\n: empty\r\n\r\n", 400},
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        int r = sbox_proxy_http_parse(refused[i].head, strlen(refused[i].head), &req);
        char shown[80];
        sbox_escape(shown, sizeof shown, refused[i].head);
        ok(r == -1 && req.status == refused[i].status && req.why, "refused (%d): %.40s",
           refused[i].status, shown);
    }
    ok(sbox_proxy_http_parse("CONNECT exa", 11, &req) == 0, "a request line coming: more");
    ok(sbox_proxy_http_parse("\x16\x03", 2, &req) == -1, "a TLS handshake: refused at once");
    ok(sbox_proxy_http_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 36, &req) == -1,
       "a method longer than any: refused at once");

    /* Header lines of 40 bytes, for twice the bound. */
    big = malloc(2 * SBOX_PROXY_HEAD_MAX + 64);
    strcpy(big, "CONNECT example.org:443 HTTP/1.1\r\n");
    while (strlen(big) < 2 * SBOX_PROXY_HEAD_MAX)
        strcat(big, "X-A: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
    ok(sbox_proxy_http_parse(big, SBOX_PROXY_HEAD_MAX - 1, &req) == 0,
       "a head not yet 16 KiB long, still coming: more");
    ok(sbox_proxy_http_parse(big, SBOX_PROXY_HEAD_MAX, &req) == -1 && req.status == 431,
       "16 KiB and no end: 431");
    ok(sbox_proxy_http_parse(big, 2 * SBOX_PROXY_HEAD_MAX - 1, &req) == -1 && req.status == 431,
       "... nothing past 16 KiB is read");
    memset(big, 'A', SBOX_PROXY_HEAD_MAX);
    memcpy(big, "GET http://", 11);
    ok(sbox_proxy_http_parse(big, SBOX_PROXY_HEAD_MAX, &req) == -1 && req.status == 431,
       "a request line of 16 KiB: 431");
    free(big);
}

static void test_socks(void)
{
    unsigned char g[] = {5, 2, 2, 0, 9};
    unsigned char no_none[] = {5, 1, 2};
    unsigned char dom[] = {5,   1,   0,   3,   11,  'e', 'x', 'a', 'm',
                           'p', 'l', 'e', '.', 'o', 'r', 'g', 1,   187};
    unsigned char v4[] = {5, 1, 0, 1, 192, 0, 2, 1, 0, 80};
    unsigned char v6[] = {5, 1, 0, 4, 0x20, 1, 0xd, 0xb8, 0, 0, 0,
                          0, 0, 0, 0, 0,    0, 0,   0,    1, 0, 80};
    unsigned char ip_name[] = {5, 1, 0, 3, 9, '1', '2', '7', '.', '0', '.', '0', '.', '1', 0, 80};
    unsigned char bad_name[] = {5, 1, 0, 3, 3, 'a', '_', 'b', 0, 80};
    unsigned char empty_name[] = {5, 1, 0, 3, 0, 0, 80};
    unsigned char bind[] = {5, 2, 0, 1, 192, 0, 2, 1, 0, 80};
    unsigned char udp[] = {5, 3, 0, 1, 192, 0, 2, 1, 0, 80};
    unsigned char atyp[] = {5, 1, 0, 2};
    unsigned char v4_socks[] = {4, 1, 0, 80, 192, 0, 2, 1, 0};
    struct sbox_proxy_dest d;
    size_t used = 0;
    bool noauth = false;
    char dest[300];

    ok(sbox_proxy_socks_greeting(g, 1, &used, &noauth) == 0, "greeting: more after 1 byte");
    ok(sbox_proxy_socks_greeting(g, 3, &used, &noauth) == 0, "... after 3");
    ok(sbox_proxy_socks_greeting(g, sizeof g, &used, &noauth) == 1 && used == 4 && noauth,
       "... whole: 4 bytes, no authentication offered");
    ok(sbox_proxy_socks_greeting(no_none, sizeof no_none, &used, &noauth) == 1 && !noauth,
       "a greeting without no-authentication says so");
    ok(sbox_proxy_socks_greeting(v4_socks, sizeof v4_socks, &used, &noauth) == -1,
       "SOCKS4: refused");
    ok(sbox_proxy_socks_greeting((const unsigned char *)"\5\0", 2, &used, &noauth) == -1,
       "no method at all: refused");
    {
        bool more = true;
        for (size_t i = 0; i < sizeof dom; i++)
            more = more && sbox_proxy_socks_request(dom, i, &used, &d) == 0;
        ok(more, "request: every prefix asks for more");
    }
    ok(sbox_proxy_socks_request(dom, sizeof dom, &used, &d) == 1 && used == sizeof dom,
       "a domain name: whole");
    sbox_proxy_dest_format(&d, dest, sizeof dest);
    is_str(dest, "example.org:443", "... example.org:443");
    ok(sbox_proxy_socks_request(v4, sizeof v4, &used, &d) == 1, "an IPv4 address");
    sbox_proxy_dest_format(&d, dest, sizeof dest);
    is_str(dest, "192.0.2.1:80", "... 192.0.2.1:80");
    ok(sbox_proxy_socks_request(v6, sizeof v6, &used, &d) == 1, "an IPv6 address");
    sbox_proxy_dest_format(&d, dest, sizeof dest);
    is_str(dest, "[2001:db8::1]:80", "... [2001:db8::1]:80");
    ok(sbox_proxy_socks_request(ip_name, sizeof ip_name, &used, &d) == 1 && !d.name[0],
       "an address written as a name is an address");
    ok(sbox_proxy_socks_request(bad_name, sizeof bad_name, &used, &d) == -1,
       "a domain name no host has: refused");
    ok(sbox_proxy_socks_request(empty_name, sizeof empty_name, &used, &d) == -1,
       "an empty domain name: refused");
    ok(sbox_proxy_socks_request(bind, 2, &used, &d) == -7, "BIND: command not supported");
    ok(sbox_proxy_socks_request(udp, sizeof udp, &used, &d) == -7, "UDP ASSOCIATE: the same");
    ok(sbox_proxy_socks_request(atyp, sizeof atyp, &used, &d) == -8, "address type 2: refused");
}

static void test_hosts(void)
{
    const char *text = "# the test's names\n"
                       "127.0.0.1\tlocalhost allowed.test  Other.Test. # comment\n"
                       "::1 allowed.test\n"
                       "not-an-address allowed.test\n"
                       "192.0.2.7 far.test\r\n"
                       "#192.0.2.8 allowed.test\n";
    struct sbox_proxy_addr a[4];
    char buf[64];
    ok(sbox_proxy_hosts_lookup(text, "allowed.test", a, 4) == 2, "two addresses of a name");
    inet_ntop(a[0].family, a[0].addr, buf, sizeof buf);
    is_str(buf, "127.0.0.1", "... in order: 127.0.0.1");
    inet_ntop(a[1].family, a[1].addr, buf, sizeof buf);
    is_str(buf, "::1", "... then ::1");
    ok(sbox_proxy_hosts_lookup(text, "allowed.test", a, 1) == 1, "at most max");
    ok(sbox_proxy_hosts_lookup(text, "other.test", a, 4) == 1, "names as a rule reads them");
    ok(sbox_proxy_hosts_lookup(text, "far.test", a, 4) == 1, "a line ending in \\r\\n");
    ok(sbox_proxy_hosts_lookup(text, "comment", a, 4) == 0, "a comment is none");
    ok(sbox_proxy_hosts_lookup(text, "nowhere.test", a, 4) == 0, "a name it lacks: none");
    ok(sbox_proxy_hosts_lookup("", "x", a, 4) == 0, "an empty file: none");
}

static void test_verdicts(void)
{
    for (int v = 0; v < SBOX_PROXY_N_VERDICTS; v++)
        ok(sbox_proxy_verdict_text((enum sbox_proxy_verdict)v) != NULL &&
               !strchr(sbox_proxy_verdict_text((enum sbox_proxy_verdict)v), '\n'),
           "verdict %d has a one-line text", v);
    is_str(sbox_proxy_verdict_text(SBOX_PROXY_NOT_ALLOWED), "not in allow-host",
           "a name not allowed: not in allow-host");
}

/* The rule a registry's URL gives, formatted (or "none"). */
static const char *url_rule(const char *url)
{
    static char buf[300];
    struct sbox_proxy_rule r;
    if (sbox_proxy_url_rule(url, &r) < 0)
        return "none";
    sbox_proxy_rule_format(&r, buf, sizeof buf);
    sbox_proxy_rule_free(&r);
    return buf;
}

static void test_urls(void)
{
    static const char *const cases[][2] = {
        {"https://registry.example/", "registry.example"},
        {"https://Registry.Example", "registry.example"},
        {"http://mirror.example:4873/npm/", "mirror.example:4873"},
        {"HTTPS://index.example/simple?x=1", "index.example"},
        {"https://index.example#frag", "index.example"},
        {"https://user:secret@index.example/simple/", "index.example"},
        {"https://a@b@index.example:8443/", "index.example:8443"},
        {"https://[2001:db8::5]:8443/", "[2001:db8::5]:8443"},
        {"https://[2001:db8::5]/", "[2001:db8::5]"},
        {"http://192.0.2.7:8080/simple", "192.0.2.7:8080"},
        {"ftp://index.example/", "none"},
        {"index.example", "none"},
        {"/opt/wheels", "none"},
        {"file:///opt/wheels", "none"},
        {"https://", "none"},
        {"https:///simple", "none"},
        {"https://*.example/", "none"},
        {"https://ex ample/", "none"},
        {"https://index.example:0/", "none"},
        {"https://index.example:/", "none"},
        {"https://user@/", "none"},
        {"https://@npm/", "npm"},
        {"https://exa_mple.org/", "none"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        is_str(url_rule(cases[i][0]), cases[i][1], "URL %s: %s", cases[i][0], cases[i][1]);
}

/* An npmrc read line by line: "key=value" for each line taken, joined by "|". */
static const char *npmrc(const char *text)
{
    static char out[1024];
    bool in_section = false;
    out[0] = '\0';
    for (const char *l = text; l && *l;) {
        const char *eol = strchr(l, '\n');
        char key[64], value[128];
        if (sbox_npmrc_line(l, eol ? (size_t)(eol - l) : strlen(l), &in_section, key, sizeof key,
                            value, sizeof value) == 1)
            snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s=%s", out[0] ? "|" : "",
                     key, value);
        l = eol ? eol + 1 : NULL;
    }
    return out;
}

static void test_npmrc(void)
{
    is_str(npmrc("registry=https://r.example/\n"), "registry=https://r.example/", "key=value");
    is_str(npmrc("  registry =  https://r.example/  \r\n"), "registry=https://r.example/",
           "spaces and a CR around both");
    is_str(npmrc("registry=\"https://r.example/\"\n"), "registry=https://r.example/",
           "a double-quoted value");
    is_str(npmrc("registry='https://r.example/'\n"), "registry=https://r.example/",
           "a single-quoted value");
    is_str(npmrc("; registry=https://a.example/\n# registry=https://b.example/\n"), "",
           "comments are no lines");
    is_str(npmrc("@corp:registry=https://c.example/\n"), "@corp:registry=https://c.example/",
           "a scope's registry");
    is_str(npmrc("a=1\n[section]\nregistry=https://s.example/\n"), "a=1",
           "nothing after a section starts is the top level's");
    is_str(npmrc("no equals sign\n=x\nb = \n"), "b=", "a line without `=`, an empty key: left out");
    is_str(npmrc("//r.example/:_authToken=t\nregistry=https://r.example/"),
           "//r.example/:_authToken=t|registry=https://r.example/", "a last line with no newline");
    {
        char big[300];
        memset(big, 'x', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        memcpy(big, "registry=", 9);
        is_str(npmrc(big), "", "a value longer than the buffer is left out, not cut");
    }
}

static void test_counters(void)
{
    const char *quiet = "Ip: Forwarding DefaultTTL InReceives OutRequests OutDiscards OutNoRoutes "
                        "ReasmTimeout\nIp: 2 64 9 9 0 0 0\n"
                        "Udp: InDatagrams NoPorts InErrors OutDatagrams\nUdp: 4 0 0 4\n";
    const char *routeless = "Ip: Forwarding DefaultTTL OutNoRoutes ReasmTimeout\nIp: 2 64 3 0\n"
                            "Udp: InDatagrams NoPorts\nUdp: 0 0\n";
    const char *unanswered = "Ip: Forwarding OutNoRoutes\nIp: 2 0\n"
                             "Udp: InDatagrams NoPorts InErrors\nUdp: 0 2 0\n";
    const char *v6 = "Ip6InReceives                   \t0\nIp6OutNoRoutes                  \t1\n"
                     "Udp6NoPorts                     \t0\n";
    const char *v6_dns = "Ip6OutNoRoutes 0\nUdp6InDatagrams 0\nUdp6NoPorts 1\n";
    const char *v6_quiet = "Ip6OutNoRoutes                  \t0\nUdp6NoPorts\t0\n"
                           "UdpLite6NoPorts 5\n";
    ok(!sbox_net_tried_outside(quiet, v6_quiet), "counters of a quiet sandbox: nothing tried");
    ok(sbox_net_tried_outside(routeless, NULL), "a connection with no route (OutNoRoutes)");
    ok(sbox_net_tried_outside(unanswered, NULL), "a datagram nothing received (NoPorts)");
    ok(sbox_net_tried_outside(quiet, v6), "IPv6 with no route");
    ok(sbox_net_tried_outside(NULL, v6_dns), "an IPv6 datagram nothing received");
    ok(!sbox_net_tried_outside(NULL, NULL), "no counters: nothing said");
    ok(!sbox_net_tried_outside("Ip: OutNoRoutes\n", "garbage"), "a broken file: nothing said");
}

int main(void)
{
    test_rules();
    test_matching();
    test_classes();
    test_http();
    test_socks();
    test_hosts();
    test_verdicts();
    test_urls();
    test_npmrc();
    test_counters();
    return tap_done();
}
