/* seccomp-describe.c: --dry-run's description of a policy, read from the same tables the
 * compiler reads (seccomp-tables.c). Never compiles or loads a filter; writes to its stream only.
 */
#include "seccomp-tables.h"

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The highest call number of abi that libseccomp knows (below end), for the description. */
static uint32_t last_known(const struct sbox_seccomp_abi *a)
{
    /* From the top down, to the first number known: libseccomp looks each one up in a table. */
    for (uint32_t n = (a->end < 1024 ? a->end : 1024); n-- > 0;) {
        char *name = seccomp_syscall_resolve_num_arch(a->scmp, (int)(a->base + n));
        bool known = name != NULL;
        free(name);
        if (known)
            return n;
    }
    return 0;
}

/* Writes words after a lead, wrapped into comment lines of at most width bytes. */
struct wrap {
    FILE *f;
    size_t width, col;
    const char *lead;
};

static void wrap_start(struct wrap *w, FILE *f, size_t width, const char *lead)
{
    *w = (struct wrap){.f = f, .width = width, .lead = lead};
    w->col = (size_t)fprintf(f, ";   %s", lead);
}

static void wrap_word(struct wrap *w, const char *word)
{
    size_t n = strlen(word);
    if (w->col + 1 + n > w->width) {
        fputc('\n', w->f);
        w->col = (size_t)fprintf(w->f, ";      ");
    }
    w->col += (size_t)fprintf(w->f, " %s", word);
}

static void wrap_end(struct wrap *w)
{
    fputc('\n', w->f);
}

static void describe_list(const struct sbox_seccomp_policy *pol, FILE *f, size_t width,
                          const char *lead, enum sbox_seccomp_level level, const char *const *names)
{
    struct wrap w;
    bool any = false;
    for (size_t i = 0; names[i]; i++) {
        if (!sbox_seccomp_base_has(pol, level, names[i]))
            continue;
        if (!any)
            wrap_start(&w, f, width, lead);
        any = true;
        wrap_word(&w, names[i]);
    }
    if (any)
        wrap_end(&w);
}

/* The calls the profile's rules allow (or deny): each call once, where its last rule stands. */
static void describe_rules(const struct sbox_seccomp_policy *pol, FILE *f, size_t width, bool allow,
                           const char *lead)
{
    struct wrap w;
    bool any = false;
    for (size_t i = 0; i < pol->n_rules; i++) {
        if (pol->rules[i].allow != allow || !sbox_seccomp_decides(pol, i))
            continue;
        if (!any)
            wrap_start(&w, f, width, lead);
        any = true;
        wrap_word(&w, pol->rules[i].name);
    }
    if (any)
        wrap_end(&w);
}

/* Whether this machine's ABIs have the call: the allow list names calls of every ABI. */
static bool known_here(const char *name)
{
    for (const struct sbox_seccomp_abi *a = sbox_seccomp_abis(); a->scmp; a++)
        if (sbox_seccomp_abi_nr(a, name) >= 0)
            return true;
    return false;
}

/* The base's allow list as it stands: calls this machine has, neither denied nor named by the
 * profile (its own allows are listed apart). */
static void describe_allowed(const struct sbox_seccomp_policy *pol, FILE *f, size_t width)
{
    struct wrap w;
    size_t n = 0;
    char lead[32];
    for (size_t i = 0; sbox_seccomp_allowed[i]; i++)
        n += sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_DEFAULT, sbox_seccomp_allowed[i]) &&
             known_here(sbox_seccomp_allowed[i]);
    snprintf(lead, sizeof lead, "allowed (%zu):", n);
    wrap_start(&w, f, width, lead);
    for (size_t i = 0; sbox_seccomp_allowed[i]; i++)
        if (sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_DEFAULT, sbox_seccomp_allowed[i]) &&
            known_here(sbox_seccomp_allowed[i]))
            wrap_word(&w, sbox_seccomp_allowed[i]);
    wrap_end(&w);
}

