/* net.c: network setup inside the sandbox's namespace.
 * Runs in the child only; must never configure the host's interfaces. */
#include "net.h"
#include "cleanup.h"

#include <errno.h>
#include <net/if.h>
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
