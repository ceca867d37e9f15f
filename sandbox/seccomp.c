/* seccomp.c: the payload's filter, compiled from seccomp-tables.c by libseccomp and by hand (the
 * argument rules). Never loads it in the parent: the program is plain memory the child installs. */
#include "seccomp.h"
#include "cleanup.h"
#include "seccomp-tables.h"
#include "util.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- compiling --- */

static void ctx_release(scmp_filter_ctx *c)
{
    if (*c)
        seccomp_release(*c);
}

static uint32_t deny_action(const struct sbox_seccomp_policy *pol)
{
    switch (pol->action) {
    case SBOX_SECCOMP_KILL:
        return SCMP_ACT_KILL_PROCESS;
    case SBOX_SECCOMP_LOG:
        return SCMP_ACT_LOG;
    case SBOX_SECCOMP_ERRNO:
        break;
    }
    return SCMP_ACT_ERRNO((uint32_t)sbox_seccomp_errnum(pol));
}

/* What calls answer that must look absent, so programs fall back: ENOSYS, whatever the action
 * (a kill would end every program starting a thread), but for log, which lets everything run. */
static uint32_t nosys_action(const struct sbox_seccomp_policy *pol)
{
    return pol->action == SBOX_SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_ERRNO(ENOSYS);
}

/* What the program answers calls no rule names: ENOSYS under an allow list, so a call the kernel
 * adds later is refused; under none, everything runs. */
static uint32_t default_action(const struct sbox_seccomp_policy *pol)
{
    return pol->base == SBOX_SECCOMP_NONE ? SCMP_ACT_ALLOW : nosys_action(pol);
}

/* Adds libseccomp's rule for one call, whatever its arguments, unless the program's default
 * (ctx_default) answers the same (libseccomp refuses such a rule). Each call gets one rule at most:
 * of two for one call, libseccomp keeps the first. */
static int add_rule(scmp_filter_ctx ctx, uint32_t ctx_default,
                    const struct sbox_seccomp_policy *pol, const char *name, bool from_base,
                    struct sbox_error *err)
{
    enum sbox_seccomp_answer answer = sbox_seccomp_answer(pol, name);
    uint32_t action = answer == SBOX_SECCOMP_ALLOWED  ? SCMP_ACT_ALLOW
                      : answer == SBOX_SECCOMP_DENIED ? deny_action(pol)
                                                      : nosys_action(pol);
    int nr = seccomp_syscall_resolve_name(name);
    int r;
    if (nr == __NR_SCMP_ERROR) {
        /* A base entry for a call newer than this libseccomp: it answers ENOSYS like every call
         * the library does not know. */
        if (from_base)
            return 0;
        return sbox_error(err, 0, "seccomp: `%s` is not a known system call", name);
    }
    if (action == ctx_default)
        return 0;
    r = seccomp_rule_add(ctx, action, nr, 0);
    /* A pseudo call (socketcall, vm86 on x86_64) the native ABI lacks is added for the others
     * where libseccomp can; it refuses none here, but never fail a base rule on that. */
    if (r < 0 && !(from_base && nr < 0))
        return sbox_error(err, -r, "seccomp: add the rule for %s", name);
    return 0;
}

/* --- the argument rules: sbox's own instructions before libseccomp's program ---
 *
 * libseccomp cannot deny some uses of a call and allow the rest under a default that refuses
 * (an unconditional rule for a call swallows its conditional ones), nor say "none of these
 * values". So the argument rules are instructions of sbox's own, placed before libseccomp's
 * program, which starts over with its own architecture check. One section per ABI: load the
 * architecture (another ABI jumps past the section), load the number, then per call with rules
 * "not this call: skip its body". A body tests the arguments' low 32 bits and returns deny, or
 * jumps out of the section: one call has one body, so no other can match. Every jump is forward. */

/* One call's rules on one ABI: argument rules (any holding denies) and allowed values. */
struct call_rules {
    uint32_t nr;
    const struct sbox_seccomp_when *when[SBOX_SECCOMP_N_CONDITIONAL];
    size_t n_when;
    const struct sbox_seccomp_only *only;
};

/* Where the low 32 bits of argument n are in struct seccomp_data. */
static uint32_t arg_low(unsigned n)
{
    uint32_t off = (uint32_t)(offsetof(struct seccomp_data, args) + 8 * n);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    off += 4;
#endif
    return off;
}

