/* net.h: the loopback interface of the sandbox's own network namespace (net = none; slirp and
 * pasta are usernet.h's), and allow-host's listeners on it. Never touches an interface outside
 * the sandbox's own namespace. */
#ifndef SBOX_NET_H
#define SBOX_NET_H

#include <stdint.h>

#include "error.h"

/* Brings "lo" up in the current (new) network namespace. */
int sbox_net_loopback_up(struct sbox_error *err);

/* A TCP socket listening on 127.0.0.1:port of the current namespace (non-blocking,
 * close-on-exec), for allow-host's proxy: its descriptor, or -errno. */
int sbox_net_listen_loopback(uint16_t port, struct sbox_error *err);

#endif
