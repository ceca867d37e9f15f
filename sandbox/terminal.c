/* terminal.c: the payload's pseudo-terminal relayed to the caller's terminal (raw mode while the
 * payload has it, window size, output through ttyfilter.c, the mode put back exactly), and job
 * control around a sandbox. Never reads the caller's terminal from the background, nor before
 * the payload asked for input: a pager in the same pipeline owns it. */
#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* A descriptor that reads: a terminal opened write-only cannot give keys. */
static bool readable(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && (fl & O_ACCMODE) != O_WRONLY;
}

void sbox_relay_init(struct sbox_relay *r, unsigned ttys, bool interactive, enum sbox_terminal mode,
                     struct sbox_tty_restore *restore)
{
    r->in = r->out = r->master = -1;
    /* Keys from standard input when it is the terminal, else from the terminal the output
     * goes to (a pager reading /dev/tty: `echo x | sbox -- less`). */
    for (int fd = 0; fd < 3 && r->in < 0; fd++)
        if ((ttys & (1U << fd)) && readable(fd))
            r->in = fd;
    for (int fd = 1; fd < 4 && r->out < 0; fd++)
        if (ttys & (1U << (fd % 3)))
            r->out = fd % 3;
    r->interactive = interactive;
    r->handed = interactive;
    r->raw = r->dirty = false;
    r->restore = restore;
    r->n_pending = 0;
    sbox_ttyfilter_init(&r->filter, mode);
}

bool sbox_terminal_foreground(int fd)
{
    /* A terminal that is not sbox's controlling terminal has no job control over sbox (a
     * service started with one as its input): sbox is as good as in the foreground. */
    return fd >= 0 && (tcgetpgrp(fd) == getpgrp() || tcgetsid(fd) != getsid(0));
}

bool sbox_terminal_job_control(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (isatty(fd) && tcgetsid(fd) == getsid(0))
            return getpgrp() != getsid(0);
    return false;
}

void sbox_relay_attach(struct sbox_relay *r, int master)
{
    r->master = master;
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    sbox_relay_settle(r);
}

bool sbox_relay_wants_input(const struct sbox_relay *r)
{
    return r->master >= 0 && r->in >= 0 && r->handed && r->n_pending == 0 &&
           sbox_terminal_foreground(r->in);
}

bool sbox_relay_input(struct sbox_relay *r)
{
    /* SIGTTIN is blocked: in the background this is EIO, never the user's keys. */
    struct termios mode;
    ssize_t n = read(r->in, r->pending, sizeof r->pending);
    if (n == 0 && tcgetattr(r->in, &mode) == 0) {
        /* ^D typed while the terminal was still cooked (before the payload asked for input):
         * the end of file it meant, for the payload's terminal to see. */
        r->pending[0] = (char)mode.c_cc[VEOF];
        n = 1;
    }
    if (n <= 0) {
        if (n < 0 && (errno == EINTR || errno == EAGAIN ||
                      (errno == EIO && !sbox_terminal_foreground(r->in))))
            return true;
        r->in = -1;
        return false;
    }
    r->n_pending = (size_t)n;
    sbox_relay_flush(r);
    return true;
}

void sbox_relay_flush(struct sbox_relay *r)
{
    ssize_t n;
    if (r->n_pending == 0 || r->master < 0)
        return;
    n = write(r->master, r->pending, r->n_pending);
    if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            r->n_pending = 0; /* the payload's side is gone */
        return;
    }
    r->n_pending -= (size_t)n;
    memmove(r->pending, r->pending + n, r->n_pending);
}

/* All of it, or until the terminal is gone. */
static void write_all(int fd, const char *buf, size_t n)
{
    while (n > 0 && fd >= 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        buf += w;
        n -= (size_t)w;
    }
}