static size_t cond_size(const struct sbox_seccomp_cond *c)
{
    return c->mask == SBOX_SECCOMP_LO32 ? 2 : 3; /* load, [and], compare */
}

static size_t when_size(const struct sbox_seccomp_when *w)
{
    size_t n = 0;
    for (unsigned c = 0; c < w->n; c++)
        n += cond_size(&w->c[c]);
    return n;
}

/* The body's length: the argument rules, the allowed values (a load and a compare each), the
 * return and the jump out. */
static size_t body_size(const struct call_rules *c)
{
    size_t n = 2 + (c->only ? 1 + c->only->n : 0);
    for (size_t k = 0; k < c->n_when; k++)
        n += when_size(c->when[k]);
    return n;
}

#define STMT(code, k) ((struct sock_filter)BPF_STMT((code), (k)))
#define JEQ(k, jt, jf) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf)))

/* Writes the body at b; its last instruction, the jump out, is left for the section to aim.
 * Offsets are relative to the instruction after the jump. */
static void emit_body(struct sock_filter *b, const struct call_rules *c, uint32_t deny)
{
    const size_t size = body_size(c), ret = size - 2, out = size - 1;
    const size_t only_at = ret - (c->only ? 1 + c->only->n : 0);
    size_t i = 0;
    for (size_t k = 0; k < c->n_when; k++) {
        const struct sbox_seccomp_when *w = c->when[k];
        /* A rule that fails goes on to the next one, or after the last to the allowed values
         * (or out). */
        size_t fail_to = k + 1 < c->n_when ? i + when_size(w) : c->only ? only_at : out;
        for (unsigned n = 0; n < w->n; n++) {
            const struct sbox_seccomp_cond *cd = &w->c[n];
            size_t at = i + cond_size(cd) - 1; /* the compare */
            /* A condition that holds goes on to the next, or after the last to the return. */
            uint8_t holds = (uint8_t)(n + 1 < w->n ? 0 : ret - at - 1);
            uint8_t fails = (uint8_t)(fail_to - at - 1);
            b[i++] = STMT(BPF_LD | BPF_W | BPF_ABS, arg_low(cd->arg));
            if (cd->mask != SBOX_SECCOMP_LO32)
                b[i++] = STMT(BPF_ALU | BPF_AND | BPF_K, cd->mask);
            b[i++] = cd->ne ? JEQ(cd->value, fails, holds) : JEQ(cd->value, holds, fails);
        }
    }
    if (c->only) {
        b[i++] = STMT(BPF_LD | BPF_W | BPF_ABS, arg_low(c->only->arg));
        for (size_t v = 0; v < c->only->n; v++, i++)
            b[i] = JEQ(c->only->values[v], (uint8_t)(out - i - 1), 0);
    }
    b[i] = STMT(BPF_RET | BPF_K, deny); /* i == ret */
}

static bool when_applies(const struct sbox_seccomp_policy *pol, const struct sbox_seccomp_when *w)
{
    return sbox_seccomp_base_checks(pol, w->level, w->name) &&
           !(w->lifted_by && sbox_seccomp_profile_rule(pol, w->lifted_by) == 1);
}

/* The calls with rules on one ABI, each once, in the tables' order. Returns how many. */
static size_t collect(const struct sbox_seccomp_policy *pol, const struct sbox_seccomp_abi *a,
                      struct call_rules *calls)
{
    size_t n = 0;
    for (size_t k = 0; k < SBOX_SECCOMP_N_CONDITIONAL + SBOX_SECCOMP_N_ONLY; k++) {
        const char *name = k < SBOX_SECCOMP_N_CONDITIONAL
                               ? sbox_seccomp_conditional[k].name
                               : sbox_seccomp_only_rules[k - SBOX_SECCOMP_N_CONDITIONAL].name;
        int nr = sbox_seccomp_abi_nr(a, name);
        struct call_rules *c = NULL;
        if (nr < 0)
            continue;
        for (size_t j = 0; j < n; j++)
            if (calls[j].nr == (uint32_t)nr)
                c = &calls[j];
        if (k < SBOX_SECCOMP_N_CONDITIONAL
                ? !when_applies(pol, &sbox_seccomp_conditional[k])
                : !sbox_seccomp_base_checks(pol, SBOX_SECCOMP_L_DEFAULT, name))
            continue;
        if (!c) {
            c = &calls[n++];
            *c = (struct call_rules){.nr = (uint32_t)nr};
        }
        if (k < SBOX_SECCOMP_N_CONDITIONAL)
            c->when[c->n_when++] = &sbox_seccomp_conditional[k];
        else
            c->only = &sbox_seccomp_only_rules[k - SBOX_SECCOMP_N_CONDITIONAL];
    }
    return n;
}

