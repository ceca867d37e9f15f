/* terminal.c: hands the caller's terminal to the sandbox's process group and back, and stops
 * with the sandbox like a job. Never takes the terminal from a live job of the caller's. */
#include "terminal.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

/* The caller's terminal among descriptors 0-2, or -1. */
int sbox_terminal_find(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (isatty(fd))
            return fd;
    return -1;
}

/* Hands the terminal to the sandbox's group, but only while sbox's own group has it: a
 * background sbox never takes the terminal from the shell. */
void sbox_terminal_give(int tty, pid_t sandbox)
{
    if (tty >= 0 && tcgetpgrp(tty) == getpgrp())
        tcsetpgrp(tty, sandbox);
}

/* Takes the terminal back, but only from the sandbox: from its group, or from a group made
 * inside it that died with it (an inner shell's job). Never from a live job of the caller's. */
void sbox_terminal_take(int tty, pid_t sandbox)
{
    pid_t fg;
    if (tty < 0 || sandbox <= 0)
        return;
    fg = tcgetpgrp(tty);
    if (fg > 0 && fg != getpgrp() && (fg == sandbox || (kill(-fg, 0) < 0 && errno == ESRCH)))
        tcsetpgrp(tty, getpgrp());
}

/* ^Z (or a background read): stop the sandbox's group, give the terminal back to our own group
 * and stop like a job; when the shell continues us, take the terminal again if we are in the
 * foreground (fg, not bg), and continue the sandbox. */
void sbox_terminal_suspend(pid_t sandbox, int tty)
{
    kill(-sandbox, SIGSTOP);
    sbox_terminal_take(tty, sandbox);
    kill(getpid(), SIGSTOP);
    sbox_terminal_give(tty, sandbox);
    kill(-sandbox, SIGCONT);
}
