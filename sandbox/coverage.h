/* coverage.h: gcov's counters written out before an _exit, in coverage builds only
 * (--enable-coverage, scripts/coverage); nothing at all in any other build.
 * Inside the sandbox the build directory is not there: scripts/coverage gives every test a
 * directory of its own as GCOV_PREFIX=/proc/self/fd/N, a descriptor the sandbox keeps open, so
 * the counts of pid 1 and of the payload before its exec reach it through the sandbox's proc. */
#ifndef SBOX_COVERAGE_H
#define SBOX_COVERAGE_H

#include <stdio.h>
#include <stdlib.h>

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
#else
static inline void sbox_coverage_dump(void)
{
}

static inline int sbox_coverage_fd(void)
{
    return -1;
}
#endif

#endif
