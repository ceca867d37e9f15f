/* coverage.h: gcov's counters written out before an _exit, in coverage builds only
 * (--enable-coverage, scripts/coverage); nothing at all in any other build.
 * Inside the sandbox the build directory is not there: scripts/coverage gives every test a
 * directory of its own as GCOV_PREFIX=/proc/self/fd/N, a descriptor the sandbox keeps open, so
 * the counts of pid 1 and of the payload before its exec reach it through the sandbox's proc. */
#ifndef SBOX_COVERAGE_H
#define SBOX_COVERAGE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef SBOX_COVERAGE
void __gcov_dump(void);
void __gcov_reset(void);

static inline void sbox_coverage_dump(void)
{
    __gcov_dump();
    __gcov_reset();
}

/* The descriptor GCOV_PREFIX names, which the sandbox must keep, or -1. */
static inline int sbox_coverage_fd(void)
{
    const char *v = getenv("GCOV_PREFIX");
    int fd;
    return v && sscanf(v, "/proc/self/fd/%d", &fd) == 1 ? fd : -1;
}

/* A program between the test and sbox (script(1)) may have closed that descriptor: it is
 * opened again from SBOX_COVERAGE_PATH, the same directory by name (on the host's side). */
static inline void sbox_coverage_init(void)
{
    const char *path = getenv("SBOX_COVERAGE_PATH");
    int fd = sbox_coverage_fd(), d;
    if (fd < 0 || fcntl(fd, F_GETFD) >= 0 || !path)
        return;
    d = open(path, O_RDONLY | O_DIRECTORY);
    if (d >= 0 && d != fd) {
        dup2(d, fd);
        close(d);
    }
}
#else
static inline void sbox_coverage_init(void)
{
}

static inline void sbox_coverage_dump(void)
{
}

static inline int sbox_coverage_fd(void)
{
    return -1;
}
#endif

#endif
