/* usernet-baseline.c: the hand-made baseline bench/net.sh measures `sbox --net slirp|pasta`
 * against: what `unshare -Urn` and `slirp4netns --configure` (or pasta) do for a command, and
 * nothing else. A child makes a user and network namespace (mapping root to the caller, as
 * unshare -Ur does); the helper is started against it with the options sbox gives it; once the
 * helper says the network is up, the child runs the command. No mounts, no pid namespace, no
 * seccomp: the difference to sbox is what sbox adds.
 * Usage: usernet-baseline slirp|pasta COMMAND [ARG...] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    exit(125);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        die(path);
    close(fd);
}

int main(int argc, char **argv)
{
    int up[2], go[2], ready[2], exitp[2];
    char map[64], pidarg[16], c, dir[] = "/tmp/usernet-baseline-XXXXXX", fifo[64];
    uid_t uid = getuid();
    gid_t gid = getgid();
    pid_t child, helper;
    int status, rfd = -1;
    const int pasta = argc > 1 && strcmp(argv[1], "pasta") == 0;

    alarm(20); /* a helper that never answers ends the run */
    if (argc < 3 || (!pasta && strcmp(argv[1], "slirp") != 0)) {
        fprintf(stderr, "usage: usernet-baseline slirp|pasta COMMAND [ARG...]\n");
        return 125;
    }
    if (pipe2(up, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0 ||
        pipe2(exitp, O_CLOEXEC) < 0)
        die("pipe");
    child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
            die("unshare");
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
        write_file("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
        write_file("/proc/self/gid_map", map);
        if (write(up[1], "u", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(125);
        execvp(argv[2], argv + 2);
        die(argv[2]);
    }
    if (read(up[0], &c, 1) != 1)
        return 125;
    snprintf(pidarg, sizeof pidarg, "%d", (int)child);
    if (pasta) {
        if (!mkdtemp(dir))
            die("mkdtemp");
        snprintf(fifo, sizeof fifo, "%s/ready", dir);
        if (mkfifo(fifo, 0600) < 0)
            die("mkfifo");
        rfd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    }
    helper = fork();
    if (helper < 0)
        die("fork");
    if (helper == 0) {
        int null = open("/dev/null", O_RDWR);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (pasta) {
            execlp("pasta", "pasta", "--config-net", "--foreground", "--quiet", "--pid", fifo,
                   "--tcp-ports", "none", "--udp-ports", "none", "--tcp-ns", "none", "--udp-ns",
                   "none", "--no-map-gw", "--ipv4-only", "--dns-forward", "169.254.1.1", pidarg,
                   (char *)NULL);
        } else {
            dup2(ready[1], 3);
            dup2(exitp[0], 4);
            execlp("slirp4netns", "slirp4netns", "--configure", "--mtu=65520", "--ready-fd=3",
                   "--exit-fd=4", "--enable-sandbox", "--enable-seccomp",
                   "--disable-host-loopback", pidarg, "tap0", (char *)NULL);
        }
        die("exec the helper");
    }
    close(ready[1]);
    close(exitp[0]);
    if (pasta) {
        /* The FIFO stays silent until pasta opens it and writes its pid. */
        int flags = fcntl(rfd, F_GETFL);
        char pid[32];
        int wfd = open(fifo, O_WRONLY | O_CLOEXEC); /* keeps a read from seeing end-of-file */
        fcntl(rfd, F_SETFL, flags & ~O_NONBLOCK);
        if (read(rfd, pid, sizeof pid) <= 0)
            die("pasta did not start");
        close(wfd);
        unlink(fifo);
        rmdir(dir);
    } else if (read(ready[0], &c, 1) != 1) {
        die("slirp4netns did not start");
    }
    if (write(go[1], "g", 1) != 1)
        die("release the command");
    waitpid(child, &status, 0);
    close(exitp[1]);
    kill(helper, SIGTERM);
    waitpid(helper, NULL, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
