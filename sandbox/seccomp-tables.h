/* seccomp-tables.h: the policies' tables (allow list, deny lists, argument rules, ABIs) and what
 * a policy answers a call by name. Only the seccomp files include it. */
#ifndef SBOX_SECCOMP_TABLES_H
#define SBOX_SECCOMP_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seccomp.h"

/* The level of the base policy a table row belongs to: strict is default and more. */
enum sbox_seccomp_level { SBOX_SECCOMP_L_DEFAULT, SBOX_SECCOMP_L_STRICT };

/* Calls denied outright, with the policy's errno (NULL-terminated): default's, and those strict
 * takes from the allow list. */
extern const char *const sbox_seccomp_default_denied[];
extern const char *const sbox_seccomp_strict_denied[];

/* A denial that depends on arguments: the call is denied when every condition holds (at most
 * two). A condition is (arg & mask) == value, or != value when ne is set, on the argument's low
 * 32 bits: every argument compared here is an int or a 32-bit flag word to the kernel, and
 * comparing all 64 bits would let a payload set the upper ones to slip past (CVE-2017-5226). */
struct sbox_seccomp_cond {
    unsigned arg;
    uint32_t mask;
    uint32_t value;
    bool ne;
};

struct sbox_seccomp_when {
    enum sbox_seccomp_level level;
    const char *name;
    unsigned n;
    struct sbox_seccomp_cond c[2];
    const char *lifted_by; /* a profile allowing this call lifts the rule too */
};

#define SBOX_SECCOMP_LO32 0xffffffffU

/* The counts are constants for the compiler's arrays; seccomp-tables.c checks them. */
#define SBOX_SECCOMP_N_CONDITIONAL 19
extern const struct sbox_seccomp_when sbox_seccomp_conditional[];

/* Calls allowed only with one of a few values in the low 32 bits of one argument. */
struct sbox_seccomp_only {
    const char *name;
    unsigned arg;
    const uint32_t *values;
    size_t n;
};

#define SBOX_SECCOMP_N_ONLY 3
extern const struct sbox_seccomp_only sbox_seccomp_only_rules[];
extern const uint32_t sbox_seccomp_families[]; /* the values of socket's rule */

/* The last rule naming name: 1 allow, 0 deny, -1 none. */
int sbox_seccomp_profile_rule(const struct sbox_seccomp_policy *pol, const char *name);

bool sbox_seccomp_in_list(const char *const *list, const char *name);

/* Whether the base's rules at level hold for name: the base reaches that level and no profile
 * rule names the call. */
bool sbox_seccomp_base_has(const struct sbox_seccomp_policy *pol, enum sbox_seccomp_level level,
                           const char *name);

/* Whether an argument rule of the base applies: the call is the base's to decide, and allowed. */
bool sbox_seccomp_base_checks(const struct sbox_seccomp_policy *pol, enum sbox_seccomp_level level,
                              const char *name);

/* Whether rule i is the last naming its call: the one that counts. */
bool sbox_seccomp_decides(const struct sbox_seccomp_policy *pol, size_t i);

/* The policy's errno for a denial. */
int sbox_seccomp_errnum(const struct sbox_seccomp_policy *pol);

/* The ABIs the filter covers: the kernel runs their programs, so each gets the same rules (a
 * 32-bit program must not be a way around them). x32 shares x86_64's audit value; its calls are
 * told apart by the number's bit 30, which libseccomp's numbers carry. */
struct sbox_seccomp_abi {
    uint32_t scmp;  /* libseccomp's token */
    uint32_t audit; /* what the kernel puts in seccomp_data.arch */
    bool i386;
    uint32_t base; /* the bit x32's numbers carry */
    uint32_t end;  /* where the ABI's numbering of ordinary calls ends (seccomp-tables.c) */
};

/* The ABIs to cover, ended by a zero scmp: the table, or elsewhere the native one alone
 * (libseccomp's token is the kernel's audit value), whose numbering sbox does not know
 * (end == 0). */
const struct sbox_seccomp_abi *sbox_seccomp_abis(void);

/* A call's number on one ABI, or -1. libseccomp files i386's direct socket calls (Linux 4.3)
 * under socketcall, so the two the argument rules read are written out. */
int sbox_seccomp_abi_nr(const struct sbox_seccomp_abi *a, const char *name);

#endif
