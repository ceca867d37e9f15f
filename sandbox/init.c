/* init.c: pid 1 inside the sandbox.
 * Must stay small and non-dumpable; it ends the sandbox (and so every process in it) as soon as
 * the payload exits. */
#include "init.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

static const int forwarded[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
                                SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

void sbox_init_forward_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
        sigaddset(set, forwarded[i]);
}

int sbox_init_status_code(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return 125;
}

/* A signal a process sent (kill, sigqueue, tkill), not the kernel: a terminal's ^C already
 * reached the payload, which is in the same foreground group as pid 1. */
static int sent_by_process(const siginfo_t *si)
{
    return si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL;
}

int sbox_init_run(pid_t payload, const sigset_t *early, void (*on_stop)(void *ctx, int sig),
                  void *ctx)
{
    sigset_t set;
    sbox_init_forward_set(&set);
    sigaddset(&set, SIGCHLD);
    /* A payload running as the same uid must not ptrace or read the memory of pid 1. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* Signals that came before the payload existed (a ^C during setup) are its, whoever sent
     * them: nothing else could have delivered them to it. */
    for (int sig = 1; sig < NSIG; sig++) {
        sigset_t one;
        siginfo_t si;
        const struct timespec now = {0, 0};
        /* ^Z too: pid 1 ignores it, so it is the payload's to act on. */
        if (!sigismember(early, sig) || (!sigismember(&set, sig) && sig != SIGTSTP) ||
            sig == SIGCHLD)
            continue;
        sigemptyset(&one);
        sigaddset(&one, sig);
        if (sigtimedwait(&one, &si, &now) == sig)
            kill(payload, sig);
    }
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0) {
            if (errno == EINTR)
                continue;
            return 125;
        }
        if (sig == SIGCHLD) {
            int status;
            pid_t pid;
            /* SIGCHLD coalesces: reap everything that is ready, orphans included. */
            while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0) {
                if (pid != payload)
                    continue;
                if (WIFSTOPPED(status)) {
                    if (on_stop)
                        on_stop(ctx, WSTOPSIG(status));
                    continue;
                }
                return sbox_init_status_code(status);
            }
            continue;
        }
        if (sent_by_process(&si))
            kill(payload, sig);
    }
}
