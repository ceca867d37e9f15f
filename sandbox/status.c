/* status.c: --json-status-fd's events, written whole, one line each, as they happen. Never lets
 * a reader that went away end sbox (SIGPIPE) or stop the run; never passes the descriptor on. */
#include "status.h"
#include "cleanup.h"
#include "json-out.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* PIDFD_GET_INFO (Linux 6.13), which Debian 12's headers lack: the first version's layout. */
struct pidfd_info_v0 {
    uint64_t mask;
    uint64_t cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
};
#define SBOX_PIDFD_GET_INFO _IOWR(0xFF, 11, struct pidfd_info_v0)
#define SBOX_PIDFD_INFO_PID 1u

int sbox_status_open(const char *value, struct sbox_status *ret, struct sbox_error *err)
{
    char *end;
    long fd;
    int fl;
    errno = 0;
    fd = strtol(value, &end, 10);
    if (!*value || *end || errno || fd < 0 || fd > INT_MAX || value[0] < '0' || value[0] > '9')
        return sbox_error(err, 0, "`%s` is not a descriptor number", value);
    fl = fcntl((int)fd, F_GETFL);
    if (fl < 0)
        return sbox_error(err, errno, "descriptor %ld", fd);
    if ((fl & O_ACCMODE) != O_WRONLY && (fl & O_ACCMODE) != O_RDWR)
        return sbox_error(err, 0, "descriptor %ld is not open for writing", fd);
    if (fd > 2 && fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
        return sbox_error(err, errno, "descriptor %ld", fd);
    ret->fd = (int)fd;
    return 0;
}

void sbox_status_inherit(const struct sbox_status *st, bool inherit)
{
    if (st->fd > 2)
        (void)fcntl(st->fd, F_SETFD, inherit ? 0 : FD_CLOEXEC);
}

pid_t sbox_status_pidfd_pid(int pidfd)
{
    struct pidfd_info_v0 info = {.mask = SBOX_PIDFD_INFO_PID};
    char path[64], line[64];
    _cleanup_fclose_ FILE *f = NULL;
    long seen = -1;
    if (ioctl(pidfd, SBOX_PIDFD_GET_INFO, &info) == 0 && (info.mask & SBOX_PIDFD_INFO_PID))
        return (pid_t)info.pid;
    if (errno == ESRCH)
        return -1;
    /* Before 6.13: the fdinfo's pid, as the /proc it is read through counts (sbox's own,
     * unless it runs in a pid namespace whose /proc was never mounted). */
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
    f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Pid:", 4) == 0)
            seen = atol(line + 4);
    return seen > 0 ? (pid_t)seen : -1;
}

/* One event, written whole: a reader that closed its end costs the event, not sbox (SIGPIPE is
 * held back and taken), and the run goes on. */
static void emit(const struct sbox_status *st, const char *buf, size_t len)
{
    sigset_t pipe_set, old;
    bool broken = false;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &pipe_set, &old);
    while (len > 0) {
        ssize_t n = write(st->fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            broken = errno == EPIPE;
            break;
        }
        buf += n, len -= (size_t)n;
    }
    if (broken && !sigismember(&old, SIGPIPE)) {
        const struct timespec now = {0, 0};
        (void)sigtimedwait(&pipe_set, NULL, &now);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* One event being written: a JSON object in a memory stream. */
struct event {
    struct sbox_jw j;
    char *buf;
    size_t len;
    FILE *f;
};

/* An event's object begun: {"event":NAME,"time":SECONDS.MS, ...; false when no status was asked
 * (st NULL: a note from where none is at hand, or no --json-status-fd). */
static bool begin(struct event *e, const struct sbox_status *st, const char *name)
{
    struct timespec ts;
    if (!st || st->fd < 0)
        return false;
    memset(e, 0, sizeof *e);
    e->f = open_memstream(&e->buf, &e->len);
    if (!e->f)
        abort(); /* out of memory, as sbox_x* */
    clock_gettime(CLOCK_REALTIME, &ts);
    sbox_jw_begin(&e->j, e->f);
    sbox_jw_object(&e->j, NULL);
    sbox_jw_str(&e->j, "event", name);
    fprintf(e->f, ",\"time\":%lld.%03ld", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
    return true;
}

/* The event ended and written: the stream's buffer is only final once it is closed. */
static void send_event(const struct sbox_status *st, struct event *e)
{
    sbox_jw_end(&e->j);
    fclose(e->f);
    emit(st, e->buf, e->len);
    free(e->buf);
}

void sbox_status_started(const struct sbox_status *st, pid_t payload, pid_t init)
{
    struct event e;
    if (!begin(&e, st, "started"))
        return;
    if (payload > 0)
        sbox_jw_int(&e.j, "pid", payload);
    else
        sbox_jw_null(&e.j, "pid");
    sbox_jw_int(&e.j, "init_pid", init);
    send_event(st, &e);
}

void sbox_status_refused(const struct sbox_status *st, const char *dest, bool malformed,
                         unsigned long n)
{
    struct event e;
    if (!begin(&e, st, "refused"))
        return;
    sbox_jw_int(&e.j, "count", (int64_t)n);
    if (malformed)
        sbox_jw_bool(&e.j, "malformed", true);
    else
        sbox_jw_str(&e.j, "to", dest); /* NULL: null, the other hosts past the summary's list */
    send_event(st, &e);
}

void sbox_status_note(const struct sbox_status *st, const char *text)
{
    struct event e;
    if (!begin(&e, st, "note"))
        return;
    sbox_jw_str(&e.j, "text", text);
    send_event(st, &e);
}

void sbox_status_exited(const struct sbox_status *st, int status, int sig)
{
    struct event e;
    if (!begin(&e, st, "exited"))
        return;
    sbox_jw_int(&e.j, "status", status);
    if (sig > 0) {
        _cleanup_free_ char *name = sbox_xasprintf("SIG%s", sigabbrev_np(sig) ?: "?");
        sbox_jw_str(&e.j, "signal", name);
    }
    send_event(st, &e);
}

void sbox_status_failed(const struct sbox_status *st, int status, const char *message)
{
    struct event e;
    if (!begin(&e, st, "failed"))
        return;
    sbox_jw_int(&e.j, "status", status);
    sbox_jw_str(&e.j, "message", message);
    send_event(st, &e);
}
