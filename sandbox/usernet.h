/* usernet.h: net = slirp | pasta: user-mode networking for the sandbox's network namespace,
 * through slirp4netns or pasta, started by sbox (the parent) once the namespace exists and before
 * the payload runs. */
#ifndef SBOX_USERNET_H
#define SBOX_USERNET_H

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"

/* The addresses slirp4netns gives the sandbox (its default 10.0.2.0/24). */
#define SBOX_SLIRP_GATEWAY "10.0.2.2"
#define SBOX_SLIRP_DNS "10.0.2.3"
#define SBOX_SLIRP_ADDRESS "10.0.2.100"
/* pasta copies the host's address and gateway; DNS queries to this address go to the host's
 * resolver, whatever it is (a loopback one included). */
#define SBOX_PASTA_DNS "169.254.1.1"

struct sbox_usernet {
    pid_t pid;    /* the helper, or 0 */
    int exit_fd;  /* slirp4netns: closing it ends the helper */
    int ready_fd; /* where the helper says it is ready */
    int pidfd;    /* pasta: tells if it died first */
    int log_fd;   /* its output, for a message */
    char *dir;    /* the private directory, until it is ready */
    bool pasta;
};

/* Checks the helper is installed and the published ports are free on the host, and starts the
 * helper against target's network namespace, in the background: the sandbox's setup and the
 * helper's go on side by side. The helper dies with sbox, whichever way sbox ends. On failure
 * nothing is left running or on disk. */
int sbox_usernet_start(const struct sbox_plan *p, pid_t target, struct sbox_usernet *u,
                       struct sbox_error *err);

/* Waits until the helper says the network is up (no guessing), with the ports forwarded, the
 * host's loopback unreachable unless host-loopback = yes, and IPv6 only with ipv6 = yes; then
 * removes the private directory (the API socket, the readiness FIFO), unreachable from inside
 * in any case, and returns 0. On failure the helper is stopped and -1 returned. Returns 1
 * early, the helper still starting, when one of the n_stop fds in stop becomes readable (its
 * revents say which): the caller has something else to see to, and may call again. */
int sbox_usernet_ready(const struct sbox_plan *p, struct sbox_usernet *u, struct pollfd *stop,
                       size_t n_stop, struct sbox_error *err);

/* Ends the helper, reaps it and removes what it left; safe on a zeroed (fds -1) or stopped
 * one. */
void sbox_usernet_stop(struct sbox_usernet *u);

#endif
