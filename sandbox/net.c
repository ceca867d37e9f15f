/* net.c: the network inside the sandbox's namespace: loopback up, allow-host's listeners made
 * (both in the child only), the namespace's counters read. Must never configure the host's
 * interfaces. */
#include "net.h"
#include "cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int sbox_net_loopback_up(struct sbox_error *err)
{
    struct ifreq ifr;
    _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sbox_error(err, errno, "open a socket to configure loopback");
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return sbox_error(err, errno, "read the flags of `lo`");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        return sbox_error(err, errno, "bring `lo` up");
    return 0;
}

int sbox_net_listen_loopback(uint16_t port, struct sbox_error *err)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    /* No SO_REUSEPORT: no other socket, the payload's included, may bind the port beside it
     * and take its connections. */
    _cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return sbox_error(err, errno, "open a socket for allow-host's proxy");
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
        return sbox_error(err, errno, "bind 127.0.0.1:%u for allow-host's proxy", port);
    if (listen(fd, SOMAXCONN) < 0)
        return sbox_error(err, errno, "listen on 127.0.0.1:%u for allow-host's proxy", port);
    return steal_fd(&fd);
}

/* A counter of /proc/net/snmp's: a line "PROTO: NAME..." then "PROTO: VALUE...". */
static unsigned long snmp_field(const char *text, const char *proto, const char *field)
{
    size_t plen = strlen(proto), flen = strlen(field);
    for (const char *line = text; line && *line;) {
        const char *next = strchr(line, '\n');
        if (strncmp(line, proto, plen) == 0 && line[plen] == ':' && next &&
            strncmp(next + 1, line, plen + 1) == 0) {
            const char *n = line + plen + 1, *v = next + 1 + plen + 1;
            while (n < next) {
                char *vend;
                unsigned long value;
                size_t len;
                n += strspn(n, " ");
                len = strcspn(n, " \n");
                value = strtoul(v, &vend, 10);
                if (vend == v)
                    return 0;
                if (len == flen && strncmp(n, field, flen) == 0)
                    return value;
                n += len;
                v = vend;
            }
            return 0;
        }
        line = next ? next + 1 : NULL;
    }
    return 0;
}

/* A counter of /proc/net/snmp6's: "NAME VALUE" lines. */
static unsigned long snmp6_field(const char *text, const char *field)
{
    size_t flen = strlen(field);
    for (const char *line = text; line && *line;) {
        if (strncmp(line, field, flen) == 0 && (line[flen] == ' ' || line[flen] == '\t'))
            return strtoul(line + flen, NULL, 10);
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return 0;
}

bool sbox_net_tried_outside(const char *snmp, const char *snmp6)
{
    if (snmp && (snmp_field(snmp, "Ip", "OutNoRoutes") || snmp_field(snmp, "Udp", "NoPorts")))
        return true;
    return snmp6 && (snmp6_field(snmp6, "Ip6OutNoRoutes") || snmp6_field(snmp6, "Udp6NoPorts"));
}
