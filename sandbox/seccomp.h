/* seccomp.h: the system call filter, compiled in the parent and loaded last in the payload.
 * This part is the baseline every sandbox gets: no typing into the caller's terminal. */
#ifndef SBOX_SECCOMP_H
#define SBOX_SECCOMP_H

#include <linux/filter.h>

#include "error.h"

struct sbox_seccomp {
    struct sock_fprog prog; /* owns prog.filter */
};

/* Compiles the filter into BPF (no system call but a memfd to export it through). */
int sbox_seccomp_compile(struct sbox_seccomp *s, struct sbox_error *err);

/* Installs the compiled filter in the calling process; needs no_new_privs set first. */
int sbox_seccomp_load(const struct sbox_seccomp *s, struct sbox_error *err);

void sbox_seccomp_free(struct sbox_seccomp *s);

#endif
