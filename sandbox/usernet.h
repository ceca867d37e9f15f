/* usernet.h: net = slirp | pasta: user-mode networking for the sandbox's network namespace,
 * through slirp4netns or pasta, started by sbox (the parent) once the namespace exists and before
 * the payload runs; and the published TCP ports sbox relays itself (net = slirp). */
#ifndef SBOX_USERNET_H
#define SBOX_USERNET_H

#include <poll.h>
#include <signal.h>
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

/* Whether sbox relays a published port itself rather than the helper: TCP under net = slirp.
 * slirp4netns forwards to the sandbox's address on tap0, which a server bound to 127.0.0.1 or
 * ::1 (a dev server on localhost) never sees; sbox's relay connects to the sandbox's own
 * loopback. pasta splices the host's loopback into the sandbox's already. */
static inline bool sbox_publish_relayed(const struct sbox_plan *p,
                                        const struct sbox_publish_spec *ps)
{
    return p->net == SBOX_NET_SLIRP && !ps->udp;
}

/* Connections relayed at once; beyond, a new one is closed at once (and counted). */
#define SBOX_PUBLISH_MAX_CONNECTIONS 128

struct sbox_notes;

/* The relayed ports: a listener on the host's side for each, and the children serving their
 * connections. Each child joins the sandbox's user and network namespaces (never its pid or
 * mount namespace: no process of the sandbox can see, signal or trace it), connects to the
 * published port on the sandbox's 127.0.0.1, else its ::1, and relays both ways. */
struct sbox_publish_relay {
    size_t n;                         /* listeners */
    int *listeners;                   /* the host's side, bound and listening */
    const struct sbox_publish **pubs; /* each one's setting */
    int userns, netns;                /* the sandbox's, once it exists; -1 before */
    sigset_t child_mask;              /* the caller's mask, for the children */
    const struct sbox_notes *notes;
    pid_t kids[SBOX_PUBLISH_MAX_CONNECTIONS];      /* 0: a free slot */
    size_t kid_port[SBOX_PUBLISH_MAX_CONNECTIONS]; /* the listener each serves */
    size_t n_kids;
    unsigned long *unanswered; /* per listener: connections nothing inside took */
    unsigned long turned_away; /* closed at once: too many open */
};

void sbox_publish_init(struct sbox_publish_relay *pr);
/* Binds and listens on the host's side of every relayed port, before the sandbox exists: a
 * taken port is one line naming the setting, and nothing is left. */
int sbox_publish_open(struct sbox_publish_relay *pr, const struct sbox_plan *p,
                      const struct sbox_notes *notes, struct sbox_error *err);
/* The sandbox's namespaces, opened through /proc/PID/ns (pid as /proc counts it) while it
 * waits for its release; nothing to do without relayed ports. */
int sbox_publish_attach(struct sbox_publish_relay *pr, pid_t pid, struct sbox_error *err);
/* The listeners to poll for (pr->n of them, from fds), and what to do once poll said:
 * connections accepted and handed to children. */
size_t sbox_publish_pollfds(const struct sbox_publish_relay *pr, struct pollfd *fds);
void sbox_publish_events(struct sbox_publish_relay *pr, const struct pollfd *fds);
/* SIGCHLD: the children that ended, reaped by pid (no other child of sbox is touched). */
void sbox_publish_reap(struct sbox_publish_relay *pr);
/* The sandbox is gone: the children killed and reaped, then a note per port whose
 * connections found nothing listening inside, and one for connections turned away. */
void sbox_publish_end(struct sbox_publish_relay *pr);
void sbox_publish_free(struct sbox_publish_relay *pr);

#endif
