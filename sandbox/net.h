/* net.h: the loopback interface of the sandbox's own network namespace (net = none; slirp and
 * pasta are usernet.h's). Never touches an interface outside the sandbox's own namespace. */
#ifndef SBOX_NET_H
#define SBOX_NET_H

#include "error.h"

/* Brings "lo" up in the current (new) network namespace. */
int sbox_net_loopback_up(struct sbox_error *err);

#endif
