/* seccomp.h: the payload's system call filter. A policy is a built-in base (default, strict or
 * none) with a profile's allow/deny rules over it; it is compiled in the parent and loaded last
 * in the payload. Building and describing a policy make no system call. default and strict are
 * allow lists: a call they do not name answers ENOSYS. */
#ifndef SBOX_SECCOMP_H
#define SBOX_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"

enum sbox_seccomp_base { SBOX_SECCOMP_DEFAULT, SBOX_SECCOMP_STRICT, SBOX_SECCOMP_NONE };

/* What a denied call does: fail with the policy's errno, kill the process, or run and be logged
 * by the kernel (a way to find what a build needs). */
enum sbox_seccomp_action { SBOX_SECCOMP_ERRNO, SBOX_SECCOMP_KILL, SBOX_SECCOMP_LOG };

/* One profile rule: allow or deny every use of one call (a name libseccomp knows). Over the
 * base, and over the rules before it: the last rule naming a call wins. */
struct sbox_seccomp_rule {
    char *name;
    bool allow;
};

struct sbox_seccomp_policy {
    enum sbox_seccomp_base base;
    const struct sbox_seccomp_rule *rules; /* borrowed */
    size_t n_rules;
    int errnum; /* under SBOX_SECCOMP_ERRNO; 0 means EPERM */
    enum sbox_seccomp_action action;
};

struct sbox_seccomp {
    struct sock_fprog prog; /* owns prog.filter; len 0: no filter at all (seccomp = none) */
};

extern const char *const sbox_seccomp_base_names[];   /* "default", "strict", "none", NULL */
extern const char *const sbox_seccomp_action_names[]; /* "errno", "kill", "log", NULL */

/* The calls nested = yes allows, over any base policy (NULL-terminated; seccomp-tables.c). */
extern const char *const sbox_seccomp_nested_allowed[];

/* The calls default allows (strict: but those it denies), some of them only with some
 * arguments; NULL-terminated. Names of every ABI sbox covers, including some this libseccomp
 * may not know yet. */
extern const char *const sbox_seccomp_allowed[];

/* What a policy answers a call, by name, whatever its arguments: allowed (argument rules may
 * still deny some uses), denied (the policy's errno or action), or absent (ENOSYS, as if the
 * kernel lacked it; logged and run under action log). */
enum sbox_seccomp_answer { SBOX_SECCOMP_ALLOWED, SBOX_SECCOMP_DENIED, SBOX_SECCOMP_ABSENT };
enum sbox_seccomp_answer sbox_seccomp_answer(const struct sbox_seccomp_policy *pol,
                                             const char *name);

/* Compiles the policy into BPF for the native ABI and the others the kernel runs (i386 and x32
 * on x86_64, arm on aarch64), with the same rules for each; x32 only where
 * sbox_seccomp_x32_needed. */
int sbox_seccomp_compile(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                         struct sbox_error *err);

/* The same, x32 covered or not: without it, x32's calls answer ENOSYS, as a kernel that does not
 * run x32 programs answers them, and the program is about a third shorter (a third less for
 * the kernel to compile at every start). */
int sbox_seccomp_compile_abis(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                              bool x32, struct sbox_error *err);

/* The same, never using a program compiled at build time (gen-seccomp uses it to make them). */
int sbox_seccomp_compile_fresh(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                               bool x32, struct sbox_error *err);

/* Whether a program must cover x32: false only where the ABIs include it, no seccomp filter
 * holds sbox, and an x32 call answers ENOSYS (most distributions' kernels run no x32 program).
 * Asked once. */
bool sbox_seccomp_x32_needed(void);

/* The built-in policies as they are used most (no profile rule, EPERM), compiled when sbox is
 * built (seccomp-prebuilt.c, made by gen-seccomp and linked into sbox only): compiling at each
 * start would cost about a millisecond. Terminated by len 0; absent (NULL) in libsbox.a alone. */
struct sbox_seccomp_prebuilt {
    enum sbox_seccomp_base base;
    bool x32; /* the program covers x32 (sbox_seccomp_compile_abis) */
    unsigned short len;
    const struct sock_filter *filter;
};
extern const struct sbox_seccomp_prebuilt sbox_seccomp_prebuilt[] __attribute__((weak));

/* Installs the compiled filter in the calling process; needs no_new_privs set first. Does
 * nothing for an empty program. */
int sbox_seccomp_load(const struct sbox_seccomp *s, struct sbox_error *err);

void sbox_seccomp_free(struct sbox_seccomp *s);

/* False when the policy is no filter at all: base none and no profile rule denying a call. */
bool sbox_seccomp_denies_any(const struct sbox_seccomp_policy *pol);

/* The effective rules, as comment lines starting with "; " no longer than width, for --dry-run. */
void sbox_seccomp_describe(const struct sbox_seccomp_policy *pol, FILE *f, size_t width);

#endif
