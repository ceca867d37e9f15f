/* net.h: the sandbox's network. This part: a private namespace with loopback only.
 * Never touches an interface outside the sandbox's own namespace. */
#ifndef SBOX_NET_H
#define SBOX_NET_H

#include "error.h"

/* Brings "lo" up in the current (new) network namespace. */
int sbox_net_loopback_up(struct sbox_error *err);

#endif