/* Whether a program covers the ABI: every one, or all but x32 (sbox_seccomp_x32_needed). */
static bool abi_in(const struct sbox_seccomp_abi *a, bool x32)
{
    return x32 || a->base == 0;
}

/* A program without x32 starts with this: x32's calls (x86_64's audit value, the number's bit
 * 30) answer as absent calls do, ENOSYS, as a kernel that runs no x32 program answers them. */
static void x32_absent(const struct sbox_seccomp_policy *pol, struct sock_filter **prog,
                       size_t *len)
{
    for (const struct sbox_seccomp_abi *a = sbox_seccomp_abis(); a->scmp; a++) {
        struct sock_filter *b;
        if (abi_in(a, false))
            continue;
        *prog = sbox_xrealloc(*prog, (*len + 5) * sizeof **prog);
        b = *prog + *len;
        b[0] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        b[1] = JEQ(a->audit, 0, 3);
        b[2] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        b[3] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, a->base, 0, 1);
        b[4] = STMT(BPF_RET | BPF_K, nosys_action(pol));
        *len += 5;
    }
}

static int build_prefix(const struct sbox_seccomp_policy *pol, bool x32, struct sock_filter **prog,
                        size_t *len, struct sbox_error *err)
{
    /* libseccomp's actions are the kernel's return values, errno included. */
    const uint32_t deny = deny_action(pol);
    for (const struct sbox_seccomp_abi *a = sbox_seccomp_abis(); a->scmp; a++) {
        struct call_rules calls[SBOX_SECCOMP_N_CONDITIONAL + SBOX_SECCOMP_N_ONLY];
        size_t n = collect(pol, a, calls), size = 4, at, end;
        struct sock_filter *b;
        if (n == 0 || !abi_in(a, x32))
            continue;
        for (size_t k = 0; k < n; k++) {
            size += 1 + body_size(&calls[k]);
            /* The jumps over a body hold 8 bits; the tables' bodies are a few dozen. */
            if (body_size(&calls[k]) > UINT8_MAX)
                return sbox_error(err, E2BIG,
                                  "seccomp: the argument rules of one call are too long");
        }
        *prog = sbox_xrealloc(*prog, (*len + size) * sizeof **prog);
        b = *prog + *len;
        end = size;
        b[0] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        b[1] = JEQ(a->audit, 1, 0);
        b[2] = STMT(BPF_JMP | BPF_JA, (uint32_t)(end - 3));
        b[3] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        at = 4;
        for (size_t k = 0; k < n; k++) {
            size_t body = body_size(&calls[k]);
            b[at] = JEQ(calls[k].nr, 0, (uint8_t)body);
            emit_body(b + at + 1, &calls[k], deny);
            at += 1 + body;
            b[at - 1] = STMT(BPF_JMP | BPF_JA, (uint32_t)(end - at));
        }
        *len += size;
    }
    return 0;
}
#undef STMT
#undef JEQ

/* libseccomp writes its program to a file descriptor: a memfd, read back into memory. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **prog, size_t *len,
                      struct sbox_error *err)
{
    _cleanup_close_ int fd = memfd_create("sbox-seccomp", MFD_CLOEXEC);
    struct stat st;
    size_t n;
    int r;
    if (fd < 0)
        return sbox_error(err, errno, "create a buffer for the seccomp filter");
    r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return sbox_error(err, -r, "compile the seccomp filter");
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
        return sbox_error(err, EINVAL, "compile the seccomp filter: unexpected size");
    n = (size_t)st.st_size / sizeof(struct sock_filter);
    *prog = sbox_xrealloc(*prog, (*len + n) * sizeof **prog);
    if (pread(fd, *prog + *len, (size_t)st.st_size, 0) != st.st_size)
        return sbox_error(err, EIO, "read the compiled seccomp filter");
    *len += n;
    return 0;
}

/* A libseccomp context answering def to calls no rule names, for every ABI covered. */
static int new_ctx(scmp_filter_ctx *ret, uint32_t def, bool x32, struct sbox_error *err)
{
    _cleanup_(ctx_release) scmp_filter_ctx ctx = seccomp_init(def);
    int r;
    if (!ctx)
        return sbox_error(err, ENOMEM, "create the seccomp filter");
    for (const struct sbox_seccomp_abi *a = sbox_seccomp_abis(); a->scmp; a++)
        if (a->scmp != seccomp_arch_native() && abi_in(a, x32)) {
            r = seccomp_arch_add(ctx, a->scmp);
            if (r < 0 && r != -EEXIST)
                return sbox_error(err, -r, "seccomp: add an architecture");
        }
    /* A binary search over the call numbers rather than one comparison after another: the
     * allow list is a few hundred calls (libseccomp 2.5 on). */
    r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (r < 0)
        return sbox_error(err, -r, "seccomp: ask for a binary search");
    *ret = ctx;
    ctx = NULL;
    return 0;
}

