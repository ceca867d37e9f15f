/* net.h: the loopback interface of the sandbox's own network namespace (net = none; slirp and
 * pasta are usernet.h's), allow-host's listeners on it, and what its counters say the payload
 * tried. Never touches an interface outside the sandbox's own namespace. */
#ifndef SBOX_NET_H
#define SBOX_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* Brings "lo" up in the current (new) network namespace. */
int sbox_net_loopback_up(struct sbox_error *err);

/* A TCP socket listening on 127.0.0.1:port of the current namespace (non-blocking,
 * close-on-exec), for allow-host's proxy: its descriptor, or -errno. */
int sbox_net_listen_loopback(uint16_t port, struct sbox_error *err);

/* Whether a namespace's counters (the text of its /proc/net/snmp and /proc/net/snmp6; either
 * may be NULL) show a try to leave it: a connection or datagram with no route (OutNoRoutes),
 * or a datagram nothing received (NoPorts: a resolver asked on 127.0.0.1:53, where none is).
 * Never makes a system call. */
bool sbox_net_tried_outside(const char *snmp, const char *snmp6);

#endif
