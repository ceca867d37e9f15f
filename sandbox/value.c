/* value.c: value parsers for settings.
 * Must stay pure (no system calls): flags, profiles and unit tests all rely on it. */
#include "value.h"
#include "cleanup.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

static int parse_digits(const char *s, const char **ret_end, uint64_t *ret)
{
    uint64_t v = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return -EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *ret_end = p;
    *ret = v;
    return 0;
}

int sbox_value_size(const char *s, uint64_t *ret, struct sbox_error *err)
{
    const char *end;
    uint64_t v, mult = 1;
    int r = parse_digits(s, &end, &v);
    if (r == -ERANGE)
        return sbox_error(err, 0, "size `%s` is too large", s);
    if (r < 0)
        return sbox_error(err, 0, "`%s` is not a size (a number with an optional K, M, G or T)", s);
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        mult = 1ULL << 10;
        end++;
        break;
    case 'm':
    case 'M':
        mult = 1ULL << 20;
        end++;
        break;
    case 'g':
    case 'G':
        mult = 1ULL << 30;
        end++;
        break;
    case 't':
    case 'T':
        mult = 1ULL << 40;
        end++;
        break;
    default:
        break;
    }
    if (*end != '\0')
        return sbox_error(err, 0, "`%s` is not a size (a number with an optional K, M, G or T)", s);
    if (v > UINT64_MAX / mult)
        return sbox_error(err, 0, "size `%s` is too large", s);
    *ret = v * mult;
    return 0;
}

void sbox_value_size_format(uint64_t v, char *buf, size_t size)
{
    static const char units[] = "KMGT";
    int u = -1;
    while (u < 3 && v != 0 && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(buf, size, "%llu", (unsigned long long)v);
    else
        snprintf(buf, size, "%llu%c", (unsigned long long)v, units[u]);
}

int sbox_value_mode(const char *s, mode_t *ret, struct sbox_error *err)
{
    size_t n = strlen(s);
    unsigned v = 0;
    if (n == 0 || n > 4 || strspn(s, "01234567") != n)
        return sbox_error(err, 0, "`%s` is not an octal mode (0000 to 7777)", s);
    for (size_t i = 0; i < n; i++)
        v = v * 8 + (unsigned)(s[i] - '0');
    *ret = (mode_t)v;
    return 0;
}

int sbox_value_uint(const char *s, uint64_t max, uint64_t *ret, struct sbox_error *err)
{
    const char *end;
    uint64_t v;
    int r = parse_digits(s, &end, &v);
    if (r == 0 && *end != '\0')
        r = -EINVAL;
    if (r == -EINVAL)
        return sbox_error(err, 0, "`%s` is not a whole number", s);
    if (r == -ERANGE || v > max)
        return sbox_error(err, 0, "`%s` is out of range (0 to %llu)", s, (unsigned long long)max);
    *ret = v;
    return 0;
}

int sbox_value_duration(const char *s, uint64_t *ret, struct sbox_error *err)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    const uint64_t max = 30 * 86400000ULL;
    uint64_t total = 0;
    if (strcmp(s, "none") == 0) {
        *ret = 0;
        return 0;
    }
    for (const char *c = s; *c;) {
        const char *end;
        uint64_t v, ms = 0;
        size_t n = 0;
        if (parse_digits(c, &end, &v) < 0)
            return sbox_error(err, 0,
                              "`%s` is not a duration (e.g. 90s, 10m, 1h30m; a number alone is "
                              "seconds)",
                              s);
        for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
            size_t l = strlen(units[i].unit);
            if (strncmp(end, units[i].unit, l) == 0 && l > n && !(l == 1 && end[1] == 's')) {
                n = l;
                ms = units[i].ms;
            }
        }
        if (!n && *end == '\0' && c == s)
            ms = 1000; /* a number alone: seconds */
        else if (!n)
            return sbox_error(err, 0,
                              "`%s` is not a duration (e.g. 90s, 10m, 1h30m; a number alone is "
                              "seconds)",
                              s);
        if (v > max / ms || total + v * ms > max)
            return sbox_error(err, 0, "`%s` is longer than 30 days", s);
        total += v * ms;
        c = end + n;
    }
    *ret = total;
    return 0;
}

