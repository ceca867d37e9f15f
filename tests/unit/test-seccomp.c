/* Unit tests for seccomp.c: the filter compiles, and once loaded (in a forked child) refuses
 * TIOCSTI whatever the upper bits of the request, while other terminal ioctls still work. */
#include "seccomp.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs in a child: bit 0 set when plain TIOCSTI was refused, bit 1 when the upper-bits variant
 * was, bit 2 when TIOCGWINSZ still worked. */
static int child(const struct sbox_seccomp *s, int pty)
{
    struct sbox_error err = {0};
    struct winsize ws;
    char c = '#';
    int bits = 0;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sbox_seccomp_load(s, &err) < 0)
        return 0x80;
    if (ioctl(pty, TIOCSTI, &c) < 0 && errno == EPERM)
        bits |= 1;
    if (syscall(SYS_ioctl, pty, 0xffffffff00000000UL | TIOCSTI, &c) < 0 && errno == EPERM)
        bits |= 2;
    if (ioctl(pty, TIOCGWINSZ, &ws) == 0)
        bits |= 4;
    return bits;
}

int main(void)
{
    struct sbox_seccomp s;
    struct sbox_error err = {0};
    int status = 0, pty;
    pid_t pid;

    ok(sbox_seccomp_compile(&s, &err) == 0, "the filter compiles (%s)", err.msg);
    ok(s.prog.len > 0 && s.prog.filter != NULL, "the compiled program has %u instructions",
       s.prog.len);

    pty = posix_openpt(O_RDWR | O_NOCTTY);
    if (pty < 0 || grantpt(pty) < 0 || unlockpt(pty) < 0) {
        ok(0, "a pseudo-terminal to test on");
        return tap_done();
    }
    pid = fork();
    if (pid == 0)
        _exit(child(&s, pty));
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) != 0x80, "the filter loads");
    ok(WIFEXITED(status) && (WEXITSTATUS(status) & 1), "TIOCSTI is refused");
    ok(WIFEXITED(status) && (WEXITSTATUS(status) & 2),
       "TIOCSTI with the upper 32 bits set is refused too");
    ok(WIFEXITED(status) && (WEXITSTATUS(status) & 4), "other terminal ioctls still work");
    sbox_seccomp_free(&s);
    ok(s.prog.filter == NULL, "free releases the program");
    return tap_done();
}