void sbox_seccomp_describe(const struct sbox_seccomp_policy *pol, FILE *f, size_t width)
{
    const char *e = strerrorname_np(sbox_seccomp_errnum(pol));
    char what[64];

    if (pol->base == SBOX_SECCOMP_NONE && !sbox_seccomp_denies_any(pol)) {
        fprintf(f, "; seccomp: none: no filter at all, not even against TIOCSTI\n");
        return;
    }
    if (pol->action == SBOX_SECCOMP_ERRNO && e)
        snprintf(what, sizeof what, "fail with %s", e);
    else if (pol->action == SBOX_SECCOMP_ERRNO)
        snprintf(what, sizeof what, "fail with errno %d", sbox_seccomp_errnum(pol));
    else
        snprintf(what, sizeof what, "%s",
                 pol->action == SBOX_SECCOMP_KILL ? "kill the process"
                                                  : "run, and the kernel logs them");
    fprintf(f, "; seccomp: base policy %s; denied calls %s\n", sbox_seccomp_base_names[pol->base],
            what);
    if (pol->base != SBOX_SECCOMP_NONE)
        describe_allowed(pol, f, width);
    describe_list(pol, f, width, "denied:", SBOX_SECCOMP_L_DEFAULT, sbox_seccomp_default_denied);
    describe_list(pol, f, width, "strict also denies:", SBOX_SECCOMP_L_STRICT,
                  sbox_seccomp_strict_denied);
    if (pol->base != SBOX_SECCOMP_NONE)
        fprintf(
            f, ";   any other call, and those newer than libseccomp %u.%u.%u (above %u here): %s\n",
            seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro,
            last_known(sbox_seccomp_abis()),
            pol->action == SBOX_SECCOMP_LOG ? "run, logged" : "ENOSYS");
    if (sbox_seccomp_base_has(pol, SBOX_SECCOMP_L_DEFAULT, "clone3") &&
        pol->action != SBOX_SECCOMP_LOG)
        fprintf(f, ";   clone3: ENOSYS too (the C library then uses clone)\n");
    if (sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_DEFAULT, "clone"))
        fprintf(f, ";   clone: denied with a namespace flag (CLONE_NEWUSER, CLONE_NEWNS, ...)\n");
    if (sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_DEFAULT, "unshare"))
        fprintf(f, ";   unshare: denied with a namespace flag\n");
    if (sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_DEFAULT, "ioctl"))
        fprintf(f, ";   ioctl: TIOCSTI, TIOCLINUX, TIOCSETD, TIOCCONS, TIOCEXCL, TIOCVHANGUP and\n"
                   ";     TIOCSCTTY taking a terminal denied (the low 32 bits compared)\n");
    for (size_t k = 0; k < SBOX_SECCOMP_N_ONLY; k++) {
        const struct sbox_seccomp_only *o = &sbox_seccomp_only_rules[k];
        if (!sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_DEFAULT, o->name))
            continue;
        if (o->values == sbox_seccomp_families)
            fprintf(f, ";   %s: families other than AF_UNIX AF_INET AF_INET6 AF_NETLINK denied\n",
                    o->name);
        else
            fprintf(f, ";   %s: values other than 0 0x8 0x20000 0x20008 0xffffffff denied\n",
                    o->name);
    }
    if (sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_DEFAULT, "socketcall") &&
        (sbox_seccomp_profile_rule(pol, "socket") != 1 ||
         sbox_seccomp_profile_rule(pol, "socketpair") != 1))
        fprintf(f, ";   socketcall (i386): its socket and socketpair denied\n");
    if (sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_STRICT, "socket"))
        fprintf(
            f, ";   socket: raw IP and SOCK_PACKET, and netlink other than NETLINK_ROUTE denied\n");
    if (sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_STRICT, "mknod") ||
        sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_STRICT, "mknodat"))
        fprintf(f, ";   mknod, mknodat: device nodes denied\n");
    describe_rules(pol, f, width, true, "allowed by the profile:");
    describe_rules(pol, f, width, false, "denied by the profile:");
#if defined(__x86_64__)
    fprintf(f, ";   the same rules hold for i386 and x32 programs\n");
#elif defined(__aarch64__)
    fprintf(f, ";   the same rules hold for 32-bit arm programs\n");
#else
    fprintf(f, ";   programs of other ABIs than the native one are killed\n");
#endif
}