int sbox_value_bool(const char *s, bool *ret, struct sbox_error *err)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *ret = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *ret = false;
            return 0;
        }
    }
    return sbox_error(err, 0, "`%s` is not a boolean (true or false)", s);
}

int sbox_value_split(const char *s, char **ret_left, char **ret_right, struct sbox_error *err)
{
    size_t n = strlen(s);
    _cleanup_free_ char *left = sbox_xmalloc(n + 1);
    _cleanup_free_ char *right = NULL;
    char *o = left;
    const char *p = s;

    for (; *p; p++) {
        if (*p == '\\') {
            if (p[1] != ':' && p[1] != '\\')
                return sbox_error(err, 0, "`%s`: a backslash must escape `:` or `\\`", s);
            *o++ = *++p;
            continue;
        }
        if (*p == ':')
            break;
        *o++ = *p;
    }
    *o = '\0';
    if (*p == ':') {
        char *r;
        p++;
        right = sbox_xmalloc(strlen(p) + 1);
        r = right;
        for (; *p; p++) {
            if (*p == '\\') {
                if (p[1] != ':' && p[1] != '\\')
                    return sbox_error(err, 0, "`%s`: a backslash must escape `:` or `\\`", s);
                p++;
            }
            *r++ = *p;
        }
        *r = '\0';
    }
    *ret_left = steal_ptr(&left);
    *ret_right = steal_ptr(&right);
    return 0;
}

int sbox_value_hostname(const char *s, struct sbox_error *err)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return sbox_error(err, 0, "hostname must be 1 to 64 characters");
    if (s[0] == '-' || s[0] == '.' ||
        strspn(s, "abcdefghijklmnopqrstuvwxyz"
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n)
        return sbox_error(err, 0, "`%s` is not a valid hostname (letters, digits, '-' and '.')", s);
    return 0;
}

bool sbox_value_env_name(const char *s)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (const char *p = s + 1; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_'))
            return false;
    return true;
}

int sbox_value_cpus(const char *s, uint64_t *ret, struct sbox_error *err)
{
    const char *end;
    uint64_t whole, frac = 0;
    int r = parse_digits(s, &end, &whole);
    size_t places = 0;
    if (r == 0 && *end == '.') {
        const char *p = end + 1;
        for (; isdigit((unsigned char)*p) && places < 3; p++, places++)
            frac = frac * 10 + (uint64_t)(*p - '0');
        if (places == 0 || isdigit((unsigned char)*p))
            r = -EINVAL;
        end = p;
        for (; places < 3; places++)
            frac *= 10;
    }
    if (r < 0 || *end != '\0' || whole > 1000000)
        return sbox_error(err, 0, "`%s` is not a CPU count (such as 2 or 1.5)", s);
    if (whole * 1000 + frac == 0)
        return sbox_error(err, 0, "a CPU count must be more than 0");
    *ret = whole * 1000 + frac;
    return 0;
}

int sbox_value_ip(const char *s, struct sbox_error *err)
{
    unsigned char buf[16];
    if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
        return 0;
    return sbox_error(err, 0, "`%s` is not an IP address", s);
}

static int port(const char *s, size_t n, uint16_t *ret, struct sbox_error *err, const char *whole)
{
    char buf[8];
    uint64_t v;
    struct sbox_error ignored;
    if (n == 0 || n >= sizeof buf)
        return sbox_error(err, 0, "`%s`: a port is 1 to 65535", whole);
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (sbox_value_uint(buf, 65535, &v, &ignored) < 0 || v == 0)
        return sbox_error(err, 0, "`%s`: a port is 1 to 65535", whole);
    *ret = (uint16_t)v;
    return 0;
}

