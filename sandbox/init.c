/* init.c: pid 1 inside the sandbox.
 * Must stay small and non-dumpable; it ends the sandbox (and so every process in it) as soon as
 * the payload exits. */
#include "init.h"
#include "terminal.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

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

/* The payload's group, and the group that has its terminal, continued. */
static void continue_payload(const struct sbox_init *in)
{
    pid_t group = getpgid(in->payload);
    if (in->tty >= 0) {
        pid_t fg = tcgetpgrp(in->tty);
        if (fg > 0 && fg != getpgrp())
            kill(-fg, SIGCONT);
    }
    if (group > 0 && group != getpgrp())
        kill(-group, SIGCONT);
    kill(in->payload, SIGCONT);
}

/* sbox says whether the payload may have its terminal (sbox is in the foreground) or not. Not:
 * pid 1's own group takes it, so a read stops the payload (SIGTTIN) as a background job's
 * would, and the group that had it is parked until sbox is in the foreground again. */
static void resume(const struct sbox_init *in, pid_t *parked, int how)
{
    if (in->tty >= 0) {
        pid_t cur = tcgetpgrp(in->tty);
        if (how == SBOX_RESUME_HAND) {
            /* It stopped reading or setting its terminal from the background of it: its own
             * group gets it, or it would only stop again. */
            tcsetpgrp(in->tty, getpgid(in->payload));
            *parked = 0;
        } else if (how == SBOX_RESUME_FOREGROUND) {
            pid_t to = *parked > 0 ? *parked : cur;
            if (to <= 0 || to == getpgrp() || tcsetpgrp(in->tty, to) < 0)
                tcsetpgrp(in->tty, getpgid(in->payload));
            *parked = 0;
        } else if (*parked == 0 && cur > 0 && cur != getpgrp()) {
            *parked = cur;
            tcsetpgrp(in->tty, getpgrp());
        }
    }
    continue_payload(in);
}

void sbox_init_end_all(void)
{
    /* From pid 1, -1 is every process of its namespace but itself. */
    kill(-1, SIGKILL);
    while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
        ;
}

int sbox_init_run(const struct sbox_init *in, const sigset_t *early, int *ret_wstatus)
{
    const pid_t payload = in->payload;
    pid_t parked = 0;
    sigset_t set;
    sbox_init_forward_set(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTSTP);
    sigaddset(&set, SBOX_SIG_RESUME);
    /* A payload running as the same uid must not ptrace or read the memory of pid 1. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* Signals that came before the payload existed (a ^C during setup) are its, whoever sent
     * them: nothing else could have delivered them to it. */
    for (int sig = 1; sig < NSIG; sig++) {
        sigset_t one;
        siginfo_t si;
        const struct timespec now = {0, 0};
        /* ^Z too: pid 1 ignores it, so it is the payload's to act on. */
        if (!sigismember(early, sig) || !sigismember(&set, sig) || sig == SIGCHLD ||
            sig == SBOX_SIG_RESUME)
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
                    if (in->on_stop)
                        in->on_stop(in->ctx, WSTOPSIG(status));
                    continue;
                }
                *ret_wstatus = status;
                return sbox_init_status_code(status);
            }
            continue;
        }
        /* Only sbox, outside the sandbox's pid namespace (a sender there is pid 0 here). */
        if (sig == SBOX_SIG_RESUME) {
            if (si.si_pid == 0 && si.si_code == SI_QUEUE)
                resume(in, &parked, si.si_value.sival_int);
            continue;
        }
        if (!sent_by_process(&si))
            continue;
        /* A stop sbox was sent stops the payload's job, which is then reported. */
        if (sig == SIGTSTP) {
            pid_t group = getpgid(payload);
            kill(group > 0 && group != getpgrp() ? -group : payload, SIGTSTP);
            continue;
        }
        kill(payload, sig);
    }
}
