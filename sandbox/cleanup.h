/* cleanup.h: scope-bound release of memory and descriptors, and ownership transfer.
 * Never hides a failure: release helpers ignore errors only where the kernel says retrying is
 * wrong. */
#ifndef SBOX_CLEANUP_H
#define SBOX_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void sbox_freep(void *p)
{
    free(*(void **)p);
}

static inline void sbox_closep(int *fd)
{
    /* close() is never retried on EINTR: on Linux the descriptor is gone either way. */
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static inline void sbox_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}

void sbox_strv_free(char **v);
static inline void sbox_strv_freep(char ***v)
{
    sbox_strv_free(*v);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(sbox_freep)
#define _cleanup_close_ _cleanup_(sbox_closep)
#define _cleanup_strv_ _cleanup_(sbox_strv_freep)
#define _cleanup_fclose_ _cleanup_(sbox_fclosep)

/* Take ownership out of a cleanup variable: the variable no longer frees it. */
#define steal_ptr(pp)                                                                              \
    ({                                                                                             \
        __typeof__(*(pp)) _p = *(pp);                                                              \
        *(pp) = NULL;                                                                              \
        _p;                                                                                        \
    })

static inline int steal_fd(int *fd)
{
    int r = *fd;
    *fd = -1;
    return r;
}

#endif