int sbox_value_publish(const char *s, struct sbox_publish_spec *ret, struct sbox_error *err)
{
    _cleanup_free_ char *copy = sbox_xstrdup(s);
    char *proto = strchr(copy, '/'), *ports = copy, *colon;
    const char *ip = "127.0.0.1"; /* never every address unless written */
    memset(ret, 0, sizeof *ret);
    if (proto) {
        *proto++ = '\0';
        if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
            return sbox_error(err, 0, "`%s`: the protocol is tcp or udp", s);
        ret->udp = strcmp(proto, "udp") == 0;
    }
    if (copy[0] == '[') {
        char *close = strchr(copy, ']');
        if (!close || close[1] != ':')
            return sbox_error(err, 0, "`%s`: an IPv6 address is written [ADDR]:PORT:PORT", s);
        *close = '\0';
        if (sbox_value_ip(copy + 1, err) < 0)
            return -EINVAL;
        ip = copy + 1;
        ports = close + 2;
    } else if (strchr(copy, ':') != strrchr(copy, ':')) {
        char *first = strchr(copy, ':');
        *first = '\0';
        if (sbox_value_ip(copy, err) < 0)
            return -EINVAL;
        ip = copy;
        ports = first + 1;
    }
    colon = strchr(ports, ':');
    if (!colon)
        return sbox_error(err, 0, "`%s` is not [IP:]HOST_PORT:SANDBOX_PORT[/tcp|/udp]", s);
    if (port(ports, (size_t)(colon - ports), &ret->host_port, err, s) < 0 ||
        port(colon + 1, strlen(colon + 1), &ret->port, err, s) < 0)
        return -EINVAL;
    snprintf(ret->host_ip, sizeof ret->host_ip, "%s", ip);
    return 0;
}

int sbox_value_errno(const char *s, int *ret, struct sbox_error *err)
{
    uint64_t v;
    struct sbox_error ignored;
    if (isdigit((unsigned char)s[0])) {
        if (sbox_value_uint(s, 4095, &v, &ignored) < 0 || v == 0)
            return sbox_error(err, 0, "`%s` is not an errno (1 to 4095, or a name like EACCES)", s);
        *ret = (int)v;
        return 0;
    }
    /* Second names of the same value, which strerrorname_np never gives. */
    static const struct {
        const char *name;
        int value;
    } aliases[] = {{"EWOULDBLOCK", EWOULDBLOCK}, {"ENOTSUP", ENOTSUP}, {"EDEADLOCK", EDEADLOCK}};
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (strcmp(aliases[i].name, s) == 0) {
            *ret = aliases[i].value;
            return 0;
        }
    for (int e = 1; e < 4096; e++) {
        const char *name = strerrorname_np(e);
        if (name && strcmp(name, s) == 0) {
            *ret = e;
            return 0;
        }
    }
    return sbox_error(err, 0, "`%s` is not an errno name (such as EACCES or EPERM)", s);
}

int sbox_value_names(const char *s, bool (*is_name)(const char *), const char *what,
                     struct sbox_error *err)
{
    _cleanup_free_ char *copy = sbox_xstrdup(s);
    char *save = NULL;
    int n = 0;
    for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save), n++)
        if (!is_name(w))
            return sbox_error(err, 0, "`%s` is not a known %s", w, what);
    if (n == 0)
        return sbox_error(err, 0, "no %s named", what);
    return 0;
}

bool sbox_value_is_capability(const char *name)
{
    int c;
    return sbox_value_capability(name, &c);
}

bool sbox_value_capability(const char *name, int *ret)
{
    cap_value_t c;
    /* libcap also takes numbers; a profile names capabilities. */
    char full[64];
    if (isdigit((unsigned char)name[0]))
        return false;
    /* CAP_NET_RAW, cap_net_raw and net_raw all name it. */
    snprintf(full, sizeof full, "%s%s", strncasecmp(name, "cap_", 4) == 0 ? "" : "cap_", name);
    if (cap_from_name(full, &c) != 0 || c < 0 || c > 63)
        return false;
    *ret = c;
    return true;
}

void sbox_value_capability_name(int cap, char *buf, size_t size)
{
    char *name = cap_to_name((cap_value_t)cap);
    snprintf(buf, size, "%s", name ? name : "?");
    cap_free(name);
    for (char *c = buf; *c; c++)
        *c = (char)toupper((unsigned char)*c);
}

bool sbox_value_is_syscall(const char *name)
{
    return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}
