/* net.c: the network inside the sandbox's namespace: loopback up, allow-host's listeners made.
 * Runs in the child only; must never configure the host's interfaces. */
#include "net.h"
#include "cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
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