/* What the program of the profile's rules returns for a call they do not name: a value no rule
 * gives (sbox never traces), made a jump to the base's program once the two are joined. */
#define GO_ON SCMP_ACT_TRACE(0x5b0c)

/* The profile's rules alone, compiled by libseccomp at start and appended to *prog: a few rules
 * take it well under a millisecond, where the whole allow list on three ABIs takes it some
 * 20 ms. A rule names a call whatever its arguments, so its answer may come before the base's
 * program: the base's rules for that call, those on arguments too, then never run. */
static int compile_rules(const struct sbox_seccomp_policy *pol, bool x32, struct sock_filter **prog,
                         size_t *len, struct sbox_error *err)
{
    _cleanup_(ctx_release) scmp_filter_ctx ctx = NULL;
    size_t start = *len;
    int r = new_ctx(&ctx, GO_ON, x32, err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < pol->n_rules; i++)
        if (sbox_seccomp_decides(pol, i) &&
            (r = add_rule(ctx, GO_ON, pol, pol->rules[i].name, false, err)) < 0)
            return r;
    r = export_bpf(ctx, prog, len, err);
    if (r < 0)
        return r;
    for (size_t i = start; i < *len; i++) {
        struct sock_filter *f = &(*prog)[i];
        if (f->code == (BPF_RET | BPF_K) && f->k == GO_ON)
            *f = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(*len - i - 1));
    }
    return 0;
}

/* A built-in policy: the program gen-seccomp compiled for it, when sbox has one, with its
 * answers changed when the errno or the action is not the default, after the profile's rules.
 * The program's only returns are allow, errno EPERM (a denial), errno ENOSYS (a call not
 * allowed) and kill (a foreign architecture), so a denial is told by its value; test-seccomp
 * checks the result answers every call as the program libseccomp would make. Returns 1 when
 * it made the program, 0 when there is no build-time program for the base. */
static int from_prebuilt(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol, bool x32,
                         struct sbox_error *err)
{
    const uint32_t eperm = SECCOMP_RET_ERRNO | EPERM, enosys = SECCOMP_RET_ERRNO | ENOSYS;
    const struct sbox_seccomp_prebuilt *b = sbox_seccomp_prebuilt;
    struct sock_filter *prog = NULL;
    size_t len = 0, start;
    int r;
    while (b && b->len && (b->base != pol->base || b->x32 != x32))
        b++;
    if (!b || !b->len)
        return 0;
    /* The profile's rules come first: without x32, after its own start (libseccomp would kill
     * x32's calls as a foreign ABI's). */
    if (pol->n_rules > 0 && !x32)
        x32_absent(pol, &prog, &len);
    if (pol->n_rules > 0 && (r = compile_rules(pol, x32, &prog, &len, err)) < 0) {
        free(prog);
        return r;
    }
    start = len;
    len += b->len;
    if (len > BPF_MAXINSNS) {
        free(prog);
        return sbox_error(err, E2BIG, "seccomp: the filter has %zu instructions", len);
    }
    prog = sbox_xrealloc(prog, len * sizeof *prog);
    memcpy(prog + start, b->filter, b->len * sizeof *b->filter);
    for (size_t i = start; i < len; i++) {
        struct sock_filter *f = &prog[i];
        if (f->code != (BPF_RET | BPF_K))
            continue;
        if (f->k == eperm)
            f->k = deny_action(pol);
        else if (f->k == enosys)
            f->k = nosys_action(pol);
    }
    s->prog.filter = prog;
    s->prog.len = (unsigned short)len;
    return 1;
}