/* One read's worth: >0 relayed, 0 nothing waiting, -1 every slave is closed (EIO). */
static ssize_t pump(struct sbox_relay *r)
{
    char in[16384], out[sizeof in + SBOX_TTYFILTER_HOLD];
    ssize_t n = read(r->master, in, sizeof in);
    size_t m;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return -1;
    m = sbox_ttyfilter_feed(&r->filter, in, (size_t)n, out);
    /* Text alone changes nothing a reset would put back; an escape or a shift-out might. */
    if (memchr(out, 0x1b, m) || memchr(out, 0x0e, m))
        r->dirty = true;
    write_all(r->out, out, m);
    return n;
}

bool sbox_relay_output(struct sbox_relay *r)
{
    return pump(r) >= 0;
}

void sbox_relay_resize(struct sbox_relay *r)
{
    struct winsize ws;
    if (r->master >= 0 && r->out >= 0 && ioctl(r->out, TIOCGWINSZ, &ws) == 0)
        ioctl(r->master, TIOCSWINSZ, &ws);
}

/* The lines typed before the payload asked, read while the terminal is still cooked: its
 * line discipline keeps a ^D as a NUL that raw mode would hand over as a byte. */
static void drain_cooked(struct sbox_relay *r)
{
    struct pollfd in = {.fd = r->in, .events = POLLIN};
    while (!r->raw && r->n_pending == 0 && sbox_terminal_foreground(r->in) &&
           poll(&in, 1, 0) == 1 && (in.revents & POLLIN) && sbox_relay_input(r))
        ;
}

void sbox_relay_hand(struct sbox_relay *r)
{
    r->handed = true;
    if (r->master >= 0 && r->in >= 0)
        drain_cooked(r);
    sbox_relay_settle(r);
}

static void raw_mode(struct sbox_relay *r)
{
    struct termios saved, raw;
    if (r->raw || r->in < 0 || tcgetattr(r->in, &saved) < 0)
        return;
    raw = saved;
    cfmakeraw(&raw);
    /* Published before the change: a crash in between restores what was there anyway. */
    if (r->restore) {
        r->restore->fd = r->in;
        r->restore->mode = saved;
        r->restore->active = 1;
    }
    if (tcsetattr(r->in, TCSADRAIN, &raw) == 0)
        r->raw = true;
    else if (r->restore)
        r->restore->active = 0;
}

void sbox_relay_cooked(struct sbox_relay *r)
{
    if (!r->raw)
        return;
    /* SIGTTOU is blocked: this works from the background too, where a stopped sbox must not
     * leave the shell a raw terminal. */
    tcsetattr(r->in, TCSADRAIN, &r->restore->mode);
    r->raw = false;
    r->restore->active = 0;
}

bool sbox_relay_settle(struct sbox_relay *r)
{
    bool fg = r->in >= 0 && sbox_terminal_foreground(r->in);
    if (r->handed && fg && r->restore)
        raw_mode(r);
    else
        sbox_relay_cooked(r);
    return r->handed && fg;
}

void sbox_relay_end(struct sbox_relay *r)
{
    /* Every process that held a slave is gone: what is left is read to its end (EIO). */
    while (r->master >= 0 && pump(r) > 0)
        ;
    if (r->dirty) {
        char reset[128];
        /* Then what the filter does not track: line drawing left in G0 or shifted in (SO)
         * garbles the shell's prompt, and the keyboard protocols (modifyOtherKeys, kitty's)
         * would send the shell encoded keys. Terminals that know none of these ignore them. */
        static const char more[] = "\x0f\x1b(B\x1b[>4m\x1b[<99u";
        size_t n = sbox_ttyfilter_reset(&r->filter, reset, sizeof reset);
        write_all(r->out, reset, n);
        write_all(r->out, more, sizeof more - 1);
    }
    sbox_relay_cooked(r);
}

void sbox_terminal_suspend(pid_t sandbox)
{
    kill(-sandbox, SIGSTOP);
    kill(getpid(), SIGSTOP);
    kill(-sandbox, SIGCONT);
}
