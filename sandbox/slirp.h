/* slirp.h: net = slirp: user-mode NAT for the sandbox's network namespace through slirp4netns,
 * started by sbox (the parent) once the namespace exists and before the payload runs. */
#ifndef SBOX_SLIRP_H
#define SBOX_SLIRP_H

#include <sys/types.h>

#include "error.h"
#include "plan.h"

/* The addresses slirp4netns gives the sandbox (its default 10.0.2.0/24). */
#define SBOX_SLIRP_GATEWAY "10.0.2.2"
#define SBOX_SLIRP_DNS "10.0.2.3"
#define SBOX_SLIRP_ADDRESS "10.0.2.100"

struct sbox_slirp {
    pid_t pid;   /* slirp4netns, or 0 */
    int exit_fd; /* closing it ends slirp4netns (so does sbox's death, even by SIGKILL) */
};

/* Checks the published ports are free on the host, starts slirp4netns against target's
 * network namespace (configuring tap0, with its own sandbox and seccomp filter, the host's
 * loopback unreachable unless host-loopback = yes, IPv6 only with ipv6 = yes), waits until it
 * says the network is up, and adds the port forwards through its API socket, which lives in a
 * private directory removed once they are added. On failure nothing is left running. */
int sbox_slirp_start(const struct sbox_plan *p, pid_t target, struct sbox_slirp *s,
                     struct sbox_error *err);

/* Ends slirp4netns and reaps it; safe on a zeroed or stopped one. */
void sbox_slirp_stop(struct sbox_slirp *s);

#endif