bool sbox_seccomp_x32_needed(void)
{
    static int needed = -1;
    const struct sbox_seccomp_abi *a = sbox_seccomp_abis();
    while (a->scmp && abi_in(a, false))
        a++;
    if (!a->scmp)
        return true; /* no x32 here: nothing to leave out */
    if (needed < 0) {
        /* Asked only of a process no filter holds: another's filter could answer ENOSYS to
         * this call alone, or kill the caller for a foreign ABI. */
        int nr = sbox_seccomp_abi_nr(a, "getpid");
        needed =
            prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0 || nr < 0 || syscall(nr) >= 0 || errno != ENOSYS;
    }
    return needed;
}

int sbox_seccomp_compile(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                         struct sbox_error *err)
{
    return sbox_seccomp_compile_abis(s, pol, sbox_seccomp_x32_needed(), err);
}

int sbox_seccomp_compile_abis(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                              bool x32, struct sbox_error *err)
{
    int r;
    memset(s, 0, sizeof *s);
    r = from_prebuilt(s, pol, x32, err);
    if (r != 0)
        return r < 0 ? r : 0;
    return sbox_seccomp_compile_fresh(s, pol, x32, err);
}

int sbox_seccomp_compile_fresh(struct sbox_seccomp *s, const struct sbox_seccomp_policy *pol,
                               bool x32, struct sbox_error *err)
{
    _cleanup_(ctx_release) scmp_filter_ctx ctx = NULL;
    const uint32_t def = default_action(pol);
    struct sock_filter *prog = NULL;
    size_t len = 0;
    int r;

    memset(s, 0, sizeof *s);
    if (!sbox_seccomp_denies_any(pol))
        return 0; /* nothing denied: no filter at all */
    r = new_ctx(&ctx, def, x32, err);
    if (r < 0)
        return r;
    /* Each call once: the tables do not overlap (test-seccomp checks), and a profile rule for a
     * call in them is read there. */
    if (pol->base != SBOX_SECCOMP_NONE) {
        for (size_t i = 0; sbox_seccomp_allowed[i]; i++)
            if ((r = add_rule(ctx, def, pol, sbox_seccomp_allowed[i], true, err)) < 0)
                return r;
        for (size_t i = 0; sbox_seccomp_default_denied[i]; i++)
            if ((r = add_rule(ctx, def, pol, sbox_seccomp_default_denied[i], true, err)) < 0)
                return r;
    }
    for (size_t i = 0; i < pol->n_rules; i++) {
        const char *name = pol->rules[i].name;
        if (!sbox_seccomp_decides(pol, i) ||
            (pol->base != SBOX_SECCOMP_NONE &&
             (sbox_seccomp_in_list(sbox_seccomp_allowed, name) ||
              sbox_seccomp_in_list(sbox_seccomp_default_denied, name))))
            continue;
        if ((r = add_rule(ctx, def, pol, name, false, err)) < 0)
            return r;
    }

    if (!x32)
        x32_absent(pol, &prog, &len);
    r = build_prefix(pol, x32, &prog, &len, err);
    if (r < 0)
        goto fail;
    r = export_bpf(ctx, &prog, &len, err);
    if (r < 0)
        goto fail;
    if (len > BPF_MAXINSNS) {
        r = sbox_error(err, E2BIG, "seccomp: the filter has %zu instructions", len);
        goto fail;
    }
    s->prog.filter = prog;
    s->prog.len = (unsigned short)len;
    return 0;
fail:
    free(prog);
    return r;
}

int sbox_seccomp_load(const struct sbox_seccomp *s, struct sbox_error *err)
{
    if (s->prog.len == 0)
        return 0;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &s->prog, 0, 0) < 0)
        return sbox_error(err, errno, "load the seccomp filter");
    return 0;
}

void sbox_seccomp_free(struct sbox_seccomp *s)
{
    free(s->prog.filter);
    memset(s, 0, sizeof *s);
}

bool sbox_seccomp_denies_any(const struct sbox_seccomp_policy *pol)
{
    if (pol->base != SBOX_SECCOMP_NONE)
        return true;
    for (size_t i = 0; i < pol->n_rules; i++)
        if (!pol->rules[i].allow)
            return true;
    return false;
}
